import { finishBulkOperation, readCursor, rememberBulkOperation } from '../db/cursors.ts';
import { inOrderMesh } from '../db/orders.ts';
import { bulkOperationStatus, startBulkExport, streamBulkOrders, waitForBulkOperation } from '../connectors/shopify/bulk-export.ts';
import { ShopifyApiError } from '../connectors/shopify/errors.ts';
import { fetchOrder, pullUpdatedOrders } from '../connectors/shopify/pull-orders.ts';
import { orderIdentity, type StoreOrderPayload } from '../connectors/shopify/types.ts';
import { mapOrder } from '../mapping/registry.ts';
import { safeIdFor } from '../mapping/safe-id.ts';
import { storeOf, type JobDeps } from './deps.ts';
import { ingestAndEnqueue } from './pull-orders.ts';

export interface BackfillOptions {
  storeId: string;
  since: Date;
  until: Date;
  /** Map without writing anything: what would be sent, what would fail. */
  dryRun: boolean;
  onProgress?: (p: { orders: number; mode: 'bulk' | 'paged' }) => void;
  /** The store order ids of each batch recorded (not on a dry run): what a caller then waits for. */
  onBatch?: (storeOrderIds: string[]) => void;
}

export interface BackfillSummary {
  mode: 'bulk' | 'paged';
  orders: number;
  inserted: number;
  updated: number;
  unchanged: number;
  /**
   * Dry run: each order counted once: already in OrderMesh (never submitted again), would be submitted,
   * would fail (under its first reason, the one the ledger would record), or would be skipped.
   */
  alreadyInOrderMesh: number;
  wouldSubmit: number;
  wouldFail: Record<string, number>;
  wouldSkip: Record<string, number>;
  /** Answers that were no usable order (no Order GID), by why: read but never recorded. */
  unusable: Record<string, number>;
}

const BATCH = 250;

/**
 * A one-off import of a date range through a Shopify bulk operation, streamed into the ledger in
 * batches with constant memory. Resumable: the running operation's id is kept in sync_cursors, so a
 * second run after a crash polls the same operation instead of starting another; re-ingesting what was
 * already recorded changes nothing. Falls back to the paged pull where a bulk operation cannot run.
 * Safe while `start` runs: it writes through the same idempotent ledger functions.
 */
export async function backfill(deps: JobDeps, o: BackfillOptions): Promise<BackfillSummary> {
  const store = storeOf(deps, o.storeId);
  const stream = `backfill:${o.since.toISOString()}..${o.until.toISOString()}`;
  const summary: BackfillSummary = { mode: 'bulk', orders: 0, inserted: 0, updated: 0, unchanged: 0, alreadyInOrderMesh: 0, wouldSubmit: 0, wouldFail: {}, wouldSkip: {}, unusable: {} };
  let batch: StoreOrderPayload[] = [];

  const flush = async () => {
    if (!batch.length) return;
    const orders = batch;
    batch = [];
    if (o.dryRun) {
      const held = await inOrderMesh(deps.db, o.storeId, orders.map((order) => order.id));
      for (const order of orders) {
        if (held.has(order.id)) {
          summary.alreadyInOrderMesh++;
          continue;
        }
        const r = mapOrder(store.mapper, order, { storeId: o.storeId, merchantId: store.cfg.merchantId, safeId: safeIdFor(o.storeId, order.id) });
        if (r.kind === 'mapped') summary.wouldSubmit++;
        else if (r.kind === 'failed') summary.wouldFail[r.errors[0]!.code] = (summary.wouldFail[r.errors[0]!.code] ?? 0) + 1;
        else summary.wouldSkip[r.reason] = (summary.wouldSkip[r.reason] ?? 0) + 1;
      }
    } else {
      const res = await ingestAndEnqueue(deps, o.storeId, orders);
      o.onBatch?.(orders.map((order) => order.id));
      summary.inserted += res.inserted;
      summary.updated += res.updated;
      summary.unchanged += res.unchanged;
    }
  };
  const onInvalid = (why: string) => {
    summary.unusable[why] = (summary.unusable[why] ?? 0) + 1;
    deps.log.warn({ store: o.storeId, why }, 'backfill: an order without a usable id was skipped');
  };
  const add = async (raw: unknown) => {
    const identity = orderIdentity(raw);
    if (!identity.ok) return onInvalid(identity.why);
    const order = identity.order;
    batch.push(order);
    summary.orders++;
    if (batch.length >= BATCH) {
      await flush();
      o.onProgress?.({ orders: summary.orders, mode: summary.mode });
    }
  };

  const key = { storeId: o.storeId, stream };
  const cursor = o.dryRun ? undefined : await readCursor(deps.db, key);
  let opId = cursor?.bulk_operation_id ?? null;
  if (opId && !(await bulkOperationStatus(store.shopify, opId))) opId = null;
  try {
    if (!opId) {
      opId = await startBulkExport(store.shopify, o.since, o.until);
      if (!o.dryRun) await rememberBulkOperation(deps.db, key, opId);
      deps.log.info({ store: o.storeId, bulkOperation: opId, since: o.since, until: o.until }, 'backfill: Shopify bulk operation started; waiting for its export');
    } else deps.log.info({ store: o.storeId, bulkOperation: opId }, 'resuming the bulk operation of an interrupted backfill');
    const op = await waitForBulkOperation(store.shopify, opId);
    if (op.url) {
      for await (const item of streamBulkOrders(op.url)) {
        if ('order' in item) await add(item.order);
        else {
          const order = await fetchOrder(store.shopify, item.refetch);
          if (order) await add(order);
        }
      }
    }
  } catch (err) {
    if (!(err instanceof ShopifyApiError && err.code === 'BULK_FAILED')) throw err;
    deps.log.warn({ store: o.storeId, err }, 'bulk operation unavailable; falling back to the paged pull');
    summary.mode = 'paged';
    for await (const page of pullUpdatedOrders(store.shopify, { since: o.since, until: new Date(o.until.getTime() - 1), onInvalid })) for (const order of page) await add(order);
  }
  await flush();
  o.onProgress?.({ orders: summary.orders, mode: summary.mode });
  if (!o.dryRun) await finishBulkOperation(deps.db, key, summary);
  return summary;
}
