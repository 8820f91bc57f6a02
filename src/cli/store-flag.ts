import type { Kysely } from 'kysely';
import { resolveSecrets } from '../config/load.ts';
import type { StoreConfig } from '../config/schema.ts';
import { ledgerStore, storeIds } from '../db/ledger-stores.ts';
import type { Database } from '../db/schema.ts';
import { withLedger } from '../db/session.ts';
import { buildStores, loadMappers, mergeLedgerStores, type StoreRuntime } from '../stores.ts';
import { Keyring, SecretKeyError } from '../util/secret-box.ts';
import type { CliContext } from './context.ts';
import { UsageError } from './usage.ts';

/** How many store ids an unknown-store message lists before it points at `store list`. */
const LISTED = 12;

/**
 * The store a `--store` flag names: the config file's, else one kept in the ledger (`ordersync store
 * add`, an app install), its settings read as the config reads them; else a usage error naming the
 * stores there are.
 */
export async function storeFlag(ctx: CliContext, db: Kysely<Database>, id: string, flag = '--store'): Promise<StoreConfig> {
  const inFile = ctx.config.stores.find((s) => s.id === id);
  if (inFile) return inFile;
  const inLedger = await ledgerStore(db, id);
  if (inLedger) return inLedger;
  const ids = [...new Set([...ctx.config.stores.map((s) => s.id), ...(await storeIds(db))])];
  const listed = ids.length > LISTED ? `${ids.slice(0, LISTED).join(', ')} and ${ids.length - LISTED} more: see \`ordersync store list\`` : ids.join(', ') || 'none';
  throw new UsageError(`${flag}: no store "${id}" in the config or the ledger (${listed})`);
}

/** The store a flag names: a config store without a connection, else the ledger's (see storeFlag). */
export async function storeConfigOf(ctx: CliContext, id: string, flag = '--store'): Promise<StoreConfig> {
  return ctx.config.stores.find((s) => s.id === id) ?? withLedger(ctx.config, ctx.log, (db) => storeFlag(ctx, db, id, flag));
}

/**
 * The store a flag names, ready to talk to its shop and map its orders (its client and mapper): a
 * config store without touching the database, a ledger store with its secrets opened by
 * ORDERSYNC_SECRET_KEY. A paused store is refused, as the workers leave it alone.
 */
export async function storeRuntimeOf(ctx: CliContext, id: string, flag = '--store'): Promise<StoreRuntime> {
  const file = { config: ctx.config, secrets: resolveSecrets(ctx.config), mappers: await loadMappers(ctx.config, ctx.configPath) };
  let problem: unknown;
  const set = ctx.config.stores.some((s) => s.id === id)
    ? file
    : await withLedger(ctx.config, ctx.log, async (db) => {
        await storeFlag(ctx, db, id, flag);
        const keyring = (() => {
          try {
            return Keyring.fromEnv();
          } catch (err) {
            throw err instanceof SecretKeyError ? new UsageError(`${flag}: ${id} is a ledger store: ${err.message}`) : err;
          }
        })();
        return mergeLedgerStores(db, keyring, file, ctx.configPath, (err) => (problem = err), id);
      });
  if (problem) throw new UsageError(`${flag}: ledger store ${id} cannot be run: ${(problem as Error).message}`);
  const store = buildStores(set.config, set.secrets, set.mappers, { log: ctx.log }).get(id);
  if (!store) throw new UsageError(`${flag}: store "${id}" is paused (enabled: false in ${ctx.configPath}, or \`ordersync store resume ${id}\`)`);
  return store;
}
