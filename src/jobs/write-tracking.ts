import type { CreateOrderModel } from '../connectors/ordermesh/contract.ts';
import { writeTracking } from '../connectors/shopify/write-fulfillment.ts';
import { recordEvent, transition } from '../db/orders.ts';
import { storeOf, type JobDeps } from './deps.ts';
import type { PackageItem } from '../db/packages.ts';

/**
 * Writes one package's tracking back to the store, once (keyed by the OrderMesh package id; the
 * connector also checks the store's existing fulfilments). A changed tracking number updates the
 * fulfilment written before. A refusal (held, cancelled, fulfilled elsewhere) is recorded on the package.
 */
export async function writeTrackingJob(deps: JobDeps, packageId: string): Promise<string> {
  const pkg = await deps.db
    .selectFrom('packages')
    .innerJoin('orders', 'orders.id', 'packages.order_id')
    .select(['packages.id', 'packages.order_id', 'packages.tracking_number', 'packages.tracking_url', 'packages.carrier', 'packages.items', 'packages.store_fulfillment_id', 'packages.written_tracking_number', 'orders.store_id', 'orders.store_order_id'])
    .where('packages.id', '=', packageId)
    .executeTakeFirst();
  if (!pkg?.tracking_number) return 'no tracking yet';
  if (pkg.written_tracking_number === pkg.tracking_number) {
    await markFulfilledIfDone(deps, pkg.order_id);
    return 'already written';
  }
  const store = storeOf(deps, pkg.store_id);
  const items = pkg.items as PackageItem[];
  const siblings = await deps.db
    .selectFrom('packages')
    .select('store_fulfillment_id')
    .where('order_id', '=', pkg.order_id)
    .where('id', '!=', packageId)
    .where('store_fulfillment_id', 'is not', null)
    .execute();
  const result = await writeTracking(store.shopify, {
    orderId: pkg.store_order_id,
    trackingNumber: pkg.tracking_number,
    trackingUrl: pkg.tracking_url,
    carrier: pkg.carrier,
    notifyCustomer: store.cfg.notifyCustomer,
    lines: items.map((i) => ({ lineItemId: i.shopifyLineItemId ?? `gid://shopify/LineItem/${i.externalId}`, quantity: i.quantity })),
    // Only a changed number updates an existing fulfilment; otherwise look before creating.
    fulfillmentId: pkg.written_tracking_number ? pkg.store_fulfillment_id : null,
    ownedByOtherPackages: siblings.map((p) => p.store_fulfillment_id!),
  });
  if (result.status === 'skipped') {
    await deps.db.updateTable('packages').set({ write_back_error_code: result.reason, write_back_error_message: result.message, updated_at: new Date() }).where('id', '=', packageId).execute();
    await recordEvent(deps.db, { orderId: pkg.order_id, storeId: pkg.store_id, kind: 'write_back_skipped', reason: result.reason, message: result.message, actor: deps.actor, data: { packageId } });
    return result.reason;
  }
  await deps.db
    .updateTable('packages')
    .set({ store_fulfillment_id: result.fulfillmentId, written_tracking_number: pkg.tracking_number, written_back_at: new Date(), write_back_error_code: null, write_back_error_message: null, updated_at: new Date() })
    .where('id', '=', packageId)
    .execute();
  await recordEvent(deps.db, { orderId: pkg.order_id, storeId: pkg.store_id, kind: 'tracking_written', reason: result.status.toUpperCase(), message: `${pkg.carrier ?? ''} ${pkg.tracking_number} → ${result.fulfillmentId}`.trim(), actor: deps.actor, data: { packageId } });
  await markFulfilledIfDone(deps, pkg.order_id);
  return result.status;
}

/** Fulfilled: every item OrderMesh was sent is in a package whose tracking is in the store. */
async function markFulfilledIfDone(deps: JobDeps, orderId: string): Promise<void> {
  const order = await deps.db.selectFrom('orders').select(['id', 'store_id', 'state', 'mapped_payload']).where('id', '=', orderId).executeTakeFirst();
  if (!order || (order.state !== 'submitted' && order.state !== 'in_production')) return;
  const packages = await deps.db.selectFrom('packages').select(['items', 'tracking_number', 'written_tracking_number']).where('order_id', '=', orderId).execute();
  if (packages.some((p) => !p.tracking_number || p.written_tracking_number !== p.tracking_number)) return;
  const shipped = new Map<string, number>();
  for (const p of packages) for (const i of p.items as PackageItem[]) shipped.set(i.externalId ?? '', (shipped.get(i.externalId ?? '') ?? 0) + i.quantity);
  const sent = (order.mapped_payload as CreateOrderModel | null)?.items ?? [];
  if (sent.every((it) => (shipped.get(it.externalId ?? '') ?? 0) >= it.quantity)) {
    await transition(deps.db, order, [order.state], 'fulfilled', { actor: deps.actor, reason: 'ALL_TRACKING_WRITTEN', message: `${packages.length} package(s) written back` });
  }
}
