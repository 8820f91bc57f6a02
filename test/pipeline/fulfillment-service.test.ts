import { SIM_DEFAULTS } from '../../src/sim/defaults.ts';
import { describe, expect, it } from 'vitest';
import { Q } from '../../src/jobs/queues.ts';
import { registerFulfillmentService } from '../../src/ops/register-service.ts';
import { SHOP_LOCATION } from '../../src/sim/shopify/shop.ts';
import { freshDb } from '../helpers/db.ts';
import { ordermeshSim, setFaults, simState } from '../helpers/ordermesh.ts';
import { config, duplicateCreates, eventually, pipelineConfigObject, startPipeline, STORE_ID } from '../helpers/pipeline.ts';
import { explicitOrder, post, shopState, shopifySim } from '../helpers/shopify.ts';

/**
 * Fulfilment-service mode end to end: the store assigns some products to our service; Shopify sends
 * requests for them; we take, accept, reject, cancel and fulfil them. Judged from the simulators' own
 * state (request statuses, fulfilments, OrderMesh's orders), each outcome declared by the case built.
 */
const FS_SCOPES = ['read_orders', 'read_assigned_fulfillment_orders', 'write_assigned_fulfillment_orders', 'write_fulfillments'];
const OURS = ['MUG-11OZ-WHITE', 'TEE-BELLA3001-BLK-M', 'LEGACY-SKU-0042'];

const { url: dbUrl, db } = await freshDb();
const om = await ordermeshSim();
const shop = await shopifySim({ restoreRate: 1000 });
const base = config(pipelineConfigObject(om, shop));
const cfg = config({ ...pipelineConfigObject(om, shop), stores: [{ ...pipelineConfigObject(om, shop).stores[0], mode: 'fulfillment-service', fulfillmentService: { name: 'OrderMesh Print' } }] });
expect(base.stores[0]!.mode).toBe('merchant-managed');
const service = await startPipeline(cfg, dbUrl);
const url = `http://127.0.0.1:${service.port}`;
await post(`${shop.url}/_sim/settings`, { scopes: FS_SCOPES, webhookUrl: `${url}/webhooks/shopify` });
await post(`${om.url}/_sim/settings`, { webhookUrl: `${url}/webhooks/ordermesh/${SIM_DEFAULTS.webhookSecret}` });
const store = service.deps.stores.get(STORE_ID)!;
const registration = await registerFulfillmentService(db, store.shopify, store.cfg, url);
await post(`${shop.url}/_sim/stock`, { locationId: registration.locationId, skus: OURS });

const item = (sku: string, quantity = 1) => ({ sku, variant: { id: `gid://shopify/ProductVariant/${sku}`, sku }, quantity, currentQuantity: quantity, unfulfilledQuantity: quantity });
async function place(lines: Array<ReturnType<typeof item>>) {
  const o = explicitOrder({}, lines);
  await post(`${shop.url}/_sim/orders`, { orders: [o] });
  return o;
}
const shopOrder = async (id: string) => ((await shopState(shop)).orderList as any[]).find((o) => o.id === id);
const ourFo = async (id: string) => (await shopOrder(id)).fulfillmentOrders.find((fo: any) => fo.locationId === registration.locationId && fo.status !== 'CLOSED') ?? (await shopOrder(id)).fulfillmentOrders.find((fo: any) => fo.locationId === registration.locationId);
const omOrders = async (shopifyOrderId: string) => (await simState(om)).orders.filter((o: any) => o.meta?.shopifyOrderId === shopifyOrderId);
const until = <T>(what: string, check: () => Promise<T | false>) => eventually(check, async () => `${what}: ${JSON.stringify((await db.selectFrom('orders').select(['store_order_name', 'state', 'request_state', 'last_error_code']).execute()))}`, 60_000);
const scan = () => service.boss.send(Q.scanFulfillmentRequests, { storeId: STORE_ID }, { singletonKey: STORE_ID });
/**
 * Before a "nobody told us" check: no scan left queued or running by what came before (a submission
 * queues one), so what the check sees is not decided by when that scan happens to run.
 */
const untilNoScan = () => until('no scan queued or running', async () => (await service.boss.findJobs(Q.scanFulfillmentRequests, { key: STORE_ID, limit: 100_000 })).every((j) => !['created', 'retry', 'active'].includes(j.state)));

describe('fulfilment-service mode, both simulators and a real Postgres', () => {
  it('registers once: a second run finds the service by name', async () => {
    const again = await registerFulfillmentService(db, store.shopify, store.cfg, url);
    expect(registration.created).toBe(true);
    expect(again).toMatchObject({ created: false, serviceId: registration.serviceId, locationId: registration.locationId });
    const services = (await shopState(shop)).services;
    expect(services).toHaveLength(1);
    expect(services[0].callbackUrl).toBe(`${url}/webhooks/shopify/fulfillment-service/${STORE_ID}`);
  });

  it('a mixed order: only our items are submitted and fulfilled; the merchant\'s stay theirs', async () => {
    const o = await place([item('MUG-11OZ-WHITE', 2), item('POSTER-18X24-MATTE', 1)]);
    await until('accepted', async () => (await ourFo(o.id)).requestStatus === 'ACCEPTED');
    const sent = await omOrders(o.id);
    expect(sent).toHaveLength(1);
    expect(sent[0].items.map((i: any) => [i.sku, i.quantity])).toEqual([['MUG-11OZ-WHITE', 2]]);

    await post(`${om.url}/_sim/orders/${sent[0].orderId}/ship`, {});
    await until('fulfilled', async () => (await ourFo(o.id)).status === 'CLOSED');
    const after = await shopOrder(o.id);
    expect(after.fulfillments).toHaveLength(1);
    expect(after.fulfillments[0].lines).toEqual([{ lineItemId: o.lineItems[0]!.id, quantity: 2 }]);
    const theirs = after.fulfillmentOrders.find((fo: any) => fo.locationId === SHOP_LOCATION);
    expect(theirs).toMatchObject({ status: 'OPEN', requestStatus: 'UNSUBMITTED', lines: [{ lineItemId: o.lineItems[1]!.id, remainingQuantity: 1 }] });
    await until('ledger fulfilled', async () => (await db.selectFrom('orders').select('state').where('shopify_order_id', '=', o.id).executeTakeFirst())?.state === 'fulfilled');
  });

  it('a request we cannot take is rejected with a reason the merchant reads; fixed and requested again, it goes through', async () => {
    const o = await place([item('LEGACY-SKU-0042', 1)]);
    await until('rejected', async () => (await ourFo(o.id)).requestStatus === 'REJECTED');
    const fo = await ourFo(o.id);
    expect(fo.requestMessage).toMatch(/^INVALID_SKU: MISSING_SKU: .*LEGACY-SKU-0042/);
    expect(await omOrders(o.id)).toHaveLength(0);

    // The fix: a SKU map; then the merchant's "request fulfilment" again.
    await db.insertInto('sku_maps').values({ store_id: STORE_ID, store_sku: 'LEGACY-SKU-0042', ordermesh_sku: 'MUG-11OZ-WHITE', updated_by: 'test' }).execute();
    await new Promise((r) => setTimeout(r, 6_000)); // workers read the ledger's SKU maps every few seconds
    await post(`${shop.url}/_sim/fulfillment-orders/${encodeURIComponent(fo.id)}/request`);
    await until('accepted after the fix', async () => (await ourFo(o.id)).requestStatus === 'ACCEPTED');
    expect(await omOrders(o.id)).toHaveLength(1);
  });

  it('a cancellation request is carried to OrderMesh and accepted while production can still stop', async () => {
    const o = await place([item('TEE-BELLA3001-BLK-M', 1)]);
    await until('accepted', async () => (await ourFo(o.id)).requestStatus === 'ACCEPTED');
    await post(`${shop.url}/_sim/orders/${encodeURIComponent(o.id)}/cancel`);
    await until('cancellation accepted', async () => (await ourFo(o.id)).requestStatus === 'CANCELLATION_ACCEPTED');
    expect((await omOrders(o.id))[0].status).toBe('Cancelled');
    expect((await db.selectFrom('orders').select(['state', 'request_state']).where('shopify_order_id', '=', o.id).executeTakeFirstOrThrow())).toEqual({ state: 'cancelled', request_state: 'cancellation_accepted' });
  });

  it('a cancellation request once production has started is refused, and the goods are still fulfilled', async () => {
    const o = await place([item('MUG-11OZ-WHITE', 1)]);
    await until('accepted', async () => (await ourFo(o.id)).requestStatus === 'ACCEPTED');
    const [sent] = await omOrders(o.id);
    await post(`${om.url}/_sim/orders/${sent.orderId}/advance`);
    await post(`${om.url}/_sim/orders/${sent.orderId}/advance`);
    await post(`${shop.url}/_sim/orders/${encodeURIComponent(o.id)}/cancel`);
    await until('cancellation rejected', async () => (await ourFo(o.id)).requestStatus === 'CANCELLATION_REJECTED');
    expect((await ourFo(o.id)).requestMessage).toMatch(/OrderMesh cannot stop it/);
    expect((await omOrders(o.id))[0].status).toBe('InProduction');
    await post(`${om.url}/_sim/orders/${sent.orderId}/ship`, {});
    await until('fulfilled despite the cancelled order', async () => (await shopOrder(o.id)).fulfillments.length === 1);
  });

  it("OrderMesh's Customer Care Hold on an accepted request is on_hold in the ledger; the fulfilment order is left alone (a service cannot hold its own); released, it ships", async () => {
    const o = await place([item('MUG-11OZ-WHITE', 1)]);
    await until('accepted', async () => (await ourFo(o.id)).requestStatus === 'ACCEPTED');
    const [sent] = await omOrders(o.id);
    const ledger = () => db.selectFrom('orders').select(['state', 'hold_source', 'request_state']).where('shopify_order_id', '=', o.id).executeTakeFirstOrThrow();
    await post(`${om.url}/_sim/orders/${sent.orderId}/hold`);
    await until('held in the ledger', async () => (await ledger()).state === 'on_hold');
    expect(await ledger()).toEqual({ state: 'on_hold', hold_source: 'ordermesh', request_state: 'accepted' });
    expect(await ourFo(o.id)).toMatchObject({ status: 'IN_PROGRESS', requestStatus: 'ACCEPTED', holds: [] });
    await post(`${om.url}/_sim/orders/${sent.orderId}/release`);
    await until('released', async () => (await ledger()).state === 'submitted');
    await post(`${om.url}/_sim/orders/${sent.orderId}/ship`, {});
    await until('fulfilled', async () => (await ourFo(o.id)).status === 'CLOSED');
    expect((await shopOrder(o.id)).fulfillments).toHaveLength(1);
  });

  it('a new shipping address on an accepted request reaches OrderMesh; once in production, the order needs attention instead', async () => {
    const [early, late] = [await place([item('MUG-11OZ-WHITE', 1)]), await place([item('MUG-11OZ-WHITE', 1)])];
    for (const o of [early, late]) await until('accepted', async () => (await ourFo(o.id)).requestStatus === 'ACCEPTED');
    const [lateOm] = await omOrders(late.id);
    await post(`${om.url}/_sim/orders/${lateOm.orderId}/advance`);
    await post(`${om.url}/_sim/orders/${lateOm.orderId}/advance`);
    // The merchant edits both addresses in Shopify: orders/updated is the only word of it.
    for (const o of [early, late]) await post(`${shop.url}/_sim/orders/${encodeURIComponent(o.id)}/update`, { shippingAddress: { address1: '9 Changed Street' } });
    await until('address in OrderMesh', async () => (await omOrders(early.id))[0].shippingAddress.line1 === '9 Changed Street');
    await until('late change needs attention', async () => (await db.selectFrom('orders').select('last_error_code').where('shopify_order_id', '=', late.id).executeTakeFirst())?.last_error_code === 'ADDRESS_CHANGE_TOO_LATE');
    expect((await omOrders(late.id))[0].shippingAddress.line1).not.toBe('9 Changed Street');
    expect(await omOrders(early.id)).toHaveLength(1);
    expect((await ourFo(early.id)).requestStatus).toBe('ACCEPTED');
  });

  it('a new address whose orders/updated webhook was lost is found by the next scan', async () => {
    const o = await place([item('TEE-BELLA3001-BLK-M', 1)]);
    await until('accepted', async () => (await ourFo(o.id)).requestStatus === 'ACCEPTED');
    await post(`${shop.url}/_sim/settings`, { webhookUrl: null });
    try {
      await untilNoScan();
      // Shopify's updatedAt has whole seconds: a change in the same second as the last read looks unchanged
      // to the scan's updatedAt check (README, pull overlap), so the change is made in the next second.
      await new Promise((r) => setTimeout(r, 1_100));
      await post(`${shop.url}/_sim/orders/${encodeURIComponent(o.id)}/update`, { shippingAddress: { address1: '12 Quiet Lane' } });
      // Nobody told us (webhooks are off): OrderMesh still has the old address. Checked at once, not after a
      // sleep: any read of the order (a scan the scheduler sends) may carry it over meanwhile, and should.
      expect((await omOrders(o.id))[0].shippingAddress.line1).not.toBe('12 Quiet Lane');
      await scan();
      await until('address in OrderMesh', async () => (await omOrders(o.id))[0].shippingAddress.line1 === '12 Quiet Lane');
    } finally {
      await post(`${shop.url}/_sim/settings`, { webhookUrl: `${url}/webhooks/shopify` });
    }
  });

  it('a request of more than 250 lines is read page by page and sent whole', async () => {
    const o = await place(Array.from({ length: 260 }, (_, i) => item(i % 2 ? 'MUG-11OZ-WHITE' : 'TEE-BELLA3001-BLK-M', 1 + (i % 3))));
    expect((await ourFo(o.id)).lines).toHaveLength(260);
    await until('accepted', async () => (await ourFo(o.id)).requestStatus === 'ACCEPTED');
    const [sent] = await omOrders(o.id);
    expect(sent.items).toHaveLength(260);
    expect(sent.items.reduce((a: number, i: any) => a + i.quantity, 0)).toBe(o.lineItems.reduce((a, l) => a + l.quantity, 0));
  });

  it('a lost notification is caught by the scheduled scan', async () => {
    await setFaults(shop, { FulfillmentOrderNotification: { lostResponse: 1 } });
    try {
      await untilNoScan();
      const lostBefore = (await (await fetch(`${shop.url}/_sim/state?summary`)).json() as any).notifications.lost;
      const o = await place([item('MUG-11OZ-WHITE', 1)]);
      expect((await (await fetch(`${shop.url}/_sim/state?summary`)).json() as any).notifications.lost).toBe(lostBefore + 1);
      // Checked at once, not after a sleep: the notification is known lost, and any scan the scheduler
      // sends meanwhile may accept it, as it should.
      expect((await ourFo(o.id)).requestStatus).toBe('SUBMITTED'); // nobody told us
      await scan(); // what the per-minute tick sends
      await until('accepted by polling', async () => (await ourFo(o.id)).requestStatus === 'ACCEPTED');
      expect(await omOrders(o.id)).toHaveLength(1);
    } finally {
      await post(`${shop.url}/_sim/faults`, {});
      await fetch(`${shop.url}/_sim/faults`, { method: 'DELETE' });
    }
  });

  it('a request the merchant withdraws and moves away before OrderMesh has it is never sent', async () => {
    await setFaults(om, { createOrdersBulk: { status503: 1 }, createOrder: { status503: 1 } });
    const o = await place([item('TEE-BELLA3001-BLK-M', 1)]);
    try {
      await until('submission failing', async () => (await db.selectFrom('orders').select('last_error_code').where('shopify_order_id', '=', o.id).executeTakeFirst())?.last_error_code?.startsWith('ORDERMESH_') ?? false);
      const fo = await ourFo(o.id);
      const replacement = await post(`${shop.url}/_sim/fulfillment-orders/${encodeURIComponent(fo.id)}/withdraw`);
      await post(`${shop.url}/_sim/fulfillment-orders/${encodeURIComponent(replacement.id)}/move`, { locationId: SHOP_LOCATION });
      await scan();
      await until('withdrawn', async () => (await db.selectFrom('orders').select('request_state').where('store_order_id', '=', fo.id).executeTakeFirst())?.request_state === 'withdrawn');
    } finally {
      await fetch(`${om.url}/_sim/faults`, { method: 'DELETE' });
    }
    const row = await db.selectFrom('orders').select(['state', 'last_error_code']).where('shopify_order_id', '=', o.id).executeTakeFirstOrThrow();
    expect(row.state).toBe('cancelled');
    // A submission that ran (not a wait): then nothing of this request may be in OrderMesh.
    const submitJob = (await service.boss.send(Q.submitOrders, { storeId: STORE_ID }))!;
    await until('the submission ran', async () => ['completed', 'failed'].includes((await service.boss.getJobById(Q.submitOrders, submitJob))?.state ?? ''));
    expect(await omOrders(o.id)).toHaveLength(0);
    expect((await shopOrder(o.id)).fulfillmentOrders.filter((f: any) => f.status === 'OPEN').map((f: any) => f.locationId)).toEqual([SHOP_LOCATION]);
  });

  it('reprocess reads a request again as Shopify asks it now; one Shopify has its answer to is left alone', async () => {
    const { reprocess } = await import('../../src/jobs/reprocess.ts');
    await setFaults(om, { createOrdersBulk: { status503: 1 }, createOrder: { status503: 1 } });
    const o = await place([item('TEE-BELLA3001-BLK-M', 2)]);
    try {
      await until('submission failing', async () => (await db.selectFrom('orders').select('last_error_code').where('shopify_order_id', '=', o.id).executeTakeFirst())?.last_error_code?.startsWith('ORDERMESH_') ?? false);
    } finally {
      await fetch(`${om.url}/_sim/faults`, { method: 'DELETE' });
    }
    const failing = await db.selectFrom('orders').select('id').where('shopify_order_id', '=', o.id).executeTakeFirstOrThrow();
    const withdrawn = await db.selectFrom('orders').select('id').where('request_state', '=', 'withdrawn').executeTakeFirstOrThrow();
    const result = await reprocess(service.deps, { ids: [failing.id, withdrawn.id] }, false);
    expect(result.unread).toBeUndefined();
    const action = (id: string) => result.lines.find((l) => l.id === id)?.action;
    expect(action(failing.id)).toBe('queued for submission');
    expect(action(withdrawn.id)).toMatch(/^left alone: Shopify has the answer to this request \(withdrawn\); .*request fulfilment again in Shopify/);
    await until('accepted', async () => (await ourFo(o.id)).requestStatus === 'ACCEPTED');
    const sent = await omOrders(o.id);
    expect(sent.map((x: any) => x.items.map((i: any) => [i.sku, i.quantity]))).toEqual([[['TEE-BELLA3001-BLK-M', 2]]]);
  });

  it('refuses an unsigned or foreign notification and takes a signed one', async () => {
    const path = `${url}/webhooks/shopify/fulfillment-service/${STORE_ID}/fulfillment_order_notification`;
    const body = JSON.stringify({ kind: 'FULFILLMENT_REQUEST' });
    const { hmacBase64 } = await import('../../src/util/hmac.ts');
    const send = (headers: Record<string, string>, b = body) => fetch(path, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: b });
    const domain = store.cfg.shopDomain;
    expect((await send({ 'x-shopify-shop-domain': domain })).status).toBe(401);
    expect((await send({ 'x-shopify-shop-domain': domain, 'x-shopify-hmac-sha256': hmacBase64('wrong', body) })).status).toBe(401);
    expect((await send({ 'x-shopify-shop-domain': 'other.myshopify.com', 'x-shopify-hmac-sha256': hmacBase64(store.webhookSecret!, body) })).status).toBe(401);
    const odd = JSON.stringify({ kind: 'SOMETHING' });
    expect((await send({ 'x-shopify-shop-domain': domain, 'x-shopify-hmac-sha256': hmacBase64(store.webhookSecret!, odd) }, odd)).status).toBe(400);
    expect((await send({ 'x-shopify-shop-domain': domain, 'x-shopify-hmac-sha256': hmacBase64(store.webhookSecret!, body) })).status).toBe(200);
  });

  it('every request of the run was answered once: none left requested, no OrderMesh order twice', async () => {
    await scan();
    await untilNoScan();
    const fos = ((await shopState(shop)).orderList as any[]).flatMap((o) => o.fulfillmentOrders);
    expect(fos.filter((fo) => fo.requestStatus === 'SUBMITTED')).toEqual([]);
    // Counted in create requests, not in orders the simulator let through: a second request for a
    // safeId whose first was answered is a duplicate, whatever the simulator answered it.
    const st = await simState(om);
    expect(duplicateCreates(st)).toEqual([]);
    expect(Object.keys(st.createRequestsBySafeId).length).toBeGreaterThan(0);
    const ledgerIds = (await db.selectFrom('orders').select('store_order_id').execute()).map((r) => r.store_order_id);
    expect(ledgerIds.every((id) => id.startsWith('gid://shopify/FulfillmentOrder/'))).toBe(true);
    // status counts the requests as Shopify has them: each ledger request state against the simulator's request statuses.
    const inShopify: Record<string, string> = { ACCEPTED: 'accepted', REJECTED: 'rejected', CANCELLATION_ACCEPTED: 'cancellation_accepted', CANCELLATION_REJECTED: 'cancellation_rejected' };
    const expected: Record<string, number> = {};
    for (const fo of fos.filter((f) => f.locationId === registration.locationId && inShopify[f.requestStatus])) expected[inShopify[fo.requestStatus]!] = (expected[inShopify[fo.requestStatus]!] ?? 0) + 1;
    const { statusReport } = await import('../../src/db/status.ts');
    const counted = (await statusReport(db, STORE_ID)).stores[0]!.requests;
    expect({ ...counted, withdrawn: undefined }).toEqual({ ...expected, withdrawn: undefined });
  });
});
