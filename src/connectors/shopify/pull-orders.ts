import { z } from 'zod';
import type { ShopifyClient } from './client.ts';
import { ShopifyApiError } from './errors.ts';
import { orderIdentity, type StoreOrderPayload } from './types.ts';

const pageInfo = z.object({ hasNextPage: z.boolean(), endCursor: z.string().nullable() });
/** The envelope the pull walks; each order inside is checked on its own (see ShopifyOrder). */
const ordersPage = z.object({ orders: z.object({ pageInfo, nodes: z.array(z.unknown()) }) });
const orderById = z.object({ order: z.unknown().nullable() });
const ordersByIds = z.object({ nodes: z.array(z.unknown()) });
const ordersCount = z.object({ ordersCount: z.object({ count: z.number().int(), precision: z.string() }).nullable() });
const idsPage = z.object({ orders: z.object({ pageInfo, nodes: z.array(z.object({ id: z.string(), updatedAt: z.string() })) }) });
const lineItemsPage = z.object({ order: z.object({ lineItems: z.object({ pageInfo, nodes: z.array(z.unknown()) }) }).nullable() });

/** Shopify search syntax for an updated_at window; both bounds inclusive (the overlap absorbs repeats). */
export function updatedWindowQuery(since: Date | null, until: Date): string {
  const upper = `updated_at:<='${until.toISOString()}'`;
  return since ? `updated_at:>='${since.toISOString()}' AND ${upper}` : upper;
}

/**
 * Flattens an order's line items, fetching further pages when the first did not hold them all. A
 * connection that came back broken (null, or without pageInfo) is left as it came: the order is still
 * recorded, and its parse before mapping names the path (ShopifyOrder), so it fails alone.
 */
export async function completeOrder(client: ShopifyClient, raw: Record<string, unknown>): Promise<Record<string, unknown>> {
  const shipping = raw.shippingLines as { nodes?: unknown } | null | undefined;
  if (shipping && Array.isArray(shipping.nodes)) raw = { ...raw, shippingLines: shipping.nodes };
  const first = raw.lineItems as { nodes?: unknown; pageInfo?: unknown } | null | undefined;
  if (!first || !Array.isArray(first.nodes)) return raw;
  const info = pageInfo.safeParse(first.pageInfo);
  if (!info.success) return { ...raw, lineItems: { nodes: first.nodes, pageInfo: null } };
  const lineItems = [...first.nodes];
  let next = info.data;
  while (next.hasNextPage) {
    const page = await client.query('order-line-items', lineItemsPage, { id: raw.id, after: next.endCursor });
    if (!page.order) break;
    lineItems.push(...page.order.lineItems.nodes);
    next = page.order.lineItems.pageInfo;
  }
  return { ...raw, lineItems };
}

/**
 * An order of a response, ready for the ledger: complete, and with the identity the ledger keys on.
 * Without an id nothing can be recorded: that order is reported and the rest go on.
 */
async function storeOrder(client: ShopifyClient, raw: unknown, onInvalid: (why: string) => void): Promise<StoreOrderPayload | undefined> {
  const identity = orderIdentity(raw);
  if (!identity.ok) {
    onInvalid(identity.why);
    return undefined;
  }
  return (await completeOrder(client, identity.order)) as StoreOrderPayload;
}

export interface PullOptions {
  since: Date | null;
  until: Date;
  pageSize?: number;
  /** An order the ledger cannot even key (no id or updatedAt): reported, never fatal to the page. */
  onInvalid?: (why: string) => void;
}

/**
 * Orders updated in [since, until], oldest update first, one page at a time. The caller commits each
 * page to the ledger before asking for the next, so the watermark can follow the committed pages.
 */
export async function* pullUpdatedOrders(client: ShopifyClient, window: PullOptions): AsyncGenerator<StoreOrderPayload[]> {
  const query = updatedWindowQuery(window.since, window.until);
  let after: string | null = null;
  let first = window.pageSize ?? 250;
  for (;;) {
    let page: z.infer<typeof ordersPage>;
    try {
      page = await client.query('orders-updated-since', ordersPage, { first, after, query });
    } catch (err) {
      // A page's requested cost grows with `first`; a store with a small bucket gets smaller pages.
      if (!(err instanceof ShopifyApiError && err.code === 'QUERY_TOO_COSTLY' && first > 1)) throw err;
      first = Math.max(1, Math.floor(first / 2));
      continue;
    }
    const orders: StoreOrderPayload[] = [];
    for (const raw of page.orders.nodes) {
      const order = await storeOrder(client, raw, window.onInvalid ?? (() => {}));
      if (order) orders.push(order);
    }
    if (orders.length) yield orders;
    if (!page.orders.pageInfo.hasNextPage) return;
    after = page.orders.pageInfo.endCursor;
  }
}

export async function fetchOrder(client: ShopifyClient, id: string, onInvalid?: (why: string) => void): Promise<StoreOrderPayload | null> {
  const res = await client.query('order-by-id', orderById, { id });
  if (res.order === null) return null;
  return (await storeOrder(client, res.order, onInvalid ?? (() => {}))) ?? null;
}

/** Ids per `nodes` read: Shopify takes at most 250; 50 keeps the requested cost of one read near a page's. */
const IDS_PER_READ = 50;

/**
 * Many orders by id, in as few reads as their cost allows (halved on MAX_COST_EXCEEDED). Returns the
 * orders the store still has; an id it does not return (deleted, or not an order) is simply absent.
 */
export async function fetchOrders(client: ShopifyClient, ids: string[], onInvalid?: (why: string) => void): Promise<StoreOrderPayload[]> {
  const out: StoreOrderPayload[] = [];
  let size = IDS_PER_READ;
  for (let i = 0; i < ids.length; ) {
    const chunk = ids.slice(i, i + size);
    let res: z.infer<typeof ordersByIds>;
    try {
      res = await client.query('orders-by-ids', ordersByIds, { ids: chunk });
    } catch (err) {
      if (!(err instanceof ShopifyApiError && err.code === 'QUERY_TOO_COSTLY' && size > 1)) throw err;
      size = Math.max(1, Math.floor(size / 2));
      continue;
    }
    for (const raw of res.nodes) {
      // null: no such node; {}: a node of another type (the inline fragment selected nothing).
      if (raw === null || (typeof raw === 'object' && Object.keys(raw).length === 0)) continue;
      const order = await storeOrder(client, raw, onInvalid ?? (() => {}));
      if (order) out.push(order);
    }
    i += chunk.length;
  }
  return out;
}

/** Ids and update times of the orders updated in [since, until], a page at a time (cheap: no order fields). */
export async function* pullUpdatedIds(client: ShopifyClient, window: { since: Date; until: Date }): AsyncGenerator<Array<{ id: string; updatedAt: string }>> {
  const query = updatedWindowQuery(window.since, window.until);
  let after: string | null = null;
  for (;;) {
    const page: z.infer<typeof idsPage> = await client.query('orders-updated-ids', idsPage, { first: 250, after, query });
    if (page.orders.nodes.length) yield page.orders.nodes;
    if (!page.orders.pageInfo.hasNextPage) return;
    after = page.orders.pageInfo.endCursor;
  }
}

/** How many orders were updated in [since, until], by Shopify's own count (no limit). */
export async function countOrders(client: ShopifyClient, since: Date, until: Date): Promise<number | null> {
  const res = await client.query('orders-count', ordersCount, { query: updatedWindowQuery(since, until) });
  return res.ordersCount?.count ?? null;
}
