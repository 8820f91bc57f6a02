import { describe, expect, it } from 'vitest';
import { Q } from '../../src/jobs/queues.ts';
import { runCli } from '../helpers/cli.ts';
import { freshDb } from '../helpers/db.ts';
import { ordermeshSim, setFaults, simState } from '../helpers/ordermesh.ts';
import { config, eventually, pipelineConfigObject, startPipeline, STORE_ID, writePipelineConfig } from '../helpers/pipeline.ts';
import { explicitOrder, post, shopifySim } from '../helpers/shopify.ts';

/**
 * Notes (the store order's note to OrderMesh, once, updated when it changes; OrderMesh's notes shown
 * in `order show`) and refund and reprint requests (made once, shown with their state). Judged from
 * the OrderMesh simulator's notes, refunds and orders, and the requests it counted.
 */
const { url: dbUrl, db } = await freshDb();
const om = await ordermeshSim();
const shop = await shopifySim({ restoreRate: 1000 });
const cfgObject = pipelineConfigObject(om, shop);
cfgObject.stores[0] = { ...cfgObject.stores[0]!, notes: { attributes: ['gift_message'] } } as never;
const service = await startPipeline(config(cfgObject), dbUrl);
const cfgFile = writePipelineConfig(cfgObject);
const cli = (args: string[]) => runCli([...args, '--config', cfgFile], { DATABASE_URL: dbUrl });

const pull = () => service.boss.send(Q.pullOrders, { storeId: STORE_ID }, { singletonKey: STORE_ID });
const syncNotes = () => service.boss.send(Q.syncNotes, { storeId: STORE_ID }, { singletonKey: STORE_ID });
const row = (id: string) => db.selectFrom('orders').select(['state', 'safe_id', 'ordermesh_order_id', 'note_id']).where('store_order_id', '=', id).executeTakeFirst();
const omOrder = async (safeId: string) => (await simState(om)).orders.find((o: any) => o.safeId === safeId);
const usd = (amount: string) => ({ shopMoney: { amount, currencyCode: 'USD' }, presentmentMoney: { amount, currencyCode: 'USD' } }) as never;
const line = (sku: string, quantity: number, i: number, unit = '10.00') => ({ sku, variant: { id: `gid://shopify/ProductVariant/${i}`, sku } as never, quantity, currentQuantity: quantity, unfulfilledQuantity: quantity, originalUnitPriceSet: usd(unit), discountAllocations: [], taxLines: [] });
async function submitted(over: Record<string, unknown> = {}, lines = [line('MUG-11OZ-WHITE', 2, 1)]) {
  const o = explicitOrder(over as never, lines);
  await post(`${shop.url}/_sim/orders`, { orders: [o] });
  const r = await eventually(async () => {
    const x = await row(o.id);
    if (x?.state === 'submitted') return x;
    await pull();
    return false;
  }, async () => JSON.stringify(await row(o.id)), 30_000);
  return { o, r };
}
const notesOf = async (safeId: string) => (await omOrder(safeId))?.notes ?? [];

describe('store notes on OrderMesh orders', () => {
  it("the store order's note and configured attributes become one OrderMesh note, created once", async () => {
    const { r } = await submitted({ note: 'Please gift wrap', customAttributes: [{ key: 'gift_message', value: 'Happy birthday' }, { key: 'utm_source', value: 'ads' }] });
    await eventually(async () => (await notesOf(r.safe_id)).length === 1, async () => JSON.stringify(await notesOf(r.safe_id)), 20_000);
    await syncNotes();
    await syncNotes();
    await new Promise((res) => setTimeout(res, 1_500));
    const notes = await notesOf(r.safe_id);
    expect(notes).toEqual([{ id: expect.any(String), text: 'Please gift wrap\ngift_message: Happy birthday', externalId: `${r.safe_id}-note`, author: 'api', updates: 0 }]);
    expect((await simState(om)).noteCreateRequestsByExternalId[`${r.safe_id}-note`]).toBe(1);
  });

  it("a changed store note updates that note, once; an order without a note gets none", async () => {
    const { o, r } = await submitted({ note: 'Leave at the door' });
    const bare = await submitted();
    await eventually(async () => (await notesOf(r.safe_id)).length === 1, () => 'note', 20_000);
    await post(`${shop.url}/_sim/orders/${encodeURIComponent(o.id)}/update`, { note: 'Leave with the neighbour' });
    await eventually(async () => {
      await pull();
      await syncNotes();
      return (await notesOf(r.safe_id))[0]?.text === 'Leave with the neighbour';
    }, async () => JSON.stringify(await notesOf(r.safe_id)), 30_000);
    await syncNotes();
    await new Promise((res) => setTimeout(res, 1_500));
    expect(await notesOf(r.safe_id)).toMatchObject([{ text: 'Leave with the neighbour', updates: 1 }]);
    expect(await notesOf(bare.r.safe_id)).toEqual([]);
  });

  it('a note the store clears is deleted in OrderMesh (DELETE /v1/notes/{id}), not replaced by placeholder text', async () => {
    const { o, r } = await submitted({ note: 'Call before delivery' });
    await eventually(async () => (await notesOf(r.safe_id)).length === 1, () => 'note', 20_000);
    await post(`${shop.url}/_sim/orders/${encodeURIComponent(o.id)}/update`, { note: '' });
    await eventually(async () => {
      await pull();
      await syncNotes();
      return (await notesOf(r.safe_id)).length === 0;
    }, async () => JSON.stringify(await notesOf(r.safe_id)), 30_000);
    expect((await simState(om)).counts.requests.deleteNote).toBeGreaterThanOrEqual(1);
    expect((await db.selectFrom('orders').select('note_id').where('safe_id', '=', r.safe_id).executeTakeFirstOrThrow()).note_id).toBeNull();
  });

  it('a lost answer to the note creation: found again by its externalId, not created twice', async () => {
    await setFaults(om, { createNote: { lostResponse: 1, count: 1 } });
    const { r } = await submitted({ note: 'Fragile' });
    await eventually(async () => {
      await syncNotes();
      return Boolean((await db.selectFrom('orders').select('note_id').where('safe_id', '=', r.safe_id).executeTakeFirstOrThrow()).note_id);
    }, () => 'note recorded', 30_000);
    const st = await simState(om);
    expect(st.counts.faultsInjected.createNote?.lostResponse).toBe(1);
    expect(await notesOf(r.safe_id)).toHaveLength(1);
    expect(st.noteCreateRequestsByExternalId[`${r.safe_id}-note`]).toBe(1);
  });

  it("`order show` and `status --order` show OrderMesh's notes, its staff's among them", async () => {
    const { o, r } = await submitted({ note: 'Ring twice' });
    await eventually(async () => (await notesOf(r.safe_id)).length === 1, () => 'note', 20_000);
    await post(`${om.url}/_sim/orders/${r.ordermesh_order_id}/notes`, { text: 'Customer called: ships Monday' });
    for (const args of [['order', 'show', o.id], ['status', '--order', o.id]]) {
      const res = await cli(args);
      expect(res.code, res.stderr).toBe(0);
      expect(res.stdout).toMatch(/api \(from the store\): Ring twice/);
      expect(res.stdout).toMatch(/customer-care: Customer called: ships Monday/);
    }
  });
});

describe('refund and reprint requests', () => {
  it('a refund request for a damaged item is sent once as AddRefundModel (its amount what was sent for the unit), however often it is asked, and shows its state from refundData', async () => {
    const { o, r } = await submitted({}, [line('MUG-11OZ-WHITE', 2, 1, '12.50'), line('POSTER-18X24-MATTE', 1, 2, '30.00')]);
    const mugItem = (await omOrder(r.safe_id)).items.find((i: any) => i.sku === 'MUG-11OZ-WHITE');
    const ask = () => cli(['request', 'refund', '--order', o.name, '--item', 'MUG-11OZ-WHITE', '--quantity', '1', '--reason', 'print smudged', '--json']);
    const first = await ask();
    expect(first.code, first.stderr).toBe(0);
    expect(JSON.parse(first.stdout)).toMatchObject({ kind: 'refund', state: 'sent', new: true, items: [{ orderItemId: mugItem.id, quantity: 1 }] });
    const again = await ask();
    expect(JSON.parse(again.stdout)).toMatchObject({ state: 'sent', new: false });
    // One unit of two at 12.50: 12.50, for the mug alone, not shipping.
    expect((await omOrder(r.safe_id)).refunds).toEqual([expect.objectContaining({ itemId: mugItem.id, isShippingRefund: false, amount: 12.5, reason: 'print smudged' })]);
    expect(Object.values((await simState(om)).refundRequests).filter((n) => n !== 1)).toEqual([]);
    expect((await simState(om)).refundRequests[`${r.ordermesh_order_id}|${mugItem.id}|12.5|print smudged`]).toBe(1);

    const shown = await cli(['order', 'show', o.id]);
    expect(shown.stdout).toMatch(new RegExp(`refund of item ${mugItem.id} × 1: sent as ${r.ordermesh_order_id}, OrderMesh: Refunded; reason: print smudged`));
    const events = await db.selectFrom('events').select('reason_code').where('reason_code', '=', 'REFUND_REQUESTED').execute();
    expect(events).toHaveLength(1);
  });

  it('a refund whose answer was lost is found in refundData when asked again, not made twice (AddRefundModel has no key)', async () => {
    const { o, r } = await submitted({}, [line('MUG-11OZ-WHITE', 1, 1, '9.99'), line('POSTER-18X24-MATTE', 2, 2, '20.00')]);
    await setFaults(om, { addRefund: { lostResponse: 1, count: 1 } });
    const res = await cli(['request', 'refund', '--order', o.id, '--reason', 'arrived broken', '--json']);
    const settled = res.code === 0 ? res : await cli(['request', 'refund', '--order', o.id, '--reason', 'arrived broken', '--json']);
    expect(settled.code, settled.stderr).toBe(0);
    expect(JSON.parse(settled.stdout)).toMatchObject({ state: 'sent', items: null });
    const refunds = (await omOrder(r.safe_id)).refunds.filter((x: any) => !x.isShippingRefund);
    expect(refunds.map((x: any) => x.amount).sort()).toEqual([40, 9.99]);
    const st = await simState(om);
    expect(Object.entries(st.refundRequests).filter(([k, n]) => k.startsWith(`${r.ordermesh_order_id}|`) && n !== 1)).toEqual([]);
  });

  it('a reprint is a new OrderMesh order of the item, naming the original, without charges; made once', async () => {
    const { o, r } = await submitted({}, [line('MUG-11OZ-WHITE', 2, 1), line('TEE-BELLA3001-BLK-M', 1, 3)]);
    const ask = () => cli(['request', 'reprint', '--order', r.safe_id, '--item', 'TEE-BELLA3001-BLK-M', '--reason', 'wrong colour printed', '--json']);
    const first = JSON.parse((await ask()).stdout);
    const second = JSON.parse((await ask()).stdout);
    expect(second).toMatchObject({ state: 'sent', new: false, ordermeshRef: first.ordermeshRef });
    const st = await simState(om);
    const reprints = st.orders.filter((x: any) => x.reprint?.originalOrderId === r.ordermesh_order_id);
    expect(reprints).toHaveLength(1);
    expect(reprints[0]).toMatchObject({ orderId: first.ordermeshRef, meta: { reprintReason: 'wrong colour printed' }, money: { customerTotal: null }, shippingAddress: { line1: o.shippingAddress!.address1 } });
    expect(reprints[0].items.map((i: any) => [i.sku, i.quantity])).toEqual([['TEE-BELLA3001-BLK-M', 1]]);
    expect(st.createRequestsBySafeId[reprints[0].safeId]).toBe(1);
  });

  it('refuses what cannot be asked, with the reason: an unknown item, too many, an order OrderMesh lacks', async () => {
    const { o } = await submitted();
    const unknown = await cli(['request', 'refund', '--order', o.id, '--item', 'NOPE', '--reason', 'x']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('--item NOPE: no such item');
    const many = await cli(['request', 'refund', '--order', o.id, '--item', 'MUG-11OZ-WHITE', '--quantity', '5', '--reason', 'x']);
    expect(many.code).toBe(2);
    expect(many.stderr).toContain('--quantity 5: item');
    const unmapped = explicitOrder({}, [line('NOT-MAPPED-SKU', 1, 9)]);
    await post(`${shop.url}/_sim/orders`, { orders: [unmapped] });
    await eventually(async () => (await row(unmapped.id))?.state === 'failed_mapping' || (await pull(), false), () => 'failed_mapping', 30_000);
    const lacking = await cli(['request', 'reprint', '--order', unmapped.id, '--reason', 'x']);
    expect(lacking.code).toBe(2);
    expect(lacking.stderr).toContain('is failed_mapping: OrderMesh does not have it');
    expect((await db.selectFrom('ordermesh_requests').select('id').where('reason', '=', 'x').execute())).toEqual([]);
  });

  it('`status` counts the requests by kind and state', async () => {
    const res = await cli(['status', '--json']);
    expect(JSON.parse(res.stdout).stores[0].ordermeshRequests).toEqual({ 'refund sent': 2, 'reprint sent': 1 });
    expect((await cli(['status'])).stdout).toContain('refund and reprint requests: refund sent 2, reprint sent 1');
  });
});
