import type { Kysely } from 'kysely';
import type { Config } from '../config/schema.ts';
import type { Logger } from '../log.ts';
import { createDb } from './connect.ts';
import { migrateToLatest } from './migrate.ts';
import { openDatabase, type OpenedDatabase } from './open.ts';
import type { Database } from './schema.ts';
import { syncStores } from './stores.ts';
import { onShutdown } from '../util/shutdown.ts';

export interface Ledger {
  db: Kysely<Database>;
  database: OpenedDatabase;
  /** Migrations this opening applied. */
  applied: string[];
  /** Closes the pool, then stops an embedded PostgreSQL we started. */
  close(): Promise<void>;
}

/**
 * The database (embedded if DATABASE_URL is unset), migrated, with the config's stores in sync: what
 * every entry point needs first, from `start` to `status`.
 */
export async function openLedger(cfg: Config, log: Logger, env: NodeJS.ProcessEnv = process.env, poolSize = 10): Promise<Ledger> {
  const database = await openDatabase(cfg, log, env);
  const db = createDb(database.url, poolSize);
  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      await db.destroy();
      await database.close();
      off();
    })());
  const off = onShutdown(close);
  try {
    const applied = (await migrateToLatest(db)).map((r) => r.migrationName);
    if (applied.length > 0) log.info({ migrations: applied }, 'migrations applied');
    await syncStores(db, cfg);
    return { db, database, applied, close };
  } catch (err) {
    await close();
    throw err;
  }
}

/** For one-shot commands (migrate, status): open the ledger, run `fn`, close it again. */
export async function withLedger<T>(cfg: Config, log: Logger, fn: (db: Kysely<Database>, applied: string[], database: OpenedDatabase) => Promise<T>): Promise<T> {
  const ledger = await openLedger(cfg, log, process.env, 2);
  try {
    return await fn(ledger.db, ledger.applied, ledger.database);
  } finally {
    await ledger.close();
  }
}
