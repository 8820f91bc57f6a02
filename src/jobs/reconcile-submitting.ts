import { OrderMeshError } from '../connectors/ordermesh/errors.ts';
import { transition } from '../db/orders.ts';
import { stuckSubmissions } from '../db/stuck-submissions.ts';
import type { JobDeps } from './deps.ts';
import { Q, enqueue } from './queues.ts';

/**
 * Orders left `submitting` longer than `jobs.stuckSubmittingSeconds` whose submission stopped renewing
 * its claim (a worker died mid-batch, or lost the database) are resolved by asking OrderMesh for their
 * safeId: found means submitted, not found means try again. Guessing either way could lose an order or
 * create a second one; asking cannot, once no create can be on its way: a submission sends only while
 * its claim holds, so its orders are asked for only when the longest create call (the client's
 * longestCallMs) begun before the claim ran out is over too.
 */
export async function reconcileSubmitting(deps: JobDeps): Promise<{ resolved: number }> {
  const cutoff = new Date(Date.now() - deps.config.jobs.stuckSubmittingSeconds * 1000);
  // An inbound order (sent through a Transformation) is OrderMesh's to create in its own time: it is
  // only looked for once its webhook is overdue.
  const inboundCutoff = new Date(Date.now() - deps.config.jobs.inboundTimeoutSeconds * 1000);
  const stuck = await stuckSubmissions(deps.db, cutoff, inboundCutoff, deps.ordermesh.longestCallMs);
  let resolved = 0;
  const stores = new Set<string>();
  for (const row of stuck) {
    let existing;
    try {
      existing = await deps.ordermesh.getOrderBySafeId(row.safe_id);
    } catch (err) {
      if (err instanceof OrderMeshError && err.retryable) break; // OrderMesh is down: next run
      throw err;
    }
    const moved = existing
      ? await deps.db.transaction().execute(async (trx) => {
          const done = await transition(trx, row, ['submitting'], 'submitted', {
            actor: deps.actor,
            reason: 'RESOLVED_BY_SAFE_ID',
            message: `was submitting since ${row.state_changed_at.toISOString()}${row.inbound_sent_at ? ' (inbound: no OrderCreation webhook came)' : ''}; OrderMesh has it as ${existing.id}`,
            set: { inbound_sent_at: null, ordermesh_order_id: existing.id, submitted_at: new Date(), next_poll_at: new Date(Date.now() + deps.config.jobs.firstPollDelaySeconds * 1000) },
          });
          // A store change that came in while it was submitting was left for the submit job, which
          // died: whatever OrderMesh was sent, the store's current state is checked against it now.
          if (done && row.mapped_hash !== row.payload_hash) {
            await enqueue(deps.boss, Q.applyOrderChange, { orderId: row.id, kind: 'recheck' }, { trx, singletonKey: row.id });
          }
          return done;
        })
      : await transition(deps.db, row, ['submitting'], 'pending', {
          actor: deps.actor,
          reason: 'RESOLVED_BY_SAFE_ID',
          message: `was submitting since ${row.state_changed_at.toISOString()}${row.inbound_sent_at ? ' (inbound: no OrderCreation webhook came)' : ''}; OrderMesh does not have it: submitting again`,
          set: { next_attempt_at: null, inbound_sent_at: null },
        });
    if (moved) resolved++;
    if (!existing) stores.add(row.store_id);
  }
  for (const storeId of stores) await enqueue(deps.boss, Q.submitOrders, { storeId }, { singletonKey: storeId });
  return { resolved };
}
