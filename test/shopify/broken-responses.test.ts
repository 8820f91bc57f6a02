import { describe, expect, it } from 'vitest';
import { fetchOrder, pullUpdatedOrders } from '../../src/connectors/shopify/pull-orders.ts';
import { writeTracking } from '../../src/connectors/shopify/write-fulfillment.ts';
import { loadMapper, mapOrder } from '../../src/mapping/registry.ts';
import { SIM_MAPPING } from '../helpers/pipeline.ts';
import { post, seedOrders, shopifyClientFor, shopifySim } from '../helpers/shopify.ts';

const sim = await shopifySim({ restoreRate: 1000, seed: 5 });
const client = shopifyClientFor(sim);
const mapper = await loadMapper('shopify-default', SIM_MAPPING, 'm', '.');
const ctx = (id: string) => ({ storeId: 's', merchantId: 'm', safeId: `s-${id.split('/').pop()}` });

describe('Shopify answers with nulls where values are promised', () => {
  it('every order of a pull is still recorded; one with a null field fails alone, naming the path', async () => {
    const ids = await seedOrders(sim, { count: 200, seed: 41 });
    await post(`${sim.url}/_sim/faults`, { OrdersUpdatedSince: { blankFields: 0.01 } });
    const seen: unknown[] = [];
    for await (const page of pullUpdatedOrders(client, { since: null, until: new Date(Date.now() + 60_000), pageSize: 50 })) seen.push(...page);
    await post(`${sim.url}/_sim/faults`, {});
    expect(seen.map((o) => (o as { id: string }).id).sort()).toEqual([...ids].sort());
    const codes = new Map<string, number>();
    for (const o of seen) {
      const r = mapOrder(mapper, o, ctx((o as { id: string }).id));
      if (r.kind !== 'failed') continue;
      for (const e of r.errors) {
        codes.set(e.code, (codes.get(e.code) ?? 0) + 1);
        if (e.code === 'INVALID_STORE_ORDER') expect(e.path).toMatch(/^[a-zA-Z]+(\[\d+\])?(\.[a-zA-Z]+(\[\d+\])?)*$/);
      }
    }
    expect(codes.get('INVALID_STORE_ORDER') ?? 0).toBeGreaterThan(5);
  });

  it('a re-read order with null fields is a typed mapping failure, not a crash', async () => {
    const [id] = await seedOrders(sim, { count: 1, seed: 42 });
    await post(`${sim.url}/_sim/faults`, { OrderById: { blankFields: 0.3 } });
    const order = await fetchOrder(client, id!);
    await post(`${sim.url}/_sim/faults`, {});
    const r = mapOrder(mapper, order, ctx(id!));
    expect(r.kind).toBe('failed');
    expect(r.kind === 'failed' && r.errors.every((e) => e.code === 'INVALID_STORE_ORDER')).toBe(true);
  });

  it('a broken envelope (pageInfo, fulfilment state) is a retryable INVALID_RESPONSE', async () => {
    const [id] = await seedOrders(sim, { count: 1, seed: 43 });
    await post(`${sim.url}/_sim/faults`, { OrderFulfillmentState: { blankFields: 1 } });
    const err = await writeTracking(client, { orderId: id!, trackingNumber: 'T1', trackingUrl: null, carrier: null, notifyCustomer: false, lines: [] }).catch((e) => e);
    await post(`${sim.url}/_sim/faults`, {});
    expect(err).toMatchObject({ code: 'INVALID_RESPONSE', retryable: true });
  });
});
