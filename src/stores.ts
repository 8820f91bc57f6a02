import { createHash } from 'node:crypto';
import path from 'node:path';
import type { Config, StoreConfig } from './config/schema.ts';
import { ConfigError, type Secrets } from './config/load.ts';
import { ShopifyClient } from './connectors/shopify/client.ts';
import type { Logger } from './log.ts';
import { loadMapper, type Mapper } from './mapping/registry.ts';
import type { Metrics } from './metrics.ts';
import type { Kysely } from 'kysely';
import type { Database } from './db/schema.ts';
import { skuMapOf, skuMapVersions } from './db/sku-maps.ts';
import { loadLedgerStores } from './db/ledger-stores.ts';
import type { Keyring } from './util/secret-box.ts';

/** Everything the jobs need for one store: its settings, its Shopify client and its mapper. */
export interface StoreRuntime {
  cfg: StoreConfig;
  shopify: ShopifyClient;
  mapper: Mapper;
  webhookSecret: string | undefined;
  /** What it was built from (see buildStores). */
  fingerprint: string;
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

/** Stores as one configuration: the config, their secrets, their loaded mappers. */
export interface StoreSet {
  config: Config;
  secrets: Secrets;
  mappers: Map<string, Mapper>;
}

/**
 * The config file's stores and the ledger's enabled ones (`ordersync store`, app installs) as one
 * configuration, the file's first: what a worker runs. A ledger store that cannot be run (its secrets
 * unopened, a setting or its mapping module refused) goes to `onProblem` and is left out. `only`: read
 * that ledger store alone (a command acting on one store).
 */
export async function mergeLedgerStores(db: Kysely<Database>, keyring: Keyring, file: StoreSet, configPath: string, onProblem: (err: unknown, storeId: string) => void, only?: string): Promise<StoreSet> {
  const ledger = await loadLedgerStores(db, keyring, onProblem, only);
  const running = oneStorePerShop(file.config.stores, ledger.stores, onProblem);
  const config: Config = { ...file.config, stores: [...file.config.stores, ...running] };
  const secrets: Secrets = { ...file.secrets, stores: new Map([...file.secrets.stores, ...ledger.secrets]) };
  const mappers = new Map(file.mappers);
  for (const s of running) {
    try {
      mappers.set(s.id, await loadMapper(s.mapping.module, s.mapping.options, `store ${s.id}: mapping`, path.dirname(configPath)));
    } catch (err) {
      onProblem(err, s.id);
      config.stores = config.stores.filter((x) => x.id !== s.id);
    }
  }
  return { config, secrets, mappers };
}

/**
 * The ledger stores that may run beside the file's: one whose shop a config store (or a ledger store
 * before it) has goes to `onProblem`, naming both, and is left out. Two stores of one shop would each
 * pull every order and submit it under its own safeId (issue 34); `store add` and installs refuse
 * that, so this is a ledger older than the refusal, or a config file changed to a ledger store's shop.
 */
function oneStorePerShop(fileStores: StoreConfig[], ledgerStores: StoreConfig[], onProblem: (err: unknown, storeId: string) => void): StoreConfig[] {
  const holders = new Map(fileStores.map((s, i) => [s.shopDomain, { id: s.id, key: `stores[${i}].shopDomain` }]));
  return ledgerStores.filter((s) => {
    const holder = holders.get(s.shopDomain);
    if (!holder) {
      holders.set(s.shopDomain, { id: s.id, key: 'store.shopDomain' });
      return true;
    }
    const fix = holder.key === 'store.shopDomain' ? `\`ordersync store remove ${s.id}\`` : `remove one: \`ordersync store remove ${s.id}\`, or the file's`;
    onProblem(new ConfigError(holder.key, `${s.shopDomain} is store ${holder.id}'s and ledger store ${s.id}'s: one shop, one store (${fix})`), s.id);
    return false;
  });
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

/**
 * The running stores by id (a Map, changed in place on a reload: the jobs and the webhook receivers
 * hold it), with a lookup by shop domain kept in step with every change, so a webhook delivery finds
 * its store without a scan of a thousand.
 */
export class StoreDirectory extends Map<string, StoreRuntime> {
  #byDomain: Map<string, StoreRuntime> | undefined;

  /** The store a Shopify delivery names; where stores share a shop, the first configured. */
  byShopDomain(domain: string): StoreRuntime | undefined {
    if (!this.#byDomain) {
      this.#byDomain = new Map();
      for (const s of this.values()) if (!this.#byDomain.has(s.cfg.shopDomain)) this.#byDomain.set(s.cfg.shopDomain, s);
    }
    return this.#byDomain.get(domain);
  }

  override set(id: string, store: StoreRuntime): this {
    this.#byDomain = undefined;
    return super.set(id, store);
  }

  override delete(id: string): boolean {
    this.#byDomain = undefined;
    return super.delete(id);
  }

  override clear(): void {
    this.#byDomain = undefined;
    super.clear();
  }
}

/** What a store's runtime is built from: equal fingerprints, the same clients and mapper will do. */
const fingerprintOf = (cfg: StoreConfig, secrets: Secrets, mapper: Mapper | undefined) =>
  createHash('sha256').update(JSON.stringify([cfg, secrets.stores.get(cfg.id), mapper?.module.name])).digest('base64url');

/**
 * Each enabled store's runtime. With `previous` (a reload), a store whose settings, secrets and mapping
 * module are unchanged keeps its runtime (its Shopify client, connections and throttle state, and the
 * SKU maps put into its mapper): a change to one store of a thousand rebuilds that one.
 */
export function buildStores(config: Config, secrets: Secrets, mappers: Map<string, Mapper>, deps: { log: Logger; metrics?: Metrics; shopifyAttempts?: number }, previous?: Map<string, StoreRuntime>): StoreDirectory {
  const out = new StoreDirectory();
  for (const cfg of config.stores) {
    if (!cfg.enabled) continue;
    const mapper = mappers.get(cfg.id)!;
    const fingerprint = fingerprintOf(cfg, secrets, mapper);
    const before = previous?.get(cfg.id);
    if (before && before.fingerprint === fingerprint) {
      out.set(cfg.id, before);
      continue;
    }
    const shopify = shopifyClientFor(cfg, secrets, deps);
    out.set(cfg.id, { cfg, shopify, mapper, webhookSecret: secrets.stores.get(cfg.id)!.webhookSecret, fingerprint });
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
