import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import { COUNT_CAP, countMatching, orderFilterSchema, orderPage, type OrderFilter } from '../db/order-filter.ts';
import { emailsOf, shopifyOrderIdOf, trackingOf } from '../db/order-list.ts';
import { FAILURES } from '../db/order-states.ts';
import { findOrders, ledgerOrder, orderStory } from '../db/order-story.ts';
import { fixFor } from '../fixes.ts';
import type { JobDeps } from '../jobs/deps.ts';
import { orderMeshSide } from '../ops/requests.ts';
import { storyWithoutPersonalData } from '../privacy/hide-personal.ts';
import { callerOf, type Caller } from './admin-auth.ts';
import { bad, isOrderId, NOT_AN_ORDER_ID, problems, type Guards } from './admin-common.ts';
import { EMAIL_SEARCH_REFUSED, listWithoutPersonalData } from './admin-personal.ts';
import { toCsv } from './orders-csv.ts';

const MAX_PAGE_SIZE = 200;
/** Rows read per statement while exporting: an export of 10,000 orders is 10 page reads, never one unbounded one. */
const EXPORT_CHUNK = 1000;

const listQuery = orderFilterSchema.extend({
  /** Only the failure states (when no state is given). */
  failures: z.boolean().optional(),
  page: z.coerce.number().int().min(1).max(10_000).default(1),
  pageSize: z.coerce.number().int().min(1).max(MAX_PAGE_SIZE).default(50),
});
const exportQuery = listQuery.omit({ page: true, pageSize: true });
const storeParam = z.strictObject({ store: z.string().min(1).max(100).optional() });

type Row = Awaited<ReturnType<typeof orderPage>>[number];
type ListItem = ReturnType<typeof itemOf>;

/** One order as the list shows it: where it is, why it failed (with the fix), what OrderMesh and the carrier call it. */
function itemOf(r: Row, tracking: string[]) {
  return {
    id: r.id,
    store: r.store_id,
    storeOrderId: r.store_order_id,
    shopifyOrderId: r.shopify_order_id ?? r.store_order_id,
    name: r.store_order_name,
    safeId: r.safe_id,
    state: r.state,
    since: r.state_changed_at.toISOString(),
    reason: r.last_error_code,
    message: r.last_error_message,
    fix: fixFor(r.last_error_code) ?? null,
    ordermeshOrderId: r.ordermesh_order_id,
    tracking,
    total: r.total,
    updated: r.updated_at.toISOString(),
    firstSeen: r.created_at.toISOString(),
  };
}

/**
 * The filter a request means, or why it is refused: a caller that does not see personal data may not
 * search by e-mail (the answer would say whether that person ordered); `failures` means the failure states.
 */
function filterOf(input: unknown, caller: Caller, reply: FastifyReply, schema: typeof listQuery | typeof exportQuery): { filter: OrderFilter; page: number; pageSize: number } | undefined {
  const q = schema.safeParse(input);
  if (!q.success) return void bad(reply, problems(q.error));
  const { failures, page = 1, pageSize = MAX_PAGE_SIZE, ...filter } = q.data as Partial<z.infer<typeof listQuery>>;
  if (filter.q?.includes('@') && !caller.personalData) return void reply.code(403).send({ message: EMAIL_SEARCH_REFUSED(caller.name, caller.role) });
  if (failures && !filter.state) filter.state = [...FAILURES];
  return { filter, page, pageSize };
}

/** A page of orders with their tracking numbers, each message without personal values for a caller that may not see them. */
async function itemsOf(deps: JobDeps, filter: OrderFilter, page: number, pageSize: number, caller: Caller) {
  const rows = await orderPage(deps.db, filter, page, pageSize);
  const shown = rows.slice(0, pageSize);
  const tracking = await trackingOf(deps.db, shown.map((r) => r.id));
  const items = shown.map((r) => itemOf(r, tracking.get(r.id) ?? []));
  return { hasMore: rows.length > pageSize, items: caller.personalData ? items : await listWithoutPersonalData(deps.db, items) };
}

/** Exact up to COUNT_CAP; beyond it `total` is COUNT_CAP + 1 and `totalExact` false ("more than 10,000"). */
async function totalOf(deps: JobDeps, filter: OrderFilter) {
  const n = await countMatching(deps.db, filter);
  return { total: n, totalExact: n <= COUNT_CAP };
}

const CSV_HEADER = ['ledger id', 'store', 'order', 'Shopify order id', 'safeId', 'state', 'since', 'reason', 'message', 'OrderMesh order id', 'tracking', 'total', 'currency', 'updated', 'first seen'];
const csvRow = (i: ListItem) => [i.id, i.store, i.name, i.shopifyOrderId, i.safeId, i.state, i.since, i.reason, i.message, i.ordermeshOrderId, i.tracking.join(' '), i.total?.amount, i.total?.currencyCode, i.updated, i.firstSeen];

/** Every order a filter selects as CSV (at most COUNT_CAP), with the customer's e-mail only for a caller that sees personal data. */
async function exportCsv(deps: JobDeps, filter: OrderFilter, caller: Caller): Promise<string> {
  const rows: unknown[][] = [];
  for (let page = 1; ; page++) {
    const { items, hasMore } = await itemsOf(deps, filter, page, EXPORT_CHUNK, caller);
    const emails = caller.personalData ? await emailsOf(deps.db, items.map((i) => i.id)) : undefined;
    for (const i of items) rows.push(emails ? [...csvRow(i), emails.get(i.id) ?? ''] : csvRow(i));
    if (!hasMore) break;
  }
  return toCsv(caller.personalData ? [...CSV_HEADER, 'e-mail'] : CSV_HEADER, rows);
}

/** The order list and search (one filter shape), its CSV export, and one order's story. */
export function registerOrders(app: FastifyInstance<any, any, any, any>, deps: JobDeps, { view }: Guards): void {
  const listOrders = async (input: unknown, caller: Caller, reply: FastifyReply) => {
    const asked = filterOf(input, caller, reply, listQuery);
    if (!asked) return reply;
    const { filter, page, pageSize } = asked;
    return { page, pageSize, ...(await totalOf(deps, filter)), ...(await itemsOf(deps, filter, page, pageSize, caller)) };
  };
  // GET for scripts (states comma-separated); POST with the same fields as JSON for the console, so a
  // search by e-mail never travels in a URL.
  app.get('/api/v1/orders', view, async (req, reply) => {
    const raw: Record<string, unknown> = { ...(req.query as Record<string, unknown>) };
    if (typeof raw.state === 'string') raw.state = raw.state.split(',');
    if (raw.failures !== undefined) raw.failures = raw.failures === 'true' || raw.failures === '1';
    return listOrders(raw, callerOf(req), reply);
  });
  app.post('/api/v1/orders/search', view, async (req, reply) => listOrders(req.body ?? {}, callerOf(req), reply));

  // POST, as the search: the filter (an e-mail, say) stays out of URLs and logs.
  app.post('/api/v1/orders/export', view, async (req, reply) => {
    const caller = callerOf(req);
    const asked = filterOf(req.body ?? {}, caller, reply, exportQuery);
    if (!asked) return reply;
    const { filter } = asked;
    const { total } = await totalOf(deps, filter);
    if (total > COUNT_CAP) return bad(reply, `the filter selects more than ${COUNT_CAP} orders; narrow it to export`);
    req.log.info({ actor: caller.name, orders: total }, 'console: orders exported');
    return reply.header('content-type', 'text/csv; charset=utf-8').header('content-disposition', 'attachment; filename="orders.csv"').send(await exportCsv(deps, filter, caller));
  });

  app.get('/api/v1/orders/:id', view, async (req, reply) => {
    const id = (req.params as { id: string }).id;
    const q = storeParam.safeParse(req.query);
    if (!q.success) return bad(reply, problems(q.error));
    if (id.length > 200) return bad(reply, 'id: too long');
    // All digits is a ledger id (other keys are searched for): one beyond bigint would reach the database as an error.
    if (/^\d+$/.test(id) && !isOrderId(id)) return bad(reply, `id: ${NOT_AN_ORDER_ID}`);
    const found = /^\d+$/.test(id) ? [await ledgerOrder(deps.db, id)].filter((o) => o !== undefined) : await findOrders(deps.db, id, q.data.store);
    if (!found[0]) return reply.code(404).send({ message: `no order "${id}"${q.data.store ? ` in store ${q.data.store}` : ''}` });
    // A name two stores both use (#1001 in each) names two orders: ask which, as `ordersync order show` does.
    if (found.length > 1) return reply.code(409).send(ambiguous(id, found as Awaited<ReturnType<typeof findOrders>>));
    return oneOrder(deps, found[0].id, callerOf(req));
  });
}

/** The orders a key names in several stores, for the caller to choose from (the page lists them with their links). */
function ambiguous(key: string, rows: Awaited<ReturnType<typeof findOrders>>) {
  const which = rows.map((r) => ({ id: r.id, store: r.store_id, name: r.store_order_name, storeOrderId: r.store_order_id }));
  return { message: `"${key}" names ${rows.length} orders (${which.map((w) => `${w.store} ${w.name ?? w.storeOrderId}`).join(', ')}): choose one, or give ?store=`, candidates: which };
}

/** One order's story, its fix, OrderMesh's side read now (as `order show` does) and its links. */
async function oneOrder(deps: JobDeps, id: string, caller: Caller) {
  const story = await orderStory(deps.db, id);
  const store = deps.config.stores.find((s) => s.id === story.order.store);
  const ordermesh = await orderMeshSide(deps, story);
  // A fulfilment-service order's store id is its fulfilment order's: Shopify admin shows the order it belongs to.
  const shopifyOrder = (await shopifyOrderIdOf(deps.db, id)) ?? story.order.storeOrderId;
  const numeric = shopifyOrder.split('/').pop();
  const answer = {
    ...story,
    fix: fixFor(story.order.lastError?.code) ?? null,
    ordermesh,
    links: {
      shopify: store ? `https://admin.shopify.com/store/${store.shopDomain.replace(/\.myshopify\.com$/, '')}/orders/${numeric}` : null,
      ordermesh: story.order.ordermeshOrderId && deps.config.ordermesh.consoleUrl ? deps.config.ordermesh.consoleUrl.replace('{orderId}', encodeURIComponent(story.order.ordermeshOrderId)) : null,
    },
  };
  // OrderMesh's notes and the requests' reasons are free text too: hidden from the whole answer.
  return caller.personalData ? answer : { ...storyWithoutPersonalData(answer), personalData: 'hidden' as const };
}
