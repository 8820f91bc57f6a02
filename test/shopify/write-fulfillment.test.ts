import { describe, expect, it } from 'vitest';
import { readFulfillmentStates, writeTracking } from '../../src/connectors/shopify/write-fulfillment.ts';
import { explicitOrder, post, readOrder, seedOrders, shopState, shopifyClientFor, shopifySim } from '../helpers/shopify.ts';

const sim = await shopifySim();
const client = shopifyClientFor(sim);

async function shippableOrder() {
  const [id] = await seedOrders(sim, {
    orders: [
      explicitOrder({}, [
        { sku: 'MUG-11OZ-WHITE', quantity: 2, currentQuantity: 2, unfulfilledQuantity: 2, title: 'Mug', name: 'Mug' },
        { sku: 'TEE-BELLA3001-BLK-M', title: 'Tee', name: 'Tee' },
      ]),
    ],
  });
  return readOrder(client, id!);
}

const fulfillmentsOf = async (id: string) => (await shopState(sim)).orderList.find((o: any) => o.id === id).fulfillments;

describe('tracking write-back', () => {
  it('creates exactly one fulfilment for a package, even when the write-back runs twice', async () => {
    const order = await shippableOrder();
    const pkg = { orderId: order.id, trackingNumber: '1Z999AA10123456784', trackingUrl: 'https://ups.example/1Z', carrier: 'UPS', notifyCustomer: false, lines: [{ lineItemId: order.lineItems[0]!.id, quantity: 2 }] };
    const first = await writeTracking(client, pkg);
    const second = await writeTracking(client, pkg);
    expect(first.status).toBe('created');
    expect(second).toEqual({ status: 'already_written', fulfillmentId: (first as { fulfillmentId: string }).fulfillmentId });
    const fs = await fulfillmentsOf(order.id);
    expect(fs).toHaveLength(1);
    expect(fs[0]).toMatchObject({ tracking: { number: '1Z999AA10123456784', company: 'UPS' }, lines: [{ lineItemId: order.lineItems[0]!.id, quantity: 2 }] });
  });

  it('reads the fulfilment state of many orders in one read, and a write with that state is still written once', async () => {
    const orders = await Promise.all(Array.from({ length: 5 }, () => shippableOrder()));
    const ops = async () => (await shopState(sim, true)).operations as Record<string, { requests: number }>;
    const before = (await ops()).OrdersFulfillmentState?.requests ?? 0;
    const states = await readFulfillmentStates(client, [...orders.map((o) => o.id), 'gid://shopify/Order/1']);
    expect((await ops()).OrdersFulfillmentState!.requests - before).toBe(1);
    expect([...states.keys()].sort()).toEqual(orders.map((o) => o.id).sort());
    const pkg = (o: (typeof orders)[number]) => ({ orderId: o.id, trackingNumber: `B-${o.id.slice(-6)}`, trackingUrl: null, carrier: 'UPS', notifyCustomer: false, lines: [{ lineItemId: o.lineItems[0]!.id, quantity: 2 }] });
    for (const o of orders) expect((await writeTracking(client, pkg(o), states.get(o.id)!)).status).toBe('created');
    // Run again (a retried job): a fresh state shows the fulfilment, so nothing new is created.
    const again = await readFulfillmentStates(client, orders.map((o) => o.id));
    for (const o of orders) expect((await writeTracking(client, pkg(o), again.get(o.id)!)).status).toBe('already_written');
    for (const o of orders) expect(await fulfillmentsOf(o.id)).toHaveLength(1);
  });

  it('writes two packages of one order as two fulfilments with exactly their items', async () => {
    const order = await shippableOrder();
    const [a, b] = order.lineItems;
    await writeTracking(client, { orderId: order.id, trackingNumber: 'T-A', trackingUrl: null, carrier: 'USPS', notifyCustomer: true, lines: [{ lineItemId: a!.id, quantity: 2 }] });
    await writeTracking(client, { orderId: order.id, trackingNumber: 'T-B', trackingUrl: null, carrier: 'USPS', notifyCustomer: true, lines: [{ lineItemId: b!.id, quantity: 1 }] });
    const fs = await fulfillmentsOf(order.id);
    expect(fs.map((f: any) => [f.tracking.number, f.lines])).toEqual([
      ['T-A', [{ lineItemId: a!.id, quantity: 2 }]],
      ['T-B', [{ lineItemId: b!.id, quantity: 1 }]],
    ]);
    expect((await readOrder(client, order.id)).lineItems.map((l) => l.unfulfilledQuantity)).toEqual([0, 0]);
  });

  it('updates the tracking of a fulfilment it already wrote', async () => {
    const order = await shippableOrder();
    const base = { orderId: order.id, trackingUrl: null, carrier: 'USPS', notifyCustomer: false, lines: [{ lineItemId: order.lineItems[1]!.id, quantity: 1 }] };
    const created = await writeTracking(client, { ...base, trackingNumber: 'OLD-1' });
    const updated = await writeTracking(client, { ...base, trackingNumber: 'NEW-2', fulfillmentId: (created as { fulfillmentId: string }).fulfillmentId });
    expect(updated.status).toBe('updated');
    const fs = await fulfillmentsOf(order.id);
    expect(fs).toHaveLength(1);
    expect(fs[0].tracking.number).toBe('NEW-2');
  });

  it('records a reason instead of failing for a held, cancelled or already fulfilled order', async () => {
    const held = await shippableOrder();
    await post(`${sim.url}/_sim/orders/${encodeURIComponent(held.id)}/hold`);
    const line = (o: typeof held) => [{ lineItemId: o.lineItems[0]!.id, quantity: 2 }];
    const pkg = (o: typeof held, n: string) => ({ orderId: o.id, trackingNumber: n, trackingUrl: null, carrier: null, notifyCustomer: false, lines: line(o) });
    expect(await writeTracking(client, pkg(held, 'H-1'))).toMatchObject({ status: 'skipped', reason: 'ON_HOLD' });

    const cancelled = await shippableOrder();
    await post(`${sim.url}/_sim/orders/${encodeURIComponent(cancelled.id)}/cancel`);
    expect(await writeTracking(client, pkg(cancelled, 'C-1'))).toMatchObject({ status: 'skipped', reason: 'ORDER_CANCELLED' });

    const done = await shippableOrder();
    await writeTracking(client, pkg(done, 'D-1'));
    expect(await writeTracking(client, pkg(done, 'D-2'))).toMatchObject({ status: 'skipped', reason: 'ALREADY_FULFILLED' });

    expect(await writeTracking(client, pkg({ ...done, id: 'gid://shopify/Order/404404' }, 'X'))).toMatchObject({ status: 'skipped', reason: 'ORDER_NOT_FOUND' });
  });

  it('gives two packages that share a tracking number a fulfilment each', async () => {
    const order = await shippableOrder();
    const [mug, tee] = order.lineItems;
    const base = { orderId: order.id, trackingNumber: 'SHARED-1Z', trackingUrl: null, carrier: 'UPS', notifyCustomer: false };
    const first = await writeTracking(client, { ...base, lines: [{ lineItemId: mug!.id, quantity: 2 }] });
    expect(first.status).toBe('created');
    const ownedByOtherPackages = [(first as { fulfillmentId: string }).fulfillmentId];
    const second = await writeTracking(client, { ...base, lines: [{ lineItemId: tee!.id, quantity: 1 }], ownedByOtherPackages });
    expect(second.status).toBe('created');
    // Run again (a retried job): each finds its own fulfilment, nothing new is created.
    expect((await writeTracking(client, { ...base, lines: [{ lineItemId: tee!.id, quantity: 1 }], ownedByOtherPackages })).status).toBe('already_written');
    const fs = await fulfillmentsOf(order.id);
    expect(fs.map((f: { lines: unknown }) => f.lines)).toEqual([[{ lineItemId: mug!.id, quantity: 2 }], [{ lineItemId: tee!.id, quantity: 1 }]]);
  });

  it('writes a package of an order with more lines than one page of its fulfilment order holds', async () => {
    const big = explicitOrder({ name: '#BIG-FO' }, Array.from({ length: 150 }, (_, i) => ({ sku: `SKU-${i}`, title: `Item ${i}`, name: `Item ${i}` })));
    const [id] = await seedOrders(sim, { orders: [big] });
    const order = await readOrder(client, id!);
    const last = order.lineItems[149]!;
    const res = await writeTracking(client, { orderId: order.id, trackingNumber: 'BIG-1', trackingUrl: null, carrier: null, notifyCustomer: false, lines: [{ lineItemId: last.id, quantity: 1 }] });
    expect(res.status).toBe('created');
    expect((await fulfillmentsOf(order.id))[0].lines).toEqual([{ lineItemId: last.id, quantity: 1 }]);
  });

  it('reads fulfilment states in reads of 20 orders, every order once', async () => {
    const orders = await Promise.all(Array.from({ length: 45 }, () => shippableOrder()));
    const ops = async () => ((await shopState(sim, true)).operations as Record<string, { requests: number }>).OrdersFulfillmentState?.requests ?? 0;
    const before = await ops();
    const states = await readFulfillmentStates(client, orders.map((o) => o.id));
    expect((await ops()) - before).toBe(3);
    expect([...states.keys()].sort()).toEqual(orders.map((o) => o.id).sort());
    expect(await readFulfillmentStates(client, [])).toEqual(new Map());
  });

  it('writes the tracking URL and carrier, and reads the order only when no state is given', async () => {
    const order = await shippableOrder();
    const reads = async () => ((await shopState(sim, true)).operations as Record<string, { requests: number }>).OrderFulfillmentState?.requests ?? 0;
    const pkg = { orderId: order.id, trackingNumber: 'URL-1', trackingUrl: 'https://track.example/URL-1', carrier: 'DHL', notifyCustomer: false, lines: [{ lineItemId: order.lineItems[1]!.id, quantity: 1 }, { lineItemId: order.lineItems[0]!.id, quantity: 2 }] };
    const given = (await readFulfillmentStates(client, [order.id])).get(order.id)!;
    const before = await reads();
    expect((await writeTracking(client, pkg, given)).status).toBe('created');
    expect(await reads()).toBe(before);
    expect((await fulfillmentsOf(order.id))[0].tracking).toMatchObject({ number: 'URL-1', url: 'https://track.example/URL-1', company: 'DHL' });
    // The same package with its lines in another order, or one line in two parts, is the same package.
    const again = { ...pkg, lines: [{ lineItemId: order.lineItems[0]!.id, quantity: 1 }, { lineItemId: order.lineItems[1]!.id, quantity: 1 }, { lineItemId: order.lineItems[0]!.id, quantity: 1 }] };
    expect((await writeTracking(client, again)).status).toBe('already_written');
    expect(await reads()).toBe(before + 1);
    // Other items under the same number are another package, not this one.
    expect(await writeTracking(client, { ...pkg, lines: [{ lineItemId: order.lineItems[0]!.id, quantity: 1 }] })).toMatchObject({ status: 'skipped', reason: 'ALREADY_FULFILLED' });
  });

  it('says why it wrote nothing, naming the order or the line', async () => {
    const order = await shippableOrder();
    const pkg = (lineItemId: string, quantity: number) => ({ orderId: order.id, trackingNumber: `W-${lineItemId.slice(-4)}-${quantity}`, trackingUrl: null, carrier: null, notifyCustomer: false, lines: [{ lineItemId, quantity }] });
    expect(await writeTracking(client, pkg('gid://shopify/LineItem/424242', 1))).toEqual({ status: 'skipped', reason: 'NO_FULFILLMENT_ORDER', message: "no fulfilment order visible for line item gid://shopify/LineItem/424242 (check the app's fulfilment-order scopes)" });
    const mug = order.lineItems[0]!.id;
    expect(await writeTracking(client, pkg(mug, 3))).toEqual({ status: 'skipped', reason: 'ALREADY_FULFILLED', message: `line item ${mug} has fewer than 3 left to fulfil` });
    expect(await writeTracking(client, { ...pkg(mug, 1), orderId: 'gid://shopify/Order/404405' })).toEqual({ status: 'skipped', reason: 'ORDER_NOT_FOUND', message: "order gid://shopify/Order/404405 not found (deleted, or outside the app's scopes)" });
    await post(`${sim.url}/_sim/orders/${encodeURIComponent(order.id)}/hold`);
    expect(await writeTracking(client, pkg(mug, 1))).toEqual({ status: 'skipped', reason: 'ON_HOLD', message: `line item ${mug} is on a fulfilment hold in the store` });
    await post(`${sim.url}/_sim/orders/${encodeURIComponent(order.id)}/cancel`);
    expect(await writeTracking(client, pkg(mug, 1))).toEqual({ status: 'skipped', reason: 'ORDER_CANCELLED', message: `order ${order.id} was cancelled in the store` });
  });
});
