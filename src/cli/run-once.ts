import { reconcileSubmitting } from '../jobs/reconcile-submitting.ts';
import { pollShipments } from '../jobs/poll-shipments.ts';
import { pullOrders } from '../jobs/pull-orders.ts';
import { Q } from '../jobs/queues.ts';
import { settleProgress, waitUntilSettled, type SettleProgress } from '../jobs/settle.ts';
import { submitOrders } from '../jobs/submit-orders.ts';
import type { JobDeps } from '../jobs/deps.ts';
import { countEventsBy } from '../db/events.ts';
import type { CliContext } from './main.ts';
import { formatSettled } from './settled.ts';
import { withRuntime } from './with-runtime.ts';

const POLL_BATCH = 200;

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
 * `ordersync run --once`: one whole cycle for every store, as the service's schedules would run it,
 * then exit: pull, submit until every due order is settled, resolve stuck submissions, poll due
 * shipments, and let this process's workers finish what those steps queued (write-backs, changes).
 * The ledger is the state, so consecutive runs from a scheduler continue each other.
 */
export async function runOnce(ctx: CliContext, o: { json?: boolean }): Promise<void> {
  const actor = `cli:run:${process.pid}`;
  const result = await withRuntime(ctx, actor, { workers: true }, async (deps) => {
    const stores: Record<string, { pulled: number; settled: SettleProgress }> = {};
    for (const storeId of deps.stores.keys()) {
      const { orders } = await pullOrders(deps, storeId);
      while ((await submitOrders(deps, storeId)).claimed > 0);
      stores[storeId] = { pulled: orders, settled: await waitUntilSettled(deps, { storeId }) };
    }
    await reconcileSubmitting(deps);
    while ((await pollShipments(deps)).polled >= POLL_BATCH);
    // Twice idle a second apart: a job finishing as we look may just have queued its follow-up.
    for (let idle = 0; idle < 2; ) {
      idle = (await readyJobs(deps)) === 0 ? idle + 1 : 0;
      await new Promise((r) => setTimeout(r, 1_000));
    }
    for (const storeId of Object.keys(stores)) stores[storeId]!.settled = await settleProgress(deps, { storeId });
    return { stores, thisRun: await countEventsBy(deps.db, actor) };
  });
  if (o.json) {
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    return;
  }
  for (const [storeId, s] of Object.entries(result.stores)) process.stdout.write(`store ${storeId}: ${s.pulled} order(s) read\n${formatSettled(s.settled)}`);
  process.stdout.write(`this run: ${Object.entries(result.thisRun).map(([k, n]) => `${k} ${n}`).join(', ') || 'nothing to do'}\n`);
}
