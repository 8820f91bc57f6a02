import { describe, expect, it } from 'vitest';
import type { ShopifyOrder } from '../../src/connectors/shopify/types.ts';
import { ingestAndEnqueue } from '../../src/jobs/pull-orders.ts';
import { Q } from '../../src/jobs/queues.ts';
import { runCli } from '../helpers/cli.ts';
import { freshDb } from '../helpers/db.ts';
import { ordermeshSim, setFaults, simState } from '../helpers/ordermesh.ts';
import { config, eventually, pipelineConfigObject, startPipeline, STORE_ID, writePipelineConfig } from '../helpers/pipeline.ts';
import { explicitOrder, post, shopifySim } from '../helpers/shopify.ts';
import { shippingLine } from '../mapping/cases.ts';

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
/**
 * Waits for the order's one note, sending the note sync as the store sweep would. The first test waits
 * without it: there, submission's own trigger is what is proven. Elsewhere that trigger, sent inside
 * submission's transaction, can wake the lane before the commit, and the wait then ran to the lane's
 * next poll, 10 s on (src/jobs/boss.ts).
 */
const noteMade = (safeId: string) => eventually(async () => (await notesOf(safeId)).length === 1 || (await syncNotes(), false), () => 'note', 20_000);

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
    await noteMade(r.safe_id);
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
    await noteMade(r.safe_id);
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
    await noteMade(r.safe_id);
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
    expect(JSON.parse(res.stdout).items[0].ordermeshRequests).toEqual({ 'refund sent': 2, 'reprint sent': 1 });
    expect((await cli(['status'])).stdout).toContain('refund and reprint requests: refund sent 2, reprint sent 1');
  });
});

describe('refund amounts: what was sent, less what was refunded', () => {
  /** Our refunds and OrderMesh's (its staff's too) of the order, by item: [isShippingRefund, amount, reason]. */
  const refundsOf = async (safeId: string, itemId: string) => (await omOrder(safeId)).refunds.filter((x: any) => x.itemId === itemId).map((x: any) => [x.isShippingRefund, x.amount, x.reason]);
  const itemOf = async (safeId: string, sku: string) => (await omOrder(safeId)).items.find((i: any) => i.sku === sku);
  const refund = (order: string, reason: string, item?: string, quantity?: number) =>
    cli(['request', 'refund', '--order', order, ...(item ? ['--item', item] : []), ...(quantity ? ['--quantity', String(quantity)] : []), '--reason', reason, '--json']);
  const shipping = (amount: string) => ({ shippingLines: [shippingLine({ originalPriceSet: usd(amount), currentDiscountedPriceSet: usd(amount) })] });
  /** Every refund OrderMesh was asked for, asked once (the simulator counts each by order, item, amount and reason). */
  const askedOnce = async (orderId: string) => expect(Object.entries((await simState(om)).refundRequests).filter(([k, n]) => k.startsWith(`${orderId}|`) && n !== 1)).toEqual([]);

  it('after the store removed a unit, the units are those sent: 2 of 3 at 10.00 are refunded as 20.00 (not 30.00), and a third is not asked for', async () => {
    const { o, r } = await submitted(shipping('6.00'), [line('MUG-11OZ-WHITE', 3, 1, '10.00')]);
    const mug = await itemOf(r.safe_id, 'MUG-11OZ-WHITE');
    // The store removes one mug (an order edit, recorded as a pull records it): OrderMesh cancels one, the ledger sends 2.
    const lines = o.lineItems.map((li) => ({ ...li, currentQuantity: 2, unfulfilledQuantity: 2 }));
    await ingestAndEnqueue(service.deps, STORE_ID, [explicitOrder({ ...o, updatedAt: new Date(Date.parse(o.updatedAt) + 60_000).toISOString().replace('.000Z', 'Z'), lineItems: lines, currentTotalPriceSet: undefined as never } as Partial<ShopifyOrder>)]);
    await eventually(async () => (await itemOf(r.safe_id, 'MUG-11OZ-WHITE')).cancelledQuantity === 1, () => 'one mug cancelled in OrderMesh', 30_000);
    await eventually(async () => ((await db.selectFrom('orders').select('mapped_payload').where('id', '=', (await db.selectFrom('orders').select('id').where('safe_id', '=', r.safe_id).executeTakeFirstOrThrow()).id).executeTakeFirstOrThrow()).mapped_payload as any).items[0].quantity === 2, () => '2 mugs sent', 30_000);
    const whole = await refund(o.id, 'arrived broken');
    expect(whole.code, whole.stderr).toBe(0);
    expect(JSON.parse(whole.stdout)).toMatchObject({ state: 'sent', new: true });
    // 2 × 10.00, and the shipping as last sent: 6.00 × 2/3.
    expect(await refundsOf(r.safe_id, mug.id)).toEqual([[false, 20, 'arrived broken'], [true, 4, 'arrived broken']]);
    // OrderMesh's item still reads 3 (its cancelled units are not in its answer): 3 are not asked for.
    const many = await refund(o.id, 'damaged', 'MUG-11OZ-WHITE', 3);
    expect(many.code).toBe(2);
    expect(many.stderr).toContain(`--quantity 3: item ${mug.id} has 2`);
    await askedOnce(r.ordermesh_order_id!);
  });

  it('a whole-order refund after a partial one asks only what is left, capped at the balance; then nothing is left to ask', async () => {
    const { o, r } = await submitted(shipping('6.00'), [line('MUG-11OZ-WHITE', 2, 1, '12.50')]);
    const mug = await itemOf(r.safe_id, 'MUG-11OZ-WHITE');
    expect((await refund(o.id, 'print smudged', 'MUG-11OZ-WHITE', 1)).code).toBe(0);
    const whole = await refund(o.id, 'arrived broken');
    expect(whole.code, whole.stderr).toBe(0);
    expect(JSON.parse(whole.stdout)).toMatchObject({ state: 'sent', new: true });
    // 25.00 sent for the mugs: 12.50 refunded, 12.50 left (not 25.00 again, which OrderMesh refuses); the shipping whole.
    expect(await refundsOf(r.safe_id, mug.id)).toEqual([[false, 12.5, 'print smudged'], [false, 12.5, 'arrived broken'], [true, 6, 'arrived broken']]);
    const none = await refund(o.id, 'lost in the post');
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('nothing is left to refund');
    expect(await db.selectFrom('ordermesh_requests').select('id').where('reason', '=', 'lost in the post').execute()).toEqual([]);

    // OrderMesh's staff refunded 5.00 of a 30.00 poster: the whole order asks 25.00.
    const second = await submitted(shipping('6.00'), [line('POSTER-18X24-MATTE', 1, 2, '30.00')]);
    const poster = await itemOf(second.r.safe_id, 'POSTER-18X24-MATTE');
    await post(`${om.url}/_sim/orders/${second.r.ordermesh_order_id}/refunds`, { refunds: [{ itemId: poster.id, isShippingRefund: false, amount: 5, reason: 'goodwill' }] });
    expect((await refund(second.o.id, 'arrived broken')).code).toBe(0);
    expect(await refundsOf(second.r.safe_id, poster.id)).toEqual([[false, 5, 'goodwill'], [false, 25, 'arrived broken'], [true, 6, 'arrived broken']]);
    await askedOnce(r.ordermesh_order_id!);
    await askedOnce(second.r.ordermesh_order_id!);

    // A 5.00 goodwill refund on 2 mugs at 10.00 is not a unit: one mug is still 10.00, not the 15.00 left.
    const third = await submitted({}, [line('MUG-11OZ-WHITE', 2, 3, '10.00')]);
    const mug3 = await itemOf(third.r.safe_id, 'MUG-11OZ-WHITE');
    await post(`${om.url}/_sim/orders/${third.r.ordermesh_order_id}/refunds`, { refunds: [{ itemId: mug3.id, isShippingRefund: false, amount: 5, reason: 'goodwill' }] });
    expect((await refund(third.o.id, 'chipped', 'MUG-11OZ-WHITE', 1)).code).toBe(0);
    expect(await refundsOf(third.r.safe_id, mug3.id)).toEqual([[false, 5, 'goodwill'], [false, 10, 'chipped']]);
  });

  it("a refund like one OrderMesh's staff made is still sent; a lost answer or a 5xx is judged by the count of such refunds", async () => {
    const { o, r } = await submitted(shipping('6.00'), [line('POSTER-18X24-MATTE', 6, 2, '20.00')]);
    const poster = await itemOf(r.safe_id, 'POSTER-18X24-MATTE');
    const staff = (reason: string) => post(`${om.url}/_sim/orders/${r.ordermesh_order_id}/refunds`, { refunds: [{ itemId: poster.id, isShippingRefund: false, amount: 20, reason }] });
    const key = (reason: string) => `${r.ordermesh_order_id}|${poster.id}|20|${reason}`;
    // The staff refunded one poster for "print smudged"; the operator asks for another, for the same reason.
    await staff('print smudged');
    const first = await refund(o.id, 'print smudged', 'POSTER-18X24-MATTE', 1);
    expect(first.code, first.stderr).toBe(0);
    expect(JSON.parse(first.stdout)).toMatchObject({ state: 'sent', new: true });
    expect((await simState(om)).refundRequests[key('print smudged')]).toBe(1);

    // Its answer is lost: the count of 20.00 "torn" refunds grew (0 → 1), so it was made, once.
    await setFaults(om, { addRefund: { lostResponse: 1, count: 1 } });
    const lost = await refund(o.id, 'torn', 'POSTER-18X24-MATTE', 1);
    expect(lost.code, lost.stderr).toBe(0);
    expect(JSON.parse(lost.stdout)).toMatchObject({ state: 'sent', new: true });
    expect((await simState(om)).refundRequests[key('torn')]).toBe(1);

    // A 500 that made nothing, while the same refund (the staff's) is there: the count did not grow, so it is not
    // taken as made; the same command sends it again.
    await staff('creased');
    await setFaults(om, { addRefund: { status500: 1, count: 1 } });
    const failed = await refund(o.id, 'creased', 'POSTER-18X24-MATTE', 1);
    expect(failed.code).not.toBe(0);
    expect((await simState(om)).refundRequests[key('creased')]).toBeUndefined();
    const again = await refund(o.id, 'creased', 'POSTER-18X24-MATTE', 1);
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ state: 'sent' });
    expect((await simState(om)).refundRequests[key('creased')]).toBe(1);
    expect(await refundsOf(r.safe_id, poster.id)).toEqual([
      [false, 20, 'print smudged'], [false, 20, 'print smudged'], [false, 20, 'torn'], [false, 20, 'creased'], [false, 20, 'creased'],
    ]);
    // Asked again with the same reason: the request made before, saying how to ask for another.
    const repeat = JSON.parse((await refund(o.id, 'torn', 'POSTER-18X24-MATTE', 1)).stdout);
    expect(repeat).toMatchObject({ state: 'sent', new: false, hint: expect.stringContaining('different --reason') });
    await askedOnce(r.ordermesh_order_id!);
  });

  it("the item's last unit takes exactly what is left: three 1-unit refunds of 10.00 for 3 units are 3.33, 3.33 and 3.34", async () => {
    // 3 mugs at 5.00 with 5.00 off: 10.00 paid for the three.
    const discounted = { ...line('MUG-11OZ-WHITE', 3, 1, '5.00'), discountAllocations: [{ allocatedAmountSet: usd('5.00') }] as never };
    const { o, r } = await submitted(shipping('6.00'), [discounted]);
    const mug = await itemOf(r.safe_id, 'MUG-11OZ-WHITE');
    for (const n of [1, 2, 3]) expect((await refund(o.id, `damaged unit ${n}`, 'MUG-11OZ-WHITE', 1)).code).toBe(0);
    expect(await refundsOf(r.safe_id, mug.id)).toEqual([[false, 3.33, 'damaged unit 1'], [false, 3.33, 'damaged unit 2'], [false, 3.34, 'damaged unit 3']]);
    await askedOnce(r.ordermesh_order_id!);
  });
});
