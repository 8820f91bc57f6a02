import { ACCEPTED, FAILURES, inStates } from '../db/order-states.ts';
import { OrderMeshError } from '../connectors/ordermesh/errors.ts';
import { awaitingInboundVerdict, settleCounts } from '../db/settle-progress.ts';
import type { JobDeps } from './deps.ts';
import { inboundOutcome } from './inbound-outcome.ts';
import { Q, enqueue } from './queues.ts';

/** Which orders a one-shot command waits for: a store's orders, optionally only these store order ids. */
export interface SettleScope {
  storeId: string;
  storeOrderIds?: string[];
}

export interface SettleProgress {
  total: number;
  /** Submitted or beyond (OrderMesh has them). */
  submitted: number;
  /** Recorded with a reason: failed mapping, rejected, failed, needs attention. */
  failed: number;
  skipped: number;
  /** Pending, but not yet due: a hold window or a retry delay; `heldUntil` is the latest. */
  held: number;
  heldUntil: Date | null;
  /** Due or being submitted: what is still being worked on. */
  busy: number;
  /** Orders per state and reason code, for the summary. */
  byReason: Array<{ state: string; reason: string | null; count: number }>;
}


export async function settleProgress(deps: JobDeps, scope: SettleScope): Promise<SettleProgress> {
  const rows = await settleCounts(deps.db, scope.storeId, scope.storeOrderIds);
  const p: SettleProgress = { total: 0, submitted: 0, failed: 0, skipped: 0, held: 0, heldUntil: null, busy: 0, byReason: [] };
  const reasons = new Map<string, SettleProgress['byReason'][number]>();
  for (const r of rows) {
    p.total += r.n;
    if (r.due) p.busy += r.n;
    else if (r.state === 'pending') {
      p.held += r.n;
      if (r.held_until && (!p.heldUntil || r.held_until > p.heldUntil)) p.heldUntil = r.held_until;
    } else if (inStates(ACCEPTED, r.state)) p.submitted += r.n;
    else if (inStates(FAILURES, r.state)) p.failed += r.n;
    else p.skipped += r.n;
    const key = `${r.state}|${r.reason ?? ''}`;
    const entry = reasons.get(key) ?? { state: r.state, reason: r.reason, count: 0 };
    entry.count += r.n;
    reasons.set(key, entry);
  }
  p.byReason = [...reasons.values()].sort((a, b) => b.count - a.count);
  return p;
}

/**
 * A one-shot command receives no OrderCreation webhook (it has no endpoint for OrderMesh to call), so
 * an inbound order it sent would wait for the backstop (inboundTimeoutSeconds, 15 minutes): instead it
 * reads OrderMesh by safeId, and an order OrderMesh has made is settled by the webhook's own code
 * (inboundOutcome). One not there yet is simply waited for: not made yet is no verdict, and a failed
 * creation, which only the webhook tells, is still the backstop's to resolve.
 */
async function readInboundVerdicts(deps: JobDeps, scope: SettleScope): Promise<void> {
  for (const safeId of await awaitingInboundVerdict(deps.db, scope.storeId, scope.storeOrderIds)) {
    let found;
    try {
      found = await deps.ordermesh.getOrderBySafeId(safeId);
    } catch (err) {
      if (err instanceof OrderMeshError && err.retryable) return; // OrderMesh is down: the next round
      throw err;
    }
    if (found) await inboundOutcome(deps, { safeId, ok: true, orderId: found.id });
  }
}

/**
 * Waits until every order in scope is settled: submitted, recorded with a reason, skipped, or held
 * (pending with a hold window or retry delay still to run). The jobs run in this process's workers
 * (and any `start` workers on the same database); every few seconds it re-queues the store's submit
 * and the stuck-submission resolver, which the service would run by schedule, so an order a killed
 * run left `submitting` settles too; and it reads the verdict on inbound orders it waits on.
 */
export async function waitUntilSettled(
  deps: JobDeps,
  scope: SettleScope,
  opts: { onProgress?: (p: SettleProgress) => void; pollMs?: number; nudgeMs?: number } = {},
): Promise<SettleProgress> {
  const pollMs = opts.pollMs ?? 500;
  const nudgeMs = opts.nudgeMs ?? 5_000;
  const verdictMs = deps.config.jobs.oneShotInboundPollSeconds * 1000;
  let lastNudge = 0;
  let lastVerdictRead = Date.now();
  for (;;) {
    const p = await settleProgress(deps, scope);
    opts.onProgress?.(p);
    if (p.busy === 0) return p;
    if (Date.now() - lastVerdictRead >= verdictMs) {
      await readInboundVerdicts(deps, scope);
      lastVerdictRead = Date.now();
    }
    if (Date.now() - lastNudge >= nudgeMs) {
      lastNudge = Date.now();
      await enqueue(deps.boss, Q.submitOrders, { storeId: scope.storeId }, { singletonKey: scope.storeId });
      await enqueue(deps.boss, Q.reconcileSubmitting, {}, { singletonKey: 'all' });
    }
    await new Promise((r) => setTimeout(r, pollMs));
  }
}
