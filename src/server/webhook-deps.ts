import type { Kysely } from 'kysely';
import type { PgBoss } from 'pg-boss';
import type { Database } from '../db/schema.ts';
import type { Logger } from '../log.ts';
import type { Metrics } from '../metrics.ts';
import type { StoreDirectory } from '../stores.ts';
import type { Keyring } from '../util/secret-box.ts';
import type { ConfigShopStore } from './config-shops.ts';
import type { IntakeLimits } from './ordermesh-intake.ts';

/** What the webhook receivers (webhooks.ts) and the compliance receiver (compliance.ts) are given. */
export interface WebhookDeps {
  db: Kysely<Database>;
  boss: PgBoss;
  log: Logger;
  metrics: Metrics;
  stores: StoreDirectory;
  ordermeshSecret: string | undefined;
  /** Shopify deliveries triggered longer ago than this are acknowledged and ignored. */
  maxAgeSeconds: number;
  now?: () => number;
  /** Bounds of the OrderMesh intake (tests make them small). */
  intake?: Partial<IntakeLimits>;
  /** The Shopify app's client secret (server.install): it signs the compliance webhooks of a shop whose store is paused or removed. */
  appSecret?: string | undefined;
  /** Opens a paused ledger store's sealed webhook secret, for its compliance webhooks. */
  keyring?: Keyring | undefined;
  /** The config file's stores of a shop, disabled ones too, with their secrets: for its compliance webhooks. */
  configStoresOfShop?: ((domain: string) => ConfigShopStore[]) | undefined;
}
