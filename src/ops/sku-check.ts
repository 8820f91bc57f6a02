import type { Kysely } from 'kysely';
import type { CatalogueCache } from '../connectors/ordermesh/catalogue.ts';
import { closestSkus } from '../connectors/ordermesh/catalogue.ts';
import type { Database } from '../db/schema.ts';
import { listSkuMaps } from '../db/sku-maps.ts';
import { storeSkusInOrders } from '../db/sku-usage.ts';
import type { StoreConfig } from '../config/schema.ts';
import type { JobDeps } from '../jobs/deps.ts';

export interface SkuUse {
  /** The SKU OrderMesh would be sent. */
  sku: string;
  /** Where it comes from: a map entry (config or ledger, with the store SKU it maps), or a store SKU sent as is. */
  sources: Array<{ kind: 'config' | 'ledger'; storeSku: string } | { kind: 'passthrough'; orders: number }>;
}

export type SkuReport =
  | { store: string; merchantId: string; catalogue: 'unavailable' | 'none'; checked: number; unknown: never[]; uses: SkuUse[] }
  | { store: string; merchantId: string; catalogue: 'read'; variants: number; checked: number; unknown: Array<SkuUse & { closest: string[] }>; uses: SkuUse[] };

const options = (store: StoreConfig) => store.mapping.options as { skuMap?: Record<string, string>; passthroughSku?: boolean };

/**
 * Every OrderMesh SKU a store would send: its map (the config's, under the ledger's) and, when the
 * mapping passes store SKUs through, the store SKUs its orders carry that no entry maps.
 */
export async function skusInUse(db: Kysely<Database>, store: StoreConfig): Promise<SkuUse[]> {
  const byOm = new Map<string, SkuUse>();
  const use = (sku: string) => byOm.get(sku) ?? byOm.set(sku, { sku, sources: [] }).get(sku)!;
  const ledger = await listSkuMaps(db, store.id);
  const mapped = new Set(ledger.map((e) => e.storeSku));
  for (const [storeSku, om] of Object.entries(options(store).skuMap ?? {})) {
    if (mapped.has(storeSku)) continue;
    mapped.add(storeSku);
    use(om).sources.push({ kind: 'config', storeSku });
  }
  for (const e of ledger) use(e.ordermeshSku).sources.push({ kind: 'ledger', storeSku: e.storeSku });
  if (options(store).passthroughSku !== false) {
    for (const s of await storeSkusInOrders(db, store.id)) if (!mapped.has(s.sku)) use(s.sku).sources.push({ kind: 'passthrough', orders: s.orders });
  }
  return [...byOm.values()].sort((a, b) => a.sku.localeCompare(b.sku));
}

/** Checks a store's SKUs against its merchant's enabled catalogue, naming the closest catalogue SKUs of each unknown one. */
export async function checkStoreSkus(db: Kysely<Database>, store: StoreConfig, catalogue: CatalogueCache, waitMs = 30_000): Promise<SkuReport> {
  const uses = await skusInUse(db, store);
  const view = await catalogue.get(store.merchantId, waitMs);
  const base = { store: store.id, merchantId: store.merchantId, checked: uses.length, uses };
  if (!view) return { ...base, catalogue: catalogue.known(store.merchantId) ? 'none' : 'unavailable', unknown: [] };
  const unknown = uses.filter((u) => !view.skus.has(u.sku)).map((u) => ({ ...u, closest: closestSkus(u.sku, view.variants) }));
  return { ...base, catalogue: 'read', variants: view.variants.length, unknown };
}

/** At start: each store's SKUs the catalogue lacks, logged once per store (nothing when all are known or it cannot be read). */
export async function warnUnknownSkus(deps: Pick<JobDeps, 'db' | 'catalogue' | 'stores' | 'log'>): Promise<void> {
  for (const store of deps.stores.values()) {
    try {
      const report = await checkStoreSkus(deps.db, store.cfg, deps.catalogue);
      if (report.catalogue === 'read' && report.unknown.length) {
        deps.log.warn(
          { store: store.cfg.id, unknown: report.unknown.map((u) => ({ sku: u.sku, closest: u.closest })) },
          `${report.unknown.length} SKU(s) this store would send are not in the merchant's OrderMesh catalogue: \`ordersync sku check --store ${store.cfg.id}\``,
        );
      }
    } catch (err) {
      deps.log.warn({ err, store: store.cfg.id }, 'checking the SKUs against the catalogue failed');
    }
  }
}
