import type { CreateOrderModel } from '../connectors/ordermesh/contract.ts';
import { orderSchema, parseShopifyOrder, type StoreOrderPayload } from '../connectors/shopify/types.ts';
import { beginItemCancel, ITEM_CANCEL_UNCONFIRMED, itemCancelNotApplied, openItemCancel, type OpenItemCancel } from '../db/item-cancels.ts';
import { findOrder } from '../db/order-lookups.ts';
import { recordEvent, transition } from '../db/orders.ts';
import { followsStore } from '../db/order-states.ts';
import type { OrderRow } from '../db/schema.ts';
import { recordSentPayload } from '../db/sent-payloads.ts';
import { sameValue } from '../util/canonical-json.ts';
import { mapOrder } from '../mapping/registry.ts';
import { storeOf, type JobDeps } from './deps.ts';
import {
  cancelAnsweredOk,
  cancelConfirmed,
  cancelIntent,
  cancelNotApplied,
  cancelPlan,
  everyItemCut,
  intentQuantities,
  itemAdditions,
  itemCuts,
  reducedPayload,
  type ItemAddition,
  type ItemCancelIntent,
  type ItemCut,
} from './item-changes.ts';
import { sendUnlessTooLate } from './too-late.ts';

/**
 * Brings OrderMesh in line with the store for an order it already has: a store cancellation cancels
 * the OrderMesh order; lines removed or reduced (an order edit) cancel those units of their OrderMesh
 * items, and the whole order once nothing is left; a new shipping address updates it. Once OrderMesh
 * refuses (in production) the order is `needs_attention`, visible in status, instead of retried
 * forever; so are units the store added, which an OrderMesh order cannot take. Idempotent: it compares
 * the store's current state with what OrderMesh was last sent (`mapped_payload`, updated as each change
 * goes through), whatever `kind` triggered it. A redacted order is not mapped at all: see below.
 */
export async function applyOrderChange(deps: JobDeps, orderId: string): Promise<string> {
  const row = await findOrder(deps.db, orderId);
  if (!row || !followsStore(row)) return 'nothing to apply';
  const payload = row.store_payload as StoreOrderPayload;
  const omId = row.ordermesh_order_id!;

  if (payload.cancelledAt) {
    const reason = `cancelled in the store (${payload.cancelReason ?? 'no reason given'})`;
    return (await cancelWhole(deps, row, reason, 'CANCEL_TOO_LATE', { reason: 'STORE_CANCELLED', message: `cancelled OrderMesh order ${omId}` })) ? 'cancelled' : 'cancel refused';
  }

  const store = storeOf(deps, row.store_id);
  // A redacted order's copy has no address or names (privacy/personal-data.ts): mapped, it would fail
  // (a false CHANGE_NOT_MAPPED) or send OrderMesh an address emptied of the customer (a false address
  // change). Only what needs no mapping is carried over: the cancel above, and lines removed, read from
  // its line items, which redaction keeps; OrderMesh keeps the address it was sent.
  const redacted = row.redacted_at !== null;
  const mapped = redacted ? null : mapOrder(store.mapper, payload, { storeId: row.store_id, merchantId: store.cfg.merchantId, safeId: row.safe_id });
  let sent = row.mapped_payload as CreateOrderModel | null;
  const lines = redacted ? redactedLines(payload) : parsedLines(payload);
  const cutsOf = (s: CreateOrderModel | null) => (s && lines ? itemCuts(s.items, lines) : []);
  const addedOf = (s: CreateOrderModel | null) => (s && mapped?.kind === 'mapped' ? itemAdditions(s.items, mapped.model.items) : []);
  let cuts = cutsOf(sent);
  let added = addedOf(sent);
  const done: string[] = [];

  // Every line gone: the whole order is cancelled, which is safe to repeat, whatever an item cancel did.
  if (sent && cuts.length && everyItemCut(sent.items, cuts) && added.length === 0) {
    const reduced = reducedPayload(sent, new Map(cuts.map((c) => [c.index, 0])));
    const message = `every line OrderMesh had was removed in the store: cancelled OrderMesh order ${omId}`;
    const ok = await cancelWhole(deps, row, 'every line was removed in the store', 'ITEM_CANCEL_TOO_LATE', { reason: 'ITEMS_CANCELLED', message, set: { mapped_payload: JSON.stringify(reduced) } });
    return ok ? 'cancelled' : 'cancel refused';
  }
  // An item cancel whose outcome was never recorded (a lost answer, a crash): settled, never sent again.
  const open = sent ? await openItemCancel<ItemCancelIntent>(deps.db, row.id) : null;
  if (sent && open) {
    const settled = await settleItemCancel(deps, row, sent, open);
    if (typeof settled === 'string') return settled;
    done.push('items cancelled');
    sent = settled;
    cuts = cutsOf(sent);
    added = addedOf(sent);
  }
  if (sent && cuts.length) {
    const after = await cancelItems(deps, row, sent, cuts);
    if (typeof after === 'string') return after;
    if (after !== sent) done.push('items cancelled');
    sent = after;
  }

  if (mapped === null) return done.join(', ') || 'no change';
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
    await recordSentPayload(deps.db, row.id, { ...sent, shippingAddress: mapped.model.shippingAddress });
    await recordEvent(deps.db, { orderId: row.id, storeId: row.store_id, kind: 'ordermesh_updated', reason: 'ADDRESS_CHANGED', message: 'shipping address sent to OrderMesh', actor: deps.actor });
    done.push('address updated');
  }
  if (added.length && (await flagAdditions(deps, row, added))) done.push('additions flagged');
  return done.join(', ') || 'no change';
}

function parsedLines(payload: StoreOrderPayload) {
  const parsed = parseShopifyOrder(payload);
  return parsed.ok ? parsed.order.lineItems : null;
}

/** A redacted copy's line items: the order around them no longer parses (its address and names are gone). */
function redactedLines(payload: StoreOrderPayload) {
  const parsed = orderSchema.shape.lineItems.safeParse(payload.lineItems);
  return parsed.success ? parsed.data : null;
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
 * its order), and records the reduced payload with an event. An item cancel is not idempotent (each
 * request cancels more units), so it is sent at most once: its intent is recorded first
 * (ITEM_CANCEL_SENT), and a request whose outcome is unknown is settled by reading OrderMesh's order
 * (settleItemCancel), never sent again. Returns the payload OrderMesh now holds (the same object when
 * there was nothing to record), or what stopped it (refused as too late, or parked unconfirmed).
 */
async function cancelItems(deps: JobDeps, row: OrderRow, sent: CreateOrderModel, cuts: ItemCut[]): Promise<CreateOrderModel | string> {
  const omId = row.ordermesh_order_id!;
  const order = await deps.ordermesh.getOrder(omId);
  const plan = cancelPlan(cuts, order);
  if (plan.unmatched.length) {
    // Not guessed around: a person looks at OrderMesh's order (the job fails, then parks it with this message).
    throw new Error(`OrderMesh order ${omId} has no item for ${plan.unmatched.map((c) => `line ${c.line} (${c.sku})`).join(', ')}: the units removed in the store cannot be cancelled there`);
  }
  if (plan.quantities.size === 0) return sent;
  const what = cuts
    .filter((c) => plan.quantities.has(c.index))
    .map((c) => `${c.sent - c.wanted} × ${c.sku}`)
    .join(', ');
  const intent = cancelIntent(omId, plan, cuts, order, what);
  if (plan.items.length) {
    const begun = await beginItemCancel(deps.db, row, { actor: deps.actor, message: `cancelling in OrderMesh order ${omId}, removed in the store: ${what}`, data: intent });
    if (!begun) {
      // Another run began one meanwhile: its outcome comes first.
      const other = await openItemCancel<ItemCancelIntent>(deps.db, row.id);
      return other ? settleItemCancel(deps, row, sent, other) : sent;
    }
    const reason = `removed in the store: ${what}`;
    let unknown: unknown;
    const send = async () => {
      try {
        await deps.ordermesh.cancelOrder(omId, { reason, items: plan.items });
      } catch (err) {
        if (cancelAnsweredOk(err)) return;
        if (cancelNotApplied(err)) {
          // Refused or never sent: closed, so a later run plans it afresh (a too-late refusal is then parked below).
          await itemCancelNotApplied(deps.db, row, { actor: deps.actor, intentId: begun.id, message: `not applied by OrderMesh: ${(err as Error).message}` });
          throw err;
        }
        unknown = err;
      }
    };
    const r = await sendUnlessTooLate(deps, row, 'ITEM_CANCEL_TOO_LATE', send, {
      describe: (refusal) => `lines removed in the store (${what}), but OrderMesh can no longer cancel them: ${refusal}`,
    });
    if (!r.sent) return 'item cancel refused';
    if (unknown !== undefined) {
      deps.log.warn({ err: unknown, order: row.id, ordermeshOrder: omId }, 'item cancel: outcome unknown; settled from OrderMesh, not sent again');
      return settleItemCancel(deps, row, sent, { id: begun.id, data: intent, operatorResolved: false });
    }
  }
  return recordItemsCancelled(deps, row, sent, intent, plan.quantities, plan.items.length ? `cancelled in OrderMesh, removed in the store: ${what}` : `removed in the store, already cancelled in OrderMesh: ${what}`);
}

/**
 * An item cancel that was begun but whose outcome was never recorded: OrderMesh's order says whether it
 * went through (cancelConfirmed), and it is recorded as done if so. Otherwise the order is parked
 * ITEM_CANCEL_UNCONFIRMED for a person (once: a re-run while parked changes nothing), and nothing is
 * sent: a part-cancelled item looks the same in OrderMesh before and after. After that park, a
 * reprocess is the person's word that OrderMesh has the units cancelled (fixes.ts), and it is recorded.
 */
async function settleItemCancel(deps: JobDeps, row: OrderRow, sent: CreateOrderModel, open: OpenItemCancel<ItemCancelIntent>): Promise<CreateOrderModel | string> {
  const intent = open.data;
  const quantities = intentQuantities(intent, sent);
  if (cancelConfirmed(intent, await deps.ordermesh.getOrder(intent.ordermeshOrderId))) {
    const reduced = await recordItemsCancelled(deps, row, sent, intent, quantities, `cancelled in OrderMesh (its answer was lost; OrderMesh's order shows it), removed in the store: ${intent.what}`);
    if (row.state === 'needs_attention' && row.last_error_code === ITEM_CANCEL_UNCONFIRMED) {
      await transition(deps.db, row, ['needs_attention'], 'submitted', { actor: deps.actor, reason: 'ITEMS_CANCELLED', message: 'the unconfirmed item cancel now shows in OrderMesh', set: { last_error_code: null, last_error_message: null } });
    }
    return reduced;
  }
  if (open.operatorResolved) {
    return recordItemsCancelled(deps, row, sent, intent, quantities, `recorded as cancelled in OrderMesh on the operator's word (reprocessed after ${ITEM_CANCEL_UNCONFIRMED}), removed in the store: ${intent.what}`);
  }
  const items = intent.items.map((c) => {
    const b = intent.before.find((x) => x.orderItemId === c.orderItemId);
    return `${c.quantity} of the ${b?.quantity ?? '?'} units of item ${c.orderItemId}${b?.sku ? ` (${b.sku})` : ''}`;
  });
  const message =
    `a cancel of ${items.join('; ')} was sent to OrderMesh order ${intent.ordermeshOrderId} (removed in the store: ${intent.what}) and its answer was lost; ` +
    `OrderMesh's order does not show whether it went through, so it was not sent again. In OrderMesh, check those items' cancelled units; ` +
    `if they are not cancelled there, cancel them there (or through OrderMesh support), never more; then \`ordersync reprocess --order ${row.store_order_name ?? row.store_order_id}\` records it as done without sending anything`;
  if (row.state === 'needs_attention' && row.last_error_code === ITEM_CANCEL_UNCONFIRMED) return 'item cancel unconfirmed';
  await transition(deps.db, row, [row.state], 'needs_attention', {
    actor: deps.actor,
    reason: ITEM_CANCEL_UNCONFIRMED,
    message,
    set: { last_error_code: ITEM_CANCEL_UNCONFIRMED, last_error_message: message },
    data: { intent: open.id, ordermeshOrderId: intent.ordermeshOrderId, items: intent.items },
  });
  return 'item cancel unconfirmed';
}

/** The cancel went through: the reduced payload and its ITEMS_CANCELLED event (which closes the intent), together. */
async function recordItemsCancelled(deps: JobDeps, row: OrderRow, sent: CreateOrderModel, intent: ItemCancelIntent, quantities: ReadonlyMap<number, number>, message: string): Promise<CreateOrderModel> {
  const reduced = reducedPayload(sent, quantities);
  await deps.db.transaction().execute(async (trx) => {
    await recordSentPayload(trx, row.id, reduced);
    await recordEvent(trx, {
      orderId: row.id,
      storeId: row.store_id,
      kind: 'ordermesh_updated',
      reason: 'ITEMS_CANCELLED',
      message,
      actor: deps.actor,
      data: { cancelled: intent.items, lines: intent.lines.map((l) => ({ line: l.line, sku: l.sku, from: l.from, to: l.to })) },
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
