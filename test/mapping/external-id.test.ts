import { describe, expect, it } from 'vitest';
import type { CreateOrderModel } from '../../src/connectors/ordermesh/contract.ts';
import type { AssignedFulfillmentOrder } from '../../src/connectors/shopify/fulfillment-service/requests.ts';
import { requestPayload } from '../../src/connectors/shopify/fulfillment-service/request-payload.ts';
import type { ShopifyOrder, StoreOrderPayload } from '../../src/connectors/shopify/types.ts';
import { requestSafeId } from '../../src/db/fulfillment-requests.ts';
import { loadMapper, mapOrder } from '../../src/mapping/registry.ts';
import { safeIdFor } from '../../src/mapping/safe-id.ts';
import { line, money, order } from './cases.ts';

/**
 * The OrderMesh externalId (issue 33): OrderMesh refuses a merchant's second order with an externalId
 * it already has, so the default must never repeat across the merchant's stores or across the
 * fulfilment requests of one order, and must be the same on every retry.
 */
const MERCHANT = 'm-1';

async function sent(storeId: string, payload: unknown, safeId: string, options: Record<string, unknown> = {}): Promise<CreateOrderModel> {
  const r = mapOrder(await loadMapper('shopify-default', options, 'm', '.'), payload, { storeId, merchantId: MERCHANT, safeId });
  if (r.kind !== 'mapped') throw new Error(`not mapped: ${JSON.stringify(r)}`);
  return r.model;
}
/** As the ledger keys a store order (merchant-managed mode): its safeId from the store and the order id. */
const asOrder = (storeId: string, o: ShopifyOrder, options?: Record<string, unknown>) => sent(storeId, o, safeIdFor(storeId, o.id), options);

/** One order of two lines, and a fulfilment request for each line (as Shopify splits it between locations). */
function twoRequests() {
  const o = order({ currentTotalPriceSet: money('34.97'), lineItems: [line(), line({ sku: 'TEE-BELLA3001-BLK-M', name: 'Tee' })] });
  const fo = (n: number, li: (typeof o.lineItems)[number]): AssignedFulfillmentOrder => ({
    id: `gid://shopify/FulfillmentOrder/${700 + n}`,
    orderId: o.id,
    status: 'OPEN',
    requestStatus: 'SUBMITTED',
    updatedAt: o.updatedAt,
    assignedLocation: { location: { id: 'gid://shopify/Location/1' } },
    fulfillmentHolds: [],
    lineItems: { pageInfo: { hasNextPage: false, endCursor: null }, nodes: [{ id: `gid://shopify/FulfillmentOrderLineItem/${800 + n}`, totalQuantity: 1, remainingQuantity: 1, lineItem: { id: li.id } }] },
  });
  return { o, requests: [fo(1, o.lineItems[0]!), fo(2, o.lineItems[1]!)] };
}
/** As the fulfilment-service scan records a request: the order cut to it, its safeId from the fulfilment order. */
const asRequest = (storeId: string, o: ShopifyOrder, fo: AssignedFulfillmentOrder, options?: Record<string, unknown>) =>
  sent(storeId, requestPayload(o as unknown as StoreOrderPayload, fo), requestSafeId(storeId, fo.id), options);

describe('the default externalId never collides', () => {
  it('across two stores of one merchant whose orders have the same name', async () => {
    // Every shop numbers from #1001; even the same Shopify id in both would not make them collide.
    const [eu, us] = [await asOrder('acme-eu', order()), await asOrder('acme-us', order())];
    expect(eu.externalId).not.toBe(us.externalId);
    expect([eu.externalId, us.externalId]).toEqual(['acme-eu-9007199254741993', 'acme-us-9007199254741993']);
    // The name stays visible in OrderMesh.
    expect([eu.meta?.shopifyOrderName, us.meta?.shopifyOrderName]).toEqual(['#1001', '#1001']);
    // What the old default sent: OrderMesh refuses the second.
    expect((await asOrder('acme-eu', order(), { externalId: 'name' })).externalId).toBe((await asOrder('acme-us', order(), { externalId: 'name' })).externalId);
  });

  it('across two fulfilment requests of one order', async () => {
    const { o, requests } = twoRequests();
    const [a, b] = [await asRequest('acme', o, requests[0]!), await asRequest('acme', o, requests[1]!)];
    expect(a.items.map((i) => i.sku)).toEqual(['MUG-11OZ-WHITE']);
    expect(b.items.map((i) => i.sku)).toEqual(['TEE-BELLA3001-BLK-M']);
    expect(a.externalId).not.toBe(b.externalId);
    expect([a.externalId, b.externalId]).toEqual(['acme-FO-701', 'acme-FO-702']);
    expect([a.meta?.shopifyOrderName, b.meta?.shopifyOrderName]).toEqual(['#1001', '#1001']);
    // And apart from the same order sent whole by a merchant-managed store.
    expect((await asOrder('acme', o)).externalId).not.toBe(a.externalId);
    // `name` and `id` are the whole order's: both requests would carry the same one.
    for (const externalId of ['name', 'id']) {
      expect((await asRequest('acme', o, requests[0]!, { externalId })).externalId).toBe((await asRequest('acme', o, requests[1]!, { externalId })).externalId);
    }
  });

  it('is the same on every mapping of the same order or request, so a retry is recognised', async () => {
    const { o, requests } = twoRequests();
    expect((await asOrder('acme', o)).externalId).toBe((await asOrder('acme', structuredClone(o))).externalId);
    expect((await asRequest('acme', o, requests[0]!)).externalId).toBe((await asRequest('acme', structuredClone(o), structuredClone(requests[0]!))).externalId);
    // A changed order (a new address, a line refunded) keeps it.
    const changed = { ...o, updatedAt: '2026-11-21T09:00:00Z', shippingAddress: { ...o.shippingAddress!, city: 'Springfield' } };
    expect((await asOrder('acme', changed)).externalId).toBe((await asOrder('acme', o)).externalId);
  });

  it('is the safeId: at most 100 URL-safe characters for the longest store id', async () => {
    const store = `a${'b'.repeat(62)}`;
    const { o, requests } = twoRequests();
    for (const m of [await asOrder(store, o), await asRequest(store, o, requests[1]!)]) {
      expect(m.externalId).toBe(m.safeId);
      expect(m.externalId).toMatch(/^[A-Za-z0-9_-]{1,100}$/);
    }
  });

  it('keeps `name` and `id` for merchants who need them', async () => {
    expect((await asOrder('acme', order(), { externalId: 'name' })).externalId).toBe('#1001');
    expect((await asOrder('acme', order(), { externalId: 'id' })).externalId).toBe('9007199254741993');
    const err = await loadMapper('shopify-default', { externalId: 'uuid' }, 'stores[0].mapping', '.').catch((e) => e);
    expect(err.message).toContain('externalId');
  });
});
