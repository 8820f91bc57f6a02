import path from 'node:path';
import type { Config, StoreConfig } from './config/schema.ts';
import type { Secrets } from './config/load.ts';
import { ShopifyClient } from './connectors/shopify/client.ts';
import type { Logger } from './log.ts';
import { loadMapper, type Mapper } from './mapping/registry.ts';
import type { Metrics } from './metrics.ts';
import type { Kysely } from 'kysely';
import type { Database } from './db/schema.ts';
import { skuMapOf, skuMapVersions } from './db/sku-maps.ts';

/** Everything the jobs need for one store: its settings, its Shopify client and its mapper. */
export interface StoreRuntime {
  cfg: StoreConfig;
  shopify: ShopifyClient;
  mapper: Mapper;
  webhookSecret: string | undefined;
}

/**
 * Each enabled store's mapping module, loaded and its options checked: done before any connection is
 * opened, so a missing module or a bad option stops start-up naming its config key, like every other key.
 */
export async function loadMappers(config: Config, configPath: string): Promise<Map<string, Mapper>> {
  const out = new Map<string, Mapper>();
  for (const [i, cfg] of config.stores.entries()) {
    if (cfg.enabled) out.set(cfg.id, await loadMapper(cfg.mapping.module, cfg.mapping.options, `stores[${i}].mapping`, path.dirname(configPath)));
  }
  return out;
}

/** A store's Shopify client, with its credentials from `secrets`: the one place a client is made. */
export function shopifyClientFor(cfg: StoreConfig, secrets: Secrets, deps: { log: Logger; metrics?: Metrics; shopifyAttempts?: number }): ShopifyClient {
  const s = secrets.stores.get(cfg.id)!;
  return new ShopifyClient(
    {
      shopDomain: cfg.shopDomain,
      apiVersion: cfg.apiVersion,
      apiOrigin: cfg.apiOrigin,
      auth:
        cfg.auth.type === 'accessToken'
          ? { type: 'accessToken', accessToken: s.shopifyToken! }
          : { type: 'clientCredentials', clientId: cfg.auth.clientId, clientSecret: s.shopifyClientSecret! },
    },
    { log: deps.log, maxAttempts: deps.shopifyAttempts, onCall: (status) => deps.metrics?.upstreamCall('shopify', status) },
  );
}

export function buildStores(config: Config, secrets: Secrets, mappers: Map<string, Mapper>, deps: { log: Logger; metrics?: Metrics; shopifyAttempts?: number }): Map<string, StoreRuntime> {
  const out = new Map<string, StoreRuntime>();
  for (const cfg of config.stores) {
    if (!cfg.enabled) continue;
    const s = secrets.stores.get(cfg.id)!;
    const shopify = shopifyClientFor(cfg, secrets, deps);
    out.set(cfg.id, { cfg, shopify, mapper: mappers.get(cfg.id)!, webhookSecret: s.webhookSecret });
  }
  return out;
}

/**
 * Puts the ledger's SKU maps (`ordersync sku`) into each store's mapper, over the config's skuMap,
 * for the stores whose entries changed since `seen` (a version per store). Called at start and every
 * few seconds, so a change reaches every worker without a restart.
 */
export async function applySkuMaps(db: Kysely<Database>, stores: Map<string, StoreRuntime>, seen: Map<string, string>, log: Logger): Promise<void> {
  const versions = await skuMapVersions(db);
  for (const [id, store] of stores) {
    const version = versions.get(id) ?? '';
    if ((seen.get(id) ?? '') === version) continue;
    const raw = store.cfg.mapping.options as { skuMap?: Record<string, string> };
    const ledger = version ? await skuMapOf(db, id) : {};
    try {
      store.mapper = { module: store.mapper.module, options: store.mapper.module.parseOptions({ ...raw, skuMap: { ...(raw.skuMap ?? {}), ...ledger } }) };
      seen.set(id, version);
      log.info({ store: id, entries: Object.keys(ledger).length }, 'SKU maps from the ledger in effect');
    } catch (err) {
      seen.set(id, version);
      log.error({ err, store: id }, `the mapping module ${store.mapper.module.name} does not take a skuMap option: the ledger's SKU maps are not used for this store`);
    }
  }
}
