import { describe, expect, it } from 'vitest';
import { pullOrders } from '../../src/jobs/pull-orders.ts';
import { submitOrders } from '../../src/jobs/submit-orders.ts';
import { freshDb } from '../helpers/db.ts';
import { ordermeshSim, setFaults, simState } from '../helpers/ordermesh.ts';
import { config, pipelineConfigObject, startPipeline, STORE_ID } from '../helpers/pipeline.ts';
import { explicitOrder, seedOrders, shopifySim } from '../helpers/shopify.ts';

/**
 * One retry layer per upstream call (issue 35): a submission batch against an OrderMesh that is dead
 * costs the client's short budget (a bulk create tried twice, one read by safeId), not five attempts
 * per call and five reads per order; every order waits for its own next attempt (pending, the attempt
 * counted, next_attempt_at set), none lost, none rejected. Calls counted by the OrderMesh simulator;
 * the dead connection (nothing listening) by the clock and the ledger. A create answered 500 may have
 * been made, so those orders are marked unconfirmed, and their next attempt costs the batch one read
 * by safeId and no create; a refused connection made nothing, and marks none.
 */
const BATCH = 5;
/** The client's two attempts with their backoff (at most 1 s) and one read, with room for a loaded machine. */
const BATCH_BUDGET_MS = 5_000;
const { url: dbUrl, db } = await freshDb();
const om = await ordermeshSim();
const shop = await shopifySim({ restoreRate: 1000 });
const service = await startPipeline(config(pipelineConfigObject(om, shop)), dbUrl, { workers: false });

const rowsOf = (names: string[]) => db.selectFrom('orders').select(['state', 'attempts', 'next_attempt_at', 'last_error_code', 'ordermesh_order_id', 'create_unconfirmed']).where('store_order_name', 'in', names).execute();

/** Places `BATCH` orders in the store and pulls them into the ledger: pending, due now. */
async function pendingOrders(tag: string): Promise<string[]> {
  const names = Array.from({ length: BATCH }, (_, i) => `#${tag}${i}`);
  await seedOrders(shop, { orders: names.map((name) => explicitOrder({ name })) });
  await pullOrders(service.deps, STORE_ID);
  expect((await rowsOf(names)).map((r) => r.state)).toEqual(Array(BATCH).fill('pending'));
  return names;
}

/** The OrderMesh calls made since `before` (the simulator's request counts). */
async function callsSince(before: Record<string, number>): Promise<Record<string, number>> {
  const after = (await simState(om)).counts.requests as Record<string, number>;
  return Object.fromEntries(Object.keys(after).map((k) => [k, after[k]! - (before[k] ?? 0)]).filter(([, n]) => n));
}

async function submitTimed(): Promise<{ ms: number; outcomes: Record<string, number> }> {
  const t0 = Date.now();
  const { outcomes } = await submitOrders(service.deps, STORE_ID);
  return { ms: Date.now() - t0, outcomes };
}

/** Every order of the batch back to pending for its next attempt, its `attempts` counted; none rejected or lost. */
async function expectEachWaitsForItsNextAttempt(names: string[], startedAt: number, reason: string, expected: { attempts: number; unconfirmed: boolean }): Promise<void> {
  const rows = await rowsOf(names);
  expect(rows).toHaveLength(BATCH);
  for (const r of rows) {
    expect({ state: r.state, attempts: r.attempts, reason: r.last_error_code, ordermeshOrderId: r.ordermesh_order_id, unconfirmed: r.create_unconfirmed }).toEqual({ state: 'pending', attempts: expected.attempts, reason, ordermeshOrderId: null, unconfirmed: expected.unconfirmed });
    expect(r.next_attempt_at!.getTime()).toBeGreaterThan(startedAt);
  }
}

/** Their retry delay is over (rather than waited out). */
async function dueNow(names: string[]): Promise<void> {
  await db.updateTable('orders').set({ next_attempt_at: new Date() }).where('store_order_name', 'in', names).execute();
}

describe('a submission batch against a dead OrderMesh', () => {
  let dead: string[] = [];

  it('answering 500 to every call: two create requests and one read by safeId, within seconds; each order pending with its attempt counted, unconfirmed', async () => {
    const names = await pendingOrders('DEAD');
    dead = names;
    // The token was had before OrderMesh died (else no create is sent at all: the next test's case).
    await service.deps.ordermesh.getOrderBySafeId('warm-up');
    const before = (await simState(om)).counts.requests;
    await setFaults(om, { '*': { status500: 1 } });
    const startedAt = Date.now();
    const { ms, outcomes } = await submitTimed();
    await fetch(`${om.url}/_sim/faults`, { method: 'DELETE' });
    expect(await callsSince(before)).toEqual({ createOrdersBulk: 2, getOrderBySafeId: 1 });
    expect(outcomes).toEqual({ transient: BATCH });
    expect(ms).toBeLessThan(BATCH_BUDGET_MS);
    await expectEachWaitsForItsNextAttempt(names, startedAt, 'ORDERMESH_SERVER_ERROR', { attempts: 1, unconfirmed: true });
    expect((await simState(om)).counts.orders).toBe(0);
  });

  it('still answering 500, the next attempt of those unconfirmed orders: one read by safeId and no create; each pending with its attempt counted, still unconfirmed', async () => {
    await dueNow(dead);
    const before = (await simState(om)).counts.requests;
    await setFaults(om, { '*': { status500: 1 } });
    const startedAt = Date.now();
    const { ms, outcomes } = await submitTimed();
    await fetch(`${om.url}/_sim/faults`, { method: 'DELETE' });
    expect(await callsSince(before)).toEqual({ getOrderBySafeId: 1 });
    expect(outcomes).toEqual({ transient: BATCH });
    expect(ms).toBeLessThan(BATCH_BUDGET_MS);
    await expectEachWaitsForItsNextAttempt(dead, startedAt, 'ORDERMESH_SERVER_ERROR', { attempts: 2, unconfirmed: true });
    // Out of the next case's batch, which counts its own orders.
    await db.updateTable('orders').set({ next_attempt_at: new Date(Date.now() + 3_600_000) }).where('store_order_name', 'in', dead).execute();
  });

  it('refusing connections (nothing listening): the same short budget, each order pending with its attempt counted', async () => {
    const names = await pendingOrders('GONE');
    await om.close();
    const startedAt = Date.now();
    const { ms, outcomes } = await submitTimed();
    expect(outcomes).toEqual({ transient: BATCH });
    expect(ms).toBeLessThan(BATCH_BUDGET_MS);
    await expectEachWaitsForItsNextAttempt(names, startedAt, 'ORDERMESH_NETWORK', { attempts: 1, unconfirmed: false });
  });
});
