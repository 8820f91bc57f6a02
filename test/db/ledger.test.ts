import { beforeEach, describe, expect, it } from 'vitest';
import { transitionMany } from '../../src/db/batch-transitions.ts';
import { migrateToLatest } from '../../src/db/migrate.ts';
import { claimPendingOrders, detectChanges, ingestOrders, orderOutcomes, payloadHash, recordEvents, staleOrMissing, transition } from '../../src/db/orders.ts';
import type { OrderState } from '../../src/db/schema.ts';
import { order } from '../mapping/cases.ts';
import { freshDb } from '../helpers/db.ts';

/**
 * The ledger's rules, called directly on a real PostgreSQL (no service, no simulators): what each
 * function must do, declared case by case. Fast enough to judge every mutant of src/db/.
 */
const { db } = await freshDb();
await migrateToLatest(db);
const STORE = 'ledger-store';
await db.insertInto('stores').values({ id: STORE, platform: 'shopify', shop_domain: 'l.myshopify.com', merchant_id: 'm', mapping_module: 'shopify-default', enabled: true, credentials_ref: 'env' }).onConflict((oc) => oc.doNothing()).execute();

let n = 0;
const fresh = (over: Parameters<typeof order>[0] = {}) => order({ id: `gid://shopify/Order/${7_000_000 + ++n}`, name: `#L${n}`, createdAt: '2026-11-20T10:00:00Z', updatedAt: '2026-11-20T10:05:00Z', ...over });
const ingest = (orders: ReturnType<typeof fresh>[], holdMinutes = 0) => db.transaction().execute((trx) => ingestOrders(trx, { id: STORE, holdMinutes }, orders, 'test'));
const row = (id: string) => db.selectFrom('orders').selectAll().where('store_order_id', '=', id).executeTakeFirstOrThrow();
const events = async (orderId: string) => (await db.selectFrom('events').select(['kind', 'from_state', 'to_state', 'reason_code', 'actor']).where('order_id', '=', orderId).orderBy('id').execute());
const setState = (id: string, state: OrderState, more: Record<string, unknown> = {}) => db.updateTable('orders').set({ state, ...more } as never).where('store_order_id', '=', id).execute();
const later = (o: ReturnType<typeof fresh>, over: Parameters<typeof order>[0]) => ({ ...o, updatedAt: '2026-11-20T11:00:00Z', ...over });

beforeEach(async () => {
  await db.deleteFrom('events').execute();
  await db.deleteFrom('orders').execute();
});

describe('ingest', () => {
  it('records new orders as pending with their hold window and an event each, and counts what it did', async () => {
    const a = fresh();
    const b = fresh({ createdAt: '2026-11-20T12:00:00Z' });
    expect(await ingest([a, b], 10)).toEqual({ inserted: 2, updated: 0, unchanged: 0, changes: [] });
    const r = await row(b.id);
    expect([r.state, r.store_order_name, r.hold_until?.toISOString(), r.store_updated_at?.toISOString()]).toEqual(['pending', b.name, '2026-11-20T12:10:00.000Z', '2026-11-20T10:05:00.000Z']);
    expect(r.safe_id).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(await events(r.id)).toEqual([{ kind: 'ingested', from_state: null, to_state: 'pending', reason_code: null, actor: 'test' }]);
    // The same copy again, or an older one, changes nothing.
    expect(await ingest([a, b])).toEqual({ inserted: 0, updated: 0, unchanged: 2, changes: [] });
    expect(await ingest([{ ...a, note: 'older', updatedAt: '2026-11-19T00:00:00Z' }])).toEqual({ inserted: 0, updated: 0, unchanged: 1, changes: [] });
    expect((await row(a.id)).store_payload).toMatchObject({ note: null });
  });

  it('keeps the newest of several copies of one order in a batch, the last of equals, and its poison only', async () => {
    const a = fresh();
    await ingest([later(a, { note: 'newest' }), a, { ...a, note: 'oldest', updatedAt: '2026-11-20T09:00:00Z' }]);
    expect((await row(a.id)).store_payload).toMatchObject({ note: 'newest' });
    const b = fresh();
    await ingest([b, later(b, { note: 'first of two' }), later(b, { note: 'second of two' })]);
    expect((await row(b.id)).store_payload).toMatchObject({ note: 'second of two' });
    const c = fresh();
    await ingest([{ ...c, note: 'x\u0000' }, later(c, { note: 'fixed' })]);
    expect(await row(c.id)).toMatchObject({ state: 'pending', last_error_code: null });
    expect(await ingest([])).toEqual({ inserted: 0, updated: 0, unchanged: 0, changes: [] });
  });

  it('takes a copy with the same update time but other content as a change', async () => {
    const a = fresh();
    await ingest([a]);
    expect(await ingest([{ ...a, note: 'same second, new note' }])).toEqual({ inserted: 0, updated: 1, unchanged: 0, changes: [] });
    expect((await events((await row(a.id)).id)).at(-1)).toMatchObject({ reason_code: 'STORE_ORDER_CHANGED' });
    const message = await db.selectFrom('events').select('message').where('reason_code', '=', 'STORE_ORDER_CHANGED').orderBy('id', 'desc').executeTakeFirstOrThrow();
    expect(message.message).toBe('changed in the store before submission: mapped again');
  });

  it('records a new order once when two ingests race for it', async () => {
    const a = fresh();
    const [x, y] = await Promise.all([ingest([a]), ingest([a])]);
    expect([x.inserted + y.inserted, x.unchanged + y.unchanged]).toEqual([1, 1]);
    expect(await events((await row(a.id)).id)).toHaveLength(1);
  });

  it('maps a changed order again before submission, from any pre-submission state, with its attempts reset', async () => {
    for (const state of ['pending', 'failed_mapping', 'rejected', 'skipped', 'failed'] as const) {
      const a = fresh();
      await ingest([a]);
      await setState(a.id, state, { attempts: 3, last_error_code: 'X', next_attempt_at: new Date() });
      expect(await ingest([later(a, { note: 'changed' })])).toEqual({ inserted: 0, updated: 1, unchanged: 0, changes: [] });
      const r = await row(a.id);
      expect([r.state, r.attempts, r.last_error_code, r.next_attempt_at], state).toEqual(['pending', 0, null, null]);
      expect((await events(r.id)).at(-1)).toMatchObject({ kind: 'state', to_state: 'pending', reason_code: 'STORE_ORDER_CHANGED' });
    }
  });

  it('records an order with text PostgreSQL cannot store as INVALID_TEXT, new or changed', async () => {
    const bad = fresh({ note: 'a\u0000b' });
    await ingest([bad]);
    expect(await row(bad.id)).toMatchObject({ state: 'failed_mapping', last_error_code: 'INVALID_TEXT' });
    expect((await row(bad.id)).last_error_message).toContain('note');
    expect((await events((await row(bad.id)).id))[0]).toMatchObject({ kind: 'ingested', to_state: 'failed_mapping', reason_code: 'INVALID_TEXT' });
    const ingested = await db.selectFrom('events').select('message').where('order_id', '=', (await row(bad.id)).id).executeTakeFirstOrThrow();
    expect(ingested.message).toBe('text with a NUL or an unpaired surrogate at note: fix it in the store (the order is read again when it changes)');
    const many = fresh({ tags: Array.from({ length: 12 }, (_, i) => `t${i}\u0000`) });
    await ingest([many]);
    expect((await row(many.id)).last_error_message).toBe(`text with a NUL or an unpaired surrogate at ${Array.from({ length: 10 }, (_, i) => `tags[${i}]`).join(', ')}: fix it in the store (the order is read again when it changes)`);
    const good = fresh();
    await ingest([good]);
    await ingest([later(good, { note: 'x\u0000' })]);
    expect(await row(good.id)).toMatchObject({ state: 'failed_mapping', last_error_code: 'INVALID_TEXT' });
  });

  it('hands back the changes OrderMesh must hear of, for orders it has, and only real ones', async () => {
    const a = fresh();
    await ingest([a]);
    const r = await row(a.id);
    let minute = 0;
    const next = () => `2026-11-21T10:${String(++minute).padStart(2, '0')}:00Z`;
    for (const state of ['submitted', 'in_production', 'needs_attention'] as const) {
      await setState(a.id, state, { ordermesh_order_id: 'om-1' });
      // A tag, the same address read back with its keys in another order, a blank line as '' for null: nothing.
      const reordered = Object.fromEntries(Object.entries(a.shippingAddress!).reverse()) as NonNullable<typeof a.shippingAddress>;
      const same = await ingest([{ ...a, updatedAt: next(), tags: [state], shippingAddress: { ...reordered, address2: a.shippingAddress!.address2 ?? '' } }]);
      expect(same, state).toEqual({ inserted: 0, updated: 1, unchanged: 0, changes: [] });
      a.updatedAt = next();
      a.shippingAddress = { ...a.shippingAddress!, address1: `${state} St` };
      expect((await ingest([a])).changes, state).toEqual([{ orderId: r.id, kind: 'address' }]);
    }
    const cancelled = await ingest([{ ...a, updatedAt: '2026-11-22T13:00:00Z', cancelledAt: '2026-11-22T13:00:00Z' }]);
    expect(cancelled.changes).toEqual([{ orderId: r.id, kind: 'cancel' }]);
    // Parked before OrderMesh had it, or done: the change is recorded, nothing to carry over.
    await setState(a.id, 'needs_attention', { ordermesh_order_id: null });
    expect((await ingest([{ ...a, updatedAt: '2026-11-22T14:00:00Z', cancelledAt: '2026-11-22T13:00:00Z', shippingAddress: { ...a.shippingAddress!, city: 'Elsewhere' } }])).changes).toEqual([]);
    await setState(a.id, 'fulfilled', { ordermesh_order_id: 'om-1' });
    expect((await ingest([{ ...a, updatedAt: '2026-11-22T15:00:00Z', cancelledAt: '2026-11-22T13:00:00Z', shippingAddress: { ...a.shippingAddress!, city: 'Again' } }])).changes).toEqual([]);
  });
});

describe('detecting changes', () => {
  const base = order();
  it('tells a cancellation, then an address change by value, and nothing else', () => {
    expect(detectChanges('1', base, { ...base, cancelledAt: 'now' })).toEqual([{ orderId: '1', kind: 'cancel' }]);
    expect(detectChanges('1', { ...base, cancelledAt: 'then' }, { ...base, cancelledAt: 'then' })).toEqual([]);
    expect(detectChanges('1', base, { ...base, shippingAddress: { ...base.shippingAddress!, zip: '00000' } })).toEqual([{ orderId: '1', kind: 'address' }]);
    expect(detectChanges('1', base, { ...base, shippingAddress: null })).toEqual([{ orderId: '1', kind: 'address' }]);
    expect(detectChanges('1', null, base)).toEqual([{ orderId: '1', kind: 'address' }]);
    expect(detectChanges('1', base, { ...base, tags: ['x'], note: 'y' })).toEqual([]);
    expect(detectChanges('1', base, { ...base, shippingAddress: { ...base.shippingAddress!, company: '  ' } })).toEqual([]);
    // Addresses the schema cannot read are compared as they are.
    expect(detectChanges('1', { ...base, shippingAddress: { x: 1 } as never }, { ...base, shippingAddress: { x: 2 } as never })).toEqual([{ orderId: '1', kind: 'address' }]);
    expect(detectChanges('1', { ...base, shippingAddress: { x: 1 } as never }, { ...base, shippingAddress: { x: 1 } as never })).toEqual([]);
  });
});

describe('the payload fingerprint', () => {
  it('ignores what changes on every read and key order, and nothing else', () => {
    const o = order();
    const h = payloadHash(o);
    expect(payloadHash({ ...o, updatedAt: 'later', displayFulfillmentStatus: 'FULFILLED' } as never)).toBe(h);
    expect(payloadHash({ ...o, lineItems: o.lineItems.map((li) => ({ ...li, unfulfilledQuantity: 0 })) })).not.toBe(h);
    expect(payloadHash(Object.fromEntries(Object.entries(o).reverse()) as never)).toBe(h);
    expect(payloadHash({ ...o, note: 'n' })).not.toBe(h);
    expect(payloadHash({ ...o, lineItems: o.lineItems.map((li) => ({ ...li, quantity: 2 })) })).not.toBe(h);
    expect(payloadHash({ id: 'gid://shopify/Order/1', lineItems: 'broken' } as never)).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(payloadHash({ id: 'gid://shopify/Order/1', lineItems: [null, 3] } as never)).not.toBe(payloadHash({ id: 'gid://shopify/Order/1', lineItems: [{}, 3] } as never));
  });
});

describe('claiming', () => {
  it('claims only due pending orders, up to the limit, in id order, each once, with an event', async () => {
    const due = [fresh(), fresh(), fresh()];
    const held = fresh({ createdAt: new Date(Date.now()).toISOString() });
    const waiting = fresh();
    const failed = fresh();
    await ingest([...due, waiting, failed]);
    await ingest([held], 60);
    await setState(waiting.id, 'pending', { next_attempt_at: new Date(Date.now() + 60_000) });
    await setState(failed.id, 'failed_mapping');
    const first = await claimPendingOrders(db, STORE, 2, 'w1', 300);
    expect(first.map((c) => c.store_order_id)).toEqual([due[0]!.id, due[1]!.id]);
    expect(first.map((c) => [c.state, c.attempts])).toEqual([['submitting', 1], ['submitting', 1]]);
    const second = await claimPendingOrders(db, STORE, 10, 'w2', 300);
    expect(second.map((c) => c.store_order_id)).toEqual([due[2]!.id]);
    expect(await claimPendingOrders(db, 'other-store', 10, 'w3', 300)).toEqual([]);
    expect((await events(first[0]!.id)).at(-1)).toEqual({ kind: 'state', from_state: 'pending', to_state: 'submitting', reason_code: null, actor: 'w1' });
    await setState(waiting.id, 'pending', { next_attempt_at: new Date(Date.now() - 1000) });
    expect((await claimPendingOrders(db, STORE, 10, 'w4', 300)).map((c) => c.store_order_id)).toEqual([waiting.id]);
  });

  it('gives two concurrent claims disjoint orders', async () => {
    await ingest(Array.from({ length: 40 }, () => fresh()));
    const [a, b] = await Promise.all([claimPendingOrders(db, STORE, 25, 'a', 300), claimPendingOrders(db, STORE, 25, 'b', 300)]);
    const ids = [...a, ...b].map((c) => c.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.length).toBe(40);
  });
});

describe('transitions', () => {
  it('move an order only from the state it is in, with its event and the columns given', async () => {
    const a = fresh();
    await ingest([a]);
    const r = await row(a.id);
    expect(await transition(db, r, ['submitted'], 'fulfilled', { actor: 't' })).toBe(false);
    expect(await transition(db, r, ['pending', 'submitted'], 'failed', { actor: 't', reason: 'WHY', message: 'because', set: { last_error_code: 'WHY' } })).toBe(true);
    expect(await row(a.id)).toMatchObject({ state: 'failed', last_error_code: 'WHY' });
    expect((await events(r.id)).at(-1)).toEqual({ kind: 'state', from_state: null, to_state: 'failed', reason_code: 'WHY', actor: 't' });
    expect(await transition(db, r, ['failed'], 'pending', { actor: 't' })).toBe(true);
    expect((await events(r.id)).at(-1)).toMatchObject({ from_state: 'failed', to_state: 'pending' });
  });

  it('in a batch: guarded by the state, only the columns named, null clears, one event per move, store changes since the claim told', async () => {
    const [a, b, c] = [fresh(), fresh(), fresh()];
    await ingest([a, b, c]);
    const claimed = await claimPendingOrders(db, STORE, 2, 'w', 300);
    const [ra, rb] = claimed;
    await db.updateTable('orders').set({ last_error_message: 'keep me', mapped_hash: 'h0' }).where('id', '=', ra!.id).execute();
    await db.updateTable('orders').set({ payload_hash: 'changed-in-the-store' }).where('id', '=', rb!.id).execute();
    const rc = await row(c.id); // still pending: the guard must leave it alone
    const moved = await transitionMany(db, 'submitting', [
      { order: ra!, to: 'submitted', claimedHash: ra!.payload_hash, reason: 'R', message: 'm', set: { ordermesh_order_id: 'om-a', attempts: 7, mapped_hash: null, next_poll_at: new Date('2026-12-01T00:00:00Z'), mapped_payload: { x: 1 } } },
      { order: rb!, to: 'rejected', claimedHash: ra!.payload_hash, set: { last_error_code: 'E' }, data: { fieldErrors: { a: ['b'] } } },
      { order: rc, to: 'submitted', set: { ordermesh_order_id: 'never' } },
    ], 'w');
    expect(moved.sort((x, y) => Number(x.id) - Number(y.id))).toEqual([{ id: ra!.id, changed: false }, { id: rb!.id, changed: true }]);
    const after = await row(a.id);
    expect([after.state, after.ordermesh_order_id, after.attempts, after.mapped_hash, after.last_error_message, after.next_poll_at?.toISOString(), after.mapped_payload]).toEqual(['submitted', 'om-a', 7, null, 'keep me', '2026-12-01T00:00:00.000Z', { x: 1 }]);
    expect((await row(b.id))).toMatchObject({ state: 'rejected', last_error_code: 'E' });
    expect((await row(c.id))).toMatchObject({ state: 'pending', ordermesh_order_id: null });
    expect((await events(ra!.id)).at(-1)).toEqual({ kind: 'state', from_state: 'submitting', to_state: 'submitted', reason_code: 'R', actor: 'w' });
    expect((await db.selectFrom('events').select('message').where('order_id', '=', ra!.id).where('to_state', '=', 'submitted').executeTakeFirstOrThrow()).message).toBe('m');
    const data = await db.selectFrom('events').select('data').where('order_id', '=', rb!.id).where('to_state', '=', 'rejected').executeTakeFirstOrThrow();
    expect(data.data).toEqual({ fieldErrors: { a: ['b'] } });
    // No state given: the columns change, the state stays, no event.
    const before = (await events(ra!.id)).length;
    expect(await transitionMany(db, 'submitted', [{ order: ra!, set: { mapped_payload: null } }], 'w')).toEqual([{ id: ra!.id, changed: false }]);
    expect(await row(a.id)).toMatchObject({ state: 'submitted', mapped_payload: null });
    expect((await events(ra!.id)).length).toBe(before);
    expect(await transitionMany(db, 'submitted', [], 'w')).toEqual([]);
  });
});

describe('reads', () => {
  it('finds the orders the ledger lacks or holds an older copy of, and where orders stand', async () => {
    const a = fresh();
    await ingest([a]);
    const stale = await staleOrMissing(db, STORE, [
      { id: a.id, updatedAt: a.updatedAt },
      { id: a.id.replace(/\d+$/, '1'), updatedAt: a.updatedAt },
      { id: a.id, updatedAt: '2026-11-20T10:05:01Z' },
    ]);
    expect(stale).toEqual([a.id.replace(/\d+$/, '1'), a.id]);
    expect(await staleOrMissing(db, STORE, [])).toEqual([]);
    // Held without an update time: any copy is newer.
    await db.updateTable('orders').set({ store_updated_at: null }).where('store_order_id', '=', a.id).execute();
    expect(await staleOrMissing(db, STORE, [{ id: a.id, updatedAt: '2000-01-01T00:00:00Z' }])).toEqual([a.id]);
    const r = await row(a.id);
    await setState(a.id, 'failed_mapping', { last_error_code: 'MISSING_SKU', last_error_message: 'no sku' });
    expect(await orderOutcomes(db, [r.id])).toEqual(new Map([[r.id, { state: 'failed_mapping', reason: 'MISSING_SKU', message: 'no sku' }]]));
    expect(await orderOutcomes(db, [])).toEqual(new Map());
  });

  it('records several events in one statement, none for none', async () => {
    const a = fresh();
    await ingest([a]);
    const r = await row(a.id);
    await recordEvents(db, [
      { orderId: r.id, storeId: STORE, kind: 'warning', reason: 'W1', message: 'one', actor: 'x', data: { k: 1 } },
      { orderId: r.id, kind: 'warning', reason: 'W2', actor: 'x' },
    ]);
    await recordEvents(db, []);
    const got = await db.selectFrom('events').select(['reason_code', 'message', 'store_id', 'data']).where('order_id', '=', r.id).where('kind', '=', 'warning').orderBy('id').execute();
    expect(got).toEqual([{ reason_code: 'W1', message: 'one', store_id: STORE, data: { k: 1 } }, { reason_code: 'W2', message: null, store_id: null, data: null }]);
  });
});
