import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { claimPendingOrders, renewClaim, transition } from '../../src/db/orders.ts';
import type { JobDeps } from '../../src/jobs/deps.ts';
import { pullOrders } from '../../src/jobs/pull-orders.ts';
import { reconcileSubmitting } from '../../src/jobs/reconcile-submitting.ts';
import { submitOrders } from '../../src/jobs/submit-orders.ts';
import { createLogger } from '../../src/log.ts';
import { freshDb } from '../helpers/db.ts';
import { clientFor, ordermeshSim, setFaults, simState } from '../helpers/ordermesh.ts';
import { pgProxy } from '../helpers/pg-proxy.ts';
import { config, duplicateCreates, eventually, pipelineConfigObject, startPipeline, stateCounts, STORE_ID } from '../helpers/pipeline.ts';
import { explicitOrder, seedOrders, shopifySim } from '../helpers/shopify.ts';

/**
 * A submission whose claim runs out while its worker has lost the database (a restart, a partition):
 * worker A reaches PostgreSQL through a proxy the test cuts or pauses, worker B (reconcile-submitting,
 * a second submit) directly. Judged from the OrderMesh simulator's counts: no safeId gets a second
 * create request that was answered, and every order ends submitted once.
 */
const LEASE_SECONDS = 1;
const { url: dbUrl, db } = await freshDb();
const proxy = await pgProxy(dbUrl);
const om = await ordermeshSim();
const shop = await shopifySim({ restoreRate: 1000 });
const base = pipelineConfigObject(om, shop);
const cfg = config({ ...base, jobs: { ...base.jobs, stuckSubmittingSeconds: LEASE_SECONDS } });
const serviceA = await startPipeline(cfg, proxy.url, { workers: false });
const serviceB = await startPipeline(cfg, dbUrl, { workers: false });
const warnings: Array<Record<string, unknown>> = [];
// One attempt, no Retry-After waits: a create call's longest time (longestCallMs) is two timeouts, 10 s,
// which the test waits out once; the workers of one deployment share the client's settings.
const ordermeshOf = () => clientFor(om, { timeoutMs: 5_000, retry: { maxAttempts: 1, maxRetryAfterMs: 0 } });
const workerA: JobDeps = { ...serviceA.deps, ordermesh: ordermeshOf(), log: createLogger({ level: 'warn', destination: { write: (s: string) => void warnings.push(JSON.parse(s)) } }) };
const workerB: JobDeps = { ...serviceB.deps, ordermesh: ordermeshOf() };

const bulkRequests = async () => ((await simState(om)).counts.requests.createOrdersBulk as number | undefined) ?? 0;

/** Waits until every `submitting` order's claim ran out more than `graceMs` ago, by the database's clock. */
function untilClaimsLapsed(graceMs: number) {
  const lapsed = async () => {
    const r = await sql<{ lapsed: boolean }>`select coalesce(bool_and(claimed_until < now() - make_interval(secs => ${graceMs / 1000})), false) as lapsed from orders where state = 'submitting'`.execute(db);
    return r.rows[0]!.lapsed;
  };
  return eventually(lapsed, async () => JSON.stringify(await stateCounts(db)), 30_000);
}

async function expectEachCreatedOnce(submitted: number) {
  const st = await simState(om);
  expect(duplicateCreates(st)).toEqual([]);
  expect(Object.values(st.createRequestsBySafeId)).toEqual(Array(submitted).fill(1));
  expect(st.orders).toHaveLength(submitted);
  expect(await stateCounts(db)).toEqual({ submitted });
}

describe('a submission claim that ran out while its worker lost the database', () => {
  it('is not resolved while a create sent under it can still be on its way: no second create', async () => {
    await seedOrders(shop, { orders: ['#FLIGHT1', '#FLIGHT2'].map((name) => explicitOrder({ name })) });
    await pullOrders(workerA, STORE_ID);
    // Answered after four leases, within the client's timeout: the create is in flight when the claim runs out.
    await setFaults(om, { createOrdersBulk: { latencyMs: 4_000 } });
    // Worker A may hear OrderMesh's answer while it cannot record it (its job then fails, to be run again).
    const submitting = submitOrders(workerA, STORE_ID).catch((err: unknown) => err);
    await eventually(async () => (await bulkRequests()) === 1, async () => JSON.stringify(await stateCounts(db)), 10_000);
    await proxy.cut();
    await untilClaimsLapsed(0);

    await reconcileSubmitting(workerB);
    // OrderMesh had not taken worker A's create yet: a read by safeId found nothing.
    expect((await simState(om)).orders).toHaveLength(0);
    await submitOrders(workerB, STORE_ID);

    await proxy.restore();
    await submitting;
    await setFaults(om, {});
    // What worker A could not record is settled by reading OrderMesh, once its create is surely over.
    if ((await stateCounts(db)).submitting) {
      await untilClaimsLapsed(workerB.ordermesh.longestCallMs);
      await reconcileSubmitting(workerB);
    }
    await expectEachCreatedOnce(2);
  });

  it('stops its worker from sending: reconcile finds nothing by safeId and the orders are created once', async () => {
    await seedOrders(shop, { orders: ['#LATE1', '#LATE2'].map((name) => explicitOrder({ name })) });
    await pullOrders(workerA, STORE_ID);
    // The merchant's holds are read slowly: worker A is between its claim and its send when it loses the database.
    await setFaults(shop, { HeldFulfillmentOrders: { latencyMs: 2_000 } });
    const submitting = submitOrders(workerA, STORE_ID);
    await eventually(async () => (await stateCounts(db)).submitting === 2, async () => JSON.stringify(await stateCounts(db)), 10_000);
    proxy.pause();
    const mapped = await db.selectFrom('orders').select('id').where('state', '=', 'submitting').where('mapped_payload', 'is not', null).execute();
    expect(mapped, 'worker A wrote its mapping before the pause: the test did not catch it before its send').toEqual([]);
    await setFaults(shop, {});

    // Once no create of worker A's can be on its way, worker B resolves the orders and submits them.
    await untilClaimsLapsed(workerB.ordermesh.longestCallMs);
    expect((await reconcileSubmitting(workerB)).resolved).toBe(2);
    await submitOrders(workerB, STORE_ID);

    // Worker A gets the database back: its mapping is written, and its claim is long gone.
    proxy.resume();
    await submitting;
    await expectEachCreatedOnce(4);
    expect(warnings.filter((w) => w.reason === 'SUBMIT_CLAIM_LAPSED').map((w) => w.orders)).toEqual([2]);
  });

  it('is never renewed again, nor is a claim another submission took on its orders since', async () => {
    await seedOrders(shop, { orders: [explicitOrder({ name: '#RENEW1' })] });
    await pullOrders(workerB, STORE_ID);
    const [order] = await claimPendingOrders(db, STORE_ID, 10, 'test:a', LEASE_SECONDS);
    const renewed = await renewClaim(db, [order!.id], LEASE_SECONDS, order!.claimed_until!);
    expect(renewed).not.toBeNull();
    await untilClaimsLapsed(0);
    expect(await renewClaim(db, [order!.id], LEASE_SECONDS, renewed!)).toBeNull();

    await transition(db, order!, ['submitting'], 'pending', { actor: 'test:reconcile', reason: 'RESOLVED_BY_SAFE_ID' });
    const [again] = await claimPendingOrders(db, STORE_ID, 10, 'test:b', 300);
    expect(await renewClaim(db, [order!.id], LEASE_SECONDS, renewed!)).toBeNull();
    const row = await db.selectFrom('orders').select('claimed_until').where('id', '=', order!.id).executeTakeFirstOrThrow();
    expect(row.claimed_until).toEqual(again!.claimed_until);
  });
});
