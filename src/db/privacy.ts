import { sql, type Kysely, type Transaction } from 'kysely';
import { redactPayload, scrubText, scrubValue } from '../privacy/personal-data.ts';
import { recordEvents } from './orders.ts';
import { FINAL } from './order-states.ts';
import type { Database, PrivacyTopic } from './schema.ts';

type Db = Kysely<Database> | Transaction<Database>;

/** Who a compliance request is about, as Shopify names them: never kept past the request's job. */
export interface Subject {
  emails: string[];
  phones: string[];
  /** Order GIDs (Shopify's numeric ids, turned into GIDs on receipt). */
  shopifyOrderIds: string[];
}

/** The ledger's orders of a store (undefined: of every store) that belong to the subject: by Shopify order id (an order, or the order of a request) or by e-mail or phone. */
export async function subjectOrderIds(db: Db, storeId: string | undefined, s: Subject): Promise<string[]> {
  const emails = s.emails.map((e) => e.toLowerCase());
  const rows = await db
    .selectFrom('orders')
    .select('id')
    .$if(storeId !== undefined, (q) => q.where('store_id', '=', storeId!))
    .where((eb) =>
      eb.or([
        ...(s.shopifyOrderIds.length ? [eb('store_order_id', 'in', s.shopifyOrderIds), eb('shopify_order_id', 'in', s.shopifyOrderIds)] : []),
        ...(emails.length ? [eb(sql`lower(store_payload ->> 'email')`, 'in', emails)] : []),
        ...(s.phones.length ? [eb(sql`store_payload ->> 'phone'`, 'in', s.phones)] : []),
        eb.val(false),
      ]),
    )
    .orderBy('id')
    .execute();
  return rows.map((r) => r.id);
}

export interface RedactionResult {
  orders: number;
  /** Personal values found and removed, over all orders (each counted once per order). */
  values: number;
  events: number;
}

/**
 * Removes the personal data of these orders: from their store and mapped payloads (by key, then by
 * value, see personal-data.ts), their error message, hold reason, events and refund or reprint
 * requests (the operator's reason, OrderMesh's error); `also` adds values to cut out
 * (the e-mail a request named). Ids, states, money, tracking and the audit trail's shape stay, so
 * write-backs and the story of the order still work. One transaction, a fixed number of statements
 * per batch. A dry run reports the counts and changes nothing.
 */
export async function redactOrders(
  db: Kysely<Database>,
  ids: string[],
  /** `collect`: receives every personal value found (to cut out of stray events next). */
  o: { actor: string; reason: string; also?: Iterable<string>; dryRun?: boolean; collect?: Set<string> },
): Promise<RedactionResult> {
  const result: RedactionResult = { orders: 0, values: 0, events: 0 };
  if (ids.length === 0) return result;
  const apply = async (trx: Db) => {
    const rows = await trx.selectFrom('orders').select(['id', 'store_id', 'store_payload', 'mapped_payload', 'last_error_message', 'hold_reason']).where('id', 'in', ids).forUpdate().execute();
    const events = await trx.selectFrom('events').select(['id', 'order_id', 'message', 'data']).where('order_id', 'in', ids).execute();
    const requests = await trx.selectFrom('ordermesh_requests').select(['id', 'order_id', 'reason', 'error']).where('order_id', 'in', ids).execute();
    const also = [...(o.also ?? [])];
    const orderUpdates = [];
    const valuesOf = new Map<string, Set<string>>();
    for (const r of rows) {
      const a = redactPayload(r.store_payload);
      const b = redactPayload(r.mapped_payload);
      const values = new Set([...a.found, ...b.found, ...also]);
      valuesOf.set(r.id, values);
      for (const v of values) o.collect?.add(v);
      result.values += new Set([...a.found, ...b.found]).size;
      orderUpdates.push({
        id: r.id,
        store_payload: r.store_payload === null ? null : scrubValue(a.redacted, values),
        mapped_payload: r.mapped_payload === null ? null : scrubValue(b.redacted, values),
        last_error_message: r.last_error_message === null ? null : scrubText(r.last_error_message, values),
        // A merchant's hold notes may name the customer ("waiting for Li to confirm").
        hold_reason: r.hold_reason === null ? null : scrubText(r.hold_reason, values),
      });
    }
    const eventUpdates = [];
    for (const e of events) {
      const values = valuesOf.get(e.order_id!) ?? new Set();
      const message = e.message === null ? null : scrubText(e.message, values);
      const data = e.data === null ? null : scrubValue(e.data, values);
      if (message !== e.message || JSON.stringify(data) !== JSON.stringify(e.data)) eventUpdates.push({ id: e.id, message, data });
    }
    // An operator's reason for a refund or reprint ("Li rang: mug cracked") and OrderMesh's answer to it.
    const requestUpdates = [];
    for (const q of requests) {
      const values = valuesOf.get(q.order_id) ?? new Set();
      const reason = scrubText(q.reason, values);
      const error = q.error === null ? null : scrubText(q.error, values);
      if (reason !== q.reason || error !== q.error) requestUpdates.push({ id: q.id, reason, error });
    }
    result.orders = rows.length;
    result.events = eventUpdates.length;
    if (o.dryRun) return;
    await sql`
      update orders o set store_payload = x.store_payload, mapped_payload = x.mapped_payload, last_error_message = x.last_error_message, hold_reason = x.hold_reason, redacted_at = now(), updated_at = now()
      from jsonb_to_recordset(${JSON.stringify(orderUpdates)}::jsonb) as x(id bigint, store_payload jsonb, mapped_payload jsonb, last_error_message text, hold_reason text)
      where o.id = x.id`.execute(trx);
    await rewriteEvents(trx, eventUpdates);
    if (requestUpdates.length) {
      await sql`
        update ordermesh_requests r set reason = x.reason, error = x.error, updated_at = now()
        from jsonb_to_recordset(${JSON.stringify(requestUpdates)}::jsonb) as x(id bigint, reason text, error text)
        where r.id = x.id`.execute(trx);
    }
    await recordEvents(trx, rows.map((r) => ({ orderId: r.id, storeId: r.store_id, kind: 'redacted', reason: o.reason, message: `personal data removed (${valuesOf.get(r.id)!.size} value(s))`, actor: o.actor })));
  };
  if (o.dryRun) await apply(db);
  else await db.transaction().execute(apply);
  return result;
}

/**
 * Events not tied to these orders that still name the values (an operator's search kept in an audit
 * event, say): the values cut out of them too. A scan of the events table, for the rare request that
 * names a customer, never for the retention sweep.
 */
export async function scrubStrayEvents(db: Db, values: string[], dryRun = false): Promise<number> {
  const needles = values.filter((v) => v.length >= 4);
  if (needles.length === 0) return 0;
  const patterns = needles.map((v) => `%${v.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
  const rows = await db
    .selectFrom('events')
    .select(['id', 'message', 'data'])
    .where((eb) => eb.or([eb('message', 'like', sql<string>`any(${patterns})`), eb(sql`data::text`, 'like', sql<string>`any(${patterns})`)]))
    .execute();
  const set = new Set(needles);
  const updates = rows.map((e) => ({ id: e.id, message: e.message === null ? null : scrubText(e.message, set), data: e.data === null ? null : scrubValue(e.data, set) }));
  if (!dryRun) await rewriteEvents(db, updates);
  return updates.length;
}

/** Events' text replaced by their scrubbed form, in one statement. */
async function rewriteEvents(db: Db, updates: Array<{ id: string; message: string | null; data: unknown }>): Promise<void> {
  if (updates.length === 0) return;
  await sql`
    update events e set message = x.message, data = x.data
    from jsonb_to_recordset(${JSON.stringify(updates)}::jsonb) as x(id bigint, message text, data jsonb)
    where e.id = x.id`.execute(db);
}

/** Final orders whose retention has run out and that still hold personal data, oldest first. */
export async function retentionDue(db: Db, days: number, limit: number): Promise<string[]> {
  const rows = await db
    .selectFrom('orders')
    .select('id')
    .where('redacted_at', 'is', null)
    .where('state', 'in', FINAL)
    .where('state_changed_at', '<', sql<Date>`now() - make_interval(days => ${days})`)
    .orderBy('state_changed_at')
    .limit(limit)
    .execute();
  return rows.map((r) => r.id);
}

/** What the ledger holds of these orders, for a customer's data request: the order, its payloads, its story, its packages, its OrderMesh order. */
export async function exportOrders(db: Db, ids: string[]) {
  if (ids.length === 0) return { orders: [], ordermeshOrders: [] };
  const orders = await db.selectFrom('orders').selectAll().where('id', 'in', ids).orderBy('id').execute();
  const events = await db.selectFrom('events').select(['order_id', 'at', 'kind', 'from_state', 'to_state', 'reason_code', 'message', 'actor']).where('order_id', 'in', ids).orderBy('id').execute();
  const packages = await db.selectFrom('packages').select(['order_id', 'carrier', 'tracking_number', 'tracking_url', 'shipped_at', 'written_back_at']).where('order_id', 'in', ids).orderBy('id').execute();
  return {
    orders: orders.map((r) => ({
      store: r.store_id,
      storeOrderId: r.store_order_id,
      shopifyOrderId: r.shopify_order_id ?? r.store_order_id,
      name: r.store_order_name,
      state: r.state,
      createdAt: r.created_at,
      redactedAt: r.redacted_at,
      storePayload: r.store_payload,
      sentToOrderMesh: r.mapped_payload,
      ordermeshOrderId: r.ordermesh_order_id,
      safeId: r.safe_id,
      events: events.filter((e) => e.order_id === r.id).map(({ order_id: _o, ...e }) => e),
      packages: packages.filter((p) => p.order_id === r.id).map(({ order_id: _o, ...p }) => p),
    })),
    // What the merchant asks OrderMesh about: OrderMesh holds these orders' shipping details too.
    ordermeshOrders: orders.filter((r) => r.ordermesh_order_id).map((r) => ({ orderId: r.ordermesh_order_id!, safeId: r.safe_id, merchantOrder: r.store_order_name })),
  };
}

/**
 * Everything of one store (shop/redact): orders with their events, shipments and packages, SKU maps,
 * cursors, the fulfilment service, earlier privacy requests, the store's queued jobs, and a ledger
 * store's own row (its settings and sealed token: a reinstall makes a new one). A config store's row
 * stays: the config file is its source and it holds only ids. The request itself stays as the record
 * that it was done (counts only). Returns what was removed, by table.
 */
export async function wipeStore(db: Kysely<Database>, storeId: string, keepRequestId: string | null, dryRun = false): Promise<Record<string, number>> {
  const count = async (table: string, where: ReturnType<typeof sql>) => Number((await sql<{ n: number }>`select count(*)::int as n from ${sql.table(table)} where ${where}`.execute(db)).rows[0]!.n);
  const ofStore = sql`store_id = ${storeId}`;
  const ofOrders = sql`order_id in (select id from orders where store_id = ${storeId})`;
  const jobs = sql`data ->> 'storeId' = ${storeId}`;
  const requests = keepRequestId ? sql`store_id = ${storeId} and id <> ${keepRequestId}` : ofStore;
  const plan: Array<[string, ReturnType<typeof sql>]> = [
    ['ordermesh_package_hints', ofOrders],
    ['packages', ofOrders],
    ['shipments', ofOrders],
    ['events', sql`store_id = ${storeId} or ${ofOrders}`],
    ['orders', ofStore],
    ['sku_maps', ofStore],
    ['sync_cursors', ofStore],
    ['fulfillment_services', ofStore],
    ['privacy_requests', requests],
    ['stores', sql`id = ${storeId} and source = 'ledger'`],
  ];
  const out: Record<string, number> = {};
  if (dryRun) {
    for (const [t, w] of plan) out[t] = await count(t, w);
    out['pgboss.job'] = await count('pgboss.job', jobs).catch(() => 0);
    return out;
  }
  await db.transaction().execute(async (trx) => {
    for (const [t, w] of plan) out[t] = Number((await sql`delete from ${sql.table(t)} where ${w}`.execute(trx)).numAffectedRows ?? 0);
    out['pgboss.job'] = Number((await sql`delete from pgboss.job where ${jobs} and state in ('created', 'retry', 'completed', 'failed', 'cancelled')`.execute(trx)).numAffectedRows ?? 0);
  });
  return out;
}

export async function recordRequest(db: Db, r: { storeId: string; topic: PrivacyTopic; shopifyRequestId: string | null; orderIds: string[]; subject: Subject | null }): Promise<string> {
  const row = await db
    .insertInto('privacy_requests')
    .values({ store_id: r.storeId, topic: r.topic, shopify_request_id: r.shopifyRequestId, order_ids: r.orderIds, subject: r.subject ? JSON.stringify(r.subject) : null })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

/** A compliance request as recorded, if there is one. */
export async function privacyRequest(db: Db, id: string) {
  return db.selectFrom('privacy_requests').selectAll().where('id', '=', id).executeTakeFirst();
}

/** A request done: what was done kept, whom it was about dropped. */
export async function markRequestDone(db: Db, id: string, result: unknown): Promise<void> {
  await db.updateTable('privacy_requests').set({ status: 'done', done_at: new Date(), subject: null, result: JSON.stringify(result) }).where('id', '=', id).execute();
}

/** Data requests naming any of these orders, other than request `exceptId`, deleted with their exports; returns how many. */
export async function removeDataRequestsOf(db: Db, orderIds: string[], exceptId: string): Promise<number> {
  if (orderIds.length === 0) return 0;
  return Number((await sql`delete from privacy_requests where topic = 'customers/data_request' and order_ids && ${sql.val(orderIds)}::bigint[] and id <> ${exceptId}`.execute(db)).numAffectedRows ?? 0);
}

/** Compliance requests, newest first, without what they are about: what the CLI and the console list. */
export async function listRequests(db: Db, limit = 200) {
  const rows = await db.selectFrom('privacy_requests').select(['id', 'store_id', 'topic', 'status', 'received_at', 'done_at', 'fetched_at', 'export_expired_at', (eb) => eb.fn<number>('cardinality', [eb.ref('order_ids')]).as('orders')]).orderBy('id', 'desc').limit(limit).execute();
  return rows.map((r) => ({
    id: r.id,
    store: r.store_id,
    topic: r.topic,
    status: r.status,
    orders: Number(r.orders),
    receivedAt: r.received_at,
    doneAt: r.done_at,
    fetchedAt: r.fetched_at,
    exportExpiredAt: r.export_expired_at,
    exportReady: r.topic === 'customers/data_request' && r.status === 'done' && !r.fetched_at && !r.export_expired_at,
  }));
}

export type FetchedExport = { ok: true; export: unknown } | { ok: false; reason: 'NOT_FOUND' | 'NOT_READY' | 'FETCHED' | 'EXPIRED'; message: string };

/** A data request's export, handed over once: afterwards the ledger keeps only that it was fetched. */
export async function fetchExport(db: Kysely<Database>, id: string): Promise<FetchedExport> {
  return db.transaction().execute(async (trx) => {
    const r = await trx.selectFrom('privacy_requests').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
    if (!r || r.topic !== 'customers/data_request') return { ok: false, reason: 'NOT_FOUND', message: `no data request ${id}` };
    if (r.status !== 'done') return { ok: false, reason: 'NOT_READY', message: `data request ${id} is still being prepared` };
    if (r.fetched_at) return { ok: false, reason: 'FETCHED', message: `data request ${id} was fetched at ${r.fetched_at.toISOString()} and is no longer kept` };
    if (r.export_expired_at) return { ok: false, reason: 'EXPIRED', message: `data request ${id} was not fetched within privacy.exportDays: its export was removed at ${r.export_expired_at.toISOString()}` };
    await trx.updateTable('privacy_requests').set({ fetched_at: new Date(), result: JSON.stringify({ orders: r.order_ids.length }) }).where('id', '=', r.id).execute();
    return { ok: true, export: (r.result as { export: unknown }).export };
  });
}

/** A store of the ledger that belongs to a shop, with what may verify the shop's webhooks: its sealed webhook secret. */
export interface ShopStore {
  id: string;
  source: 'config' | 'ledger';
  sealedWebhookSecret: string | null;
}

/**
 * Every store the ledger has of a shop, paused and removed ones too (a compliance request names the
 * shop, not a running store). Domains are compared case-blind, as installs keep them lower-case.
 */
export async function storesOfShop(db: Db, shopDomain: string): Promise<ShopStore[]> {
  const rows = await db.selectFrom('stores').select(['id', 'source', 'secrets_sealed']).where(sql`lower(shop_domain)`, '=', shopDomain.toLowerCase()).orderBy('source').orderBy('id').execute();
  return rows.map((r) => ({ id: r.id, source: r.source, sealedWebhookSecret: (r.secrets_sealed as { webhookSecret?: string } | null)?.webhookSecret ?? null }));
}

/** Why a store no longer has the app: Shopify's shop/redact is only meant for such a shop (see installedStoresOfShop). */
const APP_GONE = ['UNINSTALLED', 'REMOVED'];

/**
 * A shop's ledger stores that still have the app installed: not paused by `app/uninstalled`, not
 * removed (an operator's pause or a missing merchant leaves the app installed). Config stores are left
 * out: their `app/uninstalled` only logs, so the ledger cannot tell whether they still have the app.
 */
export async function installedStoresOfShop(db: Db, shopDomain: string): Promise<string[]> {
  const rows = await db
    .selectFrom('stores')
    .select('id')
    .where(sql`lower(shop_domain)`, '=', shopDomain.toLowerCase())
    .where('source', '=', 'ledger')
    .where((eb) => eb.or([eb('paused_reason', 'is', null), eb('paused_reason', 'not in', APP_GONE)]))
    .orderBy('id')
    .execute();
  return rows.map((r) => r.id);
}

/**
 * Ids of a shop's stores whose row is gone (`store remove` of a store without orders) but whose audit
 * events still name the shop: what shop/redact still has to remove. Read from the events that record
 * a store's arrival (`store_added` says the domain, `store_installed` starts with it); a scan of the
 * store events, for a verified shop/redact of a shop with no store row, never on a hot path.
 */
export async function removedStoresOfShop(db: Db, shopDomain: string): Promise<string[]> {
  const domain = shopDomain.toLowerCase();
  const rows = await db
    .selectFrom('events')
    .select('store_id')
    .distinct()
    .where('order_id', 'is', null)
    .where('kind', 'in', ['store_added', 'store_installed'])
    .where((eb) => eb.or([eb(sql`lower(message)`, '=', domain), eb(sql`lower(message)`, 'like', `${domain.replace(/[\\%_]/g, (c) => `\\${c}`)} %`)]))
    .where('store_id', 'is not', null)
    .where('store_id', 'not in', (eb) => eb.selectFrom('stores').select('id'))
    .orderBy('store_id')
    .execute();
  return rows.map((r) => r.store_id!);
}

/**
 * Retention of data-request exports: one prepared more than `days` ago and never fetched is dropped
 * (the request keeps its order count and when the export expired). Returns how many.
 */
export async function expireExports(db: Db, days: number): Promise<number> {
  const r = await sql`
    update privacy_requests set result = jsonb_build_object('orders', cardinality(order_ids)), export_expired_at = now()
    where topic = 'customers/data_request' and status = 'done' and fetched_at is null and export_expired_at is null
      and done_at < now() - make_interval(days => ${days})`.execute(db);
  return Number(r.numAffectedRows ?? 0);
}
