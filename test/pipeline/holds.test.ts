import { SIM_DEFAULTS } from '../../src/sim/defaults.ts';
import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { Q } from '../../src/jobs/queues.ts';
import { HOLD_HANDLE } from '../../src/connectors/shopify/holds.ts';
import { transition } from '../../src/db/orders.ts';
import { formatStatus, statusReport } from '../../src/db/status.ts';
import { freshDb } from '../helpers/db.ts';
import { ordermeshSim, simState } from '../helpers/ordermesh.ts';
import { config, eventually, pipelineConfigObject, startPipeline, STORE_ID } from '../helpers/pipeline.ts';
import { explicitOrder, post, shopifyClientFor, shopState, shopifySim } from '../helpers/shopify.ts';

/**
 * Holds both ways, merchant-managed: a merchant's Shopify hold keeps an order from OrderMesh, or puts
 * the OrderMesh order on Customer Care Hold; OrderMesh's own Customer Care Hold shows in the ledger
 * and as our hold in Shopify. Judged from the simulators' state: OrderMesh's order statuses and create
 * requests, Shopify's fulfilment orders and holds. The Shopify webhooks are off, so each step of the
 * store's side happens when the test sends the job the schedule would; OrderMesh's webhooks are on.
 */
const { url: dbUrl, db } = await freshDb();
const om = await ordermeshSim();
const shop = await shopifySim({ restoreRate: 1000 });
const service = await startPipeline(config(pipelineConfigObject(om, shop)), dbUrl);
const url = `http://127.0.0.1:${service.port}`;
await post(`${om.url}/_sim/settings`, { webhookUrl: `${url}/webhooks/ordermesh/${SIM_DEFAULTS.webhookSecret}` });

const pull = () => service.boss.send(Q.pullOrders, { storeId: STORE_ID }, { singletonKey: STORE_ID });
/** Pulls until `check` holds, as the per-minute schedule would: a change stamped in the current second is read by a later pull. */
const pullUntil = (what: string, check: () => Promise<boolean>) => until(what, async () => (await check()) || (await pull(), false));
const sweep = () => service.boss.send(Q.syncHolds, { storeId: STORE_ID }, { singletonKey: STORE_ID });
/**
 * Sends a job and waits until that job has run: what makes a later "nothing happened" mean something
 * (a wait for time would pass just as well when the job never ran). A queued job of the same key
 * refuses the send, so it is sent again until one is ours.
 */
async function ran(queue: string, opts: { singletonKey?: string } = {}) {
  let id: string | null = null;
  await until(`${queue} sent`, async () => (id = await service.boss.send(queue, { storeId: STORE_ID }, opts)) !== null);
  await until(`${queue} ran`, async () => ['completed', 'failed'].includes((await service.boss.getJobById(queue, id!))?.state ?? ''));
  expect((await service.boss.getJobById(queue, id!))?.state).toBe('completed');
}
const sweepRan = () => ran(Q.syncHolds, { singletonKey: STORE_ID });
/** Requests the simulators counted: OrderMesh's per route, Shopify's per root field. */
const omRequests = async (route: string) => ((await simState(om)).counts.requests[route] ?? 0) as number;
const shopCalls = async (field: string) => ((await shopState(shop)).rootFields[field] ?? 0) as number;
const row = (id: string) => db.selectFrom('orders').select(['state', 'hold_source', 'hold_reason', 'last_error_code', 'ordermesh_order_id']).where('store_order_id', '=', id).executeTakeFirst();
const until = <T>(what: string, check: () => Promise<T | false>) => eventually(check, async () => `${what}: ${JSON.stringify(await db.selectFrom('orders').select(['store_order_name', 'state', 'hold_source', 'last_error_code']).execute())}`, 30_000);
const omOrders = async (id: string) => (await simState(om)).orders.filter((o: any) => o.meta?.shopifyOrderId === id);
const shopOrder = async (id: string) => ((await shopState(shop)).orderList as any[]).find((o) => o.id === id);
const shopAct = (id: string, action: string, body: unknown = {}) => post(`${shop.url}/_sim/orders/${encodeURIComponent(id)}/${action}`, body);

async function place() {
  const o = explicitOrder({}, [{ sku: 'MUG-11OZ-WHITE', variant: { id: 'gid://shopify/ProductVariant/1', sku: 'MUG-11OZ-WHITE' } as never, quantity: 1, currentQuantity: 1, unfulfilledQuantity: 1 }]);
  await post(`${shop.url}/_sim/orders`, { orders: [o] });
  return o;
}
async function submitted() {
  const o = await place();
  await pullUntil('submitted', async () => (await row(o.id))?.state === 'submitted');
  return { o, omId: (await row(o.id))!.ordermesh_order_id! };
}

describe('holds both ways, merchant-managed, both simulators and a real Postgres', () => {
  it('a Shopify hold before submission keeps the order from OrderMesh; released, it is sent once', async () => {
    const o = await place();
    await shopAct(o.id, 'hold', { reason: 'HIGH_RISK_OF_FRAUD', reasonNotes: 'checking the card' });
    await pullUntil('held in the ledger', async () => (await row(o.id))?.state === 'on_hold');
    expect(await row(o.id)).toMatchObject({ hold_source: 'store', hold_reason: 'HIGH_RISK_OF_FRAUD (checking the card)', ordermesh_order_id: null });
    await sweepRan();
    await ran(Q.submitOrders);
    expect(await omOrders(o.id)).toEqual([]);
    expect((await simState(om)).createRequestsBySafeId[(await db.selectFrom('orders').select('safe_id').where('store_order_id', '=', o.id).executeTakeFirstOrThrow()).safe_id]).toBeUndefined();

    await shopAct(o.id, 'release');
    await sweep();
    await until('sent after the release', async () => (await row(o.id))?.state === 'submitted');
    const sent = await omOrders(o.id);
    expect(sent).toHaveLength(1);
    expect(sent[0].createRequests).toBe(1);
    expect(await row(o.id)).toMatchObject({ hold_source: null, hold_reason: null });
  });

  it('a Shopify hold after submission puts the OrderMesh order on Customer Care Hold; released in Shopify, released there; then shipped and written back once', async () => {
    const { o, omId } = await submitted();
    await shopAct(o.id, 'hold', { reason: 'INCORRECT_ADDRESS', reasonNotes: 'flat number missing' });
    await sweep();
    await until('on Customer Care Hold', async () => (await omOrders(o.id))[0]?.status === 'CustomerCareHold');
    await until('held in the ledger', async () => (await row(o.id))?.state === 'on_hold');
    expect(await row(o.id)).toMatchObject({ hold_source: 'store', hold_reason: 'INCORRECT_ADDRESS (flat number missing)' });
    // A sweep that finds it still held changes nothing, and asks OrderMesh for nothing.
    const holdsAsked = await omRequests('customerCareHold');
    expect(holdsAsked).toBeGreaterThan(0);
    await sweepRan();
    expect((await omOrders(o.id))[0].status).toBe('CustomerCareHold');
    expect(await omRequests('customerCareHold')).toBe(holdsAsked);

    await shopAct(o.id, 'release');
    await sweep();
    await until('released in OrderMesh', async () => (await omOrders(o.id))[0]?.status === 'Open');
    await until('submitted again in the ledger', async () => (await row(o.id))?.state === 'submitted');
    await post(`${om.url}/_sim/orders/${omId}/ship`, {});
    await until('written back', async () => (await shopOrder(o.id)).fulfillments.length === 1);
    await until('fulfilled', async () => (await row(o.id))?.state === 'fulfilled');
    expect((await shopOrder(o.id)).fulfillments).toHaveLength(1);
  });

  it('a Shopify hold once OrderMesh is making the order cannot stop it: the order needs attention, with why', async () => {
    const { o, omId } = await submitted();
    await post(`${om.url}/_sim/orders/${omId}/advance`);
    await post(`${om.url}/_sim/orders/${omId}/advance`);
    await shopAct(o.id, 'hold', { reason: 'OTHER' });
    await sweep();
    await until('needs attention', async () => (await row(o.id))?.state === 'needs_attention');
    expect(await row(o.id)).toMatchObject({ last_error_code: 'HOLD_TOO_LATE' });
    expect((await omOrders(o.id))[0].status).toBe('InProduction');
  });

  it('a Shopify hold on an order OrderMesh has started shipping (in_production) is not ignored: it needs attention, HOLD_TOO_LATE, in status (issue 34, item 10)', async () => {
    const { o, omId } = await submitted();
    await post(`${om.url}/_sim/orders/${omId}/advance`);
    await post(`${om.url}/_sim/orders/${omId}/advance`);
    // in_production as poll-shipments sets it on a first shipment. (A shipment written back would leave
    // Shopify's fulfilment order in progress, which the simulated merchant cannot hold.)
    const r = await db.selectFrom('orders').select(['id', 'store_id', 'store_order_name']).where('store_order_id', '=', o.id).executeTakeFirstOrThrow();
    expect(await transition(db, r, ['submitted'], 'in_production', { actor: 'test', reason: 'SHIPMENT_CREATED', message: '1 shipment(s) in OrderMesh' })).toBe(true);
    await shopAct(o.id, 'hold', { reason: 'OTHER', reasonNotes: 'customer changed their mind' });
    await sweep();
    await until('needs attention', async () => (await row(o.id))?.state === 'needs_attention');
    expect(await row(o.id)).toMatchObject({ last_error_code: 'HOLD_TOO_LATE', hold_source: null });
    expect((await omOrders(o.id))[0].status).toBe('InProduction');
    // Parked once: a later sweep that still sees the hold leaves it as it is.
    await sweepRan();
    const parked = await db.selectFrom('events').select(['from_state', 'to_state', 'message']).where('order_id', '=', r.id).where('reason_code', '=', 'HOLD_TOO_LATE').execute();
    expect(parked).toEqual([{ from_state: 'in_production', to_state: 'needs_attention', message: expect.stringContaining('held in Shopify (OTHER (customer changed their mind)), but OrderMesh can no longer hold it') }]);
    expect(await row(o.id)).toMatchObject({ state: 'needs_attention', last_error_code: 'HOLD_TOO_LATE' });
    const report = await statusReport(db, STORE_ID);
    const tooLate = report.stores[0]!.failures.find((f) => f.code === 'HOLD_TOO_LATE');
    expect(tooLate?.examples).toContainEqual({ order: r.store_order_name, message: expect.stringContaining('OrderMesh can no longer hold it') });
    expect(formatStatus(report)).toMatch(/HOLD_TOO_LATE/);
    await shopAct(o.id, 'release');
  });

  it('a Shopify hold on an in_production order OrderMesh can still hold holds it there; released in Shopify, it is in_production again', async () => {
    // The simulated OrderMesh holds an order still Open there: in_production set in the ledger as a first shipment sets it.
    const { o } = await submitted();
    const r = await db.selectFrom('orders').select(['id', 'store_id']).where('store_order_id', '=', o.id).executeTakeFirstOrThrow();
    expect(await transition(db, r, ['submitted'], 'in_production', { actor: 'test', reason: 'SHIPMENT_CREATED', message: '1 shipment(s) in OrderMesh' })).toBe(true);
    await shopAct(o.id, 'hold', { reason: 'INCORRECT_ADDRESS' });
    await sweep();
    await until('on Customer Care Hold', async () => (await omOrders(o.id))[0]?.status === 'CustomerCareHold' && (await row(o.id))?.state === 'on_hold');
    expect(await row(o.id)).toMatchObject({ hold_source: 'store', hold_reason: 'INCORRECT_ADDRESS' });
    await shopAct(o.id, 'release');
    await sweep();
    await until('released', async () => (await omOrders(o.id))[0]?.status === 'Open' && (await row(o.id))?.state !== 'on_hold');
    expect(await row(o.id)).toMatchObject({ state: 'in_production', hold_source: null, hold_reason: null });
  });

  it("one rule says which holds are ours: a hold placed with the app's credentials under another handle is the merchant's, and holds the order in OrderMesh (issue 34, item 12)", async () => {
    const { o, omId } = await submitted();
    const foId = (await shopOrder(o.id)).fulfillmentOrders[0].id;
    const placed = await shopifyClientFor(shop).query('fulfillment-order-hold', z.any(), { id: foId, fulfillmentHold: { reason: 'OTHER', reasonNotes: 'held by the merchant script', handle: 'merchant-script', notifyMerchant: false } });
    expect(placed.fulfillmentOrderHold.userErrors).toEqual([]);
    expect((await shopOrder(o.id)).fulfillmentOrders[0].holds).toEqual([expect.objectContaining({ byApp: true, handle: 'merchant-script' })]);
    await sweep();
    await until('on Customer Care Hold', async () => (await omOrders(o.id))[0]?.status === 'CustomerCareHold');
    await until('held in the ledger', async () => (await row(o.id))?.state === 'on_hold');
    expect(await row(o.id)).toMatchObject({ hold_source: 'store', hold_reason: 'OTHER (held by the merchant script)', ordermesh_order_id: omId });
    // Not ours to release: a sweep leaves it in Shopify. Released there, the order is released in OrderMesh.
    const releasesAsked = await shopCalls('fulfillmentOrderReleaseHold');
    await sweepRan();
    expect((await shopOrder(o.id)).fulfillmentOrders[0].holds).toHaveLength(1);
    expect(await shopCalls('fulfillmentOrderReleaseHold')).toBe(releasesAsked);
    await shopAct(o.id, 'release');
    await sweep();
    await until('released in OrderMesh', async () => (await omOrders(o.id))[0]?.status === 'Open' && (await row(o.id))?.state === 'submitted');
  });

  it('an order held in Shopify and cancelled there is cancelled in OrderMesh', async () => {
    const { o } = await submitted();
    await shopAct(o.id, 'hold', { reason: 'AWAITING_PAYMENT' });
    await sweep();
    await until('held', async () => (await row(o.id))?.state === 'on_hold');
    await shopAct(o.id, 'cancel');
    await pullUntil('cancelled', async () => (await row(o.id))?.state === 'cancelled');
    expect((await omOrders(o.id))[0].status).toBe('Cancelled');
  });

  it("OrderMesh's own Customer Care Hold (by webhook) is on_hold in the ledger and our hold in Shopify; released by OrderMesh, released in both", async () => {
    const { o, omId } = await submitted();
    await post(`${om.url}/_sim/orders/${omId}/hold`);
    // No sweep sent: OrderMesh's OrderUpdate webhook brings it.
    await until('held in the ledger', async () => (await row(o.id))?.state === 'on_hold');
    expect(await row(o.id)).toMatchObject({ hold_source: 'ordermesh' });
    const fo = async () => (await shopOrder(o.id)).fulfillmentOrders[0];
    await until('held in Shopify', async () => (await fo()).status === 'ON_HOLD');
    expect((await fo()).holds).toEqual([expect.objectContaining({ handle: HOLD_HANDLE, byApp: true, reason: 'OTHER' })]);
    // Again: still one hold, and no second hold asked of Shopify (its refusal of a second hold under
    // our handle is not what keeps it to one).
    const holdsAsked = await shopCalls('fulfillmentOrderHold');
    expect(holdsAsked).toBeGreaterThan(0);
    await sweepRan();
    expect((await fo()).holds).toHaveLength(1);
    expect(await shopCalls('fulfillmentOrderHold')).toBe(holdsAsked);

    await post(`${om.url}/_sim/orders/${omId}/release`);
    await until('released in the ledger', async () => (await row(o.id))?.state === 'submitted');
    expect((await fo())).toMatchObject({ status: 'OPEN', holds: [] });
    await post(`${om.url}/_sim/orders/${omId}/ship`, {});
    await until('fulfilled', async () => (await row(o.id))?.state === 'fulfilled');
    expect((await shopOrder(o.id)).fulfillments).toHaveLength(1);
  });

  it("released by OrderMesh, a held order goes back to the state the hold found it in: needs_attention with its error code, or in_production (issue 34, item 11)", async () => {
    // The two states are set in the ledger as the pipeline sets them (a dead-lettered job; a first
    // shipment): the simulated OrderMesh refuses to hold an order it is making, so the order stays Open there.
    const { o: attention, omId: attentionOm } = await submitted();
    const { o: making, omId: makingOm } = await submitted();
    const at = await db.selectFrom('orders').select(['id', 'store_id']).where('store_order_id', '=', attention.id).executeTakeFirstOrThrow();
    const mk = await db.selectFrom('orders').select(['id', 'store_id']).where('store_order_id', '=', making.id).executeTakeFirstOrThrow();
    expect(await transition(db, at, ['submitted'], 'needs_attention', { actor: 'test', reason: 'JOB_FAILED', message: 'a job ran out of retries', set: { last_error_code: 'JOB_FAILED', last_error_message: 'a job ran out of retries' } })).toBe(true);
    expect(await transition(db, mk, ['submitted'], 'in_production', { actor: 'test', reason: 'SHIPMENT_CREATED', message: '1 shipment(s) in OrderMesh' })).toBe(true);

    for (const omId of [attentionOm, makingOm]) await post(`${om.url}/_sim/orders/${omId}/hold`);
    await until('both held in the ledger', async () => (await row(attention.id))?.state === 'on_hold' && (await row(making.id))?.state === 'on_hold');
    expect(await row(attention.id)).toMatchObject({ hold_source: 'ordermesh', last_error_code: 'JOB_FAILED' });

    for (const omId of [attentionOm, makingOm]) await post(`${om.url}/_sim/orders/${omId}/release`);
    await until('both released in the ledger', async () => (await row(attention.id))?.state !== 'on_hold' && (await row(making.id))?.state !== 'on_hold');
    expect(await row(attention.id)).toMatchObject({ state: 'needs_attention', last_error_code: 'JOB_FAILED', hold_source: null, hold_reason: null });
    expect(await row(making.id)).toMatchObject({ state: 'in_production', hold_source: null, hold_reason: null });
    const release = await db.selectFrom('events').select(['order_id', 'from_state', 'to_state']).where('reason_code', '=', 'ORDERMESH_HOLD_RELEASED').where('order_id', 'in', [at.id, mk.id]).orderBy('order_id').execute();
    expect(release).toEqual([
      { order_id: at.id, from_state: 'on_hold', to_state: 'needs_attention' },
      { order_id: mk.id, from_state: 'on_hold', to_state: 'in_production' },
    ]);
  });

  it("a Customer Care Hold whose webhook was lost is found by the sweep; the merchant's own hold is never released by us", async () => {
    await post(`${om.url}/_sim/settings`, { webhookUrl: null });
    try {
      const { o, omId } = await submitted();
      await post(`${om.url}/_sim/orders/${omId}/hold`);
      await sweep();
      await until('held in the ledger', async () => (await row(o.id))?.state === 'on_hold');
      // The merchant holds it too; then OrderMesh releases its hold.
      await shopAct(o.id, 'hold', { reason: 'OTHER', reasonNotes: 'merchant hold' });
      await post(`${om.url}/_sim/orders/${omId}/release`);
      await sweep();
      await until('ours released', async () => (await shopOrder(o.id)).fulfillmentOrders[0].holds.every((h: any) => !h.byApp));
      expect((await shopOrder(o.id)).fulfillmentOrders[0].holds).toEqual([expect.objectContaining({ byApp: false, reasonNotes: 'merchant hold' })]);
      // The merchant's hold is the store's side: OrderMesh is put on hold for it.
      await sweep();
      await until("held for the merchant's hold", async () => (await row(o.id))?.hold_source === 'store');
      expect((await omOrders(o.id))[0].status).toBe('CustomerCareHold');
    } finally {
      await post(`${om.url}/_sim/settings`, { webhookUrl: `${url}/webhooks/ordermesh/${SIM_DEFAULTS.webhookSecret}` });
    }
  });

  it("Shopify's fulfillment_orders/placed_on_hold and hold_released webhooks bring the sweep at once", async () => {
    const { o } = await submitted();
    await post(`${shop.url}/_sim/settings`, { webhookUrl: `${url}/webhooks/shopify` });
    try {
      await shopAct(o.id, 'hold', { reason: 'INCORRECT_ADDRESS' });
      // No sweep sent: the webhook brings it.
      await until('on Customer Care Hold', async () => (await omOrders(o.id))[0]?.status === 'CustomerCareHold');
      await shopAct(o.id, 'release');
      await until('released', async () => (await omOrders(o.id))[0]?.status === 'Open' && (await row(o.id))?.state === 'submitted');
      const receipts = await db.selectFrom('webhook_receipts').select('topic').where('topic', 'like', 'fulfillment_orders/%').execute();
      expect(receipts.map((r) => r.topic).sort()).toEqual(['fulfillment_orders/hold_released', 'fulfillment_orders/placed_on_hold']);
    } finally {
      await post(`${shop.url}/_sim/settings`, { webhookUrl: null });
    }
  });

  it('status lists what is held, by whom, with the reason and what to do', async () => {
    // Of the orders above, the last is still held for the merchant's hold; the others were released.
    const held = await db.selectFrom('orders').select(['store_order_name', 'hold_reason']).where('state', '=', 'on_hold').execute();
    expect(held).toHaveLength(1);
    const report = await statusReport(db, STORE_ID);
    expect(report.stores[0]!.holds).toEqual([{ code: 'STORE_HOLD', count: 1, examples: [{ order: held[0]!.store_order_name, message: 'OTHER (merchant hold)' }] }]);
    expect(formatStatus(report)).toMatch(/on hold by reason:\n    STORE_HOLD × 1\n      .*: OTHER \(merchant hold\)\n      fix: a fulfilment hold in Shopify/);
  });
});
