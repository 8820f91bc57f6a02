import type { Kysely } from 'kysely';
import type { Config, StoreConfig } from '../config/schema.ts';
import type { Database } from './schema.ts';
import { ConfigError } from '../config/load.ts';

function credentialsRef(s: StoreConfig): string {
  return s.auth.type === 'accessToken' ? `env:${s.auth.accessToken.env}` : `client:${s.auth.clientId}+env:${s.auth.clientSecret.env}`;
}

/**
 * The config file is the source of truth for its stores; the ledger keeps a row per store so orders can
 * reference it. A store removed from the config is disabled, never deleted: its orders stay visible.
 * Stores kept in the ledger itself (`ordersync store`) are left as they are.
 */
export async function syncStores(db: Kysely<Database>, cfg: Config): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const ledger = new Set((await trx.selectFrom('stores').select('id').where('source', '=', 'ledger').execute()).map((r) => r.id));
    const clash = cfg.stores.findIndex((s) => ledger.has(s.id));
    if (clash >= 0) throw new ConfigError(`stores[${clash}].id`, `"${cfg.stores[clash]!.id}" is a store kept in the ledger (\`ordersync store list\`): one id cannot be in both; remove it from one`);
    for (const s of cfg.stores) {
      const row = {
        id: s.id,
        platform: s.platform,
        shop_domain: s.shopDomain,
        merchant_id: s.merchantId,
        mapping_module: s.mapping.module,
        enabled: s.enabled,
        credentials_ref: credentialsRef(s),
      };
      await trx
        .insertInto('stores')
        .values(row)
        .onConflict((oc) => oc.column('id').doUpdateSet({ ...row, updated_at: new Date() }))
        .execute();
    }
    const ids = cfg.stores.map((s) => s.id);
    let disable = trx.updateTable('stores').set({ enabled: false, updated_at: new Date() }).where('enabled', '=', true).where('source', '=', 'config');
    if (ids.length > 0) disable = disable.where('id', 'not in', ids);
    await disable.execute();
  });
}
