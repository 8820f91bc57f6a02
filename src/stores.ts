import path from 'node:path';
import type { Config, StoreConfig } from './config/schema.ts';
import type { Secrets } from './config/load.ts';
import { ShopifyClient } from './connectors/shopify/client.ts';
import type { Logger } from './log.ts';
import { loadMapper, type Mapper } from './mapping/registry.ts';
import type { Metrics } from './metrics.ts';

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

export function buildStores(config: Config, secrets: Secrets, mappers: Map<string, Mapper>, deps: { log: Logger; metrics?: Metrics }): Map<string, StoreRuntime> {
  const out = new Map<string, StoreRuntime>();
  for (const cfg of config.stores) {
    if (!cfg.enabled) continue;
    const s = secrets.stores.get(cfg.id)!;
    const shopify = new ShopifyClient(
      {
        shopDomain: cfg.shopDomain,
        apiVersion: cfg.apiVersion,
        apiOrigin: cfg.apiOrigin,
        auth:
          cfg.auth.type === 'accessToken'
            ? { type: 'accessToken', accessToken: s.shopifyToken! }
            : { type: 'clientCredentials', clientId: cfg.auth.clientId, clientSecret: s.shopifyClientSecret! },
      },
      { log: deps.log, onCall: (status) => deps.metrics?.httpCalls.inc({ upstream: 'shopify', status: String(status) }) },
    );
    out.set(cfg.id, { cfg, shopify, mapper: mappers.get(cfg.id)!, webhookSecret: s.webhookSecret });
  }
  return out;
}
