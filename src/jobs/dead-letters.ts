import type { Job } from 'pg-boss';
import { orderOfFailedJob } from '../db/job-failures.ts';
import { recordEvent, transition } from '../db/orders.ts';
import { FINAL } from '../db/order-states.ts';
import { recordWriteBackFailure } from '../db/packages.ts';
import type { JobDeps } from './deps.ts';

/**
 * A job that used up its retries lands here (every queue's dead-letter queue). Nothing is dropped
 * silently: its order (or package) records the failure with a reason, visible in `status`, and
 * `ordersync reprocess` picks it up again.
 */
export async function recordDeadLetter(deps: JobDeps, job: Job<Record<string, unknown>>): Promise<void> {
  await recordJobFailure(deps, job.data ?? {}, 'JOB_FAILED', `job ${job.id} (${JSON.stringify(job.data ?? {})}) failed after its retries`);
}

/**
 * A job that will not succeed (out of retries, or failed for a reason retries cannot fix): its order
 * is parked as needs_attention, or its package records the error, or, for store-wide jobs, an event.
 */
export async function recordJobFailure(deps: JobDeps, data: Record<string, unknown>, reason: string, message: string): Promise<void> {
  if (typeof data.orderId === 'string') {
    const order = await orderOfFailedJob(deps.db, data.orderId);
    // A final order is never demoted (a late job about a fulfilled or cancelled order): the failure is an event on it.
    if (order && FINAL.includes(order.state)) {
      await recordEvent(deps.db, { orderId: order.id, storeId: order.store_id, kind: 'job_failed', reason, message, actor: deps.actor, data });
      return;
    }
    if (order) {
      await transition(deps.db, order, [order.state], 'needs_attention', { actor: deps.actor, reason, message, set: { last_error_code: reason, last_error_message: message } });
      return;
    }
  }
  if (typeof data.packageId === 'string') {
    await recordWriteBackFailure(deps.db, data.packageId, reason, message);
  }
  await recordEvent(deps.db, { storeId: typeof data.storeId === 'string' ? data.storeId : null, kind: 'job_failed', reason, message, actor: deps.actor, data });
}
