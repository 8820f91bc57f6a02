import { describe, expect, it } from 'vitest';
import { Q } from '../../src/jobs/queues.ts';
import { simShops } from '../../src/sim/defaults.ts';
import { freshDb } from '../helpers/db.ts';
import { ordermeshSim, simState } from '../helpers/ordermesh.ts';
import { config, eventually, pipelineConfigObject, startPipeline } from '../helpers/pipeline.ts';
import { explicitOrder, post, shopifySim } from '../helpers/shopify.ts';

/**
 * One store's trouble never starves the others: three stores whose OrderMesh submissions all hang (the
 * simulator holds their merchants' creates past the client's timeout) and one healthy store, on one
 * worker process with the default two jobs per queue. Each store is a lane of its own
 * (jobs.storeConcurrency), so the healthy store's order reaches OrderMesh while all three others are
 * still stuck submitting. Judged from the simulator's orders and the ledger's states, not from time.
 * (More hung stores than lanes: hung-store-lanes.test.ts.)
 */
const { url: dbUrl, db } = await freshDb();
const om = await ordermeshSim();
const SLOW = ['slow-1', 'slow-2', 'slow-3'];
const IDS = [...SLOW, 'healthy'];
const SHOPS = simShops(IDS.length);
const shop = await shopifySim({ restoreRate: 1000, shops: SHOPS });
const base = pipelineConfigObject(om, shop);
// One shop each (one shop, one store), each shop's token its own.
const stores = IDS.map((id, i) => ({ ...base.stores[0]!, id, merchantId: `m-${id}`, shopDomain: SHOPS[i]!.domain, auth: { type: 'accessToken', accessToken: { env: `T_NONE_${i}`, default: SHOPS[i]!.accessToken } } }));
// A hung store gives its lane back after one call's timeout: this one outlasts the test, so the three
// stay stuck while the healthy store goes through, which without lanes of their own it could not.
const service = await startPipeline(config({ ...base, ordermesh: { ...base.ordermesh, timeoutMs: 100_000 }, stores }), dbUrl);
await post(`${om.url}/_sim/settings`, { slowMerchants: Object.fromEntries(SLOW.map((id) => [`m-${id}`, 120_000])) });

const stateOf = async (storeId: string) => (await db.selectFrom('orders').select('state').where('store_id', '=', storeId).executeTakeFirst())?.state;
const pull = (storeId: string) => service.boss.send(Q.pullOrders, { storeId }, { singletonKey: storeId });

describe('fairness between stores', () => {
  it("a healthy store's order reaches OrderMesh while three stores' submissions hang", async () => {
    const o = explicitOrder({}, [{ sku: 'MUG-11OZ-WHITE', variant: { id: 'gid://shopify/ProductVariant/1', sku: 'MUG-11OZ-WHITE' } as never, quantity: 1, currentQuantity: 1, unfulfilledQuantity: 1 }]);
    for (const s of SHOPS) await post(`${shop.url}/_sim/orders`, { shop: s.domain, orders: [o] });
    // The three slow stores first, until each is stuck in its submission.
    await eventually(async () => {
      const states = await Promise.all(SLOW.map(stateOf));
      if (states.every((s) => s === 'submitting')) return true;
      for (const id of SLOW) if (!states[SLOW.indexOf(id)]) await pull(id);
      return false;
    }, async () => JSON.stringify(await Promise.all(SLOW.map(stateOf))), 30_000);
    // Then the healthy one: its job is queued behind theirs.
    await pull('healthy');
    await eventually(async () => (await stateOf('healthy')) === 'submitted', async () => `healthy: ${await stateOf('healthy')}`, 30_000);
    expect(await Promise.all(SLOW.map(stateOf))).toEqual(['submitting', 'submitting', 'submitting']);
    const inOm = (await simState(om)).orders.map((x: any) => x.merchantId);
    expect(inOm).toContain('m-healthy');
    await post(`${om.url}/_sim/settings`, { slowMerchants: {} });
  });
});
