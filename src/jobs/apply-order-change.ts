import type { CreateOrderModel } from '../connectors/ordermesh/contract.ts';
import { parseShopifyOrder, type StoreOrderPayload } from '../connectors/shopify/types.ts';
import { followsStore, recordEvent, transition } from '../db/orders.ts';
import type { OrderRow } from '../db/schema.ts';
import { sameValue } from '../util/canonical-json.ts';
import { mapOrder } from '../mapping/registry.ts';
import { storeOf, type JobDeps } from './deps.ts';
import { cancelPlan, everyItemCut, itemAdditions, itemCuts, reducedPayload, type ItemAddition, type ItemCut } from './item-changes.ts';
import { sendUnlessTooLate } from './too-late.ts';

/**
 * Brings OrderMesh in line with the store for an order it already has: a store cancellation cancels
 * the OrderMesh order; lines removed or reduced (an order edit) cancel those units of their OrderMesh
 * items, and the whole order once nothing is left; a new shipping address updates it. Once OrderMesh
 * refuses (in production) the order is `needs_attention`, visible in status, instead of retried
 * forever; so are units the store added, which an OrderMesh order cannot take. Idempotent: it compares
 * the store's current state with what OrderMesh was last sent (`mapped_payload`, updated as each change
 * goes through), whatever `kind` triggered it.
 */
export async function applyOrderChange(deps: JobDeps, orderId: string): Promise<string> {
  const row = await deps.db.selectFrom('orders').selectAll().where('id', '=', orderId).executeTakeFirst();
  if (!row || !followsStore(row)) return 'nothing to apply';
  const payload = row.store_payload as StoreOrderPayload;
  const omId = row.ordermesh_order_id!;

  if (payload.cancelledAt) {
    const reason = `cancelled in the store (${payload.cancelReason ?? 'no reason given'})`;
    return (await cancelWhole(deps, row, reason, 'CANCEL_TOO_LATE', { reason: 'STORE_CANCELLED', message: `cancelled OrderMesh order ${omId}` })) ? 'cancelled' : 'cancel refused';
  }

  const store = storeOf(deps, row.store_id);
  const mapped = mapOrder(store.mapper, payload, { storeId: row.store_id, merchantId: store.cfg.merchantId, safeId: row.safe_id });
  let sent = row.mapped_payload as CreateOrderModel | null;
  const parsed = parseShopifyOrder(payload);
  const cuts = sent && parsed.ok ? itemCuts(sent.items, parsed.order.lineItems) : [];
  const added = sent && mapped.kind === 'mapped' ? itemAdditions(sent.items, mapped.model.items) : [];
  const done: string[] = [];

  if (sent && cuts.length) {
    if (everyItemCut(sent.items, cuts) && added.length === 0) {
      const reduced = reducedPayload(sent, new Map(cuts.map((c) => [c.index, 0])));
      const message = `every line OrderMesh had was removed in the store: cancelled OrderMesh order ${omId}`;
      const ok = await cancelWhole(deps, row, 'every line was removed in the store', 'ITEM_CANCEL_TOO_LATE', { reason: 'ITEMS_CANCELLED', message, set: { mapped_payload: JSON.stringify(reduced) } });
      return ok ? 'cancelled' : 'cancel refused';
    }
    const after = await cancelItems(deps, row, sent, cuts);
    if (!after) return 'item cancel refused';
    if (after !== sent) done.push('items cancelled');
    sent = after;
  }

  // Everything left is fulfilled or removed: nothing more for OrderMesh to make, nothing to park it for.
  if (mapped.kind === 'skipped' && mapped.reason === 'NO_FULFILLABLE_ITEMS') return done.join(', ') || 'no change';
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
  if (!sameValue(mapped.model.shippingAddress, sent?.shippingAddress)) {
    const sendAddress = () => deps.ordermesh.updateOrder(omId, { shippingAddress: mapped.model.shippingAddress });
    if (!(await sendUnlessTooLate(deps, row, 'ADDRESS_CHANGE_TOO_LATE', sendAddress)).sent) return 'update refused';
    await deps.db.updateTable('orders').set({ mapped_payload: JSON.stringify({ ...sent, shippingAddress: mapped.model.shippingAddress }), updated_at: new Date() }).where('id', '=', row.id).execute();
    await recordEvent(deps.db, { orderId: row.id, storeId: row.store_id, kind: 'ordermesh_updated', reason: 'ADDRESS_CHANGED', message: 'shipping address sent to OrderMesh', actor: deps.actor });
    done.push('address updated');
  }
  if (added.length && (await flagAdditions(deps, row, added))) done.push('additions flagged');
  return done.join(', ') || 'no change';
}

/** Cancels the whole OrderMesh order; the order is then `cancelled` (with `outcome`), or parked if too late. */
async function cancelWhole(deps: JobDeps, row: OrderRow, reason: string, tooLateCode: string, outcome: { reason: string; message: string; set?: Record<string, unknown> }): Promise<boolean> {
  const omId = row.ordermesh_order_id!;
  if (!(await sendUnlessTooLate(deps, row, tooLateCode, () => deps.ordermesh.cancelOrder(omId, { reason }))).sent) return false;
  await transition(deps.db, row, [row.state], 'cancelled', { actor: deps.actor, ...outcome });
  return true;
}

/**
 * Cancels the units the store removed, item by item, in one request (the OrderMesh item ids read from
 * its order), and records the reduced payload with an event. Returns the payload OrderMesh now holds
 * (the same object when there was nothing to record), or null when OrderMesh refused as too late.
 */
async function cancelItems(deps: JobDeps, row: OrderRow, sent: CreateOrderModel, cuts: ItemCut[]): Promise<CreateOrderModel | null> {
  const omId = row.ordermesh_order_id!;
  const plan = cancelPlan(cuts, await deps.ordermesh.getOrder(omId));
  if (plan.unmatched.length) {
    // Not guessed around: a person looks at OrderMesh's order (the job fails, then parks it with this message).
    throw new Error(`OrderMesh order ${omId} has no item for ${plan.unmatched.map((c) => `line ${c.line} (${c.sku})`).join(', ')}: the units removed in the store cannot be cancelled there`);
  }
  if (plan.quantities.size === 0) return sent;
  const what = cuts
    .filter((c) => plan.quantities.has(c.index))
    .map((c) => `${c.sent - c.wanted} × ${c.sku}`)
    .join(', ');
  if (plan.items.length) {
    const reason = `removed in the store: ${what}`;
    const r = await sendUnlessTooLate(deps, row, 'ITEM_CANCEL_TOO_LATE', () => deps.ordermesh.cancelOrder(omId, { reason, items: plan.items }), {
      describe: (refusal) => `lines removed in the store (${what}), but OrderMesh can no longer cancel them: ${refusal}`,
    });
    if (!r.sent) return null;
  }
  const reduced = reducedPayload(sent, plan.quantities);
  await deps.db.transaction().execute(async (trx) => {
    await trx.updateTable('orders').set({ mapped_payload: JSON.stringify(reduced), updated_at: new Date() }).where('id', '=', row.id).execute();
    await recordEvent(trx, {
      orderId: row.id,
      storeId: row.store_id,
      kind: 'ordermesh_updated',
      reason: 'ITEMS_CANCELLED',
      message: plan.items.length ? `cancelled in OrderMesh, removed in the store: ${what}` : `removed in the store, already cancelled in OrderMesh: ${what}`,
      actor: deps.actor,
      data: { cancelled: plan.items, lines: cuts.filter((c) => plan.quantities.has(c.index)).map((c) => ({ line: c.line, sku: c.sku, from: c.sent, to: c.wanted })) },
    });
  });
  return reduced;
}

/**
 * Units the store added after OrderMesh took the order: an OrderMesh order takes no new items, so a
 * person decides. Recorded once per difference (a re-run with the same additions adds no event).
 */
async function flagAdditions(deps: JobDeps, row: OrderRow, added: ItemAddition[]): Promise<boolean> {
  const what = added.map((a) => `${a.units} × ${a.sku} (line ${a.line})`).join(', ');
  const message = `added in the store after OrderMesh took the order, not sent (an OrderMesh order cannot take new items): ${what}. Have them made another way (a separate Shopify order for them, or OrderMesh support); what OrderMesh has goes on as before`;
  if (row.state === 'needs_attention' && row.last_error_code === 'ITEMS_ADDED_NOT_SENT' && row.last_error_message === message) return false;
  return transition(deps.db, row, [row.state], 'needs_attention', {
    actor: deps.actor,
    reason: 'ITEMS_ADDED_NOT_SENT',
    message,
    set: { last_error_code: 'ITEMS_ADDED_NOT_SENT', last_error_message: message },
    data: { added },
  });
}
