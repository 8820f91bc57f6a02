import { describe, expect, it } from 'vitest';
import { Q } from '../../src/jobs/queues.ts';
import { SIM_DEFAULTS } from '../../src/sim/defaults.ts';
import { freshDb } from '../helpers/db.ts';
import { ordermeshSim, simState } from '../helpers/ordermesh.ts';
import { config, eventually, pipelineConfigObject, startPipeline, STORE_ID } from '../helpers/pipeline.ts';
import { explicitOrder, post, shopifySim } from '../helpers/shopify.ts';

/**
 * One item of 3 units shipped in two packages (1 + 2), OrderMesh's REST packages listing only
 * orderItemIDs (its documented examples): the quantities a ShipmentUpdate webhook gives for one
 * package are kept, the other package gets the rest, and a later poll without a webhook keeps both.
 * The webhooks are posted here, one package each, as the docs show them (Packages as one object).
 */
const { url: dbUrl, db } = await freshDb();
const om = await ordermeshSim();
const shop = await shopifySim({ restoreRate: 1000 });
const service = await startPipeline(config(pipelineConfigObject(om, shop, { jobs: { firstPollDelaySeconds: 3_600, pollRecentSeconds: 3_600, pollOldSeconds: 3_600, retryBaseSeconds: 1, shutdownTimeoutSeconds: 5 } })), dbUrl);
const hook = (body: unknown) => fetch(`http://127.0.0.1:${service.port}/webhooks/ordermesh/${SIM_DEFAULTS.webhookSecret}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
const line = (sku: string, quantity: number, v: number) => ({ sku, variant: { id: `gid://shopify/ProductVariant/${v}`, sku } as never, quantity, currentQuantity: quantity, unfulfilledQuantity: quantity });
const packageItems = async (orderId: string) =>
  Object.fromEntries((await db.selectFrom('packages').select(['id', 'items']).where('order_id', '=', orderId).execute()).map((p) => [p.id, (p.items as Array<{ quantity: number }>).map((i) => i.quantity)]));

describe('package quantities from OrderMesh webhooks', () => {
  it('are kept for every later poll and take their share out of the guess for the other package', async () => {
    // A second line stays unshipped, so the order stays in production and is polled again.
    const o = explicitOrder({}, [line('MUG-11OZ-WHITE', 3, 1), line('TEE-BELLA3001-BLK-M', 1, 2)]);
    await post(`${shop.url}/_sim/orders`, { orders: [o] });
    const row = await eventually(async () => {
      const r = await db.selectFrom('orders').select(['id', 'state', 'safe_id', 'ordermesh_order_id']).where('store_order_id', '=', o.id).executeTakeFirst();
      if (r?.state === 'submitted') return r;
      await service.boss.send(Q.pullOrders, { storeId: STORE_ID }, { singletonKey: STORE_ID });
      return false;
    }, () => 'never submitted', 30_000);
    const omOrder = (await simState(om)).orders.find((x: any) => x.safeId === row.safe_id);
    const itemId = omOrder.items.find((i: any) => i.sku === 'MUG-11OZ-WHITE').id;
    await post(`${om.url}/_sim/orders/${omOrder.orderId}/advance`);
    await post(`${om.url}/_sim/orders/${omOrder.orderId}/advance`);
    const shipment = await post(`${om.url}/_sim/orders/${omOrder.orderId}/ship`, { packages: [{ items: [{ orderItemId: itemId, quantity: 1 }] }, { items: [{ orderItemId: itemId, quantity: 2 }] }] });
    const [p1, p2] = ((await simState(om)).orders.find((x: any) => x.safeId === row.safe_id).shipments[0].packages as any[]).map((p) => String(p.id ?? p.packageId));
    expect(shipment).toBeTruthy();

    // The webhook for the first package only (the docs: one package object per ShipmentUpdate).
    const update = (pkg: string, quantity: number) => ({ EventType: 'ShipmentUpdate', RequestId: 'r-1', OrderId: row.ordermesh_order_id, SafeId: row.safe_id, ShipmentId: 'sh-1', NewStatus: 'Fulfilled', Packages: { PackageId: pkg, CarrierTrackingNumber: `T-${pkg}`, OrderItemIDs: [itemId], PackageOrderItems: [{ OrderItemId: itemId, Quantity: quantity }] } });
    expect((await hook(update(p1!, 1))).status).toBe(200);
    await eventually(async () => Object.keys(await packageItems(row.id)).length === 2, () => 'packages not recorded', 30_000);
    expect(await packageItems(row.id)).toEqual({ [p1!]: [1], [p2!]: [2] });

    // A later poll, with no webhook (its effect: last_polled_at moves): the quantities stand.
    const polledAt = async () => (await db.selectFrom('orders').select('last_polled_at').where('id', '=', row.id).executeTakeFirstOrThrow()).last_polled_at?.getTime();
    const before = await polledAt();
    const job = (await service.boss.send(Q.pollShipments, { orderIds: [row.id] }))!;
    await eventually(async () => (await service.boss.getJobById(Q.pollShipments, job))?.state === 'completed', () => 'the poll never completed', 30_000);
    expect(await polledAt()).not.toBe(before);
    expect(await packageItems(row.id)).toEqual({ [p1!]: [1], [p2!]: [2] });
  });
});
