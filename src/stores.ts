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

export async function buildStores(
  config: Config,
  secrets: Secrets,
  configPath: string,
  deps: { log: Logger; metrics?: Metrics },
): Promise<Map<string, StoreRuntime>> {
  const out = new Map<string, StoreRuntime>();
  for (const [i, cfg] of config.stores.entries()) {
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
    const mapper = await loadMapper(cfg.mapping.module, cfg.mapping.options, `stores[${i}].mapping`, path.dirname(configPath));
    out.set(cfg.id, { cfg, shopify, mapper, webhookSecret: s.webhookSecret });
  }
  return out;
}
