import type { JobDeps } from '../jobs/deps.ts';
import type { ReprocessLine } from '../jobs/reprocess.ts';
import { applySkuMaps, type StoreRuntime } from '../stores.ts';

/**
 * What the console adds to a reprocess: the ledger's SKU maps put into this process's mappers before
 * it maps (so a mapping just saved is what the preview and the run use), the preview's split by outcome
 * as `ordersync reprocess --dry-run` prints it, and the SKUs the merchant's catalogue is known to lack.
 */

/**
 * A worker reads the ledger's SKU maps every few seconds (runtime.ts): between a "Set a SKU mapping"
 * and that read, a preview mapped with the old map ("would fail again") and the run's submission
 * failed the order again. `seen` is the versions this process's admin API put in last; a store whose
 * entries are unchanged since is not rebuilt.
 */
export async function skuMapsNow(deps: Pick<JobDeps, 'db' | 'stores' | 'log'>, seen: Map<string, string>, storeIds?: string[]): Promise<void> {
  const stores = storeIds ? new Map([...deps.stores].filter(([id]) => storeIds.includes(id))) : deps.stores;
  await applySkuMaps(deps.db, stores, seen, deps.log);
}

/** Lines per action ("would submit", "would fail again", …), most first: the dry run's summary. */
export function outcomeSplit(lines: ReprocessLine[]): Array<{ action: string; orders: number; reasons: Record<string, number> }> {
  const by = new Map<string, { action: string; orders: number; reasons: Record<string, number> }>();
  for (const l of lines) {
    const cur = by.get(l.action) ?? by.set(l.action, { action: l.action, orders: 0, reasons: {} }).get(l.action)!;
    cur.orders++;
    if (l.result?.kind === 'failed') for (const code of new Set(l.result.errors.map((e) => e.code))) cur.reasons[code] = (cur.reasons[code] ?? 0) + 1;
  }
  return [...by.values()].sort((a, b) => b.orders - a.orders || a.action.localeCompare(b.action));
}

/** How long a preview waits for a catalogue this process has not read yet: it only advises, so not long. */
const CATALOGUE_WAIT_MS = 2_000;

/**
 * Per line that would submit: the SKUs its payload carries that the merchant's enabled catalogue (as
 * `ordersync sku check` reads it, cached per process) lacks: OrderMesh would refuse them. Nothing when
 * the catalogue cannot be read: it advises, never blocks.
 */
export async function notInCatalogue(deps: { catalogue: JobDeps['catalogue']; stores: ReadonlyMap<string, Pick<StoreRuntime, 'cfg'>> }, lines: ReprocessLine[]): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  for (const l of lines) {
    // Only what a run would send: an order OrderMesh has already is re-checked, never sent again.
    if (l.result?.kind !== 'mapped' || l.action !== 'would submit') continue;
    const merchantId = deps.stores.get(l.storeId)?.cfg.merchantId;
    const view = merchantId ? await deps.catalogue.get(merchantId, CATALOGUE_WAIT_MS) : null;
    if (!view) continue;
    const missing = [...new Set(l.result.model.items.map((i) => i.sku).filter((sku) => !view.skus.has(sku)))];
    if (missing.length) out.set(l.id, missing);
  }
  return out;
}
