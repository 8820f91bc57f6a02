import { describe, expect, it } from 'vitest';
import { refreshOrders } from '../../src/jobs/refresh-order.ts';
import { simShops } from '../../src/sim/defaults.ts';
import { freshDb } from '../helpers/db.ts';
import { ordermeshSim } from '../helpers/ordermesh.ts';
import { config, pipelineConfigObject, startPipeline } from '../helpers/pipeline.ts';
import { explicitOrder, post, shopifySim } from '../helpers/shopify.ts';

/**
 * Webhook refreshes of many stores in one batch: each store's failure is its own. A store whose token
 * Shopify refuses fails its jobs, and the healthy store read in the same batch is recorded (judged from
 * the ledger rows the read wrote, which only a successful read of Shopify's order can write).
 */
const { url: dbUrl, db } = await freshDb();
const om = await ordermeshSim();
const SHOPS = simShops(3);
const shop = await shopifySim({ restoreRate: 1000, shops: SHOPS });
const base = pipelineConfigObject(om, shop);
const store = (id: string, i: number, token: string) => ({ ...base.stores[0]!, id, shopDomain: SHOPS[i]!.domain, auth: { type: 'accessToken', accessToken: { env: `T_NONE_${i}`, default: token } } });
const service = await startPipeline(config({ ...base, stores: [store('healthy', 1, SHOPS[1]!.accessToken), store('revoked', 2, 'shpat_revoked_token'), store('also-healthy', 0, SHOPS[0]!.accessToken)] }), dbUrl, { workers: false, schedules: false });

describe('refreshing the orders webhooks named', () => {
  it("reads every store of a batch; a store Shopify refuses fails only its own jobs", async () => {
    const place = async (i: number) => {
      const o = explicitOrder({}, [{ sku: 'MUG-11OZ-WHITE', quantity: 1, currentQuantity: 1, unfulfilledQuantity: 1 }]);
      await post(`${shop.url}/_sim/orders`, { shop: SHOPS[i]!.domain, orders: [o] });
      return o.id;
    };
    const [a, b, c] = [await place(1), await place(2), await place(0)];
    const errors = await refreshOrders(service.deps, [
      { storeId: 'healthy', storeOrderId: a },
      { storeId: 'revoked', storeOrderId: b },
      { storeId: 'also-healthy', storeOrderId: c },
    ]);
    expect(errors.map((e) => (e === undefined ? 'ok' : (e as { code?: string }).code))).toEqual(['ok', 'UNAUTHORIZED', 'ok']);
    const rows = await db.selectFrom('orders').select(['store_id', 'store_order_id']).orderBy('store_id').execute();
    expect(rows).toEqual([
      { store_id: 'also-healthy', store_order_id: c },
      { store_id: 'healthy', store_order_id: a },
    ]);
    await service.stop();
  });
});
