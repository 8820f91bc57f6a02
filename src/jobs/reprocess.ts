import { requestPayload } from '../connectors/shopify/fulfillment-service/request-payload.ts';
import { readFulfillmentOrders } from '../connectors/shopify/fulfillment-service/requests.ts';
import { fetchOrders } from '../connectors/shopify/pull-orders.ts';
import type { StoreOrderPayload } from '../connectors/shopify/types.ts';
import { recordRequestChange, refreshRequest } from '../db/fulfillment-requests.ts';
import { transition } from '../db/orders.ts';
import { REMAPPABLE } from '../db/order-states.ts';
import { orderById } from '../db/order-lookups.ts';
import { countToReprocess, ordersToReprocess, REPROCESS_LIMIT, type ReprocessSelection } from '../db/reprocess-selection.ts';
import type { OrderRow, OrderState, RequestState } from '../db/schema.ts';
import { mapOrder } from '../mapping/registry.ts';
import type { MappingResult } from '../mapping/types.ts';
import { storeOf, type JobDeps } from './deps.ts';
import { ingestAndEnqueue } from './pull-orders.ts';
import type { StoreRuntime } from '../stores.ts';
import { Q, enqueue } from './queues.ts';

export interface ReprocessLine {
  /** The ledger row, its store and store order id. */
  id: string;
  storeId: string;
  storeOrderId: string;
  order: string;
  state: OrderState;
  action: string;
  result?: MappingResult;
}

/** What a reprocess could not re-read: it stopped there rather than act on stale copies. */
export interface Unread {
  storeId: string;
  count: number;
  reason: string;
}

export interface ReprocessResult {
  lines: ReprocessLine[];
  /** Orders the selection names, past the limit: more than were taken when the limit cut it. */
  matched: number;
  /** The limit the selection was cut at. */
  limit: number;
  /** Set when a store could not be read: these orders were left exactly as they were. */
  unread?: Unread;
}

/** Orders per `nodes(ids:)` re-read: the size the connector reads in (a 919-order reprocess is 19 reads, not 919). */
const REREAD_BATCH = 50;

/**
 * Re-reads the selected orders from the store in batches, maps them again and queues them for
 * submission. An order OrderMesh already has is never submitted again: it is re-checked against
 * OrderMesh instead (its address and cancellation carried over, its shipments polled). An order the
 * store no longer returns is left alone. If the store cannot be read (after the client's bounded
 * retries), it stops there: what was done is returned, the rest is counted in `unread`, unchanged,
 * never mapped from the stored copy as if it were current. A redacted order stays redacted: its new
 * copy is redacted before it is stored, and one OrderMesh does not have is left alone (issue 34).
 * `dryRun` only maps and reports.
 */
export async function reprocess(deps: JobDeps, sel: ReprocessSelection, dryRun: boolean, onProgress?: (p: { read: number; total: number; matched: number; queued: number }) => void): Promise<ReprocessResult> {
  const rows = await ordersToReprocess(deps.db, sel);
  const limit = sel.limit ?? REPROCESS_LIMIT;
  // Counted only when the limit may have cut the selection: below it, the rows are all there is.
  const matched = rows.length < limit ? rows.length : await countToReprocess(deps.db, sel);

  const lines: ReprocessLine[] = [];
  const stores = new Set<string>();
  const byStore = new Map<string, OrderRow[]>();
  for (const row of rows) byStore.set(row.store_id, [...(byStore.get(row.store_id) ?? []), row]);
  let read = 0;
  // Put back on their way (to be submitted, or re-checked): what an interrupted run leaves to a submitter.
  let queued = 0;
  let unread: Unread | undefined;
  // Told as each order is handled, from the start: a run stopped mid-batch still says how far it got.
  const progress = () => onProgress?.({ read, total: rows.length, matched, queued });
  progress();
  outer: for (const [storeId, storeRows] of byStore) {
    const store = storeOf(deps, storeId);
    for (let i = 0; i < storeRows.length; i += REREAD_BATCH) {
      const batch = storeRows.slice(i, i + REREAD_BATCH);
      let current: Map<string, StoreOrderPayload | string>;
      try {
        current = await (store.cfg.mode === 'fulfillment-service' ? rereadRequests : rereadOrders)(deps, store, batch, dryRun);
      } catch (err) {
        unread = { storeId, count: rows.length - read, reason: (err as Error).message };
        deps.log.error({ err, store: storeId, unread: unread.count }, 'reprocess: the store could not be read; stopping, the rest left as it was');
        break outer;
      }
      for (const row of batch) {
        const payload = current.get(row.id)!;
        const line = (action: string, state: OrderState = row.state, result?: MappingResult): ReprocessLine => ({ id: row.id, storeId, storeOrderId: row.store_order_id, order: row.store_order_name ?? row.store_order_id, state, action, ...(result ? { result } : {}) });
        if (typeof payload === 'string') lines.push(line(payload));
        else if (row.redacted_at && !row.ordermesh_order_id) {
          // Without its address and names it can only fail to map; the store's copy, whole, would bring the customer back.
          lines.push(line('left alone: its personal data was removed (a redaction): it can no longer be mapped'));
        } else if (dryRun && row.redacted_at) {
          lines.push(line('in OrderMesh already: would re-check, never resubmit (personal data removed: not mapped)'));
        } else if (dryRun) {
          const result = mapOrder(store.mapper, payload, { storeId, merchantId: store.cfg.merchantId, safeId: row.safe_id });
          lines.push(line(row.ordermesh_order_id ? 'in OrderMesh already: would re-check, never resubmit' : `would ${result.kind === 'mapped' ? 'submit' : result.kind === 'failed' ? 'fail again' : 'skip'}`, row.state, result));
        } else {
          const { action, state, submit, recheck } = await requeue(deps, row.id);
          if (submit) stores.add(storeId);
          if (submit || recheck) queued++;
          lines.push(line(action, state));
        }
        read++;
        progress();
      }
    }
  }
  for (const storeId of stores) await enqueue(deps.boss, Q.submitOrders, { storeId }, { singletonKey: storeId });
  return { lines, matched, limit, ...(unread ? { unread } : {}) };
}

type Reread = (deps: JobDeps, store: StoreRuntime, batch: OrderRow[], dryRun: boolean) => Promise<Map<string, StoreOrderPayload | string>>;

/** Each row's order as the store has it now (recorded unless a dry run), or why it is left alone. */
const rereadOrders: Reread = async (deps, store, batch, dryRun) => {
  const fresh = await fetchOrders(store.shopify, batch.map((r) => r.store_order_id), (why) => deps.log.warn({ store: store.cfg.id, why }, 'Shopify returned an order without a usable id: skipped'));
  // A redacted order's copy is redacted before it is stored, as a pull's is (storedCopy): a reprocess never brings the customer back.
  if (!dryRun && fresh.length) await ingestAndEnqueue(deps, store.cfg.id, fresh);
  const current = new Map(fresh.map((o) => [o.id, o]));
  return new Map(batch.map((r) => [r.id, current.get(r.store_order_id) ?? 'left alone: the store no longer returns this order']));
};

/** Requests Shopify has had its answer to: the fulfilment order is no longer ours until the merchant asks again. */
const ANSWERED: ReadonlySet<RequestState | null> = new Set(['rejected', 'withdrawn', 'cancellation_accepted']);

/**
 * Fulfilment-service mode: each row is a request, read again as the scan reads it (the fulfilment
 * order, and its order, cut to what the request asks). One already answered in Shopify is left alone:
 * taking it up again is the merchant's "Request fulfillment", which the next scan picks up.
 */
const rereadRequests: Reread = async (deps, store, batch, dryRun) => {
  const live = batch.filter((r) => !ANSWERED.has(r.request_state));
  const fos = await readFulfillmentOrders(store.shopify, live.map((r) => r.store_order_id));
  const orderIds = [...new Set(live.map((r) => r.shopify_order_id).filter((id): id is string => id !== null))];
  const orders = new Map((await fetchOrders(store.shopify, orderIds, (why) => deps.log.warn({ store: store.cfg.id, why }, 'Shopify returned an order without a usable id: skipped'))).map((o) => [o.id, o]));
  const out = new Map<string, StoreOrderPayload | string>();
  for (const row of batch) {
    const fo = fos.get(row.store_order_id);
    const order = row.shopify_order_id ? orders.get(row.shopify_order_id) : undefined;
    if (ANSWERED.has(row.request_state)) out.set(row.id, `left alone: Shopify has the answer to this request (${row.request_state}); to have it made, fix the cause and request fulfilment again in Shopify`);
    else if (!fo || !order) out.set(row.id, 'left alone: Shopify no longer returns this fulfilment request');
    else {
      const payload = requestPayload(order, fo);
      // A redacted request's copy is redacted before it is stored, redacted_at kept, as a scan's is.
      if (!dryRun) await (row.redacted_at ? recordRequestChange : refreshRequest)(deps.db, row.id, payload);
      out.set(row.id, payload);
    }
  }
  return out;
};

/** One re-read order, as the ledger now has it, put back on its way. */
async function requeue(deps: JobDeps, id: string): Promise<{ action: string; state: OrderState; submit?: boolean; recheck?: boolean }> {
  const current = await orderById(deps.db, id);
  if (current.ordermesh_order_id) {
    if (current.state === 'needs_attention') {
      await transition(deps.db, current, ['needs_attention'], 'submitted', { actor: deps.actor, reason: 'REPROCESS', message: 're-checking against OrderMesh' });
    }
    await enqueue(deps.boss, Q.applyOrderChange, { orderId: current.id, kind: 'recheck' }, { singletonKey: current.id });
    await enqueue(deps.boss, Q.pollShipments, { orderIds: [current.id] }, { singletonKey: `order:${current.id}` });
    return { action: 're-checking against OrderMesh (never resubmitted)', state: current.state, recheck: true };
  }
  // Its stored text had NUL or unpaired surrogates replaced: sending it would send altered text.
  // Fixed in the store, the re-read has already moved it on.
  if (current.last_error_code === 'INVALID_TEXT') return { action: 'left alone: fix the text in the store first (INVALID_TEXT)', state: current.state };
  if (!REMAPPABLE.includes(current.state)) return { action: `left alone (${current.state})`, state: current.state };
  await transition(deps.db, current, [current.state], 'pending', {
    actor: deps.actor,
    reason: 'REPROCESS',
    message: 'queued for mapping and submission again',
    set: { attempts: 0, next_attempt_at: null, hold_until: null, last_error_code: null, last_error_message: null },
  });
  return { action: 'queued for submission', state: current.state, submit: true };
}
