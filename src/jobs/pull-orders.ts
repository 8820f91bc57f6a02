import type { Transaction } from 'kysely';
import { advanceWatermark, openCursor } from '../db/cursors.ts';
import type { Database } from '../db/schema.ts';
import { fetchOrders, pullUpdatedIds, pullUpdatedOrders } from '../connectors/shopify/pull-orders.ts';
import type { StoreOrderPayload } from '../connectors/shopify/types.ts';
import { ingestOrders, staleOrMissing, type IngestResult } from '../db/orders.ts';
import { storeOf, type JobDeps } from './deps.ts';
import { Q, enqueue } from './queues.ts';

export const ORDERS_STREAM = 'orders';
/** A store's very first pull reaches this far back; older history is what `ordersync backfill` is for. */
const FIRST_PULL_LOOKBACK_MS = 24 * 3_600_000;

/**
 * Records one batch of store orders and everything that follows from it, in one transaction: the ledger
 * rows, the jobs for changes OrderMesh must hear about, and a submit job for the store.
 */
export async function ingestAndEnqueue(
  deps: JobDeps,
  storeId: string,
  orders: StoreOrderPayload[],
  /** More writes that must commit with the batch (the watermark). */
  alsoInTransaction?: (trx: Transaction<Database>) => Promise<void>,
): Promise<IngestResult> {
  const store = storeOf(deps, storeId);
  return deps.db.transaction().execute(async (trx) => {
    const res = await ingestOrders(trx, { id: storeId, holdMinutes: store.cfg.holdMinutes }, orders, deps.actor);
    for (const c of res.changes) await enqueue(deps.boss, Q.applyOrderChange, c, { trx, singletonKey: c.orderId });
    if (res.inserted + res.updated > 0) await enqueue(deps.boss, Q.submitOrders, { storeId }, { trx, singletonKey: storeId });
    await alsoInTransaction?.(trx);
    return res;
  });
}

/** Slack for the per-minute tick: a sweep that ran a few seconds late still schedules the next whole interval. */
const DUE_SLACK_MS = 30_000;

/**
 * Whether a store's pull is due at `slot` (when the sweep would have it run): `intervalSeconds` since the
 * slot its last one was scheduled for, give or take the tick's slack. Slot to slot: from when a pull
 * finished, the time it waited in the lanes pushed the next past its tick, skipping an interval.
 */
export function pullIsDue(lastSlot: Date | null, slot: Date, intervalSeconds: number): boolean {
  return !lastSlot || slot.getTime() - lastSlot.getTime() >= intervalSeconds * 1000 - DUE_SLACK_MS;
}

/**
 * The incremental pull of one store: orders updated since the watermark (minus the overlap window, so
 * late writes are re-read), page by page. Each page is committed together with the new watermark, which
 * never passes an uncommitted order nor the pull's own start time.
 */
export async function pullOrders(deps: JobDeps, storeId: string): Promise<{ pages: number; orders: number }> {
  const store = storeOf(deps, storeId);
  if (store.cfg.mode === 'fulfillment-service') {
    // Its work comes as fulfilment requests: what asked for a pull looks for those instead.
    await enqueue(deps.boss, Q.scanFulfillmentRequests, { storeId }, { singletonKey: storeId });
    return { pages: 0, orders: 0 };
  }
  const key = { storeId, stream: ORDERS_STREAM };
  const cursor = await openCursor(deps.db, key, store.cfg.pull.overlapSeconds);
  // Whole seconds, like Shopify's updatedAt: a watermark with milliseconds would ask for a window
  // boundary no order can carry.
  const until = new Date(Math.floor(Date.now() / 1000) * 1000);
  const since = cursor.watermark ? new Date(cursor.watermark.getTime() - store.cfg.pull.overlapSeconds * 1000) : new Date(until.getTime() - FIRST_PULL_LOOKBACK_MS);

  let pages = 0;
  let count = 0;
  const onInvalid = (why: string) => deps.log.warn({ store: storeId, why }, 'Shopify returned an order without a usable id: skipped (it is read again on its next change)');
  // The overlap (already read once): ids and update times first, then only what changed, by id. The
  // rest of the window is read in full pages.
  const fullFrom = cursor.watermark ?? since;
  if (cursor.watermark) {
    for await (const seen of pullUpdatedIds(store.shopify, { since, until: new Date(fullFrom.getTime() - 1000) })) {
      pages++;
      const changed = await staleOrMissing(deps.db, storeId, seen);
      if (changed.length === 0) continue;
      const orders = await fetchOrders(store.shopify, changed, onInvalid);
      count += orders.length;
      await ingestAndEnqueue(deps, storeId, orders);
    }
  }
  for await (const page of pullUpdatedOrders(store.shopify, { since: fullFrom, until, onInvalid })) {
    pages++;
    count += page.length;
    const stamps = page.flatMap((o) => (o.updatedAt ? [Date.parse(o.updatedAt)] : []));
    const newest = new Date(Math.min(until.getTime(), stamps.length ? Math.max(...stamps) : since?.getTime() ?? 0));
    await ingestAndEnqueue(deps, storeId, page, (trx) => advanceWatermark(trx, key, newest));
  }
  await advanceWatermark(deps.db, key, until, { success: true });
  deps.log[count ? 'info' : 'debug']({ store: storeId, pages, orders: count, since, until }, 'pulled store orders');
  return { pages, orders: count };
}
