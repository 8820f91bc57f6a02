import { describe, expect, it } from 'vitest';
import { Q } from '../../src/jobs/queues.ts';
import { simShops } from '../../src/sim/defaults.ts';
import { freshDb } from '../helpers/db.ts';
import { ordermeshSim, simState } from '../helpers/ordermesh.ts';
import { config, eventually, pipelineConfigObject, startPipeline } from '../helpers/pipeline.ts';
import { explicitOrder, post, shopifySim } from '../helpers/shopify.ts';

/**
 * More hung stores than lanes (issue 34, item 14): three stores whose OrderMesh creates never answer
 * and one healthy store, on one process with two lanes per store queue. A hung store gives its lane
 * back after one attempt (one call's timeout) instead of spending the client's retries inside it, so
 * the healthy store's order reaches OrderMesh after at most one attempt per hung store; with retries
 * inside the lane, the two lanes stay taken by the first two hung stores through five attempts each.
 * Judged from the simulator's own record of create requests (which arrived before the healthy order
 * was made), not from time. The hung stores' orders then go through once OrderMesh answers again:
 * each made once, each create but the one answered counted as unanswered by the simulator.
 */
const { url: dbUrl, db } = await freshDb();
const om = await ordermeshSim();
const HUNG = ['hung-1', 'hung-2', 'hung-3'];
const IDS = [...HUNG, 'healthy'];
const SHOPS = simShops(IDS.length);
const shop = await shopifySim({ restoreRate: 1000, shops: SHOPS });
const base = pipelineConfigObject(om, shop);
// One shop each (one shop, one store), each shop's token its own.
const stores = IDS.map((id, i) => ({ ...base.stores[0]!, id, merchantId: `m-${id}`, shopDomain: SHOPS[i]!.domain, auth: { type: 'accessToken', accessToken: { env: `T_NONE_${i}`, default: SHOPS[i]!.accessToken } } }));
// A hung order's next attempt (retryBaseSeconds) comes long after one call's timeout, so an attempt
// counted before the healthy order was made is a hung store's first.
const jobs = { ...base.jobs, storeConcurrency: 2, submitConcurrency: 1, retryBaseSeconds: 15 };
const service = await startPipeline(config({ ...base, ordermesh: { ...base.ordermesh, timeoutMs: 2_500 }, jobs, stores }), dbUrl);
// Held far longer than the test: a hung create is never handled (never made, never counted as made).
await post(`${om.url}/_sim/settings`, { slowMerchants: Object.fromEntries(HUNG.map((id) => [`m-${id}`, 600_000])) });

const rowOf = async (storeId: string) => db.selectFrom('orders').select(['state', 'safe_id', 'ordermesh_order_id']).where('store_id', '=', storeId).executeTakeFirst();
const pull = (storeId: string) => service.boss.send(Q.pullOrders, { storeId }, { singletonKey: storeId });
const createArrivals = async (): Promise<number[]> => ((await (await fetch(`${om.url}/_sim/requests`)).json()) as Record<string, number[]>).createOrdersBulk ?? [];

describe('hung stores and lanes', () => {
  it('more hung stores than lanes: each hung store holds a lane for one attempt, the healthy store goes through, no hung order is lost or made twice', async () => {
    const o = explicitOrder({}, [{ sku: 'MUG-11OZ-WHITE', variant: { id: 'gid://shopify/ProductVariant/1', sku: 'MUG-11OZ-WHITE' } as never, quantity: 1, currentQuantity: 1, unfulfilledQuantity: 1 }]);
    for (const s of SHOPS) await post(`${shop.url}/_sim/orders`, { shop: s.domain, orders: [o] });
    for (const id of HUNG) await pull(id);
    // Every hung store's submission queued, and both lanes taken by hung creates.
    await eventually(async () => (await Promise.all(HUNG.map(rowOf))).every(Boolean) && (await createArrivals()).length >= 2, async () => `hung rows: ${JSON.stringify(await Promise.all(HUNG.map(rowOf)))}, creates: ${(await createArrivals()).length}`, 30_000);
    await pull('healthy');

    const healthy = await eventually(async () => {
      const r = await rowOf('healthy');
      return r?.state === 'submitted' ? r : false;
    }, async () => `healthy: ${JSON.stringify(await rowOf('healthy'))}`, 90_000);
    const made = (await simState(om)).orders.find((x: any) => x.safeId === healthy.safe_id);
    expect(made.merchantId).toBe('m-healthy');
    // Create requests that arrived by the time the healthy order was made: its own, and at most one per hung store.
    const before = (await createArrivals()).filter((t) => t <= Date.parse(made.createdAt)).length;
    expect(before - 1).toBeLessThanOrEqual(HUNG.length);
    // Given back, not lost: each hung order waits for its next attempt.
    for (const id of HUNG) expect(['pending', 'submitting']).toContain((await rowOf(id))?.state);

    await post(`${om.url}/_sim/settings`, { slowMerchants: {} });
    await eventually(async () => (await Promise.all(HUNG.map(rowOf))).every((r) => r?.state === 'submitted'), async () => JSON.stringify(await Promise.all(HUNG.map(rowOf))), 90_000);
    const sim = await simState(om);
    for (const id of HUNG) {
      const row = (await rowOf(id))!;
      const inOm = sim.orders.filter((x: any) => x.safeId === row.safe_id);
      expect(inOm).toHaveLength(1);
      expect(row.ordermesh_order_id).toBe(inOm[0].orderId);
      // One create heard its answer; every other one the client gave up on.
      expect(sim.createRequestsBySafeId[row.safe_id] - (sim.unansweredCreatesBySafeId[row.safe_id] ?? 0)).toBe(1);
    }
  });
});
