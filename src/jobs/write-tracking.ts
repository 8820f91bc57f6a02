import type { CreateOrderModel } from '../connectors/ordermesh/contract.ts';
import { readFulfillmentStates, writeTracking, type OrderFulfillmentState } from '../connectors/shopify/write-fulfillment.ts';
import { ACCEPTED, FINAL, inStates } from '../db/order-states.ts';
import { recordEvent, transition } from '../db/orders.ts';
import {
  fulfillmentsOfOtherPackages,
  markTrackingWritten,
  orderToMarkFulfilled,
  packagesToWriteBack,
  packageToWriteBack,
  recordWriteBackRefusal,
  trackingOfOrder,
  type PackageItem,
} from '../db/packages.ts';
import { storeOf, type JobDeps } from './deps.ts';

/** The states a written-back package can complete: accepted by OrderMesh and not yet final. */
const FULFILLABLE = ACCEPTED.filter((s) => !FINAL.includes(s));

/**
 * Writes one package's tracking back to the store, once (keyed by the OrderMesh package id; the
 * connector also checks the store's existing fulfilments). A changed tracking number updates the
 * fulfilment written before. A refusal (held, cancelled, fulfilled elsewhere) is recorded on the package.
 */
export async function writeTrackingJob(deps: JobDeps, packageId: string, state?: OrderFulfillmentState | null): Promise<string> {
  const pkg = await packageToWriteBack(deps.db, packageId);
  if (!pkg?.tracking_number) return 'no tracking yet';
  if (pkg.written_tracking_number === pkg.tracking_number) {
    await markFulfilledIfDone(deps, pkg.order_id);
    return 'already written';
  }
  const store = storeOf(deps, pkg.store_id);
  const items = pkg.items as PackageItem[];
  const siblings = await fulfillmentsOfOtherPackages(deps.db, pkg.order_id, packageId);
  const result = await writeTracking(store.shopify, {
    // A fulfilment request's order: its fulfilment order is the one to fulfil.
    orderId: pkg.shopify_order_id ?? pkg.store_order_id,
    ...(pkg.shopify_order_id ? { fulfillmentOrderIds: [pkg.store_order_id] } : {}),
    trackingNumber: pkg.tracking_number,
    trackingUrl: pkg.tracking_url,
    carrier: pkg.carrier,
    notifyCustomer: store.cfg.notifyCustomer,
    lines: items.map((i) => ({ lineItemId: i.shopifyLineItemId ?? `gid://shopify/LineItem/${i.externalId}`, quantity: i.quantity })),
    // Only a changed number updates an existing fulfilment; otherwise look before creating.
    fulfillmentId: pkg.written_tracking_number ? pkg.store_fulfillment_id : null,
    ownedByOtherPackages: siblings,
  }, state);
  if (result.status === 'skipped') {
    await recordWriteBackRefusal(deps.db, packageId, result.reason, result.message);
    deps.log.warn({ store: pkg.store_id, order: pkg.store_order_name ?? pkg.store_order_id, package: packageId, reason: result.reason, message: result.message }, 'tracking not written to the store');
    await recordEvent(deps.db, { orderId: pkg.order_id, storeId: pkg.store_id, kind: 'write_back_skipped', reason: result.reason, message: result.message, actor: deps.actor, data: { packageId } });
    return result.reason;
  }
  await markTrackingWritten(deps.db, packageId, result.fulfillmentId, pkg.tracking_number);
  deps.log.info({ store: pkg.store_id, order: pkg.store_order_name ?? pkg.store_order_id, package: packageId, carrier: pkg.carrier, trackingNumber: pkg.tracking_number, fulfillment: result.fulfillmentId, how: result.status }, 'tracking written to the store');
  await recordEvent(deps.db, { orderId: pkg.order_id, storeId: pkg.store_id, kind: 'tracking_written', reason: result.status.toUpperCase(), message: `${pkg.carrier ?? ''} ${pkg.tracking_number} → ${result.fulfillmentId}`.trim(), actor: deps.actor, data: { packageId } });
  await markFulfilledIfDone(deps, pkg.order_id);
  return result.status;
}

/** Fulfilled: every item OrderMesh was sent is in a package whose tracking is in the store. */
async function markFulfilledIfDone(deps: JobDeps, orderId: string): Promise<void> {
  const order = await orderToMarkFulfilled(deps.db, orderId);
  if (!order || !inStates(FULFILLABLE, order.state)) return;
  const packages = await trackingOfOrder(deps.db, orderId);
  if (packages.some((p) => !p.tracking_number || p.written_tracking_number !== p.tracking_number)) return;
  const shipped = new Map<string, number>();
  for (const p of packages) for (const i of p.items as PackageItem[]) shipped.set(i.externalId ?? '', (shipped.get(i.externalId ?? '') ?? 0) + i.quantity);
  const sent = (order.mapped_payload as CreateOrderModel | null)?.items ?? [];
  if (sent.every((it) => (shipped.get(it.externalId ?? '') ?? 0) >= it.quantity)) {
    await transition(deps.db, order, [order.state], 'fulfilled', { actor: deps.actor, reason: 'ALL_TRACKING_WRITTEN', message: `${packages.length} package(s) written back` });
  }
}

/**
 * The write-backs of a fetched batch: the fulfilment state of all their orders read together (a read
 * per 20 orders instead of one per package), then each package written with it, so a write-back
 * costs about the mutation alone. A second package of the same order reads again (the first changed
 * what is left to fulfil). Returns each package's error, if it failed, so only those are retried.
 */
export async function writeTrackingBatch(deps: JobDeps, packageIds: string[]): Promise<Array<unknown | undefined>> {
  const rows = await packagesToWriteBack(deps.db, packageIds);
  const byId = new Map(rows.map((r) => [r.id, r]));
  // Only packages on the create path use a state: a changed number updates its fulfilment directly.
  const needsState = rows.filter((r) => r.tracking_number && !r.written_tracking_number);
  const states = new Map<string, OrderFulfillmentState>();
  const byStore = new Map<string, Set<string>>();
  for (const r of needsState) byStore.set(r.store_id, (byStore.get(r.store_id) ?? new Set()).add(r.store_order_id));
  for (const [storeId, orders] of byStore) {
    try {
      for (const [id, st] of await readFulfillmentStates(storeOf(deps, storeId).shopify, [...orders])) states.set(id, st);
    } catch (err) {
      deps.log.warn({ err, store: storeId }, 'reading fulfilment states for a batch failed; each package reads its own');
    }
  }
  const used = new Set<string>();
  const errors: Array<unknown | undefined> = [];
  for (const id of packageIds) {
    const r = byId.get(id);
    const order = r?.store_order_id;
    // Read for the batch and not yet changed by a write in it: use it; else the job reads afresh.
    const state = order && states.has(order) && !used.has(order) ? states.get(order) : undefined;
    if (order) used.add(order);
    try {
      await writeTrackingJob(deps, id, state);
      errors.push(undefined);
    } catch (err) {
      errors.push(err);
    }
  }
  return errors;
}
