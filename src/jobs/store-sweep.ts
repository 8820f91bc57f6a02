import { createHash } from 'node:crypto';
import { recordScheduledPulls, scheduledSlots } from '../db/cursors.ts';
import { storesWithNotesDue, storesWithOrdersInFlight, storesWithSubmissionsDue } from '../db/due-work.ts';
import type { JobDeps } from './deps.ts';
import { ORDERS_STREAM, pullIsDue } from './pull-orders.ts';
import { Q, enqueueMany, type Payloads } from './queues.ts';
import { REQUESTS_STREAM } from './scan-fulfillment-requests.ts';

/**
 * Seconds a store's scheduled work is delayed within the minute, the same every time for a store:
 * a thousand stores' pulls spread over the minute instead of all at its top.
 */
export function jitterSeconds(storeId: string, spread = 45): number {
  return createHash('sha256').update(storeId).digest().readUInt32BE(0) % spread;
}

type Slot = { storeId: string; at: Date; overlapSeconds: number };
type Jobs<K extends keyof Payloads> = Array<{ data: Payloads[K]; singletonKey: string; startAfter?: number }>;

/**
 * The one schedule for every store (each minute): what is due, store by store, found with a few
 * set-based statements whatever the number of stores, and enqueued one statement per queue:
 * - a pull (or, fulfilment-service mode, a request scan) for each store whose interval has passed
 *   since the slot its last one was scheduled for, jittered within the minute;
 * - a submit for each store with orders due for submission;
 * - a hold sweep for each store with orders in flight (none: nothing can be held);
 * - a notes sync for each store with an in-flight order whose note changed.
 * An idle store (nothing in flight) costs its pull alone. `now`: the tick's time (tests drive it).
 */
export async function storeSweep(deps: JobDeps, opts: { start?: boolean; now?: Date } = {}): Promise<Record<string, number>> {
  const stores = [...deps.stores.values()];
  if (stores.length === 0) return {};
  const now = opts.now ?? new Date();
  const last = await scheduledSlots(deps.db, [ORDERS_STREAM, REQUESTS_STREAM]);
  const pulls: Jobs<typeof Q.pullOrders> = [];
  const scans: Jobs<typeof Q.scanFulfillmentRequests> = [];
  const slots = { [ORDERS_STREAM]: [] as Slot[], [REQUESTS_STREAM]: [] as Slot[] };
  // At start every store is read at once, due or not (a restart must not wait out an interval).
  // Otherwise a pull is slotted at its store's offset into the minute, and due once the interval has
  // passed since the slot of the last one: slot to slot, not from when that pull finished, which waited
  // in the lanes behind a thousand others (at 1,000 stores a third of the intervals were skipped). A
  // pull still queued from the last slot is not queued twice (the singleton), and serves this one.
  const slotOf = (id: string) => (opts.start ? now : new Date(now.getTime() + jitterSeconds(id) * 1000));
  const due = (stream: string, id: string, interval: number) => opts.start || pullIsDue(last.get(`${id}\u0000${stream}`) ?? null, slotOf(id), interval);
  const job = (id: string) => ({ data: { storeId: id, scheduled: !opts.start }, singletonKey: id, ...(opts.start ? {} : { startAfter: jitterSeconds(id) }) });
  for (const s of stores) {
    const id = s.cfg.id;
    if (s.cfg.mode === 'fulfillment-service') {
      if (!due(REQUESTS_STREAM, id, s.cfg.fulfillmentService.pollSeconds)) continue;
      scans.push(job(id));
      slots[REQUESTS_STREAM].push({ storeId: id, at: slotOf(id), overlapSeconds: 0 });
    } else if (due(ORDERS_STREAM, id, s.cfg.pull.intervalSeconds)) {
      pulls.push(job(id));
      slots[ORDERS_STREAM].push({ storeId: id, at: slotOf(id), overlapSeconds: s.cfg.pull.overlapSeconds });
    }
  }
  const dueOrders = await storesWithSubmissionsDue(deps.db);
  const inFlight = await storesWithOrdersInFlight(deps.db);
  const notes = await storesWithNotesDue(deps.db);
  const ours = (ids: string[]) => ids.filter((id) => deps.stores.has(id)).map((id) => ({ data: { storeId: id }, singletonKey: id }));
  const submits = ours(dueOrders);
  const holds = ours(inFlight);
  const notesDue = ours(notes).filter((j) => deps.stores.get(j.data.storeId)!.cfg.notes.enabled);
  // A slot is recorded if and only if its job is sent.
  await deps.db.transaction().execute(async (trx) => {
    await recordScheduledPulls(trx, ORDERS_STREAM, slots[ORDERS_STREAM]);
    await recordScheduledPulls(trx, REQUESTS_STREAM, slots[REQUESTS_STREAM]);
    await enqueueMany(deps.boss, Q.pullOrders, pulls, { trx });
    await enqueueMany(deps.boss, Q.scanFulfillmentRequests, scans, { trx });
  });
  await enqueueMany(deps.boss, Q.submitOrders, submits);
  await enqueueMany(deps.boss, Q.syncHolds, holds);
  await enqueueMany(deps.boss, Q.syncNotes, notesDue);
  return { stores: stores.length, pulls: pulls.length, scans: scans.length, submits: submits.length, holds: holds.length, notes: notesDue.length };
}
