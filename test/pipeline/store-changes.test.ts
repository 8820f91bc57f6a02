import { describe, expect, it } from 'vitest';
import type { ShopifyLineItem, ShopifyOrder } from '../../src/connectors/shopify/types.ts';
import { applyOrderChange } from '../../src/jobs/apply-order-change.ts';
import { recordDeadLetter } from '../../src/jobs/dead-letters.ts';
import { ingestAndEnqueue } from '../../src/jobs/pull-orders.ts';
import { Q } from '../../src/jobs/queues.ts';
import { transition } from '../../src/db/orders.ts';
import { freshDb } from '../helpers/db.ts';
import { ordermeshSim, simState } from '../helpers/ordermesh.ts';
import { config, eventually, pipelineConfigObject, startPipeline, STORE_ID } from '../helpers/pipeline.ts';
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
/**
 * The store edits an order's lines: each line given its new units (0 removes it; more than it had, or a
 * new line, adds), the total worked out again and `updatedAt` later, as Shopify returns an edited
 * order. The Shopify simulator has no order edit, so the edited copy is recorded the way a pull or a
 * webhook's re-read records one (ingestAndEnqueue), which enqueues what follows.
 */
let editSeq = 0;
async function storeEdit(o: ShopifyOrder, units: Record<number, number>, added: Array<Partial<ShopifyLineItem>> = []): Promise<void> {
  const lines = o.lineItems.map((li, i) => (i in units ? { ...li, quantity: Math.max(li.quantity, units[i]!), currentQuantity: units[i]!, unfulfilledQuantity: units[i]! } : li));
  const extra = explicitOrder({}, added.length ? added : [{}]).lineItems.slice(0, added.length);
  const updatedAt = new Date(Date.parse(o.updatedAt) + 60_000 * ++editSeq).toISOString().replace('.000Z', 'Z');
  const copy = explicitOrder({ ...o, updatedAt, lineItems: [...lines, ...extra], currentTotalPriceSet: undefined as never });
  await ingestAndEnqueue(service.deps, STORE_ID, [copy]);
}
/** Units of an item OrderMesh cancelled, from the simulator's own record of it. */
const cancelledUnits = (it: any): number => it.cancelledQuantity ?? (it.status === 'Cancelled' ? it.quantity : 0);
const itemOf = async (safeId: string, sku: string) => (await omOrder(safeId)).items.find((i: any) => i.sku === sku);
const TEE = 'TEE-BELLA3001-BLK-M';
const MUG = 'MUG-11OZ-WHITE';

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

describe('lines the store removes or adds after submission', () => {
  it('cancels a line removed before production as that item in OrderMesh; the other item and the order go on', async () => {
    const o = explicitOrder({ name: '#EDIT-REMOVE' }, [{}, { sku: TEE }]);
    const [gid] = await seedOrders(shop, { orders: [o] });
    const r = await submitted(gid!);
    const cancelsBefore = await requests('cancelOrder');
    await storeEdit(o, { 1: 0 });
    const tee = await until('the tee cancelled in OrderMesh', async () => {
      const it = await itemOf(r.safe_id, TEE);
      return cancelledUnits(it) > 0 ? it : false;
    });
    expect(cancelledUnits(tee)).toBe(1);
    expect(cancelledUnits(await itemOf(r.safe_id, MUG))).toBe(0);
    expect((await omOrder(r.safe_id)).status).not.toBe('Cancelled');
    expect(await requests('cancelOrder')).toBe(cancelsBefore + 1);
    const after = await until('the ledger records it', async () => {
      const x = await row(gid!);
      return (x.mapped_payload as any).items.length === 1 ? x : false;
    });
    expect(after.state).toBe('submitted');
    expect((after.mapped_payload as any).items.map((i: any) => i.sku)).toEqual([MUG]);
    const events = await db.selectFrom('events').select(['reason_code', 'message']).where('order_id', '=', r.id).where('reason_code', '=', 'ITEMS_CANCELLED').execute();
    expect(events).toHaveLength(1);
    expect(events[0]!.message).toContain(TEE);
  });

  it('cancels 2 units of a line reduced from 3 to 1, and sends nothing when the change runs again', async () => {
    const o = explicitOrder({ name: '#EDIT-QTY' }, [{ quantity: 3, currentQuantity: 3, unfulfilledQuantity: 3 }, { sku: TEE }]);
    const [gid] = await seedOrders(shop, { orders: [o] });
    const r = await submitted(gid!);
    const cancelsBefore = await requests('cancelOrder');
    await storeEdit(o, { 0: 1 });
    await until('2 mugs cancelled in OrderMesh', async () => cancelledUnits(await itemOf(r.safe_id, MUG)) === 2 || false);
    await until('the ledger records 1 mug sent', async () => ((await row(gid!)).mapped_payload as any).items.find((i: any) => i.sku === MUG).quantity === 1 || false);
    // The same change again, as a re-read or a reprocess would run it.
    expect(await applyOrderChange(service.deps, r.id)).toBe('no change');
    expect(await applyOrderChange(service.deps, r.id)).toBe('no change');
    expect(await requests('cancelOrder')).toBe(cancelsBefore + 1);
    const mug = await itemOf(r.safe_id, MUG);
    expect([mug.quantity, cancelledUnits(mug)]).toEqual([3, 2]);
    expect(cancelledUnits(await itemOf(r.safe_id, TEE))).toBe(0);
    expect((await omOrder(r.safe_id)).status).not.toBe('Cancelled');
    expect((await row(gid!)).state).toBe('submitted');
  });

  it('cancels the whole OrderMesh order when every line it has is removed', async () => {
    const o = explicitOrder({ name: '#EDIT-ALL' }, [{}, { sku: TEE }]);
    const [gid] = await seedOrders(shop, { orders: [o] });
    const r = await submitted(gid!);
    await storeEdit(o, { 0: 0, 1: 0 });
    await until('OrderMesh cancelled it', async () => (await omOrder(r.safe_id)).status === 'Cancelled' || false);
    const after = await until('the ledger says cancelled', async () => {
      const x = await row(gid!);
      return x.state === 'cancelled' ? x : false;
    });
    const event = await db.selectFrom('events').select(['reason_code']).where('order_id', '=', r.id).where('to_state', '=', 'cancelled').executeTakeFirst();
    expect(event?.reason_code).toBe('ITEMS_CANCELLED');
    expect((after.mapped_payload as any).items).toEqual([]);
  });

  it('parks an order whose store added a line, naming it, and sends nothing', async () => {
    const o = explicitOrder({ name: '#EDIT-ADD' });
    const [gid] = await seedOrders(shop, { orders: [o] });
    const r = await submitted(gid!);
    const [cancels, updates] = [await requests('cancelOrder'), await requests('updateOrder')];
    await storeEdit(o, {}, [{ sku: TEE }]);
    const parked = await until('the addition recorded', async () => {
      const x = await row(gid!);
      return x.state === 'needs_attention' ? x : false;
    });
    expect(parked.last_error_code).toBe('ITEMS_ADDED_NOT_SENT');
    expect(parked.last_error_message).toContain(`1 × ${TEE}`);
    expect([await requests('cancelOrder'), await requests('updateOrder')]).toEqual([cancels, updates]);
    expect((await omOrder(r.safe_id)).items).toHaveLength(1);
  });

  /** The ledger's word on an item cancel, once there is one: the order parked, or the cancel recorded. */
  const settled = (id: string, gid: string) =>
    until('the item cancel settled in the ledger', async () => {
      const x = await row(gid);
      if (x.state === 'needs_attention') return x;
      const done = await db.selectFrom('events').select('id').where('order_id', '=', id).where('reason_code', '=', 'ITEMS_CANCELLED').executeTakeFirst();
      return done ? x : false;
    });

  it('sends an item cancel whose answer was lost once: OrderMesh cannot show a part-cancel, so the order is parked ITEM_CANCEL_UNCONFIRMED, and a re-run sends nothing', async () => {
    const o = explicitOrder({ name: '#EDIT-LOST' }, [{ quantity: 3, currentQuantity: 3, unfulfilledQuantity: 3 }, { sku: TEE }]);
    const [gid] = await seedOrders(shop, { orders: [o] });
    const r = await submitted(gid!);
    const cancelsBefore = await requests('cancelOrder');
    await post(`${om.url}/_sim/faults`, { cancelOrder: { lostResponse: 1, count: 1 } });
    await storeEdit(o, { 0: 2 });
    const parked = await settled(r.id, gid!);
    // Exactly the planned cancellation: 1 mug of 3, in one request.
    expect(cancelledUnits(await itemOf(r.safe_id, MUG))).toBe(1);
    expect(await requests('cancelOrder')).toBe(cancelsBefore + 1);
    expect(parked.state).toBe('needs_attention');
    expect(parked.last_error_code).toBe('ITEM_CANCEL_UNCONFIRMED');
    const made = await omOrder(r.safe_id);
    expect(parked.last_error_message).toContain(made.orderId);
    expect(parked.last_error_message).toContain(made.items.find((i: any) => i.sku === MUG).id);
    expect(parked.last_error_message).toContain(MUG);
    expect(parked.last_error_message).toContain('ordersync reprocess');
    // Run again (a re-read, a retry): nothing is sent, nothing more recorded.
    expect(await applyOrderChange(service.deps, r.id)).toBe('item cancel unconfirmed');
    expect(await applyOrderChange(service.deps, r.id)).toBe('item cancel unconfirmed');
    expect(await requests('cancelOrder')).toBe(cancelsBefore + 1);
    expect(cancelledUnits(await itemOf(r.safe_id, MUG))).toBe(1);
    expect((await row(gid!)).mapped_payload as any).toMatchObject({ items: [{ sku: MUG, quantity: 3 }, { sku: TEE }] });
    // The operator checked OrderMesh and reprocesses (reprocess.ts's transition): recorded as done, still not sent.
    await transition(db, parked, ['needs_attention'], 'submitted', { actor: 'test', reason: 'REPROCESS', message: 're-checking against OrderMesh' });
    expect(await applyOrderChange(service.deps, r.id)).toBe('items cancelled');
    expect(await applyOrderChange(service.deps, r.id)).toBe('no change');
    expect(await requests('cancelOrder')).toBe(cancelsBefore + 1);
    expect(cancelledUnits(await itemOf(r.safe_id, MUG))).toBe(1);
    const after = await row(gid!);
    expect(after.state).toBe('submitted');
    expect((after.mapped_payload as any).items.find((i: any) => i.sku === MUG).quantity).toBe(2);
  });

  it('records an item cancel whose answer was lost as done when OrderMesh shows the item Cancelled, sending it once', async () => {
    const o = explicitOrder({ name: '#EDIT-LOST-ALL' }, [{}, { sku: TEE }]);
    const [gid] = await seedOrders(shop, { orders: [o] });
    const r = await submitted(gid!);
    const cancelsBefore = await requests('cancelOrder');
    await post(`${om.url}/_sim/faults`, { cancelOrder: { lostResponse: 1, count: 1 } });
    await storeEdit(o, { 1: 0 });
    const after = await settled(r.id, gid!);
    expect(cancelledUnits(await itemOf(r.safe_id, TEE))).toBe(1);
    expect(cancelledUnits(await itemOf(r.safe_id, MUG))).toBe(0);
    expect(await requests('cancelOrder')).toBe(cancelsBefore + 1);
    expect(after.state).toBe('submitted');
    expect((after.mapped_payload as any).items.map((i: any) => i.sku)).toEqual([MUG]);
    expect(await applyOrderChange(service.deps, r.id)).toBe('no change');
    expect(await applyOrderChange(service.deps, r.id)).toBe('no change');
    expect(await requests('cancelOrder')).toBe(cancelsBefore + 1);
    expect((await omOrder(r.safe_id)).status).not.toBe('Cancelled');
  });

  it('retries an item cancel OrderMesh refused before applying (429): cancelled once', async () => {
    const o = explicitOrder({ name: '#EDIT-429' }, [{ quantity: 3, currentQuantity: 3, unfulfilledQuantity: 3 }, { sku: TEE }]);
    const [gid] = await seedOrders(shop, { orders: [o] });
    const r = await submitted(gid!);
    const cancelsBefore = await requests('cancelOrder');
    await post(`${om.url}/_sim/faults`, { cancelOrder: { status429: 1, retryAfterSeconds: 0, count: 1 } });
    await storeEdit(o, { 0: 1 });
    const after = await settled(r.id, gid!);
    expect(after.state).toBe('submitted');
    expect(cancelledUnits(await itemOf(r.safe_id, MUG))).toBe(2);
    expect(await requests('cancelOrder')).toBe(cancelsBefore + 2);
  });

  // Last in the file: the simulator's advance moves every order it holds.
  it('parks an order whose line is removed once OrderMesh is making it (ITEM_CANCEL_TOO_LATE); nothing is cancelled', async () => {
    const o = explicitOrder({ name: '#EDIT-LATE' }, [{}, { sku: TEE }]);
    const [gid] = await seedOrders(shop, { orders: [o] });
    const r = await submitted(gid!);
    while ((await omOrder(r.safe_id)).status !== 'InProduction') await post(`${om.url}/_sim/advance`);
    await storeEdit(o, { 1: 0 });
    const parked = await until('the refusal recorded', async () => {
      const x = await row(gid!);
      return x.state === 'needs_attention' ? x : false;
    });
    expect(parked.last_error_code).toBe('ITEM_CANCEL_TOO_LATE');
    expect(parked.last_error_message).toContain(TEE);
    const made = await omOrder(r.safe_id);
    expect(made.items.map(cancelledUnits)).toEqual([0, 0]);
    expect((parked.mapped_payload as any).items).toHaveLength(2);
  });
});
