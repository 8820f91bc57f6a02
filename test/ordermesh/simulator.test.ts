import { createHmac } from 'node:crypto';
import Fastify from 'fastify';
import { afterAll, describe, expect, it } from 'vitest';
import { WEBHOOK_SIGNATURE_HEADER, webhookPayload } from '../../src/connectors/ordermesh/contract.ts';
import { clientFor, ordermeshSim, simState, validOrder } from '../helpers/ordermesh.ts';

// A webhook receiver, to see what the simulator sends.
const received: Array<{ raw: string; signature: string }> = [];
const receiver = Fastify();
receiver.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => done(null, body));
receiver.post('/hook', async (req) => {
  received.push({ raw: req.body as string, signature: String(req.headers[WEBHOOK_SIGNATURE_HEADER]) });
  return { ok: true };
});
await receiver.listen({ port: 0, host: '127.0.0.1' });
afterAll(() => receiver.close());
const hookUrl = `http://127.0.0.1:${(receiver.server.address() as { port: number }).port}/hook`;

const sim = await ordermeshSim({ webhookUrl: hookUrl, webhookSecret: 'whsec-test-1234' });
const client = clientFor(sim);

async function rawPost(path: string, body: unknown) {
  const token = ((await (await fetch(`${sim.url}/user/v1/clients/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ clientId: 'sim-client', clientSecret: 'sim-secret' }) })).json()) as any).accessToken;
  const res = await fetch(`${sim.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as any };
}

describe('OrderMesh simulator: strict validation', () => {
  it.each([
    ['an unknown SKU format', { items: [{ sku: 'bad sku!', quantity: 1 }] }, 'items[0].sku'],
    ['a missing shipping address', { shippingAddress: undefined }, 'shippingAddress'],
    ['a bad country code', { shippingAddress: { lastName: 'A', line1: 'l', city: 'c', countryCode: 'usa' } }, 'shippingAddress.countryCode'],
    ['a bad currency code', { currencyCode: 'DOLLARS' }, 'currencyCode'],
    ['a negative quantity', { items: [{ sku: 'mug', quantity: -1 }] }, 'items[0].quantity'],
    ['an unknown field', { giftMessage: 'hi' }, '$'],
    ['money with three decimals', { customerTotal: 10.005 }, 'customerTotal'],
  ])('rejects %s with 400 and a field error', async (_name, patch, field) => {
    const res = await rawPost('/order/v1/orders', { ...validOrder(), ...patch });
    expect(res.status).toBe(400);
    expect(Object.keys(res.body.errors)).toContain(field);
  });

  it('requires a valid bearer token', async () => {
    const res = await fetch(`${sim.url}/order/v1/orders/abc`, { headers: { authorization: 'Bearer nope' } });
    expect(res.status).toBe(401);
  });
});

describe('OrderMesh simulator: lifecycle, shipments and webhooks', () => {
  it('moves an order to production, ships it in packages with tracking, and signs every webhook', async () => {
    const order = validOrder({
      items: [
        { sku: 'mug-11oz', quantity: 2, externalId: 'li-1', meta: { shopifyLineItemId: 'gid://shopify/LineItem/1' } },
        { sku: 'tee-s', quantity: 1, externalId: 'li-2' },
      ],
    });
    const created = await client.createOrder(order);
    if (created.outcome !== 'created') throw new Error(created.outcome);
    await fetch(`${sim.url}/_sim/advance`, { method: 'POST' });
    await fetch(`${sim.url}/_sim/advance`, { method: 'POST' });
    expect((await client.getOrder(created.orderId)).status).toBe('InProduction');
    await expect(client.updateOrder(created.orderId, { customerShippingMethod: 'Express' })).rejects.toMatchObject({ code: 'CONFLICT' });

    const om = await client.getOrder(created.orderId);
    const ship = await fetch(`${sim.url}/_sim/orders/${created.orderId}/ship`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ items: [{ orderItemId: om.items[0]!.id, quantity: 2 }], carrier: 'UPS' }),
    });
    expect(ship.status).toBe(200);
    expect((await client.getOrder(created.orderId)).status).toBe('PartiallyShipped');
    await fetch(`${sim.url}/_sim/advance`, { method: 'POST' }); // ships the rest

    const shipments = await client.getShipmentsForOrder(created.orderId);
    expect(shipments).toHaveLength(2);
    expect(shipments[0]!.packages[0]).toMatchObject({ carrierName: 'UPS', packageOrderItems: [{ orderItemId: om.items[0]!.id, quantity: 2, externalId: 'li-1' }] });
    expect(shipments[0]!.packages[0]!.carrierTrackingNumber).toMatch(/^9400\d{18}$/);
    expect((await client.getShipment(shipments[1]!.shipmentId)).packages[0]!.packageOrderItems[0]!.externalId).toBe('li-2');
    expect((await client.getOrder(created.orderId)).status).toBe('Shipped');

    await fetch(`${sim.url}/_sim/webhooks/drain`, { method: 'POST' });
    const mine = received.map((r) => ({ ...r, payload: webhookPayload.parse(JSON.parse(r.raw)) })).filter((r) => r.payload.SafeId === order.safeId);
    expect(mine.map((m) => m.payload.EventType)).toEqual(
      expect.arrayContaining(['OrderCreation', 'OrderUpdate', 'ShipmentCreated', 'ShipmentUpdate']),
    );
    for (const m of mine) expect(m.signature).toBe(createHmac('sha256', 'whsec-test-1234').update(m.raw).digest('base64'));
    const tracking = mine.find((m) => m.payload.EventType === 'ShipmentUpdate')!.payload;
    expect(tracking.EventType === 'ShipmentUpdate' && tracking.Packages).toBeTruthy();
  });

  it('cancels single items, then the whole order, and refuses to cancel a shipped one', async () => {
    const created = await client.createOrder(validOrder({ items: [{ sku: 'a-1', quantity: 3 }, { sku: 'b-1', quantity: 1 }] }));
    if (created.outcome !== 'created') throw new Error(created.outcome);
    const om = await client.getOrder(created.orderId);
    await client.cancelOrder(created.orderId, { items: [{ orderItemId: om.items[0]!.id, quantity: 3 }] });
    const partly = await client.getOrder(created.orderId);
    expect(partly.status).toBe('Open');
    expect(partly.items[0]!.status).toBe('Cancelled');
    expect((await client.cancelOrder(created.orderId)).status).toBe('Cancelled');
    expect((await client.cancelOrder(created.orderId)).status).toBe('Cancelled'); // repeat is a no-op

    const shipped = await client.createOrder(validOrder());
    if (shipped.outcome !== 'created') throw new Error(shipped.outcome);
    await fetch(`${sim.url}/_sim/orders/${shipped.orderId}/ship`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    await expect(client.cancelOrder(shipped.orderId)).rejects.toMatchObject({ code: 'CONFLICT', status: 409 });
  });

  it('updates the address before production and puts an order on hold', async () => {
    const created = await client.createOrder(validOrder());
    if (created.outcome !== 'created') throw new Error(created.outcome);
    const updated = await client.updateOrder(created.orderId, {
      shippingAddress: { firstName: 'Grace', lastName: 'Hopper', line1: '2 New Rd', city: 'Arlington', countryCode: 'US' },
    });
    expect(updated.shippingAddress).toMatchObject({ line1: '2 New Rd' });
    expect((await client.holdOrder(created.orderId, 'address check')).status).toBe('CustomerCareHold');
  });

  it('pages through orders', async () => {
    const total = (await simState(sim)).counts.orders;
    const page = await client.listOrders({ pageSize: 2 });
    expect(page.items).toHaveLength(Math.min(2, total));
    expect(page.total).toBe(total);
  });

  it('answers 429 with a Retry-After above the configured rate limit', async () => {
    await fetch(`${sim.url}/_sim/settings`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ rateLimitPerSecond: 5 }) });
    const client2 = clientFor(sim, { retry: { maxAttempts: 1 } });
    const results = await Promise.allSettled(Array.from({ length: 20 }, () => client2.listOrders({ pageSize: 1 })));
    const limited = results.filter((r) => r.status === 'rejected');
    expect(limited.length).toBeGreaterThan(0);
    expect((limited[0] as PromiseRejectedResult).reason).toMatchObject({ code: 'RATE_LIMITED', status: 429 });
    expect((limited[0] as PromiseRejectedResult).reason.retryAfterMs).toBeGreaterThan(0);
    await fetch(`${sim.url}/_sim/settings`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ rateLimitPerSecond: 0 }) });
  });
});

describe('OrderMesh simulator: counting what a duplicate check needs', () => {
  it('counts a second create of a delivered order as such, and a retry after a lost answer as unanswered', async () => {
    const { duplicateCreates } = await import('../helpers/pipeline.ts');
    const { setFaults } = await import('../helpers/ordermesh.ts');
    const twice = validOrder();
    expect((await rawPost('/order/v1/orders', twice)).status).toBe(201);
    expect((await rawPost('/order/v1/orders', twice)).status).toBe(409);
    await setFaults(sim, { createOrder: { lostResponse: 1, count: 1 } });
    const lost = validOrder();
    await rawPost('/order/v1/orders', lost).catch(() => undefined);
    expect((await rawPost('/order/v1/orders', lost)).status).toBe(409);
    await setFaults(sim, {});
    const st = await simState(sim);
    expect([st.createRequestsBySafeId[twice.safeId], st.unansweredCreatesBySafeId[twice.safeId]]).toEqual([2, undefined]);
    expect([st.createRequestsBySafeId[lost.safeId], st.unansweredCreatesBySafeId[lost.safeId]]).toEqual([2, 1]);
    expect(duplicateCreates(st)).toEqual([`${twice.safeId}: 2 create requests, 0 of them unanswered`]);
  });
});
