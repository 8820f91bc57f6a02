import type { Kysely } from 'kysely';
import type { Config } from '../config/schema.ts';
import type { Logger } from '../log.ts';
import { createDb } from './connect.ts';
import { migrateToLatest } from './migrate.ts';
import { openDatabase } from './open.ts';
import type { Database } from './schema.ts';
import { syncStores } from './stores.ts';

/**
 * For one-shot commands (migrate, status, …): open the database (embedded if needed), bring the schema
 * and stores up to date, run `fn`, close everything again.
 */
export async function withLedger<T>(cfg: Config, log: Logger, fn: (db: Kysely<Database>, applied: string[]) => Promise<T>): Promise<T> {
  const opened = await openDatabase(cfg, log);
  const db = createDb(opened.url, 2);
  try {
    const applied = await migrateToLatest(db);
    await syncStores(db, cfg);
    return await fn(db, applied.map((r) => r.migrationName));
  } finally {
    await db.destroy();
    await opened.close();
  }
}
