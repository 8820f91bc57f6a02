import { describe, expect, it } from 'vitest';
import { fetchOrder, fetchOrders, pullUpdatedOrders } from '../../src/connectors/shopify/pull-orders.ts';
import { explicitOrder, post, readOrder, seedOrders, shopState, shopifyClientFor, shopifySim } from '../helpers/shopify.ts';

const sim = await shopifySim({ restoreRate: 1000, maximumAvailable: 2000 });

describe('incremental pull', () => {
  it('pulls a 10,000-order store completely, without duplicates or gaps, while orders change during the pull', async () => {
    const ids = await seedOrders(sim, { count: 10_000, seed: 42, spreadSeconds: 3600 });
    const client = shopifyClientFor(sim);
    const until = new Date(Date.now() + 1000);
    const seen = new Map<string, number>();
    let pages = 0;
    const updatedDuringPull: string[] = [];
    for await (const page of pullUpdatedOrders(client, { since: null, until })) {
      for (const o of page) seen.set(o.id, (seen.get(o.id) ?? 0) + 1);
      if (pages++ % 5 === 0) {
        // Update an order that is already behind the cursor and one that is still ahead of it.
        const behind = page[0]!.id;
        const ahead = ids[ids.length - 1 - pages]!;
        for (const id of [behind, ahead]) {
          await post(`${sim.url}/_sim/orders/${encodeURIComponent(id)}/update`, { note: `changed during page ${pages}` });
          updatedDuringPull.push(id);
        }
      }
    }
    // Orders updated during the pull moved past `until`: the next window, from the watermark, gets them.
    const next = new Set<string>();
    for await (const page of pullUpdatedOrders(client, { since: new Date(until.getTime() - 300_000), until: new Date(Date.now() + 2000) })) {
      for (const o of page) next.add(o.id);
    }
    const union = new Set([...seen.keys(), ...next]);
    expect(union.size).toBe(10_000);
    // An order updated mid-pull may be read twice (the ledger absorbs that); every other order exactly once.
    const changed = new Set(updatedDuringPull);
    expect([...seen.entries()].filter(([id, n]) => n !== 1 && !changed.has(id))).toEqual([]);
    for (const id of updatedDuringPull) expect(next.has(id)).toBe(true);
    expect((await shopState(sim, true)).throttled).toBe(0);
    expect(client.throttledCount).toBe(0);
  }, 180_000);

  it('completes an order with more line items than the first page holds', async () => {
    const big = explicitOrder({ name: '#BIG' }, Array.from({ length: 120 }, (_, i) => ({ sku: `SKU-${i}`, title: `Item ${i}`, name: `Item ${i}` })));
    const [id] = await seedOrders(sim, { orders: [{ ...big, lineItems: { nodes: big.lineItems } }] });
    const order = await readOrder(shopifyClientFor(sim), id!);
    expect(order.lineItems.map((l) => l.sku)).toEqual(big.lineItems.map((l) => l.sku));
  });

  it('reads many orders by id in a few coalesced reads, complete, skipping ids the store does not have, for a fraction of the cost of one read each', async () => {
    const ids = await seedOrders(sim, { count: 120, seed: 77 });
    const client = shopifyClientFor(sim);
    const ops = async () => ((await shopState(sim)) as any).operations as Record<string, { requests: number; actualCost: number }>;
    const before = await ops();
    const asked = [...ids, 'gid://shopify/Order/1', 'gid://shopify/Product/5'];
    const orders = await fetchOrders(client, asked);
    expect(orders.map((o) => o.id).sort()).toEqual([...ids].sort());
    for (const id of ids.slice(0, 5)) expect(orders.find((o) => o.id === id)).toEqual(await fetchOrder(client, id));
    const after = await ops();
    const batch = { requests: after.OrdersByIds!.requests - (before.OrdersByIds?.requests ?? 0), cost: after.OrdersByIds!.actualCost - (before.OrdersByIds?.actualCost ?? 0) };
    expect(batch.requests).toBe(Math.ceil(asked.length / 50));
    const single = (after.OrderById!.actualCost - (before.OrderById?.actualCost ?? 0)) / (after.OrderById!.requests - (before.OrderById?.requests ?? 0));
    expect(batch.cost / ids.length).toBeLessThan(single / 3);
  });

  it('waits out a 429 (Retry-After) and tries a 5xx answer once more (the client\'s short budget)', async () => {
    await post(`${sim.url}/_sim/faults`, { OrderById: { status429: 1, retryAfterSeconds: 1, count: 1 } });
    const [id] = await seedOrders(sim, { count: 1, seed: 3 });
    const client = shopifyClientFor(sim);
    const t0 = Date.now();
    expect((await fetchOrder(client, id!))!.id).toBe(id);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1000);
    await post(`${sim.url}/_sim/faults`, { OrderById: { status500: 0.5, status503: 0.5, count: 1 } });
    expect((await fetchOrder(client, id!))!.id).toBe(id);
    // A 429 says when to come back: flow control, not a failure, so three in a row use up no attempt.
    await post(`${sim.url}/_sim/faults`, { OrderById: { status429: 1, retryAfterSeconds: 0, count: 3 } });
    expect((await fetchOrder(client, id!))!.id).toBe(id);
    await fetch(`${sim.url}/_sim/faults`, { method: 'DELETE' });
  });

  it('recovers from THROTTLED answers when another client drains the bucket', async () => {
    const small = await shopifySim({ maximumAvailable: 600, restoreRate: 300 });
    await seedOrders(small, { count: 1_500, seed: 9 });
    const a = shopifyClientFor(small);
    const b = shopifyClientFor(small);
    const pull = async (c: typeof a) => {
      let n = 0;
      for await (const page of pullUpdatedOrders(c, { since: null, until: new Date(Date.now() + 1000), pageSize: 250 })) n += page.length;
      return n;
    };
    const [na, nb] = await Promise.all([pull(a), pull(b)]);
    expect([na, nb]).toEqual([1_500, 1_500]);
    expect((await shopState(small, true)).throttled).toBeGreaterThan(0);
    expect(a.throttledCount + b.throttledCount).toBe((await shopState(small, true)).throttled);
  }, 180_000);
});
