import { afterAll } from 'vitest';
import { ShopifyClient, type ShopifyAuth } from '../../src/connectors/shopify/client.ts';
import { fetchOrder } from '../../src/connectors/shopify/pull-orders.ts';
import { parseShopifyOrder, type ShopifyLineItem, type ShopifyOrder } from '../../src/connectors/shopify/types.ts';
import { line, order } from '../mapping/cases.ts';
import { SHOPIFY_SIM_DEFAULTS, startShopifySim, type ShopifySimOptions } from '../../src/sim/shopify/server.ts';

export async function shopifySim(opts: ShopifySimOptions = {}) {
  const sim = await startShopifySim({ port: 0, ...opts });
  afterAll(() => sim.close());
  return sim;
}

export function shopifyClientFor(sim: { url: string }, auth?: ShopifyAuth, domain: string = SHOPIFY_SIM_DEFAULTS.shop.domain) {
  return new ShopifyClient({
    shopDomain: domain,
    apiVersion: '2026-01',
    apiOrigin: sim.url,
    auth: auth ?? { type: 'accessToken', accessToken: SHOPIFY_SIM_DEFAULTS.shop.accessToken },
  });
}

export async function post(url: string, body: unknown = {}): Promise<any> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const json = await res.json();
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status} ${JSON.stringify(json)}`);
  return json;
}

export async function seedOrders(sim: { url: string }, body: Record<string, unknown>): Promise<string[]> {
  return (await post(`${sim.url}/_sim/orders`, body)).ids;
}

export async function shopState(sim: { url: string }, summary = false): Promise<any> {
  const s = (await (await fetch(`${sim.url}/_sim/state${summary ? '?summary' : ''}`)).json()) as any;
  return s.shops[SHOPIFY_SIM_DEFAULTS.shop.domain];
}

let explicitSeq = 0;
/**
 * A complete store order for `POST /_sim/orders {orders}` (the simulator keeps explicit orders exactly
 * as given and refuses incomplete ones): test/mapping/cases.ts's order with unique ids, its
 * currentTotalPriceSet worked out from its parts unless given (whole units only: no refunds here).
 */
export function explicitOrder(over: Partial<ShopifyOrder> = {}, lines: Array<Partial<ShopifyLineItem>> = [{}]): ShopifyOrder {
  const n = `${Date.now()}${String(++explicitSeq).padStart(4, '0')}`;
  const now = new Date(Math.floor(Date.now() / 1000) * 1000).toISOString().replace('.000Z', 'Z');
  const lineItems = lines.map((l, i) => line({ id: `gid://shopify/LineItem/${n}${String(i).padStart(4, '0')}`, ...l }));
  const o = order({ id: `gid://shopify/Order/${n}`, name: `#X${n}`, createdAt: now, updatedAt: now, lineItems, ...over });
  if (over.currentTotalPriceSet) return o;
  const cents = (amount: string) => Math.round(Number(amount) * 100);
  const total =
    o.lineItems.reduce((a, li) => a + cents(li.originalUnitPriceSet.shopMoney.amount) * li.currentQuantity - li.discountAllocations.reduce((b, d) => b + cents(d.allocatedAmountSet.shopMoney.amount), 0) + li.taxLines.reduce((b, t) => b + cents(t.priceSet.shopMoney.amount), 0), 0) +
    o.shippingLines.reduce((a, s) => a + cents(s.currentDiscountedPriceSet.shopMoney.amount), 0);
  const amount = (total / 100).toFixed(2);
  return { ...o, currentTotalPriceSet: { shopMoney: { amount, currencyCode: o.currencyCode }, presentmentMoney: { amount, currencyCode: o.presentmentCurrencyCode } } };
}

/** Reads an order through the connector and parses it as the mapping would. */
export async function readOrder(client: ShopifyClient, id: string): Promise<ShopifyOrder> {
  const parsed = parseShopifyOrder(await fetchOrder(client, id));
  if (!parsed.ok) throw new Error(`order ${id} does not parse: ${JSON.stringify(parsed.issues)}`);
  return parsed.order;
}
