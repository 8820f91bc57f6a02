import { describe, expect, it } from 'vitest';
import { DEFAULT_STATUS_CODES, QuantityUnknown, ReadError, readBulk, readCatalogue, readErrorBody, readOrder, readOrderList, readShipments, readToken, type DriftNotice, type ReadContext } from '../../src/connectors/ordermesh/reader.ts';

/**
 * The tolerant reader against shapes written here by hand from public-facts.md (not from the client's
 * own types): each case declares what it must read and which drift it must report.
 */
function ctx(): ReadContext & { seen: DriftNotice[] } {
  const seen: DriftNotice[] = [];
  return { seen, statusCodes: DEFAULT_STATUS_CODES, drift: (n) => seen.push(n) };
}
const kinds = (c: { seen: DriftNotice[] }) => c.seen.map((n) => n.kind);

// public-facts.md #1: a shipment as the STG portal shows it (integer status, no timezone, empty packageOrderItems).
const stgShipment = {
  id: '6d1f0a64-1b7e-4c51-9a3e-2f4b8c0d9e11',
  shortId: 'S00000042',
  merchantId: 'm-1',
  orderId: '65f0c0ffee00000000000001',
  safeId: 'acme-1001',
  shipmentStatus: 4,
  createdDate: '2022-04-03T12:00:00',
  lastModifiedDate: '2022-04-03T13:30:00',
  orderItemIDs: ['1', '2'],
  orderItems: [
    { id: '1', sku: 'MUG-11', quantity: 3, status: 1 },
    { id: '2', sku: 'TEE-M', quantity: 1, status: 1 },
  ],
  packages: [
    { id: 'a1b2c3d4-0000-4000-8000-000000000001', shortId: 'P1', shipmentId: 'x', carrierName: 'USPS', carrierMethodName: 'Ground', shippedDate: '2022-04-03T12:00:00', fulfilledDate: null, carrierTrackingNumber: '9400100000000000000001', carrierLink: 'https://t/1', carrierAccount: false, orderItemIDs: ['1', '2'], packageOrderItems: [], packingSlipId: null },
    { id: 'a1b2c3d4-0000-4000-8000-000000000002', shortId: 'P2', shipmentId: 'x', carrierName: 'USPS', carrierTrackingNumber: '9400100000000000000002', carrierLink: null, carrierAccount: false, orderItemIDs: ['1'], packageOrderItems: [], packingSlipId: null },
  ],
};

describe('the tolerant reader: shipments', () => {
  it('reads the documented REST shipment: id, integer status named by the table, dates as UTC, quantities from orderItemIDs split across packages', () => {
    const c = ctx();
    const [s] = readShipments([stgShipment], c);
    expect(s!.shipmentId).toBe('6d1f0a64-1b7e-4c51-9a3e-2f4b8c0d9e11');
    expect(s!.status).toBe('Fulfilled');
    expect(s!.createdAt).toBe('2022-04-03T12:00:00.000Z');
    expect(s!.packages.map((p) => p.packageId)).toEqual(['a1b2c3d4-0000-4000-8000-000000000001', 'a1b2c3d4-0000-4000-8000-000000000002']);
    // Item 1 (3 units) is in both packages: 2 in the first, 1 in the second; item 2 only in the first.
    expect(s!.packages[0]!.items.map((i) => [i.orderItemId, i.quantity])).toEqual([['1', 2], ['2', 1]]);
    expect(s!.packages[1]!.items.map((i) => [i.orderItemId, i.quantity])).toEqual([['1', 1]]);
    expect(s!.packages.every((p) => p.quantitiesInferred)).toBe(true);
    expect(s!.packages[0]!.carrierTrackingNumber).toBe('9400100000000000000001');
    // The integer status and the missing timezone are what the docs show: no drift but the envelope seen.
    expect(kinds(c)).toEqual(['envelope:array']);
  });

  it('one unit listed by two packages goes to the first; the second lists nothing of it', () => {
    const one = { ...stgShipment, orderItems: [{ id: '1', quantity: 1 }, { id: '2', quantity: 1 }] };
    const [s] = readShipments(one, ctx());
    expect(s!.packages[0]!.items.map((i) => [i.orderItemId, i.quantity])).toEqual([['1', 1], ['2', 1]]);
    expect(s!.packages[1]!.items).toEqual([]);
  });

  it('asks for the order when neither the packages nor the shipment give a quantity', () => {
    const bare = { ...stgShipment, orderItems: undefined };
    expect(() => readShipments([bare], ctx())).toThrow(QuantityUnknown);
    const [s] = readShipments([bare], ctx(), (id) => (id === '1' ? 5 : 2));
    expect(s!.packages[0]!.items.map((i) => [i.orderItemId, i.quantity])).toEqual([['1', 3], ['2', 2]]);
    expect(s!.packages[1]!.items.map((i) => [i.orderItemId, i.quantity])).toEqual([['1', 2]]);
  });

  it('an item in two shipments that give no quantity of their own shares the order quantity, not each all of it', () => {
    const ship = (id: string, pkg: string) => ({ id, shipmentStatus: 4, orderItemIDs: ['a'], packages: [{ id: pkg, carrierTrackingNumber: pkg, orderItemIDs: ['a'], packageOrderItems: [] }] });
    const shipments = readShipments([ship('s1', 'p1'), ship('s2', 'p2')], ctx(), (id) => (id === 'a' ? 4 : null));
    expect(shipments.map((s) => s.packages[0]!.items.map((i) => i.quantity))).toEqual([[2], [2]]);
  });

  it('a package with packageOrderItems beside one with only orderItemIDs: the second gets what is left, not the whole', () => {
    const s = { id: 's', shipmentStatus: 4, orderItems: [{ id: 'a', quantity: 4 }], packages: [
      { id: 'p1', orderItemIDs: ['a'], packageOrderItems: [{ orderItemId: 'a', quantity: 3 }] },
      { id: 'p2', orderItemIDs: ['a'], packageOrderItems: [] },
    ] };
    const [read] = readShipments([s], ctx());
    expect(read!.packages.map((p) => p.items.map((i) => i.quantity))).toEqual([[3], [1]]);
    // Across shipments too: 3 counted in one, the other gets the order's remaining 1.
    const other = { id: 's2', shipmentStatus: 4, packages: [{ id: 'p3', orderItemIDs: ['a'], packageOrderItems: [] }] };
    const both = readShipments([{ ...s, orderItems: undefined, packages: [s.packages[0]] }, other], ctx(), () => 4);
    expect(both.map((x) => x.packages[0]!.items.map((i) => i.quantity))).toEqual([[3], [1]]);
  });

  it('takes packageOrderItems when they are given', () => {
    const given = { ...stgShipment, packages: [{ ...stgShipment.packages[0], packageOrderItems: [{ orderItemId: '1', externalId: '111', quantity: 3, itemMeta: { shopifyLineItemId: 'gid://shopify/LineItem/111' } }] }] };
    const [s] = readShipments({ items: [given] }, ctx());
    expect(s!.packages[0]!.items).toEqual([{ orderItemId: '1', externalId: '111', quantity: 3, shopifyLineItemId: 'gid://shopify/LineItem/111' }]);
    expect(s!.packages[0]!.quantitiesInferred).toBe(false);
  });

  it('reads every envelope the docs leave open, and the older names, reporting each', () => {
    const legacy = { shipmentId: 's-1', orderId: 'o-1', status: 'Fulfilled', createdAt: '2026-01-01T00:00:00Z', packages: [{ packageId: 'p-1', carrierTrackingNumber: 'T1', packageOrderItems: [{ orderItemId: 'i-1', quantity: 1 }] }] };
    for (const [answer, kind] of [[{ shipments: [legacy] }, 'envelope:shipments'], [legacy, 'envelope:single object'], [{ items: [legacy] }, 'envelope:items']] as const) {
      const c = ctx();
      const [s] = readShipments(answer, c);
      expect(s!.shipmentId).toBe('s-1');
      expect(s!.packages[0]!.packageId).toBe('p-1');
      expect(kinds(c)).toContain(kind);
      expect(kinds(c)).toContain('field-name');
      expect(kinds(c)).toContain('string-status');
    }
  });

  it('keeps an unknown status as sent and reports it; tracking is read whatever the status', () => {
    const c = ctx();
    const [s] = readShipments([{ ...stgShipment, shipmentStatus: 97 }], c);
    expect(s!.status).toBe('97');
    expect(kinds(c)).toContain('unknown-status');
    expect(s!.packages[0]!.carrierTrackingNumber).toBe('9400100000000000000001');
  });

  it('a package without an id is a typed error naming its path', () => {
    const broken = { ...stgShipment, packages: [{ ...stgShipment.packages[0], id: undefined }] };
    expect(() => readShipments([broken], ctx())).toThrow(ReadError);
    expect(() => readShipments([broken], ctx())).toThrow(/\[0\]\.packages\[0\]\.id: is missing/);
  });
});

describe('the tolerant reader: orders', () => {
  // public-facts.md #2: {order: {...}} with money as {currency, amount}, item status a string, refundData.
  const wrapped = {
    order: {
      id: '65f0c0ffee00000000000001',
      shortId: 'O123',
      safeId: 'acme-1001',
      status: 'Open',
      merchantTotal: { currency: 'USD', amount: 12.5 },
      shippingAddress: { firstName: 'Ada', line1: '1 Main St', city: 'Springfield', countryCode: 'US' },
      shipmentIds: ['6d1f0a64-1b7e-4c51-9a3e-2f4b8c0d9e11'],
      items: [
        { id: '65f0c0ffee0000000000000a', shortId: 'I1', externalId: '111', sku: 'MUG-11', originalSKU: 'MUG-11', quantity: 2, status: 'Fulfilled', statusDesc: 'Fulfilled', customerPrice: { currency: 'USD', amount: 5 }, createdAt: '2026-01-01T00:00:00+00:00', refundData: { refunds: [{ transactionId: 't-1', isShippingRefund: false, amount: 5, reason: 'misprint' }], remainingShippingBalance: 0, remainingPriceBalance: 5 } },
      ],
    },
  };

  it('unwraps {order}, reads items, refunds and shipment ids; absent order-level fields are null, not errors', () => {
    const c = ctx();
    const o = readOrder(wrapped, c);
    expect(o).toMatchObject({ id: '65f0c0ffee00000000000001', safeId: 'acme-1001', status: 'Open', externalId: null, merchantId: null, createdAt: null, shipmentIds: ['6d1f0a64-1b7e-4c51-9a3e-2f4b8c0d9e11'] });
    expect(o.items[0]).toMatchObject({ id: '65f0c0ffee0000000000000a', externalId: '111', quantity: 2, cancelledQuantity: 0, status: 'Fulfilled' });
    expect(o.items[0]!.refunds).toEqual([{ transactionId: 't-1', isShippingRefund: false, amount: 5, reason: 'misprint' }]);
    expect(c.seen).toEqual([]);
  });

  it('reads a bare order and an integer status, reporting both', () => {
    const c = ctx();
    const o = readOrder({ ...wrapped.order, status: 7 }, c);
    expect(o.status).toBe('CustomerCareHold');
    expect(kinds(c)).toEqual(['envelope', 'integer-status']);
  });

  it('a cancelled item without cancelledQuantity counts as wholly cancelled', () => {
    const o = readOrder({ order: { ...wrapped.order, items: [{ id: 'i', quantity: 3, status: 'Cancelled' }] } }, ctx());
    expect(o.items[0]!.cancelledQuantity).toBe(3);
  });

  it('reads one bare order answered to a list as that order, not its items as orders', () => {
    expect(readOrderList(wrapped.order, ctx()).orders.map((o) => o.id)).toEqual(['65f0c0ffee00000000000001']);
  });

  it('lists orders from an array, {items} or {orders}, each possibly wrapped', () => {
    for (const answer of [[wrapped.order], { items: [wrapped.order], total: 1 }, { orders: [wrapped] }]) {
      expect(readOrderList(answer, ctx()).orders.map((o) => o.id)).toEqual(['65f0c0ffee00000000000001']);
    }
  });
});

describe('the tolerant reader: tokens, bulk answers, errors, catalogue', () => {
  it('reads a token in camelCase or snake_case', () => {
    expect(readToken({ accessToken: 'a', tokenType: 'Bearer', expiresIn: 900 }, ctx())).toEqual({ accessToken: 'a', expiresIn: 900 });
    const c = ctx();
    expect(readToken({ access_token: 'b', expires_in: 3600, refresh_token: 'r' }, c)).toEqual({ accessToken: 'b', expiresIn: 3600 });
    expect(kinds(c)).toEqual(['field-name', 'field-name']);
  });

  it('reads bulk results by index, by position, with statusCode or isSuccessful, and both error forms', () => {
    const r = readBulk({ items: [{ index: 1, safeId: 'b', statusCode: 400, errors: [{ propertyName: 'SafeId', errorMessage: 'exists', attemptedValue: 'b' }] }, { index: 0, safeId: 'a', statusCode: 201, orderId: 'o-a' }] }, ctx());
    expect(r).toEqual([
      { index: 1, safeId: 'b', status: 400, orderId: null, message: null, fieldErrors: { safeId: ['exists'] } },
      { index: 0, safeId: 'a', status: 201, orderId: 'o-a', message: null, fieldErrors: {} },
    ]);
    expect(readBulk([{ isSuccessful: true, orderId: 'x' }, { isSuccessful: false, message: 'no', errors: { 'items[0].sku': ['unknown'] } }], ctx())).toEqual([
      { index: null, safeId: null, status: 201, orderId: 'x', message: null, fieldErrors: {} },
      { index: null, safeId: null, status: 400, orderId: null, message: 'no', fieldErrors: { 'items[0].sku': ['unknown'] } },
    ]);
  });

  it('reads property names that are also names of Object.prototype members as keys like any other', () => {
    const body = readErrorBody([{ propertyName: 'Constructor', errorMessage: 'a' }, { propertyName: '__proto__', errorMessage: 'b' }, { propertyName: 'ToString', errorMessage: 'c' }]);
    expect(Object.entries(body.fieldErrors)).toEqual([['constructor', ['a']], ['__proto__', ['b']], ['toString', ['c']]]);
    expect(readErrorBody({ errors: { hasOwnProperty: ['x'] } }).fieldErrors.hasOwnProperty).toEqual(['x']);
  });

  it("reads the documented validation list, the errors map and a body it cannot read (no detail, never a crash)", () => {
    expect(readErrorBody([{ errorMessage: 'must not be empty', propertyName: 'Sku', attemptedValue: '' }])).toEqual({ message: null, fieldErrors: { sku: ['must not be empty'] } });
    expect(readErrorBody({ message: 'validation failed', errors: { 'items[0].sku': ['unknown SKU'] } })).toEqual({ message: 'validation failed', fieldErrors: { 'items[0].sku': ['unknown SKU'] } });
    expect(readErrorBody('<html>')).toEqual({ message: null, fieldErrors: {} });
  });

  it('reads the catalogue from {variants} (documented) and reports {items}', () => {
    expect(readCatalogue({ variants: [{ sku: 'MUG-11', merchantSku: 'my-mug', merchantPrice: { currencies: ['USD'], amount: 5, currency: 'USD' }, attributes: [{ name: 'TemplateURL ', value: 'x' }] }] }, ctx())).toEqual([{ sku: 'MUG-11', name: null, merchantSku: 'my-mug' }]);
    const c = ctx();
    expect(readCatalogue({ items: [{ sku: 'A', name: 'Mug' }] }, c)).toEqual([{ sku: 'A', name: 'Mug', merchantSku: null }]);
    expect(kinds(c)).toEqual(['envelope']);
  });
});
