import { describeHolds, merchantHeldOrders, placeHold, readMirroredHolds, releaseHold, type MirroredHolds } from '../connectors/shopify/holds.ts';
import { orderMeshHeldOrders, ordersOnHold, stateBeforeHold, storeHeldOrders } from '../db/holds.ts';
import { recordEvent, transition } from '../db/orders.ts';
import { AWAITING_SHIPMENT, STORE_HOLD_GIVES_BACK, STORE_HOLDABLE } from '../db/order-states.ts';
import type { OrderRow } from '../db/schema.ts';
import type { StoreRuntime } from '../stores.ts';
import { storeOf, type JobDeps } from './deps.ts';
import { Q, enqueue } from './queues.ts';
import { sendUnlessTooLate } from './too-late.ts';

/**
 * Holds both ways, for one store, each minute and whenever a webhook hints at one:
 * - the store's side (merchant-managed stores): a Shopify fulfilment hold on an order OrderMesh has
 *   puts it on Customer Care Hold; releasing it in Shopify releases it there. (A hold before
 *   submission is caught by the submit job itself, which reads the holds of what it is about to send.)
 * - OrderMesh's side (both modes): an order OrderMesh put on Customer Care Hold is `on_hold` in the
 *   ledger, mirrored as our own fulfilment hold in Shopify where the mode allows (a fulfilment service
 *   cannot hold the orders assigned to it), and released both places when OrderMesh releases it.
 * Every step is safe to repeat: a crash between OrderMesh and the ledger is mended by the next sweep,
 * which sees the same holds and asks for the same (idempotent) change again.
 */
const BATCH = 200;
export const OM_HOLD = 'CustomerCareHold';

export interface HoldsResult {
  held: number;
  released: number;
  tooLate: number;
}

export async function syncHolds(deps: JobDeps, storeId: string): Promise<HoldsResult> {
  const store = storeOf(deps, storeId);
  const result: HoldsResult = { held: 0, released: 0, tooLate: 0 };
  // The store's side first: a hold we put on in OrderMesh for the merchant must be on record as
  // theirs before OrderMesh's list of holds is read, or it would be taken for OrderMesh's own.
  if (store.cfg.mode === 'merchant-managed') await followStoreHolds(deps, store, result);
  await followOrderMeshHolds(deps, store, result);
  if (result.held || result.released || result.tooLate) deps.log.info({ store: storeId, ...result }, 'holds synced');
  return result;
}

/**
 * The store's side, from one list of the shop's held fulfilment orders: orders held there and not in
 * the ledger are held (before submission) or put on Customer Care Hold (after); orders the ledger holds
 * for the store and the list no longer shows are released.
 */
async function followStoreHolds(deps: JobDeps, store: StoreRuntime, result: HoldsResult): Promise<void> {
  const storeId = store.cfg.id;
  const held = await merchantHeldOrders(store.shopify);
  const heldIds = [...held.keys()];
  const toHold = await storeHeldOrders(deps.db, storeId, heldIds, STORE_HOLDABLE);
  for (const row of toHold) {
    const reason = describeHolds(held.get(row.store_order_id)!);
    if (row.state === 'pending') {
      if (await holdInLedger(deps, row, 'store', reason)) result.held++;
      continue;
    }
    // OrderMesh already making it: the merchant must know their hold did not stop production.
    const hold = await sendUnlessTooLate(deps, row, 'HOLD_TOO_LATE', () => deps.ordermesh.holdOrder(row.ordermesh_order_id!, `held in Shopify: ${reason}`), {
      from: [row.state],
      describe: (refusal) => `held in Shopify (${reason}), but OrderMesh can no longer hold it: ${refusal}`,
    });
    if (!hold.sent) {
      if (hold.moved) result.tooLate++;
      continue;
    }
    if (await holdInLedger(deps, row, 'store', reason)) result.held++;
  }

  const released = await ordersOnHold(deps.db, storeId, 'store', BATCH, heldIds);
  let submitAgain = false;
  for (const row of released) {
    if (row.ordermesh_order_id) await deps.ordermesh.releaseHold(row.ordermesh_order_id);
    // Back to the state the hold found it in: an in_production order OrderMesh did hold keeps its progress.
    const to = row.ordermesh_order_id ? ((await stateBeforeHold(deps.db, row.id, STORE_HOLD_GIVES_BACK)) ?? 'submitted') : 'pending';
    const moved = await transition(deps.db, row, ['on_hold'], to, {
      actor: deps.actor,
      reason: 'STORE_HOLD_RELEASED',
      message: row.ordermesh_order_id ? 'released in Shopify: released in OrderMesh' : 'released in Shopify: submitted next',
      set: { hold_source: null, hold_reason: null, next_attempt_at: null },
    });
    if (moved) result.released++;
    submitAgain ||= moved && to === 'pending';
  }
  if (submitAgain) await enqueue(deps.boss, Q.submitOrders, { storeId }, { singletonKey: storeId });
}

function holdInLedger(deps: JobDeps, row: Pick<OrderRow, 'id' | 'store_id' | 'state'>, source: 'store' | 'ordermesh', reason: string): Promise<boolean> {
  return transition(deps.db, row, [row.state], 'on_hold', {
    actor: deps.actor,
    reason: source === 'store' ? 'STORE_HOLD' : 'ORDERMESH_CUSTOMER_CARE_HOLD',
    message: source === 'store' ? `held in Shopify: ${reason}` : reason,
    set: { hold_source: source, hold_reason: reason },
  });
}

/** OrderMesh's Customer Care Holds on this store's merchant, by OrderMesh order id (every page, each item's status checked). */
async function orderMeshHolds(deps: JobDeps, merchantId: string): Promise<Set<string>> {
  const held = new Set<string>();
  for await (const page of deps.ordermesh.allOrders({ merchantId, status: OM_HOLD })) for (const o of page) held.add(o.id);
  return held;
}

const OM_REASON = 'on Customer Care Hold in OrderMesh';
/** The states OrderMesh's Customer Care Hold is followed from, and so the states its release gives back. */
const OM_HOLDABLE = AWAITING_SHIPMENT;

async function followOrderMeshHolds(deps: JobDeps, store: StoreRuntime, result: HoldsResult): Promise<void> {
  const held = await orderMeshHolds(deps, store.cfg.merchantId);
  const storeId = store.cfg.id;
  const fresh = await orderMeshHeldOrders(deps.db, storeId, [...held], OM_HOLDABLE);
  for (const row of fresh) if (await holdInLedger(deps, row, 'ordermesh', OM_REASON)) result.held++;

  const onHold = await ordersOnHold(deps.db, storeId, 'ordermesh', BATCH);
  if (onHold.length === 0) return;
  const mirrors = store.cfg.mode === 'merchant-managed';
  const holds = mirrors ? await readMirroredHolds(store.shopify, onHold.map((r) => r.store_order_id)) : new Map<string, MirroredHolds>();
  for (const row of onHold) {
    const h = holds.get(row.store_order_id);
    // A release is believed only when the order itself says so: a page of the list may have shifted.
    const stillHeld = held.has(row.ordermesh_order_id!) || (await deps.ordermesh.getOrder(row.ordermesh_order_id!)).status === OM_HOLD;
    if (stillHeld) {
      for (const fo of h?.holdable ?? []) {
        const placed = await placeHold(store.shopify, fo, 'OrderMesh put this order on Customer Care Hold: it is not being made until OrderMesh releases it.');
        if (!placed.ok) await recordEvent(deps.db, { orderId: row.id, storeId, kind: 'warning', reason: 'SHOPIFY_HOLD_REFUSED', message: `the Customer Care Hold could not be shown in Shopify: ${placed.message}`, actor: deps.actor });
      }
      continue;
    }
    for (const fo of h?.ours ?? []) {
      const released = await releaseHold(store.shopify, fo.fulfillmentOrderId, fo.holdIds);
      if (!released.ok) throw new Error(`releasing our Shopify hold on ${fo.fulfillmentOrderId}: ${released.message}`);
    }
    // Back to the state the hold found it in (issue 34, item 11): a needs_attention order keeps its
    // alert (its last_error_code was never cleared), an in_production one its progress.
    const back = (await stateBeforeHold(deps.db, row.id, OM_HOLDABLE)) ?? 'submitted';
    const moved = await transition(deps.db, row, ['on_hold'], back, { actor: deps.actor, reason: 'ORDERMESH_HOLD_RELEASED', message: 'released in OrderMesh', set: { hold_source: null, hold_reason: null } });
    if (moved) result.released++;
  }
}
