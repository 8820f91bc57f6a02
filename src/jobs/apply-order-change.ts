import { OrderMeshError } from '../connectors/ordermesh/errors.ts';
import type { CreateOrderModel } from '../connectors/ordermesh/contract.ts';
import type { StoreOrderPayload } from '../connectors/shopify/types.ts';
import { followsStore, recordEvent, transition } from '../db/orders.ts';
import { sameValue } from '../util/canonical-json.ts';
import { mapOrder } from '../mapping/registry.ts';
import { storeOf, type JobDeps } from './deps.ts';

/**
 * Brings OrderMesh in line with the store for an order it already has: a store cancellation cancels
 * the OrderMesh order; a new shipping address updates it. Once OrderMesh refuses (in production) the
 * order is `needs_attention`, visible in status, instead of retried forever. Idempotent: it compares
 * the store's current state with what OrderMesh was last sent, whatever `kind` triggered it.
 */
export async function applyOrderChange(deps: JobDeps, orderId: string): Promise<string> {
  const row = await deps.db.selectFrom('orders').selectAll().where('id', '=', orderId).executeTakeFirst();
  if (!row || !followsStore(row)) return 'nothing to apply';
  const payload = row.store_payload as StoreOrderPayload;
  const omId = row.ordermesh_order_id!;
  const tooLate = (err: unknown) => err instanceof OrderMeshError && err.code === 'CONFLICT';

  if (payload.cancelledAt) {
    try {
      await deps.ordermesh.cancelOrder(omId, { reason: `cancelled in the store (${payload.cancelReason ?? 'no reason given'})` });
    } catch (err) {
      if (!tooLate(err)) throw err;
      await transition(deps.db, row, [row.state], 'needs_attention', { actor: deps.actor, reason: 'CANCEL_TOO_LATE', message: (err as Error).message, set: { last_error_code: 'CANCEL_TOO_LATE', last_error_message: (err as Error).message } });
      return 'cancel refused';
    }
    await transition(deps.db, row, [row.state], 'cancelled', { actor: deps.actor, reason: 'STORE_CANCELLED', message: `cancelled OrderMesh order ${omId}` });
    return 'cancelled';
  }

  const store = storeOf(deps, row.store_id);
  const mapped = mapOrder(store.mapper, payload, { storeId: row.store_id, merchantId: store.cfg.merchantId, safeId: row.safe_id });
  const sent = row.mapped_payload as CreateOrderModel | null;
  if (mapped.kind !== 'mapped') {
    // The store's order no longer maps (an address without a city, say): OrderMesh keeps the old one,
    // and a person must know.
    const why = mapped.kind === 'failed' ? mapped.errors.map((e) => `${e.path ? `${e.path}: ` : ''}${e.message}`).join('; ') : mapped.message;
    const message = `changed in the store, but the change cannot be sent to OrderMesh: ${why}`;
    const moved = await transition(deps.db, row, [row.state], 'needs_attention', {
      actor: deps.actor,
      reason: 'CHANGE_NOT_MAPPED',
      message,
      set: { last_error_code: 'CHANGE_NOT_MAPPED', last_error_message: message },
      data: mapped.kind === 'failed' ? { errors: mapped.errors } : { skipped: mapped.reason },
    });
    return moved ? 'change not mapped' : 'nothing to apply';
  }
  // By value: the payload sent was read back from jsonb, with its keys in another order.
  if (sameValue(mapped.model.shippingAddress, sent?.shippingAddress)) return 'no change';
  try {
    await deps.ordermesh.updateOrder(omId, { shippingAddress: mapped.model.shippingAddress });
  } catch (err) {
    if (!tooLate(err)) throw err;
    await transition(deps.db, row, [row.state], 'needs_attention', { actor: deps.actor, reason: 'ADDRESS_CHANGE_TOO_LATE', message: (err as Error).message, set: { last_error_code: 'ADDRESS_CHANGE_TOO_LATE', last_error_message: (err as Error).message } });
    return 'update refused';
  }
  await deps.db.updateTable('orders').set({ mapped_payload: JSON.stringify({ ...sent, shippingAddress: mapped.model.shippingAddress }), updated_at: new Date() }).where('id', '=', row.id).execute();
  await recordEvent(deps.db, { orderId: row.id, storeId: row.store_id, kind: 'ordermesh_updated', reason: 'ADDRESS_CHANGED', message: 'shipping address sent to OrderMesh', actor: deps.actor });
  return 'address updated';
}
