import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import type { JobDeps } from './deps.ts';
import { ORDERS_STREAM, pullIsDue } from './pull-orders.ts';
import { Q, enqueueMany, type Payloads } from './queues.ts';
import { REQUESTS_STREAM } from './scan-fulfillment-requests.ts';
import { NOTES_DUE } from './sync-notes.ts';

/** States in which an order still has work ahead (the orders_in_flight_idx index's). */
const IN_FLIGHT = ['pending', 'submitting', 'submitted', 'in_production', 'on_hold', 'needs_attention'] as const;

/**
 * Seconds a store's scheduled work is delayed within the minute, the same every time for a store:
 * a thousand stores' pulls spread over the minute instead of all at its top.
 */
export function jitterSeconds(storeId: string, spread = 45): number {
  return createHash('sha256').update(storeId).digest().readUInt32BE(0) % spread;
}

type Jobs<K extends keyof Payloads> = Array<{ data: Payloads[K]; singletonKey: string; startAfter?: number }>;

/**
 * The one schedule for every store (each minute): what is due, store by store, found with a few
 * set-based statements whatever the number of stores, and enqueued one statement per queue:
 * - a pull (or, fulfilment-service mode, a request scan) for each store whose interval has passed
 *   since its last success (its cursor in the ledger), jittered within the minute;
 * - a submit for each store with orders due for submission;
 * - a hold sweep for each store with orders in flight (none: nothing can be held);
 * - a notes sync for each store with an in-flight order whose note changed.
 * An idle store (nothing in flight) costs its pull alone.
 */
export async function storeSweep(deps: JobDeps, opts: { start?: boolean } = {}): Promise<Record<string, number>> {
  const stores = [...deps.stores.values()];
  if (stores.length === 0) return {};
  const now = new Date();
  const cursors = await deps.db.selectFrom('sync_cursors').select(['store_id', 'stream', 'last_success_at']).where('stream', 'in', [ORDERS_STREAM, REQUESTS_STREAM]).execute();
  const last = new Map(cursors.map((c) => [`${c.store_id}\u0000${c.stream}`, c.last_success_at]));
  const pulls: Jobs<typeof Q.pullOrders> = [];
  const scans: Jobs<typeof Q.scanFulfillmentRequests> = [];
  // At start every store is read at once, due or not (a restart must not wait out an interval).
  // Otherwise judged at the moment the pull will run, its store's offset into the minute, as its last
  // one did: judged now, a store whose offset passes the tick's slack was pulled every other interval.
  const due = (stream: string, id: string, interval: number) =>
    opts.start || pullIsDue(last.get(`${id}\u0000${stream}`) ?? null, new Date(now.getTime() + jitterSeconds(id) * 1000), interval);
  const job = (id: string) => ({ data: { storeId: id, scheduled: !opts.start }, singletonKey: id, ...(opts.start ? {} : { startAfter: jitterSeconds(id) }) });
  for (const s of stores) {
    const id = s.cfg.id;
    if (s.cfg.mode === 'fulfillment-service') {
      if (due(REQUESTS_STREAM, id, s.cfg.fulfillmentService.pollSeconds)) scans.push(job(id));
    } else if (due(ORDERS_STREAM, id, s.cfg.pull.intervalSeconds)) pulls.push(job(id));
  }
  const dueOrders = await sql<{ store_id: string }>`
    select distinct store_id from orders where state = 'pending' and (hold_until is null or hold_until <= now()) and (next_attempt_at is null or next_attempt_at <= now())`.execute(deps.db);
  const inFlight = await sql<{ store_id: string }>`select distinct store_id from orders where state in (${sql.join(IN_FLIGHT)})`.execute(deps.db);
  const notes = await sql<{ store_id: string }>`
    select distinct store_id from orders where ${NOTES_DUE}`.execute(deps.db);
  const ours = (rows: Array<{ store_id: string }>) => rows.map((r) => r.store_id).filter((id) => deps.stores.has(id)).map((id) => ({ data: { storeId: id }, singletonKey: id }));
  const submits = ours(dueOrders.rows);
  const holds = ours(inFlight.rows);
  const notesDue = ours(notes.rows).filter((j) => deps.stores.get(j.data.storeId)!.cfg.notes.enabled);
  await enqueueMany(deps.boss, Q.pullOrders, pulls);
  await enqueueMany(deps.boss, Q.scanFulfillmentRequests, scans);
  await enqueueMany(deps.boss, Q.submitOrders, submits);
  await enqueueMany(deps.boss, Q.syncHolds, holds);
  await enqueueMany(deps.boss, Q.syncNotes, notesDue);
  return { stores: stores.length, pulls: pulls.length, scans: scans.length, submits: submits.length, holds: holds.length, notes: notesDue.length };
}
