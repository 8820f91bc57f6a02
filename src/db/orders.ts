import { createHash } from 'node:crypto';
import { sql, type Kysely, type Transaction } from 'kysely';
import { addressSchema, type StoreOrderPayload } from '../connectors/shopify/types.ts';
import { canonicalJson, sameValue } from '../util/canonical-json.ts';
import { safeIdFor } from '../mapping/safe-id.ts';
import { redactPayload } from '../privacy/personal-data.ts';
import { cleanText } from './clean-text.ts';
import type { Database, OrderRow, OrderState } from './schema.ts';
import { followsStore, PRE_SUBMISSION } from './order-states.ts';

type Db = Kysely<Database> | Transaction<Database>;

export interface EventInput {
  orderId?: string | null;
  storeId?: string | null;
  kind: string;
  from?: string | null;
  to?: string | null;
  reason?: string | null;
  message?: string | null;
  actor: string;
  data?: unknown;
}

export async function recordEvent(db: Db, e: EventInput): Promise<void> {
  await recordEvents(db, [e]);
}

/** Several audit events in one statement. */
export async function recordEvents(db: Db, events: EventInput[]): Promise<void> {
  if (events.length === 0) return;
  await db
    .insertInto('events')
    .values(
      events.map((e) => ({
        order_id: e.orderId ?? null,
        store_id: e.storeId ?? null,
        kind: e.kind,
        from_state: e.from ?? null,
        to_state: e.to ?? null,
        reason_code: e.reason ?? null,
        message: e.message ?? null,
        actor: e.actor,
        data: e.data === undefined ? null : JSON.stringify(e.data),
      })),
    )
    .execute();
}

/**
 * Moves an order to `to` only if it is still in one of `from` (so two workers, or a worker and the
 * stuck-order resolver, cannot both act on it), with an audit event. Returns whether it moved.
 */
export async function transition(
  db: Db,
  order: Pick<OrderRow, 'id' | 'store_id'>,
  from: readonly OrderState[],
  to: OrderState,
  opts: { actor: string; reason?: string | null; message?: string | null; set?: Record<string, unknown>; data?: unknown },
): Promise<boolean> {
  // An order found in OrderMesh (reconcile-submitting, a webhook, a relink) has no unconfirmed create left to read for.
  const found = typeof opts.set?.ordermesh_order_id === 'string' ? { create_unconfirmed: false } : {};
  const res = await db
    .updateTable('orders')
    .set({ ...(opts.set ?? {}), ...found, state: to, state_changed_at: new Date(), updated_at: new Date() } as never)
    .where('id', '=', order.id)
    .where('state', 'in', from)
    .returning(['id'])
    .executeTakeFirst();
  if (!res) return false;
  await recordEvent(db, { orderId: order.id, storeId: order.store_id, kind: 'state', from: from.length === 1 ? from[0] : null, to, reason: opts.reason, message: opts.message, actor: opts.actor, data: opts.data });
  return true;
}

/**
 * The store payload's fingerprint, without the fields that change on every read. Works on any payload
 * the ledger accepts, parsed or not (a broken one is recorded too, and must hash). It covers every field
 * the mapping reads, `unfulfilledQuantity` too (units sent = min(currentQuantity, unfulfilledQuantity),
 * shopify-default.ts): a copy that differs only there (units the merchant fulfilled elsewhere before
 * submission, or a fulfilment request asking for fewer) replaces the stored one, which is what is mapped
 * (issue 34). Built as withUnfulfilled(the fingerprint of before, ...) so that migration 0017 could give
 * every stored order, redacted ones too (redaction keeps line ids and quantities), the new fingerprint of
 * the same copy: the change alone re-maps, resubmits or re-applies nothing.
 */
export function payloadHash(order: StoreOrderPayload): string {
  return withUnfulfilled(hashWithoutUnfulfilled(order), order);
}

/** The fingerprint before issue 34: everything but `unfulfilledQuantity` and the per-read fields. */
function hashWithoutUnfulfilled(order: StoreOrderPayload): string {
  const { updatedAt: _u, displayFulfillmentStatus: _d, ...rest } = order;
  const stable = Array.isArray(rest.lineItems)
    ? { ...rest, lineItems: rest.lineItems.map((li: unknown) => (li && typeof li === 'object' ? { ...li, unfulfilledQuantity: undefined } : li)) }
    : rest;
  return createHash('sha256').update(canonicalJson(stable)).digest('base64url');
}

/**
 * `base` extended with each line's `unfulfilledQuantity`, by position. Migration 0017 repeats this
 * formula on the stored hashes (a migration keeps its own copy): change both or neither.
 */
function withUnfulfilled(base: string, order: StoreOrderPayload): string {
  const lines: unknown = order.lineItems;
  const unfulfilled = Array.isArray(lines) ? lines.map((li: unknown) => (li && typeof li === 'object' ? ((li as { unfulfilledQuantity?: unknown }).unfulfilledQuantity ?? null) : null)) : null;
  return createHash('sha256').update(`${base}|${canonicalJson(unfulfilled)}`).digest('base64url');
}

/** An order copy's version: its updatedAt; a copy without one is taken as the newest (it is re-read anyway). */
const version = (o: StoreOrderPayload) => (o.updatedAt ? Date.parse(o.updatedAt) : Infinity);

export interface StoreChange {
  orderId: string;
  kind: 'cancel' | 'address' | 'items';
}

export interface IngestResult {
  inserted: number;
  updated: number;
  unchanged: number;
  /** Changes to orders OrderMesh already has: the caller enqueues them. */
  changes: StoreChange[];
}

/**
 * Records store orders in the ledger, idempotently: the unique (store, order) key absorbs the overlap
 * of incremental pulls, webhooks and backfills. New orders become `pending` with their hold window;
 * a changed order that OrderMesh does not have yet goes back to `pending` to be mapped again; a change
 * to a submitted order (cancelled, a new shipping address, lines removed or added) is returned for the
 * caller to apply.
 * An older copy of an order than the one held (webhooks arrive out of order) changes nothing.
 * A redacted order stays redacted: see storedCopy.
 */
export async function ingestOrders(
  trx: Transaction<Database>,
  store: { id: string; holdMinutes: number },
  orders: StoreOrderPayload[],
  actor: string,
): Promise<IngestResult> {
  const result: IngestResult = { inserted: 0, updated: 0, unchanged: 0, changes: [] };
  if (orders.length === 0) return result;
  const latest = new Map<string, StoreOrderPayload>();
  /** Where an order held text PostgreSQL cannot store (replaced, see clean-text.ts). */
  const poison = new Map<string, string[]>();
  for (const raw of orders) {
    const { value: o, poisoned } = cleanText(raw);
    const prev = latest.get(o.id);
    if (!prev || version(o) >= version(prev)) {
      latest.set(o.id, o);
      if (poisoned.length) poison.set(o.id, poisoned);
      else poison.delete(o.id);
    }
  }
  const poisonError = (id: string) => {
    const paths = poison.get(id);
    return paths ? { code: 'INVALID_TEXT', message: `text with a NUL or an unpaired surrogate at ${paths.slice(0, 10).join(', ')}: fix it in the store (the order is read again when it changes)` } : undefined;
  };
  const ids = [...latest.keys()];
  const hashes = new Map(ids.map((id) => [id, payloadHash(latest.get(id)!)]));
  const isOlder = (id: string, held: Date | null) => Boolean(held && version(latest.get(id)!) < held.getTime());
  // Most of a page is unchanged (the pull's overlap, a webhook for what the pull already read): those
  // are settled by fingerprint alone, without locking or reading their payloads.
  const known = await trx.selectFrom('orders').select(['store_order_id', 'payload_hash', 'store_updated_at', 'redacted_at']).where('store_id', '=', store.id).where('store_order_id', 'in', ids).execute();
  const knownIds = new Set(known.map((k) => k.store_order_id));
  const candidates = known.filter((k) => k.payload_hash !== hashes.get(k.store_order_id) && !isOlder(k.store_order_id, k.store_updated_at)).map((k) => k.store_order_id);
  result.unchanged += known.length - candidates.length;
  const existing = candidates.length
    ? await trx.selectFrom('orders').selectAll().where('store_id', '=', store.id).where('store_order_id', 'in', candidates).forUpdate().execute()
    : [];

  const fresh = ids.filter((id) => !knownIds.has(id)).map((id) => latest.get(id)!);
  if (fresh.length) {
    const rows = fresh.map((o) => ({
      store_id: store.id,
      store_order_id: o.id,
      store_order_name: o.name,
      safe_id: safeIdFor(store.id, o.id),
      state: poison.has(o.id) ? ('failed_mapping' as const) : ('pending' as const),
      last_error_code: poisonError(o.id)?.code ?? null,
      last_error_message: poisonError(o.id)?.message ?? null,
      store_updated_at: o.updatedAt,
      store_payload: JSON.stringify(o),
      payload_hash: hashes.get(o.id)!,
      hold_until: new Date((o.createdAt ? Date.parse(o.createdAt) : Date.now()) + store.holdMinutes * 60_000),
    }));
    const inserted = await trx
      .insertInto('orders')
      .values(rows)
      .onConflict((oc) => oc.columns(['store_id', 'store_order_id']).doNothing())
      .returning(['id', 'store_order_id'])
      .execute();
    result.inserted += inserted.length;
    if (inserted.length) {
      await trx
        .insertInto('events')
        .values(
          inserted.map((r) => {
            const bad = poisonError(r.store_order_id);
            return { order_id: r.id, store_id: store.id, kind: 'ingested', to_state: bad ? 'failed_mapping' : 'pending', actor, from_state: null, reason_code: bad?.code ?? null, message: bad?.message ?? null, data: null };
          }),
        )
        .execute();
    }
    // A concurrent ingest won the insert for the rest: they are someone else's new rows, nothing to do.
    result.unchanged += fresh.length - inserted.length;
  }

  for (const row of existing) {
    const incoming = latest.get(row.store_order_id)!;
    const hash = hashes.get(incoming.id)!;
    // Checked again under the lock: another ingest may have recorded this copy meanwhile.
    if (hash === row.payload_hash || isOlder(incoming.id, row.store_updated_at)) {
      result.unchanged++;
      continue;
    }
    result.updated++;
    const { previous, o, redacted } = storedCopy(row, incoming, false);
    await trx
      .updateTable('orders')
      // payload_hash stays the whole copy's, so the next read of the same copy is settled by it alone.
      .set({ store_payload: JSON.stringify(o), payload_hash: hash, store_updated_at: o.updatedAt, store_order_name: o.name, redacted_at: redacted ? row.redacted_at : null, updated_at: new Date() })
      .where('id', '=', row.id)
      .execute();
    const bad = poisonError(o.id);
    if (PRE_SUBMISSION.includes(row.state) && redacted) {
      // Left as it is: a copy without its address and names can only fail to map (a reprocess leaves it too).
    } else if (PRE_SUBMISSION.includes(row.state) && bad) {
      await transition(trx, row, [row.state], 'failed_mapping', { actor, reason: bad.code, message: bad.message, set: { last_error_code: bad.code, last_error_message: bad.message } });
    } else if (PRE_SUBMISSION.includes(row.state)) {
      await transition(trx, row, [row.state], 'pending', {
        actor,
        reason: 'STORE_ORDER_CHANGED',
        message: 'changed in the store before submission: mapped again',
        set: { attempts: 0, next_attempt_at: null, last_error_code: null, last_error_message: null },
      });
    } else if (followsStore(row)) {
      result.changes.push(...detectChanges(row.id, previous, o));
    }
    // submitting: the submit job compares hashes when it records the outcome (submit-orders.ts).
  }
  return result;
}

/**
 * The copy to store and the one to compare it with. A new copy of an order that is not redacted is
 * what the store holds now, taken whole. Of a redacted order (retention, a customer's redaction), the
 * new copy is redacted before it is stored, and compared with the one before as redacted copies, both
 * by today's rules: the fields redaction removes are not compared, as their values are kept nowhere
 * (so a new shipping address of a redacted order is not carried over; OrderMesh keeps the one it was
 * sent). Otherwise any store change (a tag, a note, our own write-back) put the customer's data back,
 * cleared the redaction and sent OrderMesh a false address change (issue 34). A reprocess re-reads
 * through here too and keeps the redaction: `reread` (take the copy whole) is passed by no caller.
 */
export function storedCopy(row: Pick<OrderRow, 'redacted_at' | 'store_payload'>, incoming: StoreOrderPayload, reread: boolean): { previous: StoreOrderPayload | null; o: StoreOrderPayload; redacted: boolean } {
  const previous = row.store_payload as StoreOrderPayload | null;
  if (row.redacted_at === null || reread) return { previous, o: incoming, redacted: false };
  const redact = (p: unknown) => redactPayload(p).redacted as StoreOrderPayload;
  return { previous: previous === null ? null : redact(previous), o: redact(incoming), redacted: true };
}

/** What changed in the store that OrderMesh must hear about. */
export function detectChanges(orderId: string, before: StoreOrderPayload | null, after: StoreOrderPayload): StoreChange[] {
  const changes: StoreChange[] = [];
  // Read without the full parse: a payload broken elsewhere must still carry its cancellation over.
  if (after.cancelledAt && !before?.cancelledAt) changes.push({ orderId, kind: 'cancel' });
  else {
    if (!sameValue(normalAddress(before?.shippingAddress), normalAddress(after.shippingAddress))) changes.push({ orderId, kind: 'address' });
    // Without a copy before, the address check already asks for the whole order to be compared once.
    if (before && !sameValue(currentQuantities(before), currentQuantities(after))) changes.push({ orderId, kind: 'items' });
  }
  return changes;
}

/**
 * Each line's units after removals (an order edit, a refund): lines removed, reduced or added. Not
 * `unfulfilledQuantity`, which our own write-backs lower: a copy that differs only there is stored
 * (payloadHash covers it) but is no change for OrderMesh.
 */
function currentQuantities(o: StoreOrderPayload | null): unknown {
  const lines = Array.isArray(o?.lineItems) ? (o.lineItems as unknown[]) : [];
  return Object.fromEntries(lines.map((li) => (li && typeof li === 'object' ? [String((li as { id?: unknown }).id), (li as { currentQuantity?: unknown }).currentQuantity ?? null] : ['', null])));
}

/** An address as the mapping reads it (blank lines are none), compared by value: one read back from jsonb has its keys reordered. */
function normalAddress(a: unknown): unknown {
  const parsed = addressSchema.safeParse(a);
  return parsed.success ? parsed.data : (a ?? null);
}

/**
 * Claims up to `limit` pending orders of a store whose hold window and retry delay have passed, and
 * marks them `submitting`, with their audit events, in one statement, held for `leaseSeconds` (see
 * renewClaim). SKIP LOCKED: workers and concurrent lanes claim disjoint sets.
 */
export async function claimPendingOrders(db: Kysely<Database>, storeId: string, limit: number, actor: string, leaseSeconds: number): Promise<OrderRow[]> {
  const now = new Date();
  const result = await sql<OrderRow>`
    with claimed as (
      update orders set state = 'submitting', state_changed_at = now(), updated_at = now(), attempts = attempts + 1, inbound_sent_at = null,
        claimed_until = now() + make_interval(secs => ${leaseSeconds})
      where id in (
        select id from orders
        where store_id = ${storeId} and state = 'pending'
          and (hold_until is null or hold_until <= ${now})
          and (next_attempt_at is null or next_attempt_at <= ${now})
        order by id limit ${limit}
        for update skip locked
      )
      returning *
    ), logged as (
      insert into events (order_id, store_id, kind, from_state, to_state, actor)
      select id, store_id, 'state', 'pending', 'submitting', ${actor} from claimed
    )
    select * from claimed order by id
  `.execute(db);
  return result.rows;
}

/**
 * Extends a live submission's hold on the orders it claimed that are still `submitting` (not those
 * already recorded, nor those sent inbound, which wait for OrderMesh on their own clock). Only while
 * the claim holds, and only this claim (`claimedUntil`: what the submission last set): one that ran
 * out is never revived, as reconcile-submitting may be resolving its orders, and a claim another
 * submission took on them since is not this one's to extend. Returns the new claimed_until, or null
 * when nothing of the claim was left to renew.
 */
export async function renewClaim(db: Kysely<Database>, ids: string[], leaseSeconds: number, claimedUntil: Date): Promise<Date | null> {
  // A Date keeps milliseconds, claimed_until microseconds: the claim is recognised within that rounding
  // (another claim on these orders ends a lease or more later).
  const result = await sql<{ claimed_until: Date }>`update orders set claimed_until = now() + make_interval(secs => ${leaseSeconds})
    where id = any(${ids}::bigint[]) and state = 'submitting' and inbound_sent_at is null and claimed_until > now()
      and claimed_until > ${claimedUntil}::timestamptz - interval '1 millisecond' and claimed_until < ${claimedUntil}::timestamptz + interval '2 milliseconds'
    returning claimed_until`.execute(db);
  return result.rows[0]?.claimed_until ?? null;
}

/** Of these store orders, the ones the ledger lacks or holds an older copy of (by Shopify's updatedAt). */
export async function staleOrMissing(db: Kysely<Database>, storeId: string, seen: Array<{ id: string; updatedAt: string }>): Promise<string[]> {
  if (seen.length === 0) return [];
  const held = await db.selectFrom('orders').select(['store_order_id', 'store_updated_at']).where('store_id', '=', storeId).where('store_order_id', 'in', seen.map((s) => s.id)).execute();
  const at = new Map(held.map((h) => [h.store_order_id, h.store_updated_at?.getTime() ?? -Infinity]));
  return seen.filter((s) => !at.has(s.id) || at.get(s.id)! < Date.parse(s.updatedAt)).map((s) => s.id);
}

/** Of these store orders, the ones OrderMesh already has (by the ledger): never to be submitted again. */
export async function inOrderMesh(db: Kysely<Database>, storeId: string, storeOrderIds: string[]): Promise<Set<string>> {
  if (storeOrderIds.length === 0) return new Set();
  const rows = await db.selectFrom('orders').select('store_order_id').where('store_id', '=', storeId).where('store_order_id', 'in', storeOrderIds).where('ordermesh_order_id', 'is not', null).execute();
  return new Set(rows.map((r) => r.store_order_id));
}

/** Where each of these orders stands now, with its reason: what a one-shot command reports at its end. */
export async function orderOutcomes(db: Kysely<Database>, ids: string[]): Promise<Map<string, { state: OrderState; reason: string | null; message: string | null }>> {
  if (ids.length === 0) return new Map();
  const rows = await db.selectFrom('orders').select(['id', 'state', 'last_error_code', 'last_error_message']).where('id', 'in', ids).execute();
  return new Map(rows.map((r) => [r.id, { state: r.state, reason: r.last_error_code, message: r.last_error_message }]));
}

/** The ledger order an OrderMesh webhook names, by safeId or OrderMesh order id (a failed OrderCreation has no order id). */
export async function findOrderForWebhook(db: Kysely<Database>, safeId: string | null, ordermeshOrderId: string | null): Promise<{ id: string; store_id: string } | undefined> {
  return db
    .selectFrom('orders')
    .select(['id', 'store_id'])
    .where((eb) => eb.or([...(safeId ? [eb('safe_id', '=', safeId)] : []), ...(ordermeshOrderId ? [eb('ordermesh_order_id', '=', ordermeshOrderId)] : [])]))
    .executeTakeFirst();
}
