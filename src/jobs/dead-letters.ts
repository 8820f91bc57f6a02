import type { Job } from 'pg-boss';
import { recordEvent, transition } from '../db/orders.ts';
import type { JobDeps } from './deps.ts';

/**
 * A job that used up its retries lands here (every queue's dead-letter queue). Nothing is dropped
 * silently: its order (or package) records the failure with a reason, visible in `status`, and
 * `ordersync reprocess` picks it up again.
 */
export async function recordDeadLetter(deps: JobDeps, job: Job<Record<string, unknown>>): Promise<void> {
  const data = job.data ?? {};
  const message = `job ${job.id} (${JSON.stringify(data)}) failed after its retries`;
  if (typeof data.orderId === 'string') {
    const order = await deps.db.selectFrom('orders').select(['id', 'store_id', 'state']).where('id', '=', data.orderId).executeTakeFirst();
    if (order) {
      await transition(deps.db, order, [order.state], 'needs_attention', { actor: deps.actor, reason: 'JOB_FAILED', message, set: { last_error_code: 'JOB_FAILED', last_error_message: message } });
      return;
    }
  }
  if (typeof data.packageId === 'string') {
    await deps.db.updateTable('packages').set({ write_back_error_code: 'JOB_FAILED', write_back_error_message: message }).where('id', '=', data.packageId).execute();
  }
  await recordEvent(deps.db, { storeId: typeof data.storeId === 'string' ? data.storeId : null, kind: 'dead_letter', reason: 'JOB_FAILED', message, actor: deps.actor, data });
}
