import type { PgBoss } from 'pg-boss';
import { applyOrderChange } from './apply-order-change.ts';
import type { JobDefinition } from './boss.ts';
import { recordDeadLetter, recordJobFailure } from './dead-letters.ts';
import type { JobDeps } from './deps.ts';
import { pollShipments } from './poll-shipments.ts';
import { pullOrders } from './pull-orders.ts';
import { Q, enqueue, type Payloads } from './queues.ts';
import { reconcileSubmitting } from './reconcile-submitting.ts';
import { inboundOutcome } from './inbound-outcome.ts';
import { syncNotes } from './sync-notes.ts';
import { storeSweep } from './store-sweep.ts';
import { refreshOrders } from './refresh-order.ts';
import { scanFulfillmentRequests } from './scan-fulfillment-requests.ts';
import { submitOrders } from './submit-orders.ts';
import { syncHolds } from './sync-holds.ts';
import { answerPrivacyRequest, retentionSweep } from './privacy.ts';
import { writeTrackingBatch, writeTrackingJob } from './write-tracking.ts';

/**
 * Every queue: `stately` (one queued and one running per singletonKey) so duplicate triggers collapse;
 * retried with backoff; a job out of retries goes to the dead-letter queue, whose worker records the
 * failure in the ledger.
 */
export function jobDefinitions(deps: JobDeps, opts: { heartbeatSeconds: number; refreshCoalesceMs: number }): JobDefinition<any>[] {
  // A worker that dies mid-job stops heartbeating; its job is retried after heartbeatSeconds.
  const retrying = {
    policy: 'stately',
    retryLimit: 5,
    retryDelay: 5,
    retryBackoff: true,
    retryDelayMax: 300,
    expireInSeconds: 900,
    heartbeatSeconds: opts.heartbeatSeconds,
    deadLetter: Q.deadLetters,
    notify: true,
  } as const;
  // pg-boss polls at most every half second.
  const coalesceSeconds = Math.max(0.5, opts.refreshCoalesceMs / 1000);
  const one = <K extends keyof Payloads>(name: K, run: (data: Payloads[K]) => Promise<unknown>, more: Partial<JobDefinition<Payloads[K]>> = {}): JobDefinition<Payloads[K]> => ({
    name,
    queue: retrying,
    run,
    ...more,
    record: (data, reason, message) => recordJobFailure(deps, data as Record<string, unknown>, reason, message),
  });
  return [
    { name: Q.deadLetters, queue: { policy: 'standard', retryLimit: 3, notify: true }, run: (_data, job) => recordDeadLetter(deps, job as never) },
    one(Q.pullOrders, (d) => pullOrders(deps, d.storeId), { perStore: true }),
    // Webhook refreshes wake no worker (no NOTIFY): a worker polls every jobs.refreshCoalesceMs and reads
    // whatever arrived meanwhile in one batch, so a burst is read together instead of order by order.
    one(
      Q.refreshOrder,
      async (d) => {
        const [err] = await refreshOrders(deps, [d]);
        if (err !== undefined) throw err;
      },
      {
        queue: { ...retrying, notify: false },
        runBatch: (items) => refreshOrders(deps, items),
        fetch: { batchSize: 250, pollingIntervalSeconds: coalesceSeconds, notifyPollingIntervalSeconds: coalesceSeconds },
      },
    ),
    one(Q.submitOrders, (d) => submitOrders(deps, d.storeId), { perStore: true, prompt: true }),
    one(Q.reconcileSubmitting, () => reconcileSubmitting(deps)),
    one(Q.inboundOutcome, (d) => inboundOutcome(deps, d)),
    one(Q.syncNotes, (d) => syncNotes(deps, d.storeId), { perStore: true }),
    one(Q.storeSweep, (d) => storeSweep(deps, { start: d.start === true })),
    one(Q.applyOrderChange, (d) => applyOrderChange(deps, d.orderId)),
    one(Q.pollShipments, (d) => pollShipments(deps, d.orderIds)),
    one(Q.scanFulfillmentRequests, (d) => scanFulfillmentRequests(deps, d.storeId), { perStore: true, prompt: true }),
    one(Q.syncHolds, (d) => syncHolds(deps, d.storeId), { perStore: true }),
    one(Q.privacyRequest, (d) => answerPrivacyRequest(deps, d.requestId)),
    one(Q.retention, () => retentionSweep(deps)),
    // Fetched up to 50 at once: under load a batch's fulfilment states are read together.
    one(Q.writeTracking, (d) => writeTrackingJob(deps, d.packageId), {
      runBatch: (items) => writeTrackingBatch(deps, items.map((i) => i.packageId)),
      fetch: { batchSize: 50, pollingIntervalSeconds: 2, notifyPollingIntervalSeconds: 2 },
    }),
  ];
}

/** Queues that once had a cron schedule per store (before the store sweep): those are removed. */
const PER_STORE_SCHEDULES = [Q.pullOrders, Q.scanFulfillmentRequests, Q.submitOrders, Q.syncHolds, Q.syncNotes] as const;

/**
 * Cron schedules (pg-boss keeps them in the database; any number of processes may call this: the
 * schedules are upserts). A fixed handful whatever the number of stores: the store sweep (what each
 * store has due: store-sweep.ts), stuck-submission resolution, shipment polls and retention. The
 * per-store schedules of earlier versions are removed.
 */
export async function installSchedules(boss: PgBoss, _deps: JobDeps): Promise<void> {
  for (const s of await boss.getSchedules()) {
    if ((PER_STORE_SCHEDULES as readonly string[]).includes(s.name)) await boss.unschedule(s.name, s.key);
  }
  await boss.schedule(Q.storeSweep, '* * * * *', {}, { key: 'all', singletonKey: 'all' });
  await boss.schedule(Q.reconcileSubmitting, '* * * * *', {}, { key: 'all', singletonKey: 'all' });
  await boss.schedule(Q.pollShipments, '* * * * *', {}, { key: 'sweep', singletonKey: 'sweep' });
  await boss.schedule(Q.retention, '23 * * * *', {}, { key: 'all', singletonKey: 'all' });
  // No idle start: every store is read now rather than at the next whole minute of the cron (a
  // singleton: processes starting together queue one).
  await enqueue(boss, Q.storeSweep, { start: true }, { singletonKey: 'start' });
}
