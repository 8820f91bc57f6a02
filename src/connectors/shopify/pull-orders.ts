import type { ShopifyClient } from './client.ts';
import { connectionNodes, type Connection, type RawShopifyOrder, type ShopifyLineItem, type ShopifyOrder } from './types.ts';

interface OrdersPage {
  orders: { pageInfo: { hasNextPage: boolean; endCursor: string | null }; nodes: RawShopifyOrder[] };
}

interface LineItemsPage {
  order: { lineItems: Connection<ShopifyLineItem> & { pageInfo: { hasNextPage: boolean; endCursor: string | null } } } | null;
}

/** Shopify search syntax for an updated_at window; both bounds inclusive (the overlap absorbs repeats). */
export function updatedWindowQuery(since: Date | null, until: Date): string {
  const upper = `updated_at:<='${until.toISOString()}'`;
  return since ? `updated_at:>='${since.toISOString()}' AND ${upper}` : upper;
}

/** Flattens an order's connections, fetching further line-item pages when the first did not hold them all. */
export async function completeOrder(client: ShopifyClient, raw: RawShopifyOrder): Promise<ShopifyOrder> {
  const lineItems = connectionNodes(raw.lineItems);
  let pageInfo = raw.lineItems.pageInfo;
  while (pageInfo?.hasNextPage) {
    const page = await client.request<LineItemsPage>('order-line-items', { id: raw.id, after: pageInfo.endCursor });
    if (!page.order) break;
    lineItems.push(...connectionNodes(page.order.lineItems));
    pageInfo = page.order.lineItems.pageInfo;
  }
  return { ...raw, lineItems, shippingLines: connectionNodes(raw.shippingLines) };
}

/**
 * Orders updated in [since, until], oldest update first, one page at a time. The caller commits each
 * page to the ledger before asking for the next, so the watermark can follow the committed pages.
 */
export async function* pullUpdatedOrders(
  client: ShopifyClient,
  window: { since: Date | null; until: Date; pageSize?: number },
): AsyncGenerator<ShopifyOrder[]> {
  const query = updatedWindowQuery(window.since, window.until);
  let after: string | null = null;
  for (;;) {
    const page: OrdersPage = await client.request<OrdersPage>('orders-updated-since', { first: window.pageSize ?? 250, after, query });
    const orders: ShopifyOrder[] = [];
    for (const raw of page.orders.nodes) orders.push(await completeOrder(client, raw));
    if (orders.length) yield orders;
    if (!page.orders.pageInfo.hasNextPage) return;
    after = page.orders.pageInfo.endCursor;
  }
}

export async function fetchOrder(client: ShopifyClient, id: string): Promise<ShopifyOrder | null> {
  const res = await client.request<{ order: RawShopifyOrder | null }>('order-by-id', { id });
  return res.order ? completeOrder(client, res.order) : null;
}
