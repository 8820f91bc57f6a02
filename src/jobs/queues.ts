import { fromKysely, type PgBoss } from 'pg-boss';
import type { Transaction } from 'kysely';
import type { Database } from '../db/schema.ts';

/** Queue names and their payloads: the one list of every cross-process step. */
export const Q = {
  pullOrders: 'pull-orders',
  refreshOrder: 'refresh-order',
  submitOrders: 'submit-orders',
  reconcileSubmitting: 'reconcile-submitting',
  inboundOutcome: 'inbound-outcome',
  syncNotes: 'sync-notes',
  storeSweep: 'store-sweep',
  applyOrderChange: 'apply-order-change',
  pollShipments: 'poll-shipments',
  writeTracking: 'write-tracking',
  scanFulfillmentRequests: 'scan-fulfillment-requests',
  syncHolds: 'sync-holds',
  privacyRequest: 'privacy-request',
  retention: 'retention',
  deadLetters: 'dead-letters',
} as const;

export interface Payloads {
  /** `scheduled`: the per-minute tick, which pulls only once `pull.intervalSeconds` have passed. */
  [Q.pullOrders]: { storeId: string; scheduled?: boolean };
  [Q.refreshOrder]: { storeId: string; storeOrderId: string };
  [Q.submitOrders]: { storeId: string };
  [Q.reconcileSubmitting]: Record<string, never>;
  /** An OrderCreation webhook's verdict on an inbound order. */
  [Q.inboundOutcome]: { safeId: string; ok: boolean; orderId?: string | null; code?: number | null; description?: string | null };
  [Q.syncNotes]: { storeId: string };
  /** `start`: a worker starting: every store is read at once. */
  [Q.storeSweep]: { start?: boolean };
  [Q.applyOrderChange]: { orderId: string; kind: 'cancel' | 'address' | 'items' | 'recheck' };
  [Q.pollShipments]: { orderIds?: string[] };
  [Q.writeTracking]: { packageId: string };
  /** `scheduled`: the per-minute tick, which scans only once `fulfillmentService.pollSeconds` have passed. */
  [Q.scanFulfillmentRequests]: { storeId: string; scheduled?: boolean };
  [Q.syncHolds]: { storeId: string };
  [Q.privacyRequest]: { requestId: string };
  [Q.retention]: Record<string, never>;
  [Q.deadLetters]: Record<string, unknown>;
}

/**
 * Sends a job, inside `trx` when given, so the job exists if and only if the ledger write commits.
 * singletonKey + the queue's `stately` policy collapse duplicates (one queued, one running per key);
 * pg-boss then returns null, which is fine: the queued one will do the work.
 */
export async function enqueue<K extends keyof Payloads>(
  boss: PgBoss,
  name: K,
  data: Payloads[K],
  opts: { singletonKey?: string; startAfter?: number; trx?: Transaction<Database> } = {},
): Promise<void> {
  await boss.send(name, data as object, {
    ...(opts.singletonKey ? { singletonKey: opts.singletonKey } : {}),
    ...(opts.startAfter ? { startAfter: opts.startAfter } : {}),
    ...(opts.trx ? { db: fromKysely(opts.trx) } : {}),
  });
}

/** Many jobs of one queue in one statement (pg-boss `insert`), inside `trx` when given; singletons collapse as with `enqueue`. */
export async function enqueueMany<K extends keyof Payloads>(
  boss: PgBoss,
  name: K,
  jobs: Array<{ data: Payloads[K]; singletonKey?: string; startAfter?: number }>,
  opts: { trx?: Transaction<Database> } = {},
): Promise<void> {
  if (jobs.length === 0) return;
  await boss.insert(name, jobs as Array<{ data: object; singletonKey?: string; startAfter?: number }>, opts.trx ? { db: fromKysely(opts.trx) } : {});
}
