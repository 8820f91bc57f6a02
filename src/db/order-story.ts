import type { Kysely } from 'kysely';
import { orderById } from './order-lookups.ts';
import type { Database, OrderState } from './schema.ts';

/** One order's whole story from the ledger: where it is, how it got there, what was sent, what shipped. */
export interface OrderStory {
  order: {
    id: string;
    store: string;
    storeOrderId: string;
    name: string | null;
    safeId: string;
    state: OrderState;
    stateSince: string;
    ordermeshOrderId: string | null;
    /** Submission attempts: the timeline's claims (pending → submitting), so the count and the events agree. */
    attempts: number;
    lastError: { code: string; message: string | null } | null;
    holdUntil: string | null;
    nextAttemptAt: string | null;
    submittedAt: string | null;
    lastPolledAt: string | null;
    storeUpdatedAt: string | null;
    firstSeen: string;
  };
  timeline: Array<{ at: string; kind: string; from: string | null; to: string | null; reason: string | null; message: string | null; actor: string; data: unknown }>;
  packages: Array<{
    id: string;
    shipment: string;
    carrier: string | null;
    method: string | null;
    trackingNumber: string | null;
    trackingUrl: string | null;
    shippedAt: string | null;
    items: unknown;
    writtenBack: { at: string; fulfillment: string | null; trackingNumber: string | null } | null;
    writeBackProblem: { code: string; message: string | null } | null;
  }>;
  payloads: { store: unknown; sent: unknown };
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);

type TimelineEvent = OrderStory['timeline'][number];

/**
 * A submission attempt in the timeline: each claim (claimPendingOrders) writes exactly one. The
 * `attempts` column is a retry budget instead (decremented for holds and refused access, reset by a
 * store change or reprocess), so counting it beside these events made the two disagree.
 */
export function isSubmissionAttempt(e: Pick<TimelineEvent, 'kind' | 'from' | 'to'>): boolean {
  return e.kind === 'state' && e.from === 'pending' && e.to === 'submitting';
}

/** Held right now: on hold, or pending with its hold window still ahead (a past `hold_until` is left over). */
export function isHeld(o: Pick<OrderStory['order'], 'state' | 'holdUntil'>, now = new Date()): boolean {
  if (o.state === 'on_hold') return true;
  return o.state === 'pending' && o.holdUntil !== null && new Date(o.holdUntil) > now;
}

/**
 * The ledger rows a key names: a store or Shopify order id (numeric or GID), an order name (#1001), a safeId or
 * an OrderMesh order id, in any store unless one is given. More than one: the caller asks which.
 */
export async function findOrders(db: Kysely<Database>, key: string, storeId?: string): Promise<Array<{ id: string; store_id: string; store_order_name: string | null; store_order_id: string }>> {
  const ids = [key, `gid://shopify/Order/${key}`];
  let q = db
    .selectFrom('orders')
    .select(['id', 'store_id', 'store_order_name', 'store_order_id'])
    .where((eb) => eb.or([eb('store_order_id', 'in', ids), eb('shopify_order_id', 'in', ids), eb('store_order_name', '=', key), eb('store_order_name', '=', `#${key}`), eb('safe_id', '=', key), eb('ordermesh_order_id', '=', key)]))
    .orderBy('store_id')
    .limit(20);
  if (storeId) q = q.where('store_id', '=', storeId);
  return q.execute();
}

/** The ledger order of this id, if there is one. */
export async function ledgerOrder(db: Kysely<Database>, id: string): Promise<{ id: string } | undefined> {
  return db.selectFrom('orders').select('id').where('id', '=', id).executeTakeFirst();
}

export async function orderStory(db: Kysely<Database>, id: string): Promise<OrderStory> {
  const o = await orderById(db, id);
  const events = await db.selectFrom('events').selectAll().where('order_id', '=', id).orderBy('at').orderBy('id').execute();
  const packages = await db.selectFrom('packages').selectAll().where('order_id', '=', id).orderBy('shipped_at').orderBy('id').execute();
  const timeline = events.map((e) => ({ at: e.at.toISOString(), kind: e.kind, from: e.from_state, to: e.to_state, reason: e.reason_code, message: e.message, actor: e.actor, data: e.data }));
  return {
    order: {
      id: o.id,
      store: o.store_id,
      storeOrderId: o.store_order_id,
      name: o.store_order_name,
      safeId: o.safe_id,
      state: o.state,
      stateSince: o.state_changed_at.toISOString(),
      ordermeshOrderId: o.ordermesh_order_id,
      attempts: timeline.filter(isSubmissionAttempt).length,
      lastError: o.last_error_code ? { code: o.last_error_code, message: o.last_error_message } : null,
      holdUntil: iso(o.hold_until),
      nextAttemptAt: iso(o.next_attempt_at),
      submittedAt: iso(o.submitted_at),
      lastPolledAt: iso(o.last_polled_at),
      storeUpdatedAt: iso(o.store_updated_at),
      firstSeen: o.created_at.toISOString(),
    },
    timeline,
    packages: packages.map((p) => ({
      id: p.id,
      shipment: p.shipment_id,
      carrier: p.carrier,
      method: p.carrier_method,
      trackingNumber: p.tracking_number,
      trackingUrl: p.tracking_url,
      shippedAt: iso(p.shipped_at),
      items: p.items,
      writtenBack: p.written_back_at ? { at: p.written_back_at.toISOString(), fulfillment: p.store_fulfillment_id, trackingNumber: p.written_tracking_number } : null,
      writeBackProblem: p.write_back_error_code ? { code: p.write_back_error_code, message: p.write_back_error_message } : null,
    })),
    payloads: { store: o.store_payload, sent: o.mapped_payload },
  };
}

/** Orders' store and sent payloads by ledger id: they say which values in the orders' other texts are personal. */
export async function payloadsOf(db: Kysely<Database>, ids: string[]): Promise<Map<string, unknown[]>> {
  if (ids.length === 0) return new Map();
  const rows = await db.selectFrom('orders').select(['id', 'store_payload', 'mapped_payload']).where('id', 'in', ids).execute();
  return new Map(rows.map((r) => [r.id, [r.store_payload, r.mapped_payload]]));
}

/** The same for orders known by store and name (a status report's examples name orders so), keyed `store name`. */
export async function payloadsByName(db: Kysely<Database>, named: Array<{ store: string; name: string }>): Promise<Map<string, unknown[]>> {
  if (named.length === 0) return new Map();
  const rows = await db
    .selectFrom('orders')
    .select(['store_id', 'store_order_name', 'store_payload', 'mapped_payload'])
    .where((eb) => eb.or(named.map((n) => eb.and([eb('store_id', '=', n.store), eb('store_order_name', '=', n.name)]))))
    .execute();
  const out = new Map<string, unknown[]>();
  for (const r of rows) {
    const key = `${r.store_id} ${r.store_order_name}`;
    out.set(key, [...(out.get(key) ?? []), r.store_payload, r.mapped_payload]);
  }
  return out;
}
