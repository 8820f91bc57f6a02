import { fetchOrders, pullUpdatedIds } from '../connectors/shopify/pull-orders.ts';
import { rejectionMessage, rejectionReasonFor } from '../connectors/shopify/fulfillment-service/reasons.ts';
import { requestPayload } from '../connectors/shopify/fulfillment-service/request-payload.ts';
import { answerRequest, assignedFulfillmentOrders, readFulfillmentOrders, withAllLines, type AssignedFulfillmentOrder, type AssignmentStatus } from '../connectors/shopify/fulfillment-service/requests.ts';
import { openCursor, advanceWatermark } from '../db/cursors.ts';
import { ingestRequests, openRequestIds, openRequestOrderIds, openRequestsOfOrders, recordRequestChange, recordRequestState, requestRows, serviceOf, type IncomingRequest } from '../db/fulfillment-requests.ts';
import { detectChanges, payloadHash, recordEvent, transition } from '../db/orders.ts';
import { followsStore, inOrderMesh, REFUSES_REQUEST } from '../db/order-states.ts';
import type { OrderRow } from '../db/schema.ts';
import type { StoreRuntime } from '../stores.ts';
import { storeOf, type JobDeps } from './deps.ts';
import { Q, enqueue } from './queues.ts';
import { isTooLate, sendUnlessTooLate } from './too-late.ts';

export const REQUESTS_STREAM = 'fulfillment-requests';

/** Retrying cannot help until someone runs `ordersync shopify register`: recorded, with that fix, not retried. */
export class NotRegisteredError extends Error {
  readonly code = 'FULFILLMENT_SERVICE_NOT_REGISTERED';
}


export interface ScanSummary {
  requested: number;
  ingested: number;
  accepted: number;
  rejected: number;
  cancellations: number;
  withdrawn: number;
}

/**
 * One pass over a fulfilment-service store's requests, found by listing them (a notification is only
 * a hint: it can be lost, and names nothing). New requests go to the ledger; a request whose order
 * OrderMesh has is accepted, one we cannot take is rejected with its reason; cancellation requests are
 * carried to OrderMesh and answered; a request the merchant withdrew (moved, cancelled or closed the
 * fulfilment order) is stopped. Every step is idempotent: a pass run twice, or cut short, ends the same.
 */
export async function scanFulfillmentRequests(deps: JobDeps, storeId: string): Promise<ScanSummary> {
  const store = storeOf(deps, storeId);
  const summary: ScanSummary = { requested: 0, ingested: 0, accepted: 0, rejected: 0, cancellations: 0, withdrawn: 0 };
  if (store.cfg.mode !== 'fulfillment-service') return summary;
  const key = { storeId, stream: REQUESTS_STREAM };
  const cursor = await openCursor(deps.db, key, 0);
  const started = new Date();
  const service = await serviceOf(deps.db, storeId);
  if (!service) throw new NotRegisteredError(`store ${storeId} is in fulfillment-service mode but its service is not registered: run \`ordersync shopify register --store ${storeId}\``);

  const list = async (status: AssignmentStatus) => {
    const out: AssignedFulfillmentOrder[] = [];
    for await (const page of assignedFulfillmentOrders(store.shopify, service.locationId, status)) out.push(...page);
    return out;
  };
  const requested = await list('FULFILLMENT_REQUESTED');
  const cancelling = await list('CANCELLATION_REQUESTED');
  const accepted = await list('FULFILLMENT_ACCEPTED');
  summary.requested = requested.length;
  const seen = new Set([...requested, ...cancelling, ...accepted].map((fo) => fo.id));

  // New requests (and requests asked again after a rejection) into the ledger.
  let rows = await requestRows(deps.db, storeId, [...seen]);
  const fresh = requested.filter((fo) => {
    const row = rows.get(fo.id);
    return !row || ((row.request_state === 'rejected' || row.request_state === 'withdrawn') && row.ordermesh_order_id === null);
  });
  if (fresh.length) {
    summary.ingested = await ingest(deps, store, fresh);
    rows = await requestRows(deps.db, storeId, [...seen]);
  }

  for (const fo of requested) {
    const row = rows.get(fo.id);
    if (!row || row.request_state !== 'requested') continue;
    if (inOrderMesh(row)) {
      const r = await answerRequest(store.shopify, 'accept', { id: fo.id, message: `In production at OrderMesh (order ${row.ordermesh_order_id})` });
      if (r.ok) {
        summary.accepted++;
        await recordRequestState(deps.db, row, 'accepted', deps.actor, 'ACCEPTED', `accepted in Shopify: OrderMesh order ${row.ordermesh_order_id}`);
        deps.log.info({ store: storeId, order: row.store_order_name, fulfillmentOrder: fo.id }, 'fulfilment request accepted');
      } else await answerRefused(deps, row, 'accept', r.message);
    } else if (REFUSES_REQUEST.includes(row.state)) {
      const reason = rejectionReasonFor(row.last_error_code);
      const r = await answerRequest(store.shopify, 'reject', { id: fo.id, reason, message: rejectionMessage(row.last_error_code, row.last_error_message) });
      if (r.ok) {
        summary.rejected++;
        await recordRequestState(deps.db, row, 'rejected', deps.actor, reason, `rejected in Shopify (${reason}): ${row.last_error_code}; fix it, then request fulfilment again in Shopify`);
        deps.log.warn({ store: storeId, order: row.store_order_name, fulfillmentOrder: fo.id, reason, code: row.last_error_code }, 'fulfilment request rejected');
      } else await answerRefused(deps, row, 'reject', r.message);
    }
    // pending, submitting, failed (ours to retry): answered once OrderMesh has decided.
  }

  for (const fo of cancelling) {
    summary.cancellations++;
    await answerCancellation(deps, store, fo, rows.get(fo.id));
  }

  // Our accept reached Shopify but not the ledger (a crash between): the list says what happened.
  for (const fo of accepted) {
    const row = rows.get(fo.id);
    if (row?.request_state === 'requested') await recordRequestState(deps.db, row, 'accepted', deps.actor, 'ACCEPTED', 'accepted in Shopify');
  }

  // Open requests no list holds any more: read each, and stop what the merchant took back.
  const missing = (await openRequestIds(deps.db, storeId)).filter((id) => !seen.has(id));
  if (missing.length) {
    const now = await readFulfillmentOrders(store.shopify, missing);
    const held = await requestRows(deps.db, storeId, missing);
    for (const id of missing) {
      const row = held.get(id);
      if (row && (await settleVanished(deps, store, row, now.get(id), service.locationId))) summary.withdrawn++;
    }
  }
  // Changes to orders with open requests (a new address) whose orders/updated webhook was lost.
  if (cursor.watermark) await refreshChangedSince(deps, storeId, new Date(cursor.watermark.getTime() - CHANGE_OVERLAP_MS), started);
  await advanceWatermark(deps.db, key, started, { success: true });
  if (summary.ingested) await enqueue(deps.boss, Q.submitOrders, { storeId }, { singletonKey: storeId });
  if (summary.ingested + summary.accepted + summary.rejected + summary.cancellations + summary.withdrawn > 0) deps.log.info({ store: storeId, ...summary }, 'fulfilment requests scanned');
  return summary;
}

/** Reads the requests' orders and records each request as the order cut down to what it asks for. */
async function ingest(deps: JobDeps, store: StoreRuntime, fos: AssignedFulfillmentOrder[]): Promise<number> {
  const whole: AssignedFulfillmentOrder[] = [];
  for (const fo of fos) {
    const all = await withAllLines(store.shopify, fo);
    if (all) whole.push(all);
  }
  const orders = new Map((await fetchOrders(store.shopify, [...new Set(whole.map((fo) => fo.orderId))], (why) => deps.log.warn({ store: store.cfg.id, why }, 'Shopify returned an order without a usable id'))).map((o) => [o.id, o]));
  const requests: IncomingRequest[] = [];
  for (const fo of whole) {
    const order = orders.get(fo.orderId);
    if (order) requests.push({ fulfillmentOrderId: fo.id, payload: requestPayload(order, fo) });
    else deps.log.warn({ store: store.cfg.id, fulfillmentOrder: fo.id, order: fo.orderId }, "a fulfilment request's order is not readable (check read_orders): left for the next pass");
  }
  return deps.db.transaction().execute((trx) => ingestRequests(trx, { id: store.cfg.id, holdMinutes: store.cfg.holdMinutes }, requests, deps.actor));
}

async function answerRefused(deps: JobDeps, row: OrderRow, what: string, message: string): Promise<void> {
  deps.log.warn({ store: row.store_id, order: row.store_order_name, fulfillmentOrder: row.store_order_id, message }, `Shopify refused to ${what} the fulfilment request`);
  await recordEvent(deps.db, { orderId: row.id, storeId: row.store_id, kind: 'fulfillment_request', reason: 'ANSWER_REFUSED', message: `${what}: ${message}`, actor: deps.actor });
}

/**
 * A cancellation request: cancelled in OrderMesh, then accepted; refused (production started) when
 * OrderMesh refuses, so the merchant knows the goods will still come.
 */
async function answerCancellation(deps: JobDeps, store: StoreRuntime, fo: AssignedFulfillmentOrder, row: OrderRow | undefined): Promise<void> {
  const shopify = store.shopify;
  if (row?.ordermesh_order_id && row.state !== 'cancelled') {
    try {
      await deps.ordermesh.cancelOrder(row.ordermesh_order_id, { reason: 'cancellation requested in Shopify' });
    } catch (err) {
      if (!isTooLate(err)) throw err;
      const message = `OrderMesh cannot stop it: ${(err as Error).message}`;
      const r = await answerRequest(shopify, 'rejectCancellation', { id: fo.id, message: message.slice(0, 500) });
      if (!r.ok) return answerRefused(deps, row, 'reject the cancellation of', r.message);
      await recordRequestState(deps.db, row, 'cancellation_rejected', deps.actor, 'CANCEL_TOO_LATE', message);
      deps.log.warn({ store: row.store_id, order: row.store_order_name, fulfillmentOrder: fo.id }, 'cancellation request refused: production has started');
      return;
    }
  }
  if (row && row.state !== 'cancelled') {
    await transition(deps.db, row, [row.state], 'cancelled', { actor: deps.actor, reason: 'CANCELLATION_REQUESTED', message: row.ordermesh_order_id ? `cancelled OrderMesh order ${row.ordermesh_order_id}` : 'cancelled before submission' });
  }
  const r = await answerRequest(shopify, 'acceptCancellation', { id: fo.id, message: row?.ordermesh_order_id ? `Cancelled at OrderMesh (order ${row.ordermesh_order_id})` : 'Not started' });
  if (!r.ok) return row ? answerRefused(deps, row, 'accept the cancellation of', r.message) : undefined;
  if (row) await recordRequestState(deps.db, row, 'cancellation_accepted', deps.actor, 'CANCELLED', 'cancellation accepted in Shopify');
}

/**
 * A request no list holds: fulfilled (by us: nothing to do), or taken back by the merchant (withdrawn,
 * moved away, closed, no longer visible). What OrderMesh has of it is cancelled; too late, a person is told.
 */
async function settleVanished(deps: JobDeps, store: StoreRuntime, row: OrderRow, fo: AssignedFulfillmentOrder | undefined, ourLocation: string): Promise<boolean> {
  if (fo && fo.status === 'CLOSED' && (fo.requestStatus === 'ACCEPTED' || fo.requestStatus === 'CANCELLATION_REJECTED')) return false; // fulfilled
  if (fo && fo.assignedLocation.location?.id === ourLocation && fo.status !== 'CLOSED' && fo.status !== 'CANCELLED' && fo.status !== 'INCOMPLETE') {
    return false; // still ours, in a status no list shows (on hold, say): looked at again next pass
  }
  // Being submitted: OrderMesh may be creating it this moment. Its outcome is recorded first; the next
  // pass then cancels what OrderMesh took (a chaos run under load caught an order made for a request withdrawn here).
  if (row.state === 'submitting') return false;
  const why = !fo ? 'no longer visible to the app' : fo.assignedLocation.location?.id !== ourLocation ? 'moved to another location' : `${fo.status.toLowerCase()} (request ${fo.requestStatus.toLowerCase()})`;
  const message = `the merchant took the fulfilment request back: ${why}`;
  // Sent before without an answer on record (a lost response retried later): OrderMesh may have it all the same.
  const omId = row.ordermesh_order_id ?? (row.attempts > 0 ? ((await deps.ordermesh.getOrderBySafeId(row.safe_id))?.id ?? null) : null);
  if (omId) {
    const cancel = () => deps.ordermesh.cancelOrder(omId, { reason: message });
    if (!(await sendUnlessTooLate(deps, row, 'CANCEL_TOO_LATE', cancel, { describe: (refusal) => `${message}, but OrderMesh cannot stop it: ${refusal}`, set: { ordermesh_order_id: omId } })).sent) {
      await recordRequestState(deps.db, row, 'withdrawn', deps.actor, 'REQUEST_WITHDRAWN', message);
      return true;
    }
  }
  // Not moved: claimed for submission since it was read. The request stays open, and the next pass settles it.
  if (row.state !== 'cancelled' && !(await transition(deps.db, row, [row.state], 'cancelled', { actor: deps.actor, reason: 'REQUEST_WITHDRAWN', message, set: { ordermesh_order_id: omId, last_error_code: null, last_error_message: null } }))) return false;
  await recordRequestState(deps.db, row, 'withdrawn', deps.actor, 'REQUEST_WITHDRAWN', message);
  deps.log.info({ store: store.cfg.id, order: row.store_order_name, fulfillmentOrder: row.store_order_id, why }, 'fulfilment request withdrawn by the merchant');
  return true;
}

/** Re-read window behind the last scan: Shopify stamps some changes a moment late (and clocks differ). */
const CHANGE_OVERLAP_MS = 120_000;

/** The orders with open requests that Shopify says changed in [since, until]: ids only, then those read again. */
async function refreshChangedSince(deps: JobDeps, storeId: string, since: Date, until: Date): Promise<void> {
  const open = new Set(await openRequestOrderIds(deps.db, storeId));
  if (open.size === 0) return;
  const changed: string[] = [];
  for await (const page of pullUpdatedIds(storeOf(deps, storeId).shopify, { since, until })) changed.push(...page.filter((o) => open.has(o.id)).map((o) => o.id));
  if (changed.length) await refreshRequestsOf(deps, storeId, changed);
}

/**
 * A change to orders that have requests with us (Shopify's orders/updated names the order): each open
 * request read again and, if it changed, recorded; a new shipping address on one OrderMesh has is
 * carried over (apply-order-change: updated there, or `needs_attention` once it is in production).
 * A redacted request stays redacted: its new copy is redacted before it is stored (fulfillment-requests.ts).
 * A cancelled order is left to the cancellation request Shopify sends with it: that handshake, not
 * this, decides whether production can stop.
 */
export async function refreshRequestsOf(deps: JobDeps, storeId: string, shopifyOrderIds: string[]): Promise<number> {
  const store = storeOf(deps, storeId);
  const rows = await openRequestsOfOrders(deps.db, storeId, shopifyOrderIds);
  if (rows.length === 0) return 0;
  const fos = await readFulfillmentOrders(store.shopify, rows.map((r) => r.store_order_id));
  const orders = new Map((await fetchOrders(store.shopify, [...new Set(rows.map((r) => r.shopify_order_id!))])).map((o) => [o.id, o]));
  let changed = 0;
  for (const row of rows) {
    const fo = fos.get(row.store_order_id);
    const order = orders.get(row.shopify_order_id!);
    if (!fo || !order || order.cancelledAt) continue;
    const payload = requestPayload(order, fo);
    if (payloadHash(payload) === row.payload_hash) continue;
    changed++;
    // Compared as stored: a redacted request's copies both redacted (recordRequestChange), so a tag or a
    // write-back is no address change.
    const { before, after } = await recordRequestChange(deps.db, row.id, payload);
    const address = detectChanges(row.id, before, after).filter((c) => c.kind === 'address');
    if (followsStore(row)) for (const c of address) await enqueue(deps.boss, Q.applyOrderChange, c, { singletonKey: c.orderId });
  }
  return changed;
}