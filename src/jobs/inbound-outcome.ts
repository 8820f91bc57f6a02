import { OrderMeshError } from '../connectors/ordermesh/errors.ts';
import { findOrderBySafeId } from '../db/order-lookups.ts';
import { transition } from '../db/orders.ts';
import { AWAITING_CREATION } from '../db/order-states.ts';
import type { OrderRow } from '../db/schema.ts';
import type { JobDeps } from './deps.ts';
import { Q, enqueue, type Payloads } from './queues.ts';

/**
 * OrderMesh's verdict on an inbound order (its OrderCreation webhook). Created: the order is
 * submitted, from whatever state the ledger holds it in without an OrderMesh id (a late webhook after
 * the backstop put it back to pending still settles it, so it is not sent again). Failed: recorded
 * with OrderMesh's description, reprocessable; but a failure is checked by reading OrderMesh by safeId
 * first (no 409 is documented: a repeat may fail with any code), and only counts for an order still
 * waiting on a send.
 * Delivered twice or late, the outcome is the same.
 */
export async function inboundOutcome(deps: JobDeps, v: Payloads[typeof Q.inboundOutcome]): Promise<string> {
  const row = await findOrderBySafeId(deps.db, v.safeId);
  if (!row) return 'not in the ledger';
  if (row.ordermesh_order_id) return 'already linked';
  // The webhook is a hint: the order it names is read back (and must carry this safeId) before it counts.
  let orderId: string | null = null;
  if (v.ok && v.orderId) {
    const named = await deps.ordermesh.getOrder(v.orderId).catch((err: unknown) => {
      if (err instanceof OrderMeshError && err.code === 'NOT_FOUND') return null;
      throw err;
    });
    // An order read that shows no safeId cannot confirm it: the read by safeId below decides.
    if (named && named.safeId === v.safeId) orderId = named.id;
  }
  if (!orderId) orderId = (await deps.ordermesh.getOrderBySafeId(v.safeId))?.id ?? null;
  if (orderId) return (await created(deps, row, orderId)) ? 'submitted' : 'moved meanwhile';
  if (row.state !== 'submitting' || !row.inbound_sent_at) return `ignored: the order is ${row.state}`;
  const code = 'ORDERMESH_CREATION_FAILED';
  const message = `OrderMesh could not create the order${v.code ? ` (${v.code})` : ''}: ${v.description ?? 'no description'}`;
  const moved = await transition(deps.db, row, ['submitting'], 'rejected', { actor: deps.actor, reason: code, message, set: { last_error_code: code, last_error_message: message, inbound_sent_at: null }, data: { responseCode: v.code ?? null } });
  if (moved) deps.log.warn({ store: row.store_id, order: row.store_order_name ?? row.store_order_id, safeId: row.safe_id, reason: code, message }, 'order not submitted');
  return moved ? 'rejected' : 'moved meanwhile';
}

async function created(deps: JobDeps, row: OrderRow, orderId: string): Promise<boolean> {
  return deps.db.transaction().execute(async (trx) => {
    const moved = await transition(trx, row, AWAITING_CREATION, 'submitted', {
      actor: deps.actor,
      reason: 'INBOUND_CREATED',
      message: `OrderMesh order ${orderId} (through the Transformation)`,
      set: { ordermesh_order_id: orderId, submitted_at: new Date(), next_poll_at: new Date(Date.now() + deps.config.jobs.firstPollDelaySeconds * 1000), last_error_code: null, last_error_message: null, inbound_sent_at: null, access_retries: 0 },
    });
    // Changed in the store since it was mapped: carried over now, as after a direct create.
    if (moved && row.mapped_hash !== row.payload_hash) await enqueue(deps.boss, Q.applyOrderChange, { orderId: row.id, kind: 'recheck' }, { trx, singletonKey: row.id });
    if (moved) await enqueue(deps.boss, Q.syncNotes, { storeId: row.store_id }, { trx, singletonKey: row.store_id });
    if (moved) deps.log.info({ store: row.store_id, order: row.store_order_name ?? row.store_order_id, safeId: row.safe_id, ordermeshOrderId: orderId }, 'order submitted to OrderMesh');
    return moved;
  });
}
