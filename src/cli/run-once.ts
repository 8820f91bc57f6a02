import { reconcileSubmitting } from '../jobs/reconcile-submitting.ts';
import { pollShipments } from '../jobs/poll-shipments.ts';
import { retentionSweep } from '../jobs/privacy.ts';
import { pullOrders } from '../jobs/pull-orders.ts';
import { Q } from '../jobs/queues.ts';
import { scanFulfillmentRequests } from '../jobs/scan-fulfillment-requests.ts';
import { settleProgress, waitUntilSettled, type SettleProgress } from '../jobs/settle.ts';
import { submitOrders } from '../jobs/submit-orders.ts';
import { syncHolds } from '../jobs/sync-holds.ts';
import { syncNotes } from '../jobs/sync-notes.ts';
import type { JobDeps } from '../jobs/deps.ts';
import { countEventsBy } from '../db/events.ts';
import type { CliContext } from './context.ts';
import { FAILURES } from '../db/order-states.ts';
import { writeJson } from './json-report.ts';
import { failOnFailures, formatSettled } from './settled.ts';
import { withRuntime } from './with-runtime.ts';

const POLL_BATCH = 200;

/** A step of the cycle that threw: named by its queue, as the service's schedules name it. */
export interface FailedStep {
  step: string;
  storeId?: string;
  error: string;
}

/** Ready jobs (due now) in any of our queues: what this run's workers still have to do. */
async function readyJobs(deps: JobDeps): Promise<number> {
  let n = 0;
  for (const name of Object.values(Q)) {
    if (name === Q.deadLetters) continue;
    const queued = await deps.boss.findJobs(name, { queued: true, limit: 100 });
    n += queued.filter((j) => new Date(j.startAfter).getTime() <= Date.now()).length;
  }
  return n;
}

/**
 * `ordersync run --once`: one whole cycle for every store, every step the service's schedules run
 * (installSchedules and the store sweep, jobs/index.ts and jobs/store-sweep.ts), then exit: per store
 * a pull (a fulfilment-request scan in fulfillment-service mode), holds, notes, and submit until every
 * due order is settled; then stuck submissions, due shipments and retention; and this process's
 * workers finish what those steps queued (write-backs, changes). Each step runs here, not queued, so a
 * failing one is seen: the others still run, and the run ends non-zero naming it (issue 34, item 13).
 * The ledger is the state, so consecutive runs from a scheduler continue each other.
 */
export async function runOnce(ctx: CliContext, o: { json?: boolean; failOnFailures?: boolean }): Promise<void> {
  const actor = `cli:run:${process.pid}`;
  const result = await withRuntime(ctx, actor, { workers: true }, async (deps) => {
    const failed: FailedStep[] = [];
    const step = async <T>(name: string, storeId: string | undefined, run: () => Promise<T>): Promise<T | undefined> => {
      try {
        return await run();
      } catch (err) {
        const error = err instanceof Error ? err.message : String(err);
        deps.log.error({ step: name, store: storeId, err }, 'run --once: step failed');
        failed.push({ step: name, ...(storeId === undefined ? {} : { storeId }), error });
        return undefined;
      }
    };
    const stores: Record<string, { pulled: number; settled: SettleProgress }> = {};
    for (const [storeId, store] of deps.stores) {
      let pulled = 0;
      // A fulfilment-service store's work comes as requests: the sweep scans instead of pulling.
      if (store.cfg.mode === 'fulfillment-service') await step(Q.scanFulfillmentRequests, storeId, () => scanFulfillmentRequests(deps, storeId));
      else pulled = (await step(Q.pullOrders, storeId, () => pullOrders(deps, storeId)))?.orders ?? 0;
      // Holds before submitting: an order the merchant released is due now, one they held is not.
      await step(Q.syncHolds, storeId, () => syncHolds(deps, storeId));
      await step(Q.syncNotes, storeId, () => syncNotes(deps, storeId));
      await step(Q.submitOrders, storeId, async () => {
        while ((await submitOrders(deps, storeId)).claimed > 0);
      });
      stores[storeId] = { pulled, settled: await waitUntilSettled(deps, { storeId }) };
    }
    await step(Q.reconcileSubmitting, undefined, () => reconcileSubmitting(deps));
    await step(Q.pollShipments, undefined, async () => {
      while ((await pollShipments(deps)).polled >= POLL_BATCH);
    });
    await step(Q.retention, undefined, () => retentionSweep(deps));
    // Twice idle a second apart: a job finishing as we look may just have queued its follow-up.
    for (let idle = 0; idle < 2; ) {
      idle = (await readyJobs(deps)) === 0 ? idle + 1 : 0;
      await new Promise((r) => setTimeout(r, 1_000));
    }
    for (const storeId of Object.keys(stores)) stores[storeId]!.settled = await settleProgress(deps, { storeId });
    return { stores, thisRun: await countEventsBy(deps.db, actor), failed };
  });
  // A scheduler sees the exit code alone: a failed step must not pass for a quiet run.
  if (result.failed.length) process.exitCode = 1;
  // The orders this run handled that ended failed: its own moves into a failure state.
  const ordersFailed = FAILURES.reduce((n, state) => n + (result.thisRun[state] ?? 0), 0);
  failOnFailures(o.failOnFailures, ordersFailed);
  if (o.json) {
    const items = Object.entries(result.stores).map(([storeId, s]) => ({ storeId, ...s }));
    writeJson({ summary: { thisRun: result.thisRun, ordersFailed, stepsFailed: result.failed.length }, items, failed: result.failed });
    return;
  }
  for (const [storeId, s] of Object.entries(result.stores)) process.stdout.write(`store ${storeId}: ${s.pulled} order(s) read\n${formatSettled(s.settled)}`);
  const done = Object.entries(result.thisRun).map(([k, n]) => `${k} ${n}`).join(', ');
  process.stdout.write(`this run: ${done || (result.failed.length ? 'nothing done' : 'nothing to do')}\n`);
  for (const f of result.failed) process.stdout.write(`FAILED ${f.step}${f.storeId === undefined ? '' : ` (store ${f.storeId})`}: ${f.error}\n`);
  if (result.failed.length) process.stdout.write(`run incomplete: ${result.failed.length} step(s) failed: ${[...new Set(result.failed.map((f) => f.step))].join(', ')}\n`);
}
