import { describe, expect, it } from 'vitest';
import { Q } from '../../src/jobs/queues.ts';
import { registerFulfillmentService } from '../../src/ops/register-service.ts';
import { freshDb } from '../helpers/db.ts';
import { OPERATOR } from '../helpers/console.ts';
import { ordermeshSim } from '../helpers/ordermesh.ts';
import { config, eventually, pipelineConfigObject, startPipeline, STORE_ID } from '../helpers/pipeline.ts';
import { explicitOrder, post, shopifySim } from '../helpers/shopify.ts';

/**
 * The console's API for a fulfilment-service store: its ledger rows are fulfilment requests (the
 * store order id is a FulfillmentOrder's), so the Shopify admin link must be built from the order the
 * request belongs to, and the store's liveness is its last scan of requests (it never pulls orders).
 */
const FS_SCOPES = ['read_orders', 'read_assigned_fulfillment_orders', 'write_assigned_fulfillment_orders', 'write_fulfillments'];
const { url: dbUrl, db } = await freshDb();
const om = await ordermeshSim();
const shop = await shopifySim({ restoreRate: 1000 });
const sim = pipelineConfigObject(om, shop);
const cfg = config({
  ...sim,
  stores: [{ ...sim.stores[0], mode: 'fulfillment-service', fulfillmentService: { name: 'OrderMesh Print' } }],
  server: { port: 0, host: '127.0.0.1', admin: { tokens: [{ name: 'ops', role: 'operator', token: { env: 'T_ADMIN_OPERATOR', default: OPERATOR } }] } },
});
const service = await startPipeline(cfg, dbUrl);
const base = `http://127.0.0.1:${service.port}`;
await post(`${shop.url}/_sim/settings`, { scopes: FS_SCOPES, webhookUrl: `${base}/webhooks/shopify` });
const store = service.deps.stores.get(STORE_ID)!;
const registration = await registerFulfillmentService(db, store.shopify, store.cfg, base);
await post(`${shop.url}/_sim/stock`, { locationId: registration.locationId, skus: ['MUG-11OZ-WHITE'] });

const get = async (path: string) => {
  const res = await fetch(`${base}${path}`, { headers: { authorization: `Bearer ${OPERATOR}` } });
  return { status: res.status, json: (await res.json()) as any };
};

describe('the console API for a fulfilment-service store', () => {
  it("links an order to its Shopify order (not its fulfilment order) and gives the store's last scan", async () => {
    const order = explicitOrder({}, [{ sku: 'MUG-11OZ-WHITE', variant: { id: 'gid://shopify/ProductVariant/MUG-11OZ-WHITE', sku: 'MUG-11OZ-WHITE' } as never, quantity: 1, currentQuantity: 1, unfulfilledQuantity: 1 }]);
    await post(`${shop.url}/_sim/orders`, { orders: [order] });
    const row = await eventually(
      async () => (await db.selectFrom('orders').select(['id', 'store_order_id']).where('shopify_order_id', '=', order.id).executeTakeFirst()) ?? (await service.boss.send(Q.scanFulfillmentRequests, { storeId: STORE_ID }, { singletonKey: STORE_ID }), false),
      () => 'the request in the ledger',
      60_000,
    );
    expect(row.store_order_id).toMatch(/^gid:\/\/shopify\/FulfillmentOrder\//);
    const r = await get(`/api/v1/orders/${row.id}`);
    expect(r.status).toBe(200);
    expect(r.json.links.shopify).toMatch(new RegExp(`/orders/${order.id.split('/').pop()}$`));

    const activity = await eventually(async () => ((a) => (a.json.scans?.[STORE_ID] ? a : false))(await get(`/api/v1/activity?store=${STORE_ID}`)), () => 'a scan recorded', 30_000);
    expect(Date.parse(activity.json.scans[STORE_ID])).toBeGreaterThan(Date.now() - 5 * 60_000);
    expect(Object.keys(activity.json.throttle)).toEqual([STORE_ID]);
  });
});
