import type { Kysely } from 'kysely';

// Stores kept in the ledger (`ordersync store add`, app installs) beside the config file's.
// - source: config | ledger (a config store's row mirrors the file; a ledger store's row is the store).
// - settings: a ledger store's settings, as the config file would give them, without its secrets.
// - secrets_sealed: its secrets (access token, client secret, webhook secret), each AES-256-GCM sealed
//   with ORDERSYNC_SECRET_KEY (src/util/secret-box.ts).
// - paused_reason: why a store is paused (an operator, the app uninstalled), shown by `store list`.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('stores')
    .addColumn('source', 'text', (c) => c.notNull().defaultTo('config'))
    .addColumn('settings', 'jsonb')
    .addColumn('secrets_sealed', 'jsonb')
    .addColumn('paused_reason', 'text')
    .execute();
}
