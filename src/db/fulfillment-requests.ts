import type { Kysely, Transaction } from 'kysely';
import type { StoreOrderPayload } from '../connectors/shopify/types.ts';
import { safeIdFor } from '../mapping/safe-id.ts';
import { cleanText } from './clean-text.ts';
import { FINAL } from './order-states.ts';
import { payloadHash, recordEvent, storedCopy, transition } from './orders.ts';
import type { Database, OrderRow, RequestState } from './schema.ts';

type Db = Kysely<Database> | Transaction<Database>;

export interface ServiceRecord {
  serviceId: string;
  locationId: string;
  name: string;
  callbackUrl: string | null;
}

export async function serviceOf(db: Db, storeId: string): Promise<ServiceRecord | undefined> {
  const r = await db.selectFrom('fulfillment_services').selectAll().where('store_id', '=', storeId).executeTakeFirst();
  return r && { serviceId: r.service_id, locationId: r.location_id, name: r.name, callbackUrl: r.callback_url };
}

export async function saveService(db: Db, storeId: string, s: ServiceRecord): Promise<void> {
  const row = { service_id: s.serviceId, location_id: s.locationId, name: s.name, callback_url: s.callbackUrl, registered_at: new Date() };
  await db.insertInto('fulfillment_services').values({ store_id: storeId, ...row }).onConflict((oc) => oc.column('store_id').doUpdateSet(row)).execute();
}

/**
 * A request's safeId: from the fulfilment order, so each request is one OrderMesh order, the same
 * however often it is read (the prefix keeps it apart from any order id's).
 */
export const requestSafeId = (storeId: string, fulfillmentOrderId: string) => safeIdFor(storeId, `FO-${fulfillmentOrderId.split('/').pop()}`);

export interface IncomingRequest {
  fulfillmentOrderId: string;
  /** The Shopify order cut down to what the request asks for (request-payload.ts). */
  payload: StoreOrderPayload;
}

/**
 * Records fulfilment requests: a new one becomes a `pending` order (with its hold window); one asked
 * again after we rejected it or after it was withdrawn (the merchant fixed it and requested again) is
 * read afresh and mapped again. Anything else is already in hand. Returns how many will be submitted.
 */
export async function ingestRequests(trx: Transaction<Database>, store: { id: string; holdMinutes: number }, requests: IncomingRequest[], actor: string): Promise<number> {
  if (requests.length === 0) return 0;
  const ids = requests.map((r) => r.fulfillmentOrderId);
  const held = new Map(
    (await trx.selectFrom('orders').selectAll().where('store_id', '=', store.id).where('store_order_id', 'in', ids).forUpdate().execute()).map((r) => [r.store_order_id, r]),
  );
  let queued = 0;
  for (const req of requests) {
    const row = held.get(req.fulfillmentOrderId);
    // Asked again, a request is taken whole even if it was redacted: the merchant's "Request fulfillment"
    // is this mode's reprocess (reprocess leaves an answered request alone), and the order cannot be made
    // without the address redaction removed.
    const { payload, fields } = requestFields(req.payload, null);
    if (!row) {
      const inserted = await trx
        .insertInto('orders')
        .values({
          store_id: store.id,
          store_order_id: req.fulfillmentOrderId,
          safe_id: requestSafeId(store.id, req.fulfillmentOrderId),
          state: 'pending',
          request_state: 'requested',
          hold_until: new Date(Date.now() + store.holdMinutes * 60_000),
          ...fields,
        })
        .onConflict((oc) => oc.columns(['store_id', 'store_order_id']).doNothing())
        .returning(['id'])
        .executeTakeFirst();
      if (inserted) {
        queued++;
        await recordEvent(trx, { orderId: inserted.id, storeId: store.id, kind: 'ingested', to: 'pending', reason: 'FULFILLMENT_REQUESTED', message: `fulfilment request ${req.fulfillmentOrderId} for ${payload.name}`, actor });
      }
    } else if ((row.request_state === 'rejected' || row.request_state === 'withdrawn') && row.ordermesh_order_id === null) {
      queued++;
      await trx.updateTable('orders').set({ ...fields, request_state: 'requested', request_answered_at: null, updated_at: new Date() }).where('id', '=', row.id).execute();
      await transition(trx, row, [row.state], 'pending', {
        actor,
        reason: 'FULFILLMENT_REQUESTED_AGAIN',
        message: 'requested again in Shopify: read afresh and mapped again',
        set: { attempts: 0, next_attempt_at: null, last_error_code: null, last_error_message: null },
      });
    }
  }
  return queued;
}

/**
 * A request's payload as the ledger keeps it, the copy before to compare it with, and the columns it
 * sets. Of a redacted request (`held` with redacted_at), the copy is redacted before it is stored and
 * compared as a redacted copy, redacted_at kept: the same rule as a merchant-managed order's (storedCopy),
 * or a tag, a note or our own write-back put the customer's data back and sent OrderMesh a false address
 * change (issue 34). Without `held` (a new request, one asked again, a reprocess) it is taken whole.
 */
function requestFields(raw: StoreOrderPayload, held: Pick<OrderRow, 'redacted_at' | 'store_payload'> | null) {
  const { value } = cleanText(raw);
  const { previous, o: payload, redacted } = storedCopy(held ?? { redacted_at: null, store_payload: null }, value, false);
  // payload_hash stays the whole copy's, so the next read of the same copy is settled by it alone.
  const fields = { store_payload: JSON.stringify(payload), payload_hash: payloadHash(value), store_updated_at: payload.updatedAt, store_order_name: payload.name, shopify_order_id: payload.id, redacted_at: redacted ? held!.redacted_at : null };
  return { payload, previous, fields };
}

/** A request read again (a reprocess): its payload replaced, whole, by what Shopify asks now; the state is the caller's. */
export async function refreshRequest(db: Db, rowId: string, raw: StoreOrderPayload): Promise<void> {
  await db.updateTable('orders').set({ ...requestFields(raw, null).fields, updated_at: new Date() }).where('id', '=', rowId).execute();
}

/**
 * A later copy of a request (the order changed in Shopify) recorded, under the row's lock so a
 * redaction committed since the row was read is kept; returns the copies to compare, as stored.
 */
export async function recordRequestChange(db: Kysely<Database>, rowId: string, raw: StoreOrderPayload): Promise<{ before: StoreOrderPayload | null; after: StoreOrderPayload }> {
  return db.transaction().execute(async (trx) => {
    const held = await trx.selectFrom('orders').select(['redacted_at', 'store_payload']).where('id', '=', rowId).forUpdate().executeTakeFirstOrThrow();
    const { payload, previous, fields } = requestFields(raw, held);
    await trx.updateTable('orders').set({ ...fields, updated_at: new Date() }).where('id', '=', rowId).execute();
    return { before: previous, after: payload };
  });
}

/** The ledger's orders for these fulfilment orders, by fulfilment order id. */
export async function requestRows(db: Db, storeId: string, fulfillmentOrderIds: string[]): Promise<Map<string, OrderRow>> {
  if (fulfillmentOrderIds.length === 0) return new Map();
  const rows = await db.selectFrom('orders').selectAll().where('store_id', '=', storeId).where('store_order_id', 'in', fulfillmentOrderIds).execute();
  return new Map(rows.map((r) => [r.store_order_id, r]));
}

/** Requests Shopify still has with us (asked, accepted, or a cancellation we refused) and not done with. */
export async function openRequestIds(db: Db, storeId: string): Promise<string[]> {
  const rows = await db
    .selectFrom('orders')
    .select('store_order_id')
    .where('store_id', '=', storeId)
    // Still 'requested' whatever the state: an order cancelled in the ledger before Shopify heard back
    // is answered (or found withdrawn) like any other.
    .where((eb) => eb.or([eb('request_state', '=', 'requested'), eb.and([eb('request_state', 'in', ['accepted', 'cancellation_requested', 'cancellation_rejected']), eb('state', 'not in', FINAL)])]))
    .execute();
  return rows.map((r) => r.store_order_id);
}

/** Records Shopify's answer to a request on the order, with its audit event. */
export async function recordRequestState(db: Db, row: Pick<OrderRow, 'id' | 'store_id'>, state: RequestState, actor: string, reason: string, message: string): Promise<void> {
  await db.updateTable('orders').set({ request_state: state, request_answered_at: new Date(), updated_at: new Date() }).where('id', '=', row.id).execute();
  await recordEvent(db, { orderId: row.id, storeId: row.store_id, kind: 'fulfillment_request', to: state, reason, message, actor });
}

/** Requests Shopify may still change under us (asked, accepted, or a cancellation we refused): a change to their order is carried to them. */
const OPEN_REQUESTS = ['requested', 'accepted', 'cancellation_rejected'] as const;

/** The Shopify orders of a store's open requests on orders not done with, each once: whose changes a scan looks for. */
export async function openRequestOrderIds(db: Db, storeId: string): Promise<Array<string | null>> {
  const rows = await db.selectFrom('orders').select('shopify_order_id').distinct().where('store_id', '=', storeId).where('request_state', 'in', OPEN_REQUESTS).where('state', 'not in', FINAL).execute();
  return rows.map((r) => r.shopify_order_id);
}

/** A store's open requests on these Shopify orders, of orders not done with: what a change to those orders is read again for. */
export async function openRequestsOfOrders(db: Db, storeId: string, shopifyOrderIds: string[]): Promise<OrderRow[]> {
  return db
    .selectFrom('orders')
    .selectAll()
    .where('store_id', '=', storeId)
    .where('shopify_order_id', 'in', shopifyOrderIds)
    .where('request_state', 'in', OPEN_REQUESTS)
    .where('state', 'not in', FINAL)
    .execute();
}
