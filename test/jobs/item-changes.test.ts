import { describe, expect, it } from 'vitest';
import type { CreateOrderModel } from '../../src/connectors/ordermesh/contract.ts';
import type { OrderMeshItem, OrderMeshOrder } from '../../src/connectors/ordermesh/reader.ts';
import { OrderMeshError } from '../../src/connectors/ordermesh/errors.ts';
import { cancelAnsweredOk, cancelConfirmed, cancelIntent, cancelNotApplied, cancelPlan, everyItemCut, intentQuantities, itemAdditions, itemCuts, reducedPayload } from '../../src/jobs/item-changes.ts';

/** What apply-order-change compares: items as sent (the default mapping's ids), the store's lines, OrderMesh's items. */
const sentItem = (n: number, quantity: number, over: Partial<CreateOrderModel['items'][number]> = {}) => ({
  sku: `SKU-${n}`,
  quantity,
  images: [],
  externalId: String(n),
  meta: { shopifyLineItemId: `gid://shopify/LineItem/${n}` },
  ...over,
});
const storeLine = (n: number, currentQuantity: number) => ({ id: `gid://shopify/LineItem/${n}`, currentQuantity });
const omItem = (n: number, quantity: number, over: Partial<OrderMeshItem> = {}): OrderMeshItem => ({
  id: `om-${n}`, externalId: String(n), sku: `SKU-${n}`, quantity, cancelledQuantity: 0, status: 'Open', meta: null, refunds: [], remainingPriceBalance: null, remainingShippingBalance: null, ...over,
});
const omOrder = (items: OrderMeshItem[]): OrderMeshOrder => ({
  id: 'om', safeId: null, externalId: null, merchantId: null, status: 'Open', items, shipmentIds: [], shippingAddress: null, meta: null, createdAt: null, updatedAt: null,
});

describe('units removed in the store', () => {
  it('are read from currentQuantity: a line removed, a line reduced 3 → 1', () => {
    const cuts = itemCuts([sentItem(1, 1), sentItem(2, 3), sentItem(3, 2)], [storeLine(1, 0), storeLine(2, 1), storeLine(3, 2)]);
    expect(cuts.map((c) => [c.sku, c.sent, c.wanted])).toEqual([['SKU-1', 1, 0], ['SKU-2', 3, 1]]);
  });

  it('are not units shipped and written back (unfulfilledQuantity is not read) nor a line the store no longer lists', () => {
    // currentQuantity stays 2 however much of the line was fulfilled; line 9 was never in the store payload.
    expect(itemCuts([sentItem(1, 2), sentItem(9, 1)], [storeLine(1, 2)])).toEqual([]);
  });

  it('are the whole order only when every item sent goes to 0', () => {
    const sent = [sentItem(1, 1), sentItem(2, 1)];
    expect(everyItemCut(sent, itemCuts(sent, [storeLine(1, 0), storeLine(2, 0)]))).toBe(true);
    expect(everyItemCut(sent, itemCuts(sent, [storeLine(1, 0), storeLine(2, 1)]))).toBe(false);
  });
});

describe('the cancel sent to OrderMesh', () => {
  it("names each OrderMesh item and the units to cancel, found by the line's id", () => {
    const sent = [sentItem(1, 1), sentItem(2, 3)];
    const plan = cancelPlan(itemCuts(sent, [storeLine(1, 0), storeLine(2, 1)]), omOrder([omItem(2, 3), omItem(1, 1)]));
    expect(plan.items).toEqual([{ orderItemId: 'om-1', quantity: 1 }, { orderItemId: 'om-2', quantity: 2 }]);
    expect([...plan.quantities]).toEqual([[0, 0], [1, 1]]);
  });

  it('leaves out what OrderMesh shows cancelled already, and items it shipped', () => {
    const sent = [sentItem(1, 1), sentItem(2, 3), sentItem(3, 1)];
    const cuts = itemCuts(sent, [storeLine(1, 0), storeLine(2, 1), storeLine(3, 0)]);
    const plan = cancelPlan(cuts, omOrder([omItem(1, 1, { status: 'Cancelled', cancelledQuantity: 1 }), omItem(2, 3, { cancelledQuantity: 2 }), omItem(3, 1, { status: 'Fulfilled' })]));
    expect(plan.items).toEqual([]);
    // Recorded as OrderMesh holds them; the shipped one is not (a return is not a removal before production).
    expect([...plan.quantities]).toEqual([[0, 0], [1, 1]]);
  });

  it('reports an item OrderMesh does not have', () => {
    const sent = [sentItem(1, 1), sentItem(2, 1)];
    expect(cancelPlan(itemCuts(sent, [storeLine(1, 0), storeLine(2, 1)]), omOrder([omItem(2, 1)])).unmatched.map((c) => c.sku)).toEqual(['SKU-1']);
  });
});

describe('an item cancel whose answer was lost', () => {
  const sent = [sentItem(1, 3), sentItem(2, 1)];
  const before = omOrder([omItem(1, 3), omItem(2, 1)]);
  const cuts = itemCuts(sent, [storeLine(1, 2), storeLine(2, 0)]);
  const intent = cancelIntent('om', cancelPlan(cuts, before), cuts, before, '1 × SKU-1, 1 × SKU-2');

  it('records the planned items, each as OrderMesh showed it, and the payload change', () => {
    expect(intent.items).toEqual([{ orderItemId: 'om-1', quantity: 1 }, { orderItemId: 'om-2', quantity: 1 }]);
    expect(intent.before).toEqual([{ orderItemId: 'om-1', sku: 'SKU-1', quantity: 3, cancelledQuantity: 0, status: 'Open' }, { orderItemId: 'om-2', sku: 'SKU-2', quantity: 1, cancelledQuantity: 0, status: 'Open' }]);
    expect([...intentQuantities(intent, { items: sent } as unknown as CreateOrderModel)]).toEqual([[0, 2], [1, 0]]);
    // A payload whose items moved is not reduced by index.
    expect([...intentQuantities(intent, { items: [sent[1]!, sent[0]!] } as unknown as CreateOrderModel)]).toEqual([]);
  });

  it('is confirmed only by what OrderMesh shows changed: Cancelled, a cancelledQuantity up, a quantity down, the order cancelled', () => {
    expect(cancelConfirmed(intent, before)).toBe(false);
    // A part-cancel as the docs show items (no cancelledQuantity, still Open at its quantity): unknown.
    expect(cancelConfirmed(intent, omOrder([omItem(1, 3), omItem(2, 1, { status: 'Cancelled', cancelledQuantity: 1 })]))).toBe(false);
    expect(cancelConfirmed(intent, omOrder([omItem(1, 3, { cancelledQuantity: 1 }), omItem(2, 1, { status: 'Cancelled', cancelledQuantity: 1 })]))).toBe(true);
    expect(cancelConfirmed(intent, omOrder([omItem(1, 2), omItem(2, 1, { status: 'Cancelled' })]))).toBe(true);
    expect(cancelConfirmed(intent, { ...omOrder([omItem(1, 3), omItem(2, 1)]), status: 'Cancelled' })).toBe(true);
    expect(cancelConfirmed(intent, omOrder([omItem(2, 1, { status: 'Cancelled' })]))).toBe(false);
  });

  it('is known not applied only when OrderMesh refused it or it never left', () => {
    const refused = (status: number) => new OrderMeshError(status === 429 ? 'RATE_LIMITED' : 'CONFLICT', 'cancelOrder', 'x', { status });
    expect(cancelNotApplied(refused(409))).toBe(true);
    expect(cancelNotApplied(refused(429))).toBe(true);
    expect(cancelNotApplied(new OrderMeshError('NETWORK', 'cancelOrder', 'x', { cause: Object.assign(new Error('refused'), { code: 'ECONNREFUSED' }) }))).toBe(true);
    expect(cancelNotApplied(new OrderMeshError('UNAVAILABLE', 'cancelOrder', 'shutting down: not sent'))).toBe(true);
    expect(cancelNotApplied(new OrderMeshError('NETWORK', 'cancelOrder', 'x', { cause: Object.assign(new Error('hang up'), { code: 'ECONNRESET' }) }))).toBe(false);
    expect(cancelNotApplied(new OrderMeshError('TIMEOUT', 'cancelOrder', 'x', { cause: new Error('t') }))).toBe(false);
    expect(cancelNotApplied(new OrderMeshError('SERVER_ERROR', 'cancelOrder', 'x', { status: 500 }))).toBe(false);
    expect(cancelNotApplied(new OrderMeshError('UNAVAILABLE', 'cancelOrder', 'x', { status: 503 }))).toBe(false);
    expect(cancelNotApplied(new Error('x'))).toBe(false);
    expect(cancelAnsweredOk(new OrderMeshError('BAD_RESPONSE', 'cancelOrder', 'x', { status: 200 }))).toBe(true);
    expect(cancelAnsweredOk(new OrderMeshError('BAD_RESPONSE', 'cancelOrder', 'x', { status: 302 }))).toBe(false);
  });
});

describe('units added in the store', () => {
  it('are new lines and quantities above what was sent', () => {
    expect(itemAdditions([sentItem(1, 1), sentItem(2, 2)], [sentItem(1, 1), sentItem(2, 3), sentItem(4, 1)])).toEqual([
      { line: 'gid://shopify/LineItem/2', sku: 'SKU-2', units: 1 },
      { line: 'gid://shopify/LineItem/4', sku: 'SKU-4', units: 1 },
    ]);
    expect(itemAdditions([sentItem(1, 3)], [sentItem(1, 1)])).toEqual([]);
  });
});

describe('the payload recorded as sent', () => {
  it('drops a removed item and keeps per-unit money on a reduced one', () => {
    const sent = { safeId: 's', merchantId: 'm', currencyCode: 'USD', shippingAddress: {} as never, customerTotal: 60,
      items: [sentItem(1, 1), sentItem(2, 3, { customerPrice: 14.99, customerSubtotal: 44.97, customerDiscountsOrPromotions: 3, customerTaxes: 1, customerShippingPrice: 4.99 })] } as unknown as CreateOrderModel;
    const after = reducedPayload(sent, new Map([[0, 0], [1, 1]]));
    expect(after.items).toHaveLength(1);
    expect(after.items[0]).toMatchObject({ sku: 'SKU-2', quantity: 1, customerSubtotal: 14.99, customerDiscountsOrPromotions: 1, customerTaxes: 0.33, customerShippingPrice: 1.66 });
    expect(after.customerTotal).toBe(60);
    expect(sent.items).toHaveLength(2);
  });
});
