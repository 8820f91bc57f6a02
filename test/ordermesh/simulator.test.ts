/**
 * The OrderMesh simulator, judged by raw HTTP against the public documentation (the hand-written
 * fixtures in test/fixtures/ordermesh/documented/, each citing its page), never through the client:
 * a client misreading OrderMesh must not be able to make these pass.
 */
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { SIM_DEFAULTS, startOrderMeshSim, type OrderMeshSimOptions } from '../../src/sim/ordermesh/server.ts';

const fixture = (name: string): any => JSON.parse(readFileSync(new URL(`../fixtures/ordermesh/${name}`, import.meta.url), 'utf8'));
const DOCS_EXAMPLE = fixture('create-order-example.json');

// ---- a webhook receiver, to see exactly what the simulator sends
const received: Array<{ body: any; headers: Record<string, string | string[] | undefined>; raw: string }> = [];
const receiver = createServer((req, res) => {
  let raw = '';
  req.on('data', (c) => (raw += c));
  req.on('end', () => {
    received.push({ body: JSON.parse(raw), headers: req.headers, raw });
    res.writeHead(200).end('{}');
  });
});
await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
const hookUrl = `http://127.0.0.1:${(receiver.address() as { port: number }).port}/hooks/ordermesh?key=secret-in-url`;

async function sim(opts: OrderMeshSimOptions = {}) {
  const s = await startOrderMeshSim({ port: 0, webhookUrl: hookUrl, webhookSecret: 'whsec-test-1234', ...opts });
  afterAll(() => s.close());
  return s;
}
const om = await sim();
afterAll(() => new Promise<void>((r) => receiver.close(() => r())));

type Res = { status: number; body: any; headers: Headers };
async function call(base: { url: string }, method: string, path: string, body?: unknown, token?: string | null): Promise<Res> {
  const res = await fetch(`${base.url}${path}`, {
    method,
    headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...(token ? { authorization: `Bearer ${token}` } : {}) },
    ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined, headers: res.headers };
}
async function tokenFor(base: { url: string }): Promise<string> {
  const r = await call(base, 'POST', '/user/v1/clients/token', { clientId: SIM_DEFAULTS.clientId, clientSecret: SIM_DEFAULTS.clientSecret });
  return r.body.accessToken ?? r.body.access_token;
}
const token = await tokenFor(om);
const api = (method: string, path: string, body?: unknown) => call(om, method, path, body, token);
const variants = async (v: Record<string, unknown> | null, base: { url: string } = om) => {
  const r = await call(base, 'POST', '/_sim/settings', { variants: v });
  expect(r.status, JSON.stringify(r.body)).toBe(200);
};
const control = (path: string, body: unknown = {}) => call(om, 'POST', path, body);

let n = 0;
/** A minimal valid CreateOrderModel, unique per call, with the docs example's field names only. */
function order(overrides: Record<string, unknown> = {}) {
  n++;
  const tag = `${process.pid}-${Date.now().toString(36)}-${n}`;
  return {
    safeId: `t-${tag}`,
    merchantId: 'merchant-1',
    externalId: `#${tag}`,
    currencyCode: 'USD',
    shippingAddress: { firstName: 'Ada', lastName: 'Lovelace', line1: '1 Main St', city: 'Springfield', state: 'IL', zip: '62701', countryCode: 'US' },
    items: [
      { sku: 'Accent_Mug-11oz-Blue', quantity: 2, externalId: `li-a-${tag}`, customerSubtotal: 20, customerPrice: 10, customerShippingPrice: 5, customerTaxes: 3, meta: { shopifyLineItemId: `gid://shopify/LineItem/${n}1` }, images: [{ url: 'https://example.com/a.png', area: 'Default', ourPrintFileId: 'f-1' }] },
      { sku: 'bella-3001cvc-solid_red_blend-s', quantity: 1, externalId: `li-b-${tag}` },
    ],
    ...overrides,
  };
}
async function created(overrides: Record<string, unknown> = {}) {
  const body = order(overrides);
  const r = await api('POST', '/order/v1/orders', body);
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  const read = await api('GET', `/order/v1/orders/${r.body.orderId}`);
  return { body, orderId: r.body.orderId as string, order: read.body.order };
}

/** Dictionaries whose keys are the sender's data, not fields. */
const FREE_FORM = new Set(['meta', 'clientAttributes', 'itemMeta', 'ItemMeta', 'OrderMeta']);

/**
 * Every key path of `actual` must be one the documented example `doc` has: the simulator never sends a
 * field the docs do not show. Arrays are judged by the example's first element; where the example holds
 * null (the shape not shown), nothing below is judged.
 */
function undocumentedKeys(actual: unknown, doc: unknown, at = '$'): string[] {
  if (FREE_FORM.has(at.split('.').pop()!)) return [];
  if (doc === null || doc === undefined || actual === null || typeof actual !== 'object') return [];
  if (Array.isArray(actual)) return Array.isArray(doc) && doc.length ? actual.flatMap((x, i) => undocumentedKeys(x, doc[0], `${at}[${i}]`)) : [];
  if (typeof doc !== 'object' || Array.isArray(doc)) return [at];
  return Object.entries(actual as Record<string, unknown>).flatMap(([k, v]) => (k in (doc as object) ? undocumentedKeys(v, (doc as Record<string, unknown>)[k], `${at}.${k}`) : [`${at}.${k}`]));
}

const NO_TZ = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/;
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

beforeEach(async () => {
  await call(om, 'DELETE', '/_sim/faults');
  await variants(null);
});

describe('auth: POST /user/v1/clients/token', () => {
  it('takes either casing of the credentials and answers camelCase by default', async () => {
    for (const body of [{ clientId: 'sim-client', clientSecret: 'sim-secret' }, { client_id: 'sim-client', client_secret: 'sim-secret' }]) {
      const r = await call(om, 'POST', '/user/v1/clients/token', body);
      expect(r.status).toBe(200);
      expect(Object.keys(r.body).sort()).toEqual(['accessToken', 'expiresIn', 'tokenType']);
      expect(r.body).toMatchObject({ tokenType: 'Bearer', expiresIn: 86_400 });
      expect((await call(om, 'GET', '/order/v1/orders', undefined, r.body.accessToken)).status).toBe(200);
    }
  });

  it('answers the documented snake_case sample with the variant, field for field', async () => {
    await variants({ tokenCasing: 'snake' });
    const r = await call(om, 'POST', '/user/v1/clients/token', { clientId: 'sim-client', clientSecret: 'sim-secret' });
    expect(Object.keys(r.body).sort()).toEqual(Object.keys(fixture('documented/token-snake.json')).sort());
    expect(r.body.expires_in).toBe(86_400);
    expect((await call(om, 'GET', '/order/v1/orders', undefined, r.body.access_token)).status).toBe(200);
    // Client tokens have no refresh flow (getting-started.txt): the sample's refresh_token redeems nothing.
    expect((await call(om, 'POST', '/user/v1/refresh', { refreshToken: r.body.refresh_token })).status).toBe(401);
  });

  it('refuses wrong credentials 401, and a body with neither pair (or a mix) 400', async () => {
    expect((await call(om, 'POST', '/user/v1/clients/token', { clientId: 'sim-client', clientSecret: 'nope' })).status).toBe(401);
    expect((await call(om, 'POST', '/user/v1/clients/token', { client_id: 'sim-client', client_secret: 'nope' })).status).toBe(401);
    for (const body of [{}, { clientId: 'sim-client' }, { client_id: 'sim-client', clientSecret: 'sim-secret' }, { id: 'sim-client', secret: 'sim-secret' }]) {
      expect((await call(om, 'POST', '/user/v1/clients/token', body)).status, JSON.stringify(body)).toBe(400);
    }
  });

  it('requires a valid bearer token on the API, not on the token routes', async () => {
    expect((await call(om, 'GET', '/order/v1/orders/abc', undefined, 'nope')).status).toBe(401);
    expect((await call(om, 'GET', '/order/v1/orders/abc', undefined, null)).status).toBe(401);
    const login = await call(om, 'POST', '/user/v1/login', { username: SIM_DEFAULTS.username, password: SIM_DEFAULTS.password });
    expect(Object.keys(login.body).sort()).toEqual(['accessToken', 'expiresIn', 'refreshToken', 'scope', 'tokenType']);
    expect((await call(om, 'POST', '/user/v1/refresh', { refreshToken: login.body.refreshToken })).status).toBe(200);
  });
});

describe('create: CreateOrderModel as orders-create.txt shows it', () => {
  it.each([
    ['an unknown field', { giftMessage: 'hi' }, 'GiftMessage'],
    ['a field the docs do not show (company)', { shippingAddress: { lastName: 'A', line1: 'l', city: 'c', countryCode: 'US', company: 'ACME' } }, 'ShippingAddress.Company'],
    ['a missing shipping address', { shippingAddress: undefined }, 'ShippingAddress'],
    ['a missing externalId', { externalId: undefined }, 'ExternalId'],
    ['a missing merchantId', { merchantId: undefined }, 'MerchantId'],
    ['a bad country code', { shippingAddress: { lastName: 'A', line1: 'l', city: 'c', countryCode: 'usa' } }, 'ShippingAddress.CountryCode'],
    ['a bad currency code', { currencyCode: 'DOLLARS' }, 'CurrencyCode'],
    ['no items', { items: [] }, 'Items'],
    ['a zero quantity', { items: [{ sku: 'mug', quantity: 0 }] }, 'Items[0].Quantity'],
    ['an unknown SKU format', { items: [{ sku: 'bad sku!', quantity: 1 }] }, 'Items[0].Sku'],
    ['an amount sent as a string', { customerTotal: '10.00' }, 'CustomerTotal'],
    ['money with three decimals', { customerTotal: 10.005 }, 'CustomerTotal'],
    ['a reprint in a shape the docs do not show', { reprint: { originalOrderId: 'x', reason: 'smudged' } }, 'Reprint.Reason'],
  ])('refuses %s with 400 and the validation list naming the field', async (_name, patch, property) => {
    const r = await api('POST', '/order/v1/orders', { ...order(), ...patch });
    expect(r.status).toBe(400);
    expect(r.body.errors.map((e: any) => e.propertyName)).toContain(property);
    for (const e of r.body.errors) expect(Object.keys(e).sort()).toEqual(['attemptedValue', 'errorMessage', 'propertyName']);
  });

  it('answers 201 {orderId} (24 hex) to a minimal order', async () => {
    const r = await api('POST', '/order/v1/orders', order());
    expect(r.status).toBe(201);
    expect(Object.keys(r.body)).toEqual(['orderId']);
    expect(r.body.orderId).toMatch(/^[0-9a-f]{24}$/);
  });
});

describe('the docs example and the fixtures, on a simulator of their own', async () => {
  const docsSim = await sim();
  const t = await tokenFor(docsSim);

  it("accepts the docs' create-order example as is (201), and answers the same body again 400 naming SafeId", async () => {
    const first = await call(docsSim, 'POST', '/order/v1/orders', DOCS_EXAMPLE, t);
    expect(first.status, JSON.stringify(first.body)).toBe(201);
    const again = await call(docsSim, 'POST', '/order/v1/orders', DOCS_EXAMPLE, t);
    expect(again.status).toBe(400);
    expect(again.body.errors).toEqual([{ propertyName: 'SafeId', errorMessage: 'An order with this SafeId already exists', attemptedValue: 'UniqueSafeID12345' }]);
  });

  it('accepts the bulk fixture {bulk: [...]} and answers one result per order', async () => {
    const bulk = fixture('documented/bulk-request.json');
    bulk.bulk[0].safeId = 'BulkFixture1';
    bulk.bulk[0].externalId = 'ORDER-BULK-1';
    const r = await call(docsSim, 'POST', '/order/v1/orders/bulk', bulk, t);
    expect(r.status).toBe(200);
    expect(r.body.items).toEqual([{ index: 0, safeId: 'BulkFixture1', statusCode: 201, orderId: expect.stringMatching(/^[0-9a-f]{24}$/) }]);
  });

  it('reads back an order and its items with no field the docs do not show', async () => {
    const { orderId } = (await call(docsSim, 'POST', '/order/v1/orders', { ...DOCS_EXAMPLE, safeId: 'Shape1', externalId: 'SHAPE-1' }, t)).body;
    await call(docsSim, 'POST', `/_sim/orders/${orderId}/ship`, {});
    const read = await call(docsSim, 'GET', `/order/v1/orders/${orderId}`, undefined, t);
    const { items, ...rest } = read.body.order;
    expect(undocumentedKeys({ order: rest }, fixture('documented/order-wrapped.json'))).toEqual([]);
    for (const item of items) expect(undocumentedKeys({ orderItem: item }, fixture('documented/order-item-wrapped.json'))).toEqual([]);
    const item = await call(docsSim, 'GET', `/order/v1/order-items/${items[0].id}`, undefined, t);
    expect(undocumentedKeys(item.body, fixture('documented/order-item-wrapped.json'))).toEqual([]);
    const shipments = await call(docsSim, 'GET', `/shipment/v1/shipments/order/${orderId}`, undefined, t);
    expect(undocumentedKeys(shipments.body, fixture('documented/shipments-bare-array.json').map((s: any) => ({ ...s, isRejectedByVendor: null, merchantOrderId: null, orderItems: [{ ...s.orderItems[0], shortId: 'I', status: 1 }] })))).toEqual([]);
    expect(undocumentedKeys(shipments.body[0], fixture('documented/shipment-integer-status.json'))).toEqual([]);
  });

  it('answers the catalogue as the sample shows it, pages past the end empty, 404 without a catalogue', async () => {
    const doc = fixture('documented/catalogue-variants.json');
    const set = await call(docsSim, 'POST', '/_sim/catalog', { merchantId: 'm-cat', variants: [...doc.variants, { sku: 'Third-1', merchantSku: 'MINE-3' }] });
    expect(set.status).toBe(200);
    const page1 = await call(docsSim, 'GET', '/catalog/v1/merchantCatalog/effective/variants/list?merchantId=m-cat&page=1&pageSize=2', undefined, t);
    expect(page1.body).toEqual(doc);
    const page2 = await call(docsSim, 'GET', '/catalog/v1/merchantCatalog/effective/variants/list?merchantId=m-cat&page=2&pageSize=2', undefined, t);
    expect(page2.body).toEqual({ variants: [{ sku: 'Third-1', merchantSku: 'MINE-3', merchantPrice: null, decorations: [], attributes: [] }] });
    expect((await call(docsSim, 'GET', '/catalog/v1/merchantCatalog/effective/variants/list?merchantId=m-cat&page=3&pageSize=2', undefined, t)).body).toEqual({ variants: [] });
    expect((await call(docsSim, 'GET', '/catalog/v1/merchantCatalog/effective/variants/list?merchantId=m-none', undefined, t)).status).toBe(404);
    // The catalogue checks creates: an unknown SKU is named in the validation list.
    const refused = await call(docsSim, 'POST', '/order/v1/orders', order({ merchantId: 'm-cat' }), t);
    expect(refused.status).toBe(400);
    expect(refused.body.errors.map((e: any) => e.propertyName)).toEqual(['Items[1].Sku']);
  });
});

describe('errors: the documented validation list', () => {
  it('comes inside {message, errors} by default and alone with errorBody "list", entries shaped as the docs show', async () => {
    const doc = fixture('documented/validation-error-list.json');
    const wrapped = await api('POST', '/order/v1/orders', { ...order(), currencyCode: 'XYZ1' });
    expect(Object.keys(wrapped.body).sort()).toEqual(['errors', 'message']);
    expect(Object.keys(wrapped.body.errors[0]).sort()).toEqual(Object.keys(doc[0]).sort());
    expect(wrapped.body.errors[0]).toMatchObject({ propertyName: 'CurrencyCode', attemptedValue: 'XYZ1' });
    await variants({ errorBody: 'list' });
    const bare = await api('POST', '/order/v1/orders', { ...order(), currencyCode: 'XYZ1' });
    expect(bare.status).toBe(400);
    expect(Array.isArray(bare.body)).toBe(true);
    expect(bare.body[0]).toMatchObject({ propertyName: 'CurrencyCode', attemptedValue: 'XYZ1' });
    // A refusal without field errors is a one-entry list too.
    const missing = await api('GET', '/order/v1/orders/000000000000000000000000');
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual([{ errorMessage: expect.any(String), propertyName: null, attemptedValue: null }]);
  });
});

describe('duplicates: no 409 is documented', () => {
  it('answers a repeated safeId 400 naming SafeId by default, and counts every create request', async () => {
    const twice = order();
    expect((await api('POST', '/order/v1/orders', twice)).status).toBe(201);
    const again = await api('POST', '/order/v1/orders', twice);
    expect(again.status).toBe(400);
    expect(again.body.errors).toEqual([{ propertyName: 'SafeId', errorMessage: 'An order with this SafeId already exists', attemptedValue: twice.safeId }]);
    const st = (await call(om, 'GET', '/_sim/state')).body;
    expect(st.createRequestsBySafeId[twice.safeId]).toBe(2);
    expect(st.unansweredCreatesBySafeId[twice.safeId]).toBeUndefined();
  });

  it('answers a repeated externalId for the same merchant 400 naming ExternalId, unless duplication is allowed', async () => {
    const first = order();
    expect((await api('POST', '/order/v1/orders', first)).status).toBe(201);
    const same = await api('POST', '/order/v1/orders', order({ externalId: first.externalId }));
    expect(same.status).toBe(400);
    expect(same.body.errors[0]).toMatchObject({ propertyName: 'ExternalId', attemptedValue: first.externalId });
    expect((await api('POST', '/order/v1/orders', order({ externalId: first.externalId, allowExternalOrderIdDuplication: true }))).status).toBe(201);
    expect((await api('POST', '/order/v1/orders', order({ externalId: first.externalId, merchantId: 'merchant-2' }))).status).toBe(201);
  });

  it('answers 409 with the duplicateStatus variant', async () => {
    await variants({ duplicateStatus: 409 });
    const twice = order();
    await api('POST', '/order/v1/orders', twice);
    const again = await api('POST', '/order/v1/orders', twice);
    expect(again.status).toBe(409);
    expect(again.body.errors[0].propertyName).toBe('SafeId');
  });

  it('counts a retry after a lost answer as unanswered', async () => {
    await call(om, 'POST', '/_sim/faults', { createOrder: { lostResponse: 1, count: 1 } });
    const lost = order();
    await api('POST', '/order/v1/orders', lost).catch(() => undefined);
    expect((await api('POST', '/order/v1/orders', lost)).status).toBe(400);
    const st = (await call(om, 'GET', '/_sim/state')).body;
    expect([st.createRequestsBySafeId[lost.safeId], st.unansweredCreatesBySafeId[lost.safeId]]).toEqual([2, 1]);
  });

  it("counts a create whose client gave up while a slow merchant's hold kept it waiting as unanswered", async () => {
    await control('/_sim/settings', { slowMerchants: { 'merchant-1': 1_000 } });
    try {
      const gaveUp = order();
      const res = await fetch(`${om.url}/order/v1/orders`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify(gaveUp), signal: AbortSignal.timeout(100) }).catch((err: Error) => err);
      expect(res).toBeInstanceOf(Error);
      // The hold ends and the order is made: the client never heard of it, so asking again is no duplicate.
      await expect.poll(async () => (await call(om, 'GET', '/_sim/state')).body.createRequestsBySafeId[gaveUp.safeId], { timeout: 10_000 }).toBe(1);
      expect((await call(om, 'GET', '/_sim/state')).body.unansweredCreatesBySafeId[gaveUp.safeId]).toBe(1);
    } finally {
      await control('/_sim/settings', { slowMerchants: {} });
    }
  });
});

describe('bulk create: {"bulk": [...]}', () => {
  it('answers each order in input order, a bad one with its status and validation list, the rest created', async () => {
    const good = order();
    const dup = order({ safeId: good.safeId });
    const r = await api('POST', '/order/v1/orders/bulk', { bulk: [good, { ...order(), currencyCode: 'nope' }, dup] });
    expect(r.status).toBe(200);
    expect(r.body.items.map((i: any) => [i.index, i.safeId, i.statusCode])).toEqual([[0, good.safeId, 201], [1, expect.any(String), 400], [2, good.safeId, 400]]);
    expect(r.body.items[0].orderId).toMatch(/^[0-9a-f]{24}$/);
    expect(r.body.items[1].errors[0]).toMatchObject({ propertyName: 'CurrencyCode' });
    expect(r.body.items[2].errors[0]).toMatchObject({ propertyName: 'SafeId' });
    expect(r.body.items[2].orderId).toBeUndefined();
  });

  it('refuses {items: [...]} and anything else with a validation error naming Bulk; and more than 100', async () => {
    for (const body of [{ items: [order()] }, [order()], { bulk: [] }, { bulk: Array.from({ length: 101 }, () => order()) }]) {
      const r = await api('POST', '/order/v1/orders/bulk', body);
      expect(r.status).toBe(400);
      expect(r.body.errors.map((e: any) => e.propertyName)).toContain(Array.isArray(body) ? '' : 'Bulk');
    }
  });

  it('answers a bare array, or {results} without index, with the bulkEnvelope variant', async () => {
    await variants({ bulkEnvelope: 'bare' });
    const bare = await api('POST', '/order/v1/orders/bulk', { bulk: [order()] });
    expect(bare.body).toEqual([expect.objectContaining({ index: 0, statusCode: 201 })]);
    await variants({ bulkEnvelope: 'results' });
    const results = await api('POST', '/order/v1/orders/bulk', { bulk: [order(), order()] });
    expect(results.body.results).toHaveLength(2);
    for (const x of results.body.results) expect(Object.keys(x).sort()).toEqual(['orderId', 'safeId', 'statusCode']);
  });
});

describe('order reads', () => {
  it('wraps an order in {order} with money objects, by id and by safeId; bare with the variant; 404 when unknown', async () => {
    const { body, orderId, order: o } = await created();
    expect(o).toMatchObject({ id: orderId, safeId: body.safeId, externalId: body.externalId, merchantId: 'merchant-1', status: 'Open', shortId: expect.stringMatching(/^O\d+$/) });
    expect(o.createdAt).toMatch(/Z$/);
    expect(o.items[0]).toMatchObject({ sku: 'Accent_Mug-11oz-Blue', quantity: 2, status: 'Open', shortId: expect.stringMatching(/^I\d+$/), customerSubtotal: { currency: 'USD', amount: 20 }, customerPrice: { currency: 'USD', amount: 10 }, customerShippingPrice: { currency: 'USD', amount: 5 }, customerTaxes: { currency: 'USD', amount: 3 } });
    expect(o.items[0].images[0]).toEqual({ url: 'https://example.com/a.png', thumbnailUrl: null, area: 'Default', printMethod: null, ourUrl: null, ourFileId: 'f-1', ourThumbnailUrl: null, ourThumbnailFileId: null, vendorReadyFileId: null });
    expect(o.items[1].customerPrice).toBeNull();
    expect(o.shippingAddress).toMatchObject({ line1: '1 Main St', line3: null, location: null });
    expect((await api('GET', `/order/v1/orders/safe-id/${body.safeId}`)).body.order.id).toBe(orderId);
    await variants({ orderEnvelope: 'bare' });
    expect((await api('GET', `/order/v1/orders/${orderId}`)).body.id).toBe(orderId);
    expect((await api('GET', `/order/v1/orders/safe-id/${body.safeId}`)).body.id).toBe(orderId);
    expect((await api('GET', '/order/v1/orders/safe-id/no-such')).status).toBe(404);
  });

  it('reads one item at /order/v1/order-items/{id} wrapped in {orderItem}, bare with the variant', async () => {
    const { order: o } = await created();
    const r = await api('GET', `/order/v1/order-items/${o.items[0].id}`);
    expect(r.body.orderItem).toEqual(o.items[0]);
    await variants({ orderEnvelope: 'bare' });
    expect((await api('GET', `/order/v1/order-items/${o.items[0].id}`)).body.id).toBe(o.items[0].id);
    expect((await api('GET', '/order/v1/order-items/nope')).status).toBe(404);
  });

  it('answers statuses as integers with integerStatuses: true (order 1..7, item 1..3)', async () => {
    const { orderId } = await created();
    await variants({ integerStatuses: true });
    const o = (await api('GET', `/order/v1/orders/${orderId}`)).body.order;
    expect([o.status, o.items[0].status]).toEqual([1, 1]);
    await control(`/_sim/orders/${orderId}/advance`);
    expect((await api('GET', `/order/v1/orders/${orderId}`)).body.order.status).toBe(2);
    expect((await api('POST', `/order/v1/orders/${orderId}/customer-care-hold`, {})).body).toEqual({ orderId, status: 7 });
  });

  it('lists orders in {items, page, pageSize, total} by default, {orders, total} or a bare array by variant; pageSize capped at 100', async () => {
    await created();
    const total = (await call(om, 'GET', '/_sim/state?summary')).body.counts.orders;
    const page = await api('GET', '/order/v1/orders?pageSize=2');
    expect(Object.keys(page.body).sort()).toEqual(['items', 'page', 'pageSize', 'total']);
    expect(page.body).toMatchObject({ page: 1, pageSize: 2, total });
    expect(page.body.items).toHaveLength(2);
    expect(page.body.items[0].order).toBeUndefined();
    expect(page.body.items[0].id).toMatch(/^[0-9a-f]{24}$/);
    expect((await api('GET', '/order/v1/orders?pageSize=1000')).body.pageSize).toBe(100);
    expect((await api('GET', '/order/v1/orders?pageSize=abc')).status).toBe(400);
    expect((await api('GET', '/order/v1/orders?status=Nope')).status).toBe(400);
    await variants({ listEnvelope: 'orders' });
    expect(Object.keys((await api('GET', '/order/v1/orders?pageSize=2')).body).sort()).toEqual(['orders', 'total']);
    await variants({ listEnvelope: 'bare' });
    expect((await api('GET', '/order/v1/orders?pageSize=2')).body).toHaveLength(2);
  });

  it('refuses another merchant 403 when the client may act for some only', async () => {
    await call(om, 'POST', '/_sim/settings', { merchants: ['merchant-1'] });
    try {
      expect((await api('GET', '/order/v1/orders?merchantId=merchant-2')).status).toBe(403);
      expect((await api('POST', '/order/v1/orders', order({ merchantId: 'merchant-2' }))).status).toBe(403);
      expect((await api('GET', '/order/v1/orders?merchantId=merchant-1')).status).toBe(200);
    } finally {
      await call(om, 'POST', '/_sim/settings', { merchants: null });
    }
  });
});

describe('changes: update, cancel, hold', () => {
  it('cancels part of an item (quantity kept, still Open), then all of it (Cancelled, cancelledAt), then the order', async () => {
    const { orderId, order: o } = await created();
    const [mug, tee] = o.items;
    const part = await api('POST', `/order/v1/orders/${orderId}/cancel`, { items: [{ orderItemId: mug.id, quantity: 1 }] });
    expect(part.body).toEqual({ orderId, status: 'Open' });
    const partly = (await api('GET', `/order/v1/order-items/${mug.id}`)).body.orderItem;
    expect(partly).toMatchObject({ quantity: 2, status: 'Open', cancelledAt: null });
    expect(partly).not.toHaveProperty('cancelledQuantity');
    await api('POST', `/order/v1/orders/${orderId}/cancel`, { items: [{ orderItemId: mug.id, quantity: 1 }] });
    const gone = (await api('GET', `/order/v1/order-items/${mug.id}`)).body.orderItem;
    expect(gone).toMatchObject({ quantity: 2, status: 'Cancelled', cancelledAt: expect.stringMatching(/Z$/) });
    expect((await api('POST', `/order/v1/orders/${orderId}/cancel`, { items: [{ orderItemId: tee.id, quantity: 1 }] })).body.status).toBe('Cancelled');
    expect((await api('POST', `/order/v1/orders/${orderId}/cancel`, {})).body.status).toBe('Cancelled');
    expect((await api('POST', `/order/v1/orders/${orderId}/cancel`, { items: [{ orderItemId: 'nope', quantity: 1 }] })).status).toBe(200); // a cancelled order: no-op
  });

  it('updates the address before production ({order} back), refuses it 409 once in production, and the cancel too', async () => {
    const { orderId } = await created();
    const up = await api('PATCH', `/order/v1/orders/${orderId}`, { shippingAddress: { firstName: 'Grace', lastName: 'Hopper', line1: '2 New Rd', city: 'Arlington', countryCode: 'US' } });
    expect(up.body.order.shippingAddress).toMatchObject({ line1: '2 New Rd' });
    expect((await api('PATCH', `/order/v1/orders/${orderId}`, { giftWrap: true })).status).toBe(400);
    await control(`/_sim/orders/${orderId}/advance`);
    await control(`/_sim/orders/${orderId}/advance`);
    expect((await api('PATCH', `/order/v1/orders/${orderId}`, { customerShippingMethod: 'Express' })).status).toBe(409);
    expect((await api('POST', `/order/v1/orders/${orderId}/cancel`, {})).status).toBe(409);
    expect((await api('POST', `/order/v1/orders/${orderId}/customer-care-hold`, {})).status).toBe(409);
  });

  it('holds and releases an order', async () => {
    const { orderId } = await created();
    expect((await api('POST', `/order/v1/orders/${orderId}/customer-care-hold`, { reason: 'address check' })).body).toEqual({ orderId, status: 'CustomerCareHold' });
    expect((await api('POST', `/order/v1/orders/${orderId}/customer-care-hold/release`, {})).body).toEqual({ orderId, status: 'Open' });
  });
});

describe('shipments as the REST API returns them', () => {
  it('answers a bare array of shipments: GUID ids, integer status 4, dates without timezone, empty packageOrderItems', async () => {
    const { orderId, order: o } = await created();
    expect((await api('GET', `/shipment/v1/shipments/order/${orderId}`)).body).toEqual([]);
    await control(`/_sim/orders/${orderId}/ship`, { carrier: 'UPS' });
    const list = (await api('GET', `/shipment/v1/shipments/order/${orderId}`)).body;
    expect(list).toHaveLength(1);
    const s = list[0];
    expect(s).toMatchObject({ orderId, safeId: o.safeId, orderExternalId: o.externalId, merchantId: 'merchant-1', shipmentStatus: 4, shortId: expect.stringMatching(/^S\d+$/), shippingCountryCode: 'US', currencyCode: 'USD' });
    expect(s.id).toMatch(GUID);
    for (const d of [s.createdDate, s.orderCreatedDate, s.lastModifiedDate]) expect(d).toMatch(NO_TZ);
    expect([...s.orderItemIDs].sort()).toEqual(o.items.map((i: any) => i.id).sort());
    expect(s.orderItems).toEqual(expect.arrayContaining([{ id: o.items[0].id, shortId: o.items[0].shortId, sku: 'Accent_Mug-11oz-Blue', quantity: 2, status: 1 }]));
    const p = s.packages[0];
    expect(p).toMatchObject({ shipmentId: s.id, carrierName: 'UPS', carrierAccount: false, packageOrderItems: [], packingSlipId: null, shortId: expect.stringMatching(/^P\d+$/) });
    expect(p.id).toMatch(GUID);
    expect(p).not.toHaveProperty('packageId');
    expect(p.carrierTrackingNumber).toMatch(/^9400\d{18}$/);
    expect([p.shippedDate, p.fulfilledDate]).toEqual([expect.stringMatching(NO_TZ), expect.stringMatching(NO_TZ)]);
    expect([...p.orderItemIDs].sort()).toEqual(o.items.map((i: any) => i.id).sort());
    expect((await api('GET', `/shipment/v1/shipments/${s.id}`)).body).toEqual(s);
    expect((await api('GET', '/shipment/v1/shipments/nope')).status).toBe(404);
    const after = (await api('GET', `/order/v1/orders/${orderId}`)).body.order;
    expect(after).toMatchObject({ status: 'Shipped', shipmentIds: [s.id] });
    expect(after.items.map((i: any) => i.status)).toEqual(['Fulfilled', 'Fulfilled']);
  });

  it('shows an item split over packages only as the shipment total, unless packageOrderItems is on', async () => {
    const { orderId, order: o } = await created();
    const [mug, tee] = o.items;
    const ship = await control(`/_sim/orders/${orderId}/ship`, { packages: [{ items: [{ orderItemId: mug.id, quantity: 1 }, { orderItemId: tee.id, quantity: 1 }] }, { items: [{ orderItemId: mug.id, quantity: 1 }] }] });
    expect(ship.status, JSON.stringify(ship.body)).toBe(200);
    const s = (await api('GET', `/shipment/v1/shipments/order/${orderId}`)).body[0];
    expect(s.packages.map((p: any) => p.orderItemIDs)).toEqual([[mug.id, tee.id], [mug.id]]);
    expect(s.packages.map((p: any) => p.packageOrderItems)).toEqual([[], []]);
    expect(s.orderItems.find((i: any) => i.id === mug.id).quantity).toBe(2);
    await variants({ packageOrderItems: true });
    const full = (await api('GET', `/shipment/v1/shipments/order/${orderId}`)).body[0];
    expect(full.packages[0].packageOrderItems).toEqual([
      { orderItemId: mug.id, externalId: mug.externalId, quantity: 1, itemMeta: mug.meta },
      { orderItemId: tee.id, externalId: tee.externalId, quantity: 1, itemMeta: null },
    ]);
    expect(full.packages[1].packageOrderItems).toEqual([{ orderItemId: mug.id, externalId: mug.externalId, quantity: 1, itemMeta: mug.meta }]);
  });

  it('when partly shipped, each shipment lists what it carries of an item', async () => {
    const { orderId, order: o } = await created();
    await control(`/_sim/orders/${orderId}/ship`, { items: [{ orderItemId: o.items[0].id, quantity: 1 }] });
    expect((await api('GET', `/order/v1/orders/${orderId}`)).body.order).toMatchObject({ status: 'PartiallyShipped', items: [{ status: 'Open' }, { status: 'Open' }] });
    await control('/_sim/advance');
    const list = (await api('GET', `/shipment/v1/shipments/order/${orderId}`)).body;
    expect(list.map((s: any) => s.orderItems.map((i: any) => [i.sku, i.quantity]))).toEqual([[['Accent_Mug-11oz-Blue', 1]], [['Accent_Mug-11oz-Blue', 1], ['bella-3001cvc-solid_red_blend-s', 1]]]);
  });

  it('switches envelope, status type, timezone and id names by variant', async () => {
    const { orderId } = await created();
    await control(`/_sim/orders/${orderId}/ship`, {});
    const path = `/shipment/v1/shipments/order/${orderId}`;
    await variants({ shipmentsEnvelope: 'items' });
    expect((await api('GET', path)).body.items).toHaveLength(1);
    await variants({ shipmentsEnvelope: 'shipments' });
    expect((await api('GET', path)).body.shipments).toHaveLength(1);
    await variants({ shipmentsEnvelope: 'single' });
    const one = (await api('GET', path)).body;
    expect(one.orderId).toBe(orderId);
    await variants({ shipmentsEnvelope: 'bare', integerStatuses: false, datesWithTimezone: true, legacyShipmentIds: true });
    const s = (await api('GET', path)).body[0];
    expect(s.shipmentStatus).toBe('Fulfilled');
    expect(s.createdDate).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
    expect(s.shipmentId).toMatch(GUID);
    expect(s).not.toHaveProperty('id');
    expect(s.packages[0].packageId).toMatch(GUID);
    expect(s.packages[0]).not.toHaveProperty('id');
    // Two shipments: 'single' answers the array.
    const { orderId: two, order: o2 } = await created();
    await control(`/_sim/orders/${two}/ship`, { items: [{ orderItemId: o2.items[0].id, quantity: 2 }] });
    await control(`/_sim/orders/${two}/ship`, {});
    await variants({ shipmentsEnvelope: 'single' });
    expect((await api('GET', `/shipment/v1/shipments/order/${two}`)).body).toHaveLength(2);
  });

  it('keeps every per-item quantity and the package id under both names in /_sim/state', async () => {
    const { orderId } = await created();
    await control(`/_sim/orders/${orderId}/ship`, {});
    const st = (await call(om, 'GET', '/_sim/state')).body.orders.find((x: any) => x.orderId === orderId);
    const p = st.shipments[0].packages[0];
    expect(p.packageId).toBe(p.id);
    expect(p.packageOrderItems.map((i: any) => i.quantity)).toEqual([2, 1]);
    expect(st.status).toBe('Shipped');
  });
});

describe('notes', () => {
  it('creates, lists, updates and deletes a note (204, then 404); refuses an empty text', async () => {
    const { orderId } = await created();
    const made = await api('POST', '/v1/notes', { entityType: 'Order', entityId: orderId, text: 'call the customer', externalId: `n-${orderId}` });
    expect(made.status).toBe(201);
    expect(Object.keys(made.body)).toEqual(['id']);
    const list = await api('GET', `/v1/notes?entityType=Order&entityId=${orderId}`);
    expect(list.body.items).toEqual([expect.objectContaining({ id: made.body.id, entityType: 'Order', entityId: orderId, text: 'call the customer', externalId: `n-${orderId}`, author: 'api' })]);
    expect((await api('PUT', `/v1/notes/${made.body.id}`, { text: 'called' })).body.text).toBe('called');
    expect((await api('PUT', `/v1/notes/${made.body.id}`, { text: '' })).status).toBe(400);
    expect((await api('POST', '/v1/notes', { entityType: 'Order', entityId: orderId, text: '' })).status).toBe(400);
    const del = await api('DELETE', `/v1/notes/${made.body.id}`);
    expect([del.status, del.body]).toEqual([204, undefined]);
    expect((await api('DELETE', `/v1/notes/${made.body.id}`)).status).toBe(404);
    expect((await api('GET', `/v1/notes?entityType=Order&entityId=${orderId}`)).body.items).toEqual([]);
  });
});

describe('refunds: AddRefundModel {orderId, refunds: [{itemId, isShippingRefund, amount, reason}]}', () => {
  it('refunds amounts per item, read back in refundData with transactionIds and balances', async () => {
    const { orderId, order: o } = await created();
    const mug = o.items[0];
    expect(mug.refundData).toBeNull();
    const r = await api('POST', `/order/v1/orders/${orderId}/refunds`, { orderId, refunds: [{ itemId: mug.id, isShippingRefund: false, amount: 10, reason: 'print smudged' }, { itemId: mug.id, isShippingRefund: true, amount: 5, reason: 'late' }] });
    expect(r.status).toBe(201);
    expect(r.body.refunds).toEqual([
      { itemId: mug.id, transactionId: expect.any(String), isShippingRefund: false, amount: 10, reason: 'print smudged' },
      { itemId: mug.id, transactionId: expect.any(String), isShippingRefund: true, amount: 5, reason: 'late' },
    ]);
    const item = (await api('GET', `/order/v1/order-items/${mug.id}`)).body.orderItem;
    expect(item.refundData).toEqual({ refunds: r.body.refunds.map(({ itemId: _i, ...x }: any) => x), remainingShippingBalance: 0, remainingPriceBalance: 10 });
    expect(undocumentedKeys(item.refundData, fixture('documented/order-item-wrapped.json').orderItem.refundData)).toEqual([]);
  });

  it('refuses an amount over the balance, another order in the body, an item not in the order, the old body', async () => {
    const { orderId, order: o } = await created();
    const [mug, tee] = o.items;
    const over = await api('POST', `/order/v1/orders/${orderId}/refunds`, { orderId, refunds: [{ itemId: mug.id, isShippingRefund: false, amount: 20.01, reason: 'x' }] });
    expect([over.status, over.body.errors[0].propertyName]).toEqual([400, 'Refunds[0].Amount']);
    // An item sent without amounts has nothing to refund.
    expect((await api('POST', `/order/v1/orders/${orderId}/refunds`, { orderId, refunds: [{ itemId: tee.id, isShippingRefund: false, amount: 1, reason: 'x' }] })).status).toBe(400);
    const other = await api('POST', `/order/v1/orders/${orderId}/refunds`, { orderId: 'another', refunds: [{ itemId: mug.id, isShippingRefund: false, amount: 1, reason: 'x' }] });
    expect(other.body.errors[0].propertyName).toBe('OrderId');
    expect((await api('POST', `/order/v1/orders/${orderId}/refunds`, { orderId, refunds: [{ itemId: 'nope', isShippingRefund: false, amount: 1, reason: 'x' }] })).body.errors[0].propertyName).toBe('Refunds[0].ItemId');
    expect((await api('POST', `/order/v1/orders/${orderId}/refunds`, { reason: 'x', externalId: 'r-1', items: [{ orderItemId: mug.id, quantity: 1 }] })).status).toBe(400);
    expect((await api('GET', `/order/v1/order-items/${mug.id}`)).body.orderItem.refundData).toBeNull();
  });

  it('does not recognise a repeat (no key is documented): it refunds again, and /_sim/state counts both', async () => {
    const { orderId, order: o } = await created();
    const body = { orderId, refunds: [{ itemId: o.items[0].id, isShippingRefund: false, amount: 4, reason: 'damaged' }] };
    expect((await api('POST', `/order/v1/orders/${orderId}/refunds`, body)).status).toBe(201);
    expect((await api('POST', `/order/v1/orders/${orderId}/refunds`, body)).status).toBe(201);
    const st = (await call(om, 'GET', '/_sim/state')).body;
    expect(st.refundRequests[`${orderId}|${o.items[0].id}|4|damaged`]).toBe(2);
    expect(st.orders.find((x: any) => x.orderId === orderId).refunds).toHaveLength(2);
    // Customer care's own refund shows in refundData without being counted as a request.
    expect((await control(`/_sim/orders/${orderId}/refunds`, { refunds: [{ itemId: o.items[0].id, isShippingRefund: true, amount: 1, reason: 'goodwill' }] })).status).toBe(200);
    expect((await api('GET', `/order/v1/order-items/${o.items[0].id}`)).body.orderItem.refundData.refunds).toHaveLength(3);
    expect((await call(om, 'GET', '/_sim/state')).body.refundRequests[`${orderId}|${o.items[0].id}|1|goodwill`]).toBeUndefined();
  });
});

describe('webhooks (merchant-notifications.txt)', () => {
  const mine = (safeId: string) => received.filter((r) => r.body.SafeId === safeId);
  const drain = () => call(om, 'POST', '/_sim/webhooks/drain');

  it('sends PascalCase events with no signature by default, to the URL as configured; ShipmentUpdate.Packages an array', async () => {
    const { orderId, body } = await created();
    await control(`/_sim/orders/${orderId}/ship`, { packages: 2 });
    await drain();
    const events = mine(body.safeId);
    expect(events.map((e) => e.body.EventType)).toEqual(['OrderCreation', 'OrderUpdate', 'ShipmentCreated', 'ShipmentUpdate']);
    for (const e of events) expect(e.headers['x-ordermesh-signature']).toBeUndefined();
    const update = events.at(-1)!.body;
    expect(Array.isArray(update.Packages)).toBe(true);
    expect(update.Packages).toHaveLength(2);
    expect(update.Packages[0].PackageOrderItems[0]).toEqual({ OrderItemId: expect.any(String), ExternalId: expect.any(String), Quantity: 2, ItemMeta: expect.any(Object) });
    const created0 = events[0]!.body;
    expect(undocumentedKeys(created0, { IsSuccessful: true, Reprint: null, OrderId: '', ExternalOrderId: '', SafeId: '', Description: '', SubscriberId: '', ChildSubscriberId: null, RequestId: '', EventType: '' })).toEqual([]);
    // The shipment the REST API answers is the one the webhook names.
    expect((await api('GET', `/shipment/v1/shipments/${update.ShipmentId}`)).body.packages.map((p: any) => p.id)).toEqual(update.Packages.map((p: any) => p.PackageId));
    // One package: still an array by default.
    const single = await created();
    await control(`/_sim/orders/${single.orderId}/ship`, {});
    await drain();
    expect(mine(single.body.safeId).find((e) => e.body.EventType === 'ShipmentUpdate')!.body.Packages).toEqual([expect.objectContaining({ CarrierName: 'USPS' })]);
  });

  it('sends one package as ONE object with webhookPackagesAsObject, shaped as the docs example', async () => {
    await variants({ webhookPackagesAsObject: true });
    const { orderId, body } = await created({ meta: { integrator: 'Shopify' } });
    await control(`/_sim/orders/${orderId}/ship`, {});
    await drain();
    const update = mine(body.safeId).find((e) => e.body.EventType === 'ShipmentUpdate')!.body;
    expect(Array.isArray(update.Packages)).toBe(false);
    expect(update.Packages.PackageOrderItems.map((i: any) => i.Quantity)).toEqual([2, 1]);
    expect(update.Packages.ShippedDate).toMatch(NO_TZ);
    expect(update.OrderMeta).toEqual({ integrator: 'Shopify' });
    const doc = fixture('documented/webhook-shipment-update-object.json');
    expect(undocumentedKeys(update, doc)).toEqual([]);
    expect(Object.keys(update).sort()).toEqual(Object.keys(doc).sort());
  });

  it('shares one RequestId between the events of one tick, across orders', async () => {
    const a = await created();
    const b = await created();
    await control(`/_sim/orders/${a.orderId}/advance`);
    await control('/_sim/advance'); // moves both (and every other open order) in one tick
    await drain();
    const ids = (safeId: string) => mine(safeId).filter((e) => e.body.EventType === 'OrderUpdate').map((e) => e.body.RequestId);
    const [aFirst, aSecond] = ids(a.body.safeId);
    const [bFirst] = ids(b.body.safeId);
    expect(aSecond).toBe(bFirst);
    expect(aFirst).not.toBe(aSecond);
    expect(aFirst).toMatch(/^\d{8}T\d{6}Z-[0-9a-f]+$/);
  });

  it('signs with x-ordermesh-signature (base64 HMAC-SHA256) only with the webhookSignature variant', async () => {
    await variants({ webhookSignature: true });
    const { body } = await created();
    await drain();
    const e = mine(body.safeId)[0]!;
    expect(e.headers['x-ordermesh-signature']).toBe(createHmac('sha256', 'whsec-test-1234').update(e.raw).digest('base64'));
  });

  it('announces a failed inbound order as OrderCreation without OrderId, as the docs example', async () => {
    await control('/_sim/transformations', { id: 'tr-1', kind: 'mapped' });
    const bad = { ...order(), currencyCode: 'nope' };
    const r = await api('POST', '/v1/inbound/orders', { body: bad, merchantId: 'merchant-1', transformationId: 'tr-1' });
    expect(r.status).toBe(202);
    await control('/_sim/inbound/drain');
    const e = mine(bad.safeId)[0]!.body;
    const doc = fixture('documented/webhook-order-creation-failed.json');
    expect(Object.keys(e).sort()).toEqual(Object.keys(doc).sort());
    expect(e).toMatchObject({ IsSuccessful: false, ResponseCode: 400, EventType: 'OrderCreation' });
    const good = order();
    await api('POST', '/v1/inbound/orders', { body: good, merchantId: 'merchant-1', transformationId: 'tr-1' });
    await control('/_sim/inbound/drain');
    expect(mine(good.safeId)[0]!.body).toMatchObject({ IsSuccessful: true, OrderId: expect.stringMatching(/^[0-9a-f]{24}$/) });
  });
});

describe('settings, faults and limits', () => {
  it('shows the variants with their defaults, merges changes, refuses unknown ones, restores on null', async () => {
    const shown = (await call(om, 'GET', '/_sim/settings')).body;
    expect(shown.variants).toEqual({ tokenCasing: 'camel', bulkEnvelope: 'items', errorBody: 'object', duplicateStatus: 400, orderEnvelope: 'wrapped', integerStatuses: null, listEnvelope: 'items', shipmentsEnvelope: 'bare', datesWithTimezone: false, packageOrderItems: false, legacyShipmentIds: false, webhookPackagesAsObject: false, webhookSignature: false });
    await variants({ bulkEnvelope: 'bare' });
    await variants({ errorBody: 'list' });
    expect((await call(om, 'GET', '/_sim/settings')).body.variants).toMatchObject({ bulkEnvelope: 'bare', errorBody: 'list' });
    expect((await call(om, 'GET', '/_sim/state?summary')).body.counts.variants).toMatchObject({ bulkEnvelope: 'bare' });
    expect((await call(om, 'POST', '/_sim/settings', { variants: { bulkEnvelope: 'other' } })).status).toBe(400);
    expect((await call(om, 'POST', '/_sim/settings', { variants: { shinyNew: true } })).status).toBe(400);
    await variants(null);
    expect((await call(om, 'GET', '/_sim/settings')).body.variants.bulkEnvelope).toBe('items');
  });

  it('takes variants at start', async () => {
    const other = await sim({ variants: { tokenCasing: 'snake', orderEnvelope: 'bare' } });
    const r = await call(other, 'POST', '/user/v1/clients/token', { client_id: 'sim-client', client_secret: 'sim-secret' });
    expect(r.body.access_token).toBeTruthy();
    expect((await call(other, 'GET', '/_sim/settings')).body.variants).toMatchObject({ tokenCasing: 'snake', orderEnvelope: 'bare', bulkEnvelope: 'items' });
  });

  it('injects faults per operation, counted, then behaves', async () => {
    const { orderId } = await created();
    await call(om, 'POST', '/_sim/faults', { getOrder: { status503: 1, count: 1 }, getOrderItem: { status429: 1, retryAfterSeconds: 7, count: 1 } });
    expect((await api('GET', `/order/v1/orders/${orderId}`)).status).toBe(503);
    expect((await api('GET', `/order/v1/orders/${orderId}`)).status).toBe(200);
    const limited = await api('GET', '/order/v1/order-items/x');
    expect([limited.status, limited.headers.get('retry-after')]).toEqual([429, '7']);
    const st = (await call(om, 'GET', '/_sim/state?summary')).body.counts;
    expect(st.faultsInjected.getOrder.status503).toBeGreaterThanOrEqual(1);
    expect(st.requests.getOrderItem).toBeGreaterThanOrEqual(1);
  });

  it('answers 429 with a Retry-After above the configured rate limit', async () => {
    await call(om, 'POST', '/_sim/settings', { rateLimitPerSecond: 5 });
    try {
      const results = await Promise.all(Array.from({ length: 20 }, () => api('GET', '/order/v1/orders?pageSize=1')));
      const limited = results.filter((r) => r.status === 429);
      expect(limited.length).toBeGreaterThan(0);
      expect(Number(limited[0]!.headers.get('retry-after'))).toBeGreaterThan(0);
    } finally {
      await call(om, 'POST', '/_sim/settings', { rateLimitPerSecond: 0 });
    }
  });

  it('expires tokens after their lifetime', async () => {
    const short = await sim({ tokenTtlSeconds: 0.2 });
    const t = await tokenFor(short);
    expect((await call(short, 'GET', '/order/v1/orders', undefined, t)).status).toBe(200);
    await new Promise((r) => setTimeout(r, 300));
    expect((await call(short, 'GET', '/order/v1/orders', undefined, t)).status).toBe(401);
  });
});
