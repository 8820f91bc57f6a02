import { describe, expect, it } from 'vitest';
import { pullOrders } from '../../src/jobs/pull-orders.ts';
import { submitOrders } from '../../src/jobs/submit-orders.ts';
import { freshDb } from '../helpers/db.ts';
import { ordermeshSim, setFaults, simState } from '../helpers/ordermesh.ts';
import { config, duplicateCreates, pipelineConfigObject, startPipeline, STORE_ID } from '../helpers/pipeline.ts';
import { explicitOrder, seedOrders, shopifySim } from '../helpers/shopify.ts';

/**
 * An order whose create may have reached OrderMesh, and whose read by safeId after it failed too, is
 * read again before its next attempt creates anything (create_unconfirmed): a second create would be
 * hidden only by OrderMesh's refusal of a repeat (the chaos run of 2026-12-08: 34 safeIds with 3 to 5
 * create requests, 1 or 2 of them unanswered). Faults are injected once each, by the simulator.
 */
const { url: dbUrl, db } = await freshDb();
const om = await ordermeshSim();
const shop = await shopifySim({ restoreRate: 1000 });
const service = await startPipeline(config(pipelineConfigObject(om, shop)), dbUrl, { workers: false });

const rowOf = (name: string) => db.selectFrom('orders').select(['id', 'safe_id', 'state', 'attempts', 'ordermesh_order_id', 'create_unconfirmed', 'last_error_code']).where('store_order_name', '=', name).executeTakeFirstOrThrow();

/** Places one order in the store and pulls it into the ledger: pending, due now. */
async function pendingOrder(name: string) {
  await seedOrders(shop, { orders: [explicitOrder({ name })] });
  await pullOrders(service.deps, STORE_ID);
  const row = await rowOf(name);
  expect(row.state).toBe('pending');
  return row;
}

/** The order's retry delay is over (rather than waited out). */
async function dueNow(id: string): Promise<void> {
  await db.updateTable('orders').set({ next_attempt_at: new Date() }).where('id', '=', id).execute();
}

/** One submission run, with the OrderMesh calls it made (by the simulator's count) and its outcomes. */
async function submitCounted(): Promise<{ calls: Record<string, number>; outcomes: Record<string, number> }> {
  const before = (await simState(om)).counts.requests as Record<string, number>;
  const { outcomes } = await submitOrders(service.deps, STORE_ID);
  const after = (await simState(om)).counts.requests as Record<string, number>;
  const calls = Object.fromEntries(Object.keys(after).map((k) => [k, after[k]! - (before[k] ?? 0)]).filter(([, n]) => n));
  return { calls, outcomes };
}

async function ordersInOrderMesh(safeId: string): Promise<Array<{ orderId: string }>> {
  return (await simState(om)).orders.filter((o: { safeId: string }) => o.safeId === safeId);
}

describe('an order whose create may have reached OrderMesh, unread', () => {
  it('made, its answer lost and its read failed: the next attempt reads it and records it submitted, without a second create', async () => {
    const row = await pendingOrder('#UNCONFIRMED-MADE');
    // The bulk create is applied and its answer lost; the client's retry of it is refused as a repeat,
    // and the read by safeId that would settle it answers 500.
    await setFaults(om, { createOrdersBulk: { lostResponse: 1, count: 1 }, getOrderBySafeId: { status500: 1, count: 1 } });
    const first = await submitCounted();
    expect(first.outcomes).toEqual({ transient: 1 });
    expect(first.calls).toMatchObject({ createOrdersBulk: 2, getOrderBySafeId: 1 });
    expect(await rowOf('#UNCONFIRMED-MADE')).toMatchObject({ state: 'pending', create_unconfirmed: true, ordermesh_order_id: null });

    await dueNow(row.id);
    const second = await submitCounted();
    expect(duplicateCreates(await simState(om))).toEqual([]);
    expect(second.outcomes).toEqual({ existing: 1 });
    expect(second.calls).toEqual({ getOrderBySafeId: 1 });
    const made = await ordersInOrderMesh(row.safe_id);
    expect(made).toHaveLength(1);
    expect(await rowOf('#UNCONFIRMED-MADE')).toMatchObject({ state: 'submitted', create_unconfirmed: false, ordermesh_order_id: made[0]!.orderId });
  });

  it('not made (500s) and its read failed: a next attempt whose read fails too sends nothing; the one after reads it absent and creates it in that batch', async () => {
    const row = await pendingOrder('#UNCONFIRMED-NOT-MADE');
    // Both attempts of the bulk create answered 500 (the simulator makes nothing), then the read too.
    await setFaults(om, { createOrdersBulk: { status500: 1, count: 2 }, getOrderBySafeId: { status500: 1, count: 1 } });
    const first = await submitCounted();
    expect(first.outcomes).toEqual({ transient: 1 });
    expect(await rowOf('#UNCONFIRMED-NOT-MADE')).toMatchObject({ state: 'pending', attempts: 1, create_unconfirmed: true });

    await setFaults(om, { getOrderBySafeId: { status503: 1, count: 1 } });
    await dueNow(row.id);
    const unread = await submitCounted();
    expect(unread.outcomes).toEqual({ transient: 1 });
    expect(unread.calls).toEqual({ getOrderBySafeId: 1 });
    expect(await rowOf('#UNCONFIRMED-NOT-MADE')).toMatchObject({ state: 'pending', attempts: 2, create_unconfirmed: true, last_error_code: 'ORDERMESH_UNAVAILABLE' });

    await dueNow(row.id);
    const absent = await submitCounted();
    expect(absent.outcomes).toEqual({ created: 1 });
    expect(absent.calls).toEqual({ getOrderBySafeId: 1, createOrdersBulk: 1 });
    const made = await ordersInOrderMesh(row.safe_id);
    expect(made).toHaveLength(1);
    expect(await rowOf('#UNCONFIRMED-NOT-MADE')).toMatchObject({ state: 'submitted', create_unconfirmed: false, ordermesh_order_id: made[0]!.orderId });
    expect(duplicateCreates(await simState(om))).toEqual([]);
  });
});
