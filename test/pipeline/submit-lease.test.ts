import { describe, expect, it } from 'vitest';
import { claimPendingOrders } from '../../src/db/orders.ts';
import { pullOrders } from '../../src/jobs/pull-orders.ts';
import { reconcileSubmitting } from '../../src/jobs/reconcile-submitting.ts';
import { submitOrders } from '../../src/jobs/submit-orders.ts';
import { freshDb } from '../helpers/db.ts';
import { clientFor, ordermeshSim, setFaults, simState } from '../helpers/ordermesh.ts';
import { config, eventually, pipelineConfigObject, startPipeline, stateCounts, STORE_ID } from '../helpers/pipeline.ts';
import { explicitOrder, seedOrders, shopifySim } from '../helpers/shopify.ts';

const LEASE_SECONDS = 1;
const { url: dbUrl, db } = await freshDb();
const om = await ordermeshSim();
const shop = await shopifySim({ restoreRate: 1000 });
const base = pipelineConfigObject(om, shop);
const service = await startPipeline(config({ ...base, jobs: { ...base.jobs, stuckSubmittingSeconds: LEASE_SECONDS } }), dbUrl, { workers: false });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const resolvedBySafeId = async () => (await db.selectFrom('events').select('order_id').where('reason_code', '=', 'RESOLVED_BY_SAFE_ID').execute()).length;

describe('a submission claim', () => {
  it('is held while OrderMesh is slow to answer: reconcile leaves the live batch alone and nothing is sent twice', async () => {
    await seedOrders(shop, { orders: ['#SLOW1', '#SLOW2', '#SLOW3'].map((name) => explicitOrder({ name })) });
    await pullOrders(service.deps, STORE_ID);
    // The bulk create is answered after three leases: the batch is submitting all that time.
    await setFaults(om, { createOrdersBulk: { latencyMs: 3_500 } });
    let done = false;
    const submitting = submitOrders(service.deps, STORE_ID).finally(() => (done = true));
    await eventually(async () => (await stateCounts(db)).submitting === 3, async () => JSON.stringify(await stateCounts(db)), 10_000);
    let resolved = 0;
    let runs = 0;
    while (!done) {
      await sleep(400);
      resolved += (await reconcileSubmitting(service.deps)).resolved;
      runs++;
    }
    await submitting;
    expect(runs).toBeGreaterThanOrEqual(5); // reconcile ran well past the lease while the batch was in flight
    expect(resolved).toBe(0);
    expect(await resolvedBySafeId()).toBe(0);
    // Whatever a second submit finds, nothing goes out again: one create request per safeId, counted by OrderMesh.
    await submitOrders(service.deps, STORE_ID);
    const st = await simState(om);
    expect(Object.values(st.createRequestsBySafeId)).toEqual([1, 1, 1]);
    expect(await stateCounts(db)).toEqual({ submitted: 3 });
  });

  it('runs out when nobody renews it (a worker died mid-batch): reconcile then asks OrderMesh and puts the orders back', async () => {
    await seedOrders(shop, { orders: ['#DEAD1', '#DEAD2'].map((name) => explicitOrder({ name })) });
    await pullOrders(service.deps, STORE_ID);
    // Reconcile waits the lease and then the longest a create sent under it can take (the dead worker's
    // last create may still be on its way): a client of one 1 s attempt keeps that wait short here.
    const ordermesh = clientFor(om, { timeoutMs: 1_000, retry: { maxAttempts: 1, baseDelayMs: 20, maxDelayMs: 20, maxRetryAfterMs: 0 } });
    const deps = { ...service.deps, ordermesh };
    const claimed = await claimPendingOrders(db, STORE_ID, 10, 'test:dead-worker', LEASE_SECONDS);
    expect(claimed).toHaveLength(2);
    expect((await reconcileSubmitting(deps)).resolved).toBe(0); // within its lease
    await sleep(LEASE_SECONDS * 1000 + ordermesh.longestCallMs + 300);
    expect((await reconcileSubmitting(deps)).resolved).toBe(2);
    expect(await resolvedBySafeId()).toBe(2);
    expect((await stateCounts(db)).pending).toBe(2);
    ordermesh.close();
  });
});
