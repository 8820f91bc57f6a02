import { describe, expect, it } from 'vitest';
import { recordDeadLetter } from '../../src/jobs/dead-letters.ts';
import { Q } from '../../src/jobs/queues.ts';
import { freshDb } from '../helpers/db.ts';
import { ordermeshSim, simState } from '../helpers/ordermesh.ts';
import { config, eventually, pipelineConfigObject, startPipeline } from '../helpers/pipeline.ts';
import { explicitOrder, post, seedOrders, shopifySim, shopState } from '../helpers/shopify.ts';

/**
 * Store changes to orders OrderMesh already has, judged from the simulators: which update and cancel
 * requests OrderMesh received, what it holds, and what the store shows.
 */
const { url: dbUrl, db } = await freshDb();
const om = await ordermeshSim();
const shop = await shopifySim({ restoreRate: 1000 });
const service = await startPipeline(config(pipelineConfigObject(om, shop)), dbUrl);

const row = async (gid: string) => {
  const r = await db.selectFrom('orders').selectAll().where('store_order_id', '=', gid).executeTakeFirst();
  if (!r) throw new Error(`${gid} is not in the ledger`);
  return r;
};
const refresh = (gid: string) => service.boss.send(Q.refreshOrder, { storeId: 'sim-shop', storeOrderId: gid });
const omOrder = async (safeId: string) => (await simState(om)).orders.find((o: any) => o.safeId === safeId);
const requests = async (op: string) => ((await simState(om)).counts.requests[op] ?? 0) as number;
const until = <T,>(what: string, check: () => Promise<T | false>) => eventually(check, () => what);
async function submitted(gid: string) {
  await refresh(gid);
  return until(`${gid} submitted`, async () => {
    const r = await db.selectFrom('orders').selectAll().where('store_order_id', '=', gid).executeTakeFirst();
    return r?.state === 'submitted' ? r : false;
  });
}
const addressOf = (line1: string) => ({ firstName: 'Ada', lastName: 'Lovelace', company: null, address1: line1, address2: null, city: 'Springfield', provinceCode: 'IL', zip: '62701', countryCodeV2: 'US', phone: null });

describe('store changes after submission', () => {
  it('sends no update for an order re-read unchanged in its address (a tag, our own write-back), and ships its second package', async () => {
    const [gid] = await seedOrders(shop, { orders: [explicitOrder({ name: '#TWO-PKG', shippingAddress: addressOf('2 Package St') }, [{}, { sku: 'TEE-BELLA3001-BLK-M' }])] });
    const r = await submitted(gid!);
    const updatesBefore = await requests('updateOrder');
    const made = await omOrder(r.safe_id);
    // Into production, then the first of the two items ships on its own.
    // (The only order in OrderMesh yet: advance moves every order one step.)
    while ((await omOrder(r.safe_id)).status !== 'InProduction') await post(`${om.url}/_sim/advance`);
    await post(`${om.url}/_sim/orders/${made.orderId}/ship`, { items: [{ orderItemId: made.items[0].id, quantity: 1 }] });
    await service.boss.send(Q.pollShipments, { orderIds: [r.id] });
    await until('the first package written back', async () => ((await shopState(shop)).orderList.find((o: any) => o.id === gid)?.fulfillmentsCreated === 1 ? true : false));
    // The store re-reads the order: our write-back bumped updatedAt, and a tag was added.
    await post(`${shop.url}/_sim/orders/${encodeURIComponent(gid!)}/update`, { tags: ['vip'] });
    await refresh(gid!);
    await until('the re-read recorded', async () => ((await row(gid!)).store_payload as any).tags.includes('vip') || false);
    await service.boss.send(Q.applyOrderChange, { orderId: r.id, kind: 'recheck' });
    await post(`${om.url}/_sim/orders/${made.orderId}/ship`, { items: [{ orderItemId: made.items[1].id, quantity: 1 }] });
    await service.boss.send(Q.pollShipments, { orderIds: [r.id] });
    await until('the second package written back', async () => ((await shopState(shop)).orderList.find((o: any) => o.id === gid)?.fulfillmentsCreated === 2 ? true : false));
    expect(await requests('updateOrder')).toBe(updatesBefore);
    const after = await row(gid!);
    expect([after.state, after.last_error_code]).not.toContain('needs_attention');
    expect(after.last_error_code).toBeNull();
  });

  it('still sends a real address change before production', async () => {
    const [gid] = await seedOrders(shop, { orders: [explicitOrder({ name: '#MOVED', shippingAddress: addressOf('1 Old St') })] });
    const r = await submitted(gid!);
    await post(`${shop.url}/_sim/orders/${encodeURIComponent(gid!)}/update`, { shippingAddress: { address1: '9 New St' } });
    await refresh(gid!);
    await until('OrderMesh has the new address', async () => (await omOrder(r.safe_id)).shippingAddress.line1 === '9 New St' || false);
    expect((await row(gid!)).state).toBe('submitted');
  });

  it('carries a cancellation over to OrderMesh for an order parked as needs_attention', async () => {
    const [gid] = await seedOrders(shop, { orders: [explicitOrder({ name: '#PARKED' })] });
    const r = await submitted(gid!);
    await recordDeadLetter(service.deps, { id: 'job-x', name: Q.pollShipments, data: { orderId: r.id } } as never);
    expect((await row(gid!)).state).toBe('needs_attention');
    await post(`${shop.url}/_sim/orders/${encodeURIComponent(gid!)}/cancel`);
    await refresh(gid!);
    await until('OrderMesh cancelled it', async () => (await omOrder(r.safe_id)).status === 'Cancelled' || false);
    await until('the ledger says cancelled', async () => (await row(gid!)).state === 'cancelled' || false);
  });

  it('records an address change it cannot map on the order, with its reason, and sends nothing', async () => {
    const [gid] = await seedOrders(shop, { orders: [explicitOrder({ name: '#NOCITY', shippingAddress: addressOf('3 Somewhere St') })] });
    const r = await submitted(gid!);
    const updatesBefore = await requests('updateOrder');
    await post(`${shop.url}/_sim/orders/${encodeURIComponent(gid!)}/update`, { shippingAddress: { address1: '4 Elsewhere St', city: null } });
    await refresh(gid!);
    const parked = await until('the change recorded', async () => {
      const x = await row(gid!);
      return x.state === 'needs_attention' ? x : false;
    });
    expect(parked.last_error_code).toBe('CHANGE_NOT_MAPPED');
    expect(parked.last_error_message).toContain('shippingAddress');
    expect(await requests('updateOrder')).toBe(updatesBefore);
    expect((await omOrder(r.safe_id)).shippingAddress.line1).toBe('3 Somewhere St');
  });

  it('never demotes a final order when one of its jobs dead-letters: the failure is an event on it', async () => {
    const [gid] = await seedOrders(shop, { orders: [explicitOrder({ name: '#DONE' })] });
    const r = await submitted(gid!);
    await post(`${shop.url}/_sim/orders/${encodeURIComponent(gid!)}/cancel`);
    await refresh(gid!);
    await until('cancelled', async () => (await row(gid!)).state === 'cancelled' || false);
    await recordDeadLetter(service.deps, { id: 'job-late', name: Q.applyOrderChange, data: { orderId: r.id, kind: 'recheck' } } as never);
    const after = await row(gid!);
    expect(after.state).toBe('cancelled');
    const events = await db.selectFrom('events').select(['kind', 'reason_code']).where('order_id', '=', r.id).where('kind', '=', 'job_failed').execute();
    expect(events).toEqual([{ kind: 'job_failed', reason_code: 'JOB_FAILED' }]);
  });
});
