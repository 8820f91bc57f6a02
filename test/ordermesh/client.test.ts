import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { OrderMeshValidationError } from '../../src/connectors/ordermesh/errors.ts';
import { clientFor, ordermeshSim, setFaults, simState, validOrder } from '../helpers/ordermesh.ts';
import { eventually } from '../helpers/pipeline.ts';

const sim = await ordermeshSim();
const ordersWithSafeId = async (safeId: string) => (await simState(sim)).orders.filter((o: any) => o.safeId === safeId);

const setVariants = (s: { url: string }, variants: Record<string, unknown> | null) =>
  fetch(`${s.url}/_sim/settings`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ variants }) });

beforeEach(async () => {
  await fetch(`${sim.url}/_sim/faults`, { method: 'DELETE' });
  await setVariants(sim, null);
  await fetch(`${sim.url}/_sim/settings`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ tokenTtlSeconds: 86_400, rateLimitPerSecond: 0 }) });
});

describe('OrderMesh client: auth', () => {
  it('shares one token across 50 concurrent calls (a single token request)', async () => {
    const client = clientFor(sim);
    const before = (await simState(sim)).counts.tokenRequests;
    const results = await Promise.allSettled(Array.from({ length: 50 }, (_, i) => client.getOrderBySafeId(`none-${i}`)));
    expect(results.every((r) => r.status === 'fulfilled' && r.value === null)).toBe(true);
    expect((await simState(sim)).counts.tokenRequests - before).toBe(1);
  });

  it('renews the token before it expires, without a 401', async () => {
    await fetch(`${sim.url}/_sim/settings`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ tokenTtlSeconds: 1 }) });
    const client = clientFor(sim);
    const before = (await simState(sim)).counts;
    await client.getOrderBySafeId('x');
    await new Promise((r) => setTimeout(r, 1_100));
    await client.getOrderBySafeId('x');
    const after = (await simState(sim)).counts;
    expect(after.tokenRequests - before.tokenRequests).toBe(2);
    expect(after.unauthorized - before.unauthorized).toBe(0);
  });

  it('renews the token once and replays the call on a 401', async () => {
    const client = clientFor(sim);
    await client.getOrderBySafeId('x');
    await fetch(`${sim.url}/_sim/tokens/revoke`, { method: 'POST' });
    const before = (await simState(sim)).counts;
    const created = await client.createOrder(validOrder());
    expect(created.outcome).toBe('created');
    const after = (await simState(sim)).counts;
    expect(after.unauthorized - before.unauthorized).toBe(1);
    expect(after.tokenRequests - before.tokenRequests).toBe(1);
  });

  it('fails with UNAUTHORIZED, not a retry loop, on wrong credentials', async () => {
    const client = clientFor(sim, { clientSecret: 'wrong-secret-value' });
    await expect(client.getOrder('x')).rejects.toMatchObject({ code: 'UNAUTHORIZED', retryable: false });
  });
});

describe('OrderMesh client: retries', () => {
  it('waits at least Retry-After (decimal seconds) after a 429', async () => {
    await setFaults(sim, { getOrderBySafeId: { status429: 1, retryAfterSeconds: 1.2, count: 1 } });
    const client = clientFor(sim);
    await client.getOrderBySafeId('warm-up-token'); // absorbs the single 429
    const times: number[] = ((await (await fetch(`${sim.url}/_sim/requests`)).json()) as any).getOrderBySafeId;
    const [first, second] = times.slice(-2) as [number, number];
    expect(second - first).toBeGreaterThanOrEqual(1_200);
  });

  it('tries a 5xx answer once more, within the short budget (two attempts), and succeeds', async () => {
    await setFaults(sim, { getOrderBySafeId: { status503: 0.5, status500: 0.5, count: 1 } });
    const client = clientFor(sim);
    const before = (await simState(sim)).counts.requests.getOrderBySafeId ?? 0;
    expect(await client.getOrderBySafeId('nothing-here')).toBeNull();
    expect((await simState(sim)).counts.requests.getOrderBySafeId - before).toBe(2);
  });

  it('by default gives up after two attempts: a longer outage is the order\'s or the job\'s to wait out', async () => {
    await setFaults(sim, { getOrder: { status500: 1 } });
    const before = (await simState(sim)).counts.requests.getOrder ?? 0;
    await expect(clientFor(sim).getOrder('x')).rejects.toMatchObject({ code: 'SERVER_ERROR', retryable: true });
    expect((await simState(sim)).counts.requests.getOrder - before).toBe(2);
  });

  it('waits out 429s as Retry-After says without using up attempts: throttling is not a failure', async () => {
    await setFaults(sim, { getOrderBySafeId: { status429: 1, retryAfterSeconds: 0.05, count: 4 } });
    const before = (await simState(sim)).counts.requests.getOrderBySafeId ?? 0;
    expect(await clientFor(sim).getOrderBySafeId('after-the-throttle')).toBeNull();
    expect((await simState(sim)).counts.requests.getOrderBySafeId - before).toBe(5);
  });

  it('waits a little even when told to come back at once (Retry-After: 0), and hands a throttle that lasts to the layer above', async () => {
    await setFaults(sim, { getOrder: { status429: 1, retryAfterSeconds: 0 } });
    const before = (await simState(sim)).counts.requests.getOrder ?? 0;
    await expect(clientFor(sim, { retry: { maxRetryAfterMs: 1_000 } }).getOrder('x')).rejects.toMatchObject({ code: 'RATE_LIMITED' });
    // 100 ms at least per answer: ten answers in the call's second of waiting, not a busy loop.
    expect((await simState(sim)).counts.requests.getOrder - before).toBeLessThanOrEqual(11);
  }, 10_000);

  it('hands a Retry-After longer than the call may wait to the layer above at once', async () => {
    await setFaults(sim, { getOrder: { status429: 1, retryAfterSeconds: 60 } });
    const before = (await simState(sim)).counts.requests.getOrder ?? 0;
    await expect(clientFor(sim).getOrder('x')).rejects.toMatchObject({ code: 'RATE_LIMITED', retryAfterMs: 60_000 });
    expect((await simState(sim)).counts.requests.getOrder - before).toBe(1);
  });

  it('gives up after maxAttempts with a retryable error', async () => {
    await setFaults(sim, { getOrder: { status503: 1 } });
    const client = clientFor(sim, { retry: { maxAttempts: 3, baseDelayMs: 5 } });
    await expect(client.getOrder('x')).rejects.toMatchObject({ code: 'UNAVAILABLE', retryable: true, status: 503 });
  });
});

describe('OrderMesh client: exactly one order per safeId', () => {
  it('resolves a lost response (applied, then the connection dropped) to the existing order', async () => {
    await setFaults(sim, { createOrder: { lostResponse: 1, count: 1 } });
    const order = validOrder();
    const result = await clientFor(sim).createOrder(order);
    expect(result).toMatchObject({ outcome: 'existing', safeId: order.safeId });
    const held = await ordersWithSafeId(order.safeId);
    expect(held).toHaveLength(1);
    expect(held[0].orderId).toBe(result.outcome === 'existing' && result.orderId);
    expect(held[0].createRequests).toBe(2);
  });

  for (const duplicateStatus of [400, 409] as const) {
    it(`resolves a repeated create refused with ${duplicateStatus} (${duplicateStatus === 400 ? 'a validation list naming SafeId, the documented default' : 'a conflict'}) to the existing order, one by one and in bulk`, async () => {
      await setVariants(sim, { duplicateStatus });
      const client = clientFor(sim);
      const order = validOrder();
      const first = await client.createOrder(order);
      const second = await client.createOrder(order);
      const [third] = await client.createOrders([order]);
      expect([first.outcome, second.outcome, third!.outcome]).toEqual(['created', 'existing', 'existing']);
      expect(second.outcome === 'existing' && first.outcome === 'created' && second.orderId === first.orderId).toBe(true);
      expect(await ordersWithSafeId(order.safeId)).toHaveLength(1);
    });
  }

  it('after a timeout whose request is applied late, still holds one order', async () => {
    await setFaults(sim, { createOrder: { timeout: 1, timeoutMs: 800, count: 1 } });
    const order = validOrder();
    const result = await clientFor(sim, { timeoutMs: 300 }).createOrder(order);
    expect(['created', 'existing']).toContain(result.outcome);
    // The held request is processed at last (the simulator counts it as unanswered the moment it is).
    await eventually(async () => ((await simState(sim)).unansweredCreatesBySafeId[order.safeId] ?? 0) >= 1, () => 'the held request was never processed');
    const held = await ordersWithSafeId(order.safeId);
    expect(held).toHaveLength(1);
    expect((result.outcome === 'created' || result.outcome === 'existing') && result.orderId).toBe(held[0].orderId);
  });

  it('reports a duplicate externalId under another safeId as rejected', async () => {
    const client = clientFor(sim);
    const a = validOrder();
    await client.createOrder(a);
    const b = validOrder({ externalId: a.externalId });
    const result = await client.createOrder(b);
    expect(result).toMatchObject({ outcome: 'rejected' });
    // No 409 is documented: the simulator refuses the repeat with a 400 naming ExternalId (its default),
    // and the client, finding no order by this safeId, calls it rejected with that field.
    expect(result.outcome === 'rejected' && result.error.code).toBe('VALIDATION');
    expect(result.outcome === 'rejected' && Object.keys((result.error as OrderMeshValidationError).fieldErrors)).toEqual(['externalId']);
  });
});

/**
 * A proxy in front of the simulator that answers the bulk create in shapes no variant produces: it
 * forwards the request (the orders are made, or refused, by the simulator), then rewrites the answer.
 */
async function bulkProxy(rewrite: (answer: any[], body: any) => { status: number; body: unknown }, opts: { forward?: boolean } = {}) {
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    if (req.url === '/order/v1/orders/bulk' && opts.forward === false) {
      const out = rewrite([], JSON.parse(raw));
      res.writeHead(out.status, { 'content-type': 'application/json' }).end(JSON.stringify(out.body));
      return;
    }
    const upstream = await fetch(`${sim.url}${req.url}`, { method: req.method, headers: { 'content-type': 'application/json', ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}) }, ...(raw ? { body: raw } : {}) });
    const text = await upstream.text();
    if (req.url === '/order/v1/orders/bulk' && upstream.ok) {
      const out = rewrite(JSON.parse(text).items, JSON.parse(raw));
      res.writeHead(out.status, { 'content-type': 'application/json' }).end(JSON.stringify(out.body));
      return;
    }
    res.writeHead(upstream.status, { 'content-type': 'application/json' }).end(text);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  afterAll(() => new Promise<void>((r) => server.close(() => r())));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

describe('OrderMesh client: bulk answers it must not trust', () => {
  it('results in another order without index or safeId: each order gets its own OrderMesh id (read back by safeId), never another\'s', async () => {
    const proxy = await bulkProxy((items) => ({ status: 200, body: [...items].reverse().map((r) => ({ statusCode: r.statusCode, orderId: r.orderId })) }));
    const orders = [validOrder(), validOrder(), validOrder()];
    const results = await clientFor(proxy).createOrders(orders);
    const st = await simState(sim);
    for (const [i, o] of orders.entries()) {
      const held = st.orders.find((x: any) => x.safeId === o.safeId);
      expect(results[i]).toMatchObject({ safeId: o.safeId, orderId: held.orderId });
    }
  });

  it('duplicate or 1-based indexes are not trusted', async () => {
    const proxy = await bulkProxy((items) => ({ status: 200, body: { items: items.map((r, i) => ({ index: i + 1, statusCode: r.statusCode, orderId: r.orderId })) } }));
    const orders = [validOrder(), validOrder()];
    const results = await clientFor(proxy).createOrders(orders);
    const st = await simState(sim);
    for (const [i, o] of orders.entries()) expect(results[i]).toMatchObject({ orderId: st.orders.find((x: any) => x.safeId === o.safeId).orderId });
  });

  it('a refusal of the whole request (a validation list naming Bulk[0].SafeId) rejects no other order: each is sent on its own', async () => {
    const existing = validOrder();
    await clientFor(sim).createOrder(existing);
    const fresh = validOrder();
    // Refused whole, before anything is made (not forwarded).
    const proxy = await bulkProxy(() => ({ status: 400, body: [{ propertyName: 'Bulk[0].SafeId', errorMessage: 'duplicate', attemptedValue: existing.safeId }] }), { forward: false });
    const results = await clientFor(proxy).createOrders([existing, fresh]);
    expect(results.map((r) => r.outcome)).toEqual(['existing', 'created']);
    expect(await ordersWithSafeId(fresh.safeId)).toHaveLength(1);
    expect(await ordersWithSafeId(existing.safeId)).toHaveLength(1);
  });
});

describe('OrderMesh client: bulk create', () => {
  it('returns one result per order: the valid ones created, the invalid one rejected with its field errors', async () => {
    const orders = [validOrder(), validOrder(), validOrder({ currencyCode: 'XYZ' }), validOrder()];
    const results = await clientFor(sim).createOrders(orders);
    expect(results.map((r) => r.outcome)).toEqual(['created', 'created', 'rejected', 'created']);
    const rejected = results[2]!;
    expect(rejected.outcome === 'rejected' && rejected.error).toBeInstanceOf(OrderMeshValidationError);
    expect(rejected.outcome === 'rejected' && (rejected.error as OrderMeshValidationError).fieldErrors).toHaveProperty('currencyCode');
    expect(results.map((r) => r.safeId)).toEqual(orders.map((o) => o.safeId));
  });

  it('after a lost bulk response, resolves every order to the one that exists', async () => {
    await setFaults(sim, { createOrdersBulk: { lostResponse: 1, count: 1 } });
    const orders = [validOrder(), validOrder(), validOrder()];
    const results = await clientFor(sim).createOrders(orders);
    expect(results.map((r) => r.outcome)).toEqual(['existing', 'existing', 'existing']);
    for (const o of orders) expect(await ordersWithSafeId(o.safeId)).toHaveLength(1);
  });

  it('never rejects an order for refused access: a 403 leaves every order of the batch blocked, not rejected', async () => {
    await setFaults(sim, { createOrdersBulk: { status403: 1 } });
    const results = await clientFor(sim).createOrders([validOrder(), validOrder()]);
    expect(results.map((r) => [r.outcome, r.outcome === 'blocked' && r.error.code])).toEqual([
      ['blocked', 'FORBIDDEN'],
      ['blocked', 'FORBIDDEN'],
    ]);
  });

  it('marks orders transient when OrderMesh stays down and none of them exists', async () => {
    await setFaults(sim, { createOrdersBulk: { status503: 1 } });
    const results = await clientFor(sim, { retry: { maxAttempts: 2, baseDelayMs: 5 } }).createOrders([validOrder(), validOrder()]);
    expect(results.map((r) => r.outcome)).toEqual(['transient', 'transient']);
  });

  it('against an OrderMesh that answers 500 to everything, a failed bulk costs its two attempts and one read by safeId, not a read per order', async () => {
    const client = clientFor(sim);
    await client.getOrderBySafeId('token-first');
    const before = (await simState(sim)).counts.requests;
    await setFaults(sim, { '*': { status500: 1 } });
    const results = await client.createOrders([validOrder(), validOrder(), validOrder(), validOrder()]);
    await fetch(`${sim.url}/_sim/faults`, { method: 'DELETE' });
    // A 500 may come after the order was made: each is left unconfirmed, for its next attempt to read first.
    expect(results.map((r) => [r.outcome, r.outcome === 'transient' && r.unconfirmed])).toEqual(Array(4).fill(['transient', true]));
    const after = (await simState(sim)).counts.requests;
    expect([after.createOrdersBulk - (before.createOrdersBulk ?? 0), after.getOrderBySafeId - (before.getOrderBySafeId ?? 0)]).toEqual([2, 1]);
  });

  it('when the token cannot be had, no create was sent: every order is transient without a read', async () => {
    const client = clientFor(sim);
    const before = (await simState(sim)).counts.requests;
    await setFaults(sim, { clientToken: { status500: 1 } });
    const results = await client.createOrders([validOrder(), validOrder()]);
    await fetch(`${sim.url}/_sim/faults`, { method: 'DELETE' });
    expect(results.map((r) => [r.outcome, r.outcome === 'transient' && r.error.operation, r.outcome === 'transient' && r.unconfirmed])).toEqual([
      ['transient', 'clientToken', false],
      ['transient', 'clientToken', false],
    ]);
    const after = (await simState(sim)).counts.requests;
    expect([after.clientToken - (before.clientToken ?? 0), (after.createOrdersBulk ?? 0) - (before.createOrdersBulk ?? 0), (after.getOrderBySafeId ?? 0) - (before.getOrderBySafeId ?? 0)]).toEqual([2, 0, 0]);
  });
});

describe('OrderMesh client: validation errors', () => {
  it('surfaces OrderMesh field messages on a rejected order', async () => {
    const bad = validOrder({
      shippingAddress: { lastName: 'X', line1: '1 St', city: 'Y', countryCode: 'ZZ' },
      items: [{ sku: 'ok-sku', quantity: -2 }],
    });
    const result = await clientFor(sim).createOrder(bad);
    expect(result.outcome).toBe('rejected');
    if (result.outcome !== 'rejected') throw new Error(result.outcome);
    const err = result.error as OrderMeshValidationError;
    // OrderMesh names properties in PascalCase (ShippingAddress.CountryCode): read as our payload's paths.
    expect(Object.keys(err.fieldErrors)).toEqual(expect.arrayContaining(['shippingAddress.countryCode', 'items[0].quantity']));
    expect(err.fieldErrors['items[0].quantity']!.join(' ')).toBeTruthy();
    expect(err.message).toContain('items[0].quantity: ');
  });
});

/**
 * A proxy in front of the simulator that forwards everything until the first bulk create, which it
 * forwards (the orders are made) and then drops unanswered, closing its port: every later call is
 * refused a connection. `close()` closes it at once.
 */
async function vanishingProxy() {
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const bulk = req.url === '/order/v1/orders/bulk';
    if (bulk) server.close();
    const upstream = await fetch(`${sim.url}${req.url}`, { method: req.method, headers: { 'content-type': 'application/json', ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}) }, ...(raw ? { body: raw } : {}) });
    const text = await upstream.text();
    if (bulk) return req.socket.destroy();
    // No connection is kept for a later call: once the port is closed, a call is refused, never reset.
    res.writeHead(upstream.status, { 'content-type': 'application/json', connection: 'close' }).end(text);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const close = () => new Promise<void>((r) => (server.listening ? server.close(() => r()) : r()));
  afterAll(close);
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close };
}

describe('OrderMesh client: creates whose fate no read settled', () => {
  it('an answer lost, then its retry and the read refused a connection: unconfirmed (the first attempt made the order)', async () => {
    const proxy = await vanishingProxy();
    const client = clientFor(proxy);
    await client.getOrderBySafeId('token-first');
    const order = validOrder();
    const [result] = await client.createOrders([order]);
    expect(await ordersWithSafeId(order.safeId)).toHaveLength(1);
    expect(result).toMatchObject({ outcome: 'transient', unconfirmed: true, error: { code: 'NETWORK' } });
  });

  it('every attempt refused a connection: transient, not unconfirmed (nothing can have been made)', async () => {
    const proxy = await vanishingProxy();
    const client = clientFor(proxy);
    await client.getOrderBySafeId('token-first');
    await proxy.close();
    const order = validOrder();
    const [result] = await client.createOrders([order]);
    expect(await ordersWithSafeId(order.safeId)).toHaveLength(0);
    expect(result).toMatchObject({ outcome: 'transient', unconfirmed: false, error: { code: 'NETWORK' } });
  });

  it('readUnconfirmed: each order by safeId, there or absent', async () => {
    const client = clientFor(sim);
    const made = validOrder();
    const created = await client.createOrder(made);
    const absent = validOrder();
    const reads = await client.readUnconfirmed([made.safeId, absent.safeId]);
    expect(reads).toEqual([
      { safeId: made.safeId, outcome: 'existing', orderId: created.outcome === 'created' && created.orderId },
      { safeId: absent.safeId, outcome: 'absent' },
    ]);
  });

  it('readUnconfirmed against an OrderMesh answering 500: one read, then none more; every order transient and still unconfirmed', async () => {
    const client = clientFor(sim);
    await client.getOrderBySafeId('token-first');
    const before = (await simState(sim)).counts.requests.getOrderBySafeId ?? 0;
    await setFaults(sim, { getOrderBySafeId: { status500: 1 } });
    const reads = await client.readUnconfirmed([validOrder().safeId, validOrder().safeId, validOrder().safeId]);
    expect(reads.map((r) => [r.outcome, r.outcome === 'transient' && r.unconfirmed])).toEqual(Array(3).fill(['transient', true]));
    expect((await simState(sim)).counts.requests.getOrderBySafeId - before).toBe(1);
  });
});
