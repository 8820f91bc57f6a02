import { sql, type Transaction } from 'kysely';
import type { PackageHints } from './packages.ts';
import type { Database } from './schema.ts';

/**
 * The statements of one coalesced batch of webhook deliveries (src/server/ordermesh-intake.ts): each
 * takes the whole batch, so a burst of thousands of deliveries costs a few statements per batch, not
 * a transaction per delivery.
 */

export interface WebhookOrder {
  id: string;
  store_id: string;
  safe_id: string;
  ordermesh_order_id: string | null;
}

/** The ledger orders named by any of these safeIds or OrderMesh order ids. */
export async function ordersNamedIn(trx: Transaction<Database>, safeIds: string[], ordermeshOrderIds: string[]): Promise<WebhookOrder[]> {
  if (!safeIds.length && !ordermeshOrderIds.length) return [];
  return trx
    .selectFrom('orders')
    .select(['id', 'store_id', 'safe_id', 'ordermesh_order_id'])
    .where((eb) => eb.or([...(safeIds.length ? [eb('safe_id', 'in', safeIds)] : []), ...(ordermeshOrderIds.length ? [eb('ordermesh_order_id', 'in', ordermeshOrderIds)] : [])]))
    .execute();
}

/** Records receipts once each (distinct delivery ids expected); returns the delivery ids that were new. */
export async function recordReceipts(trx: Transaction<Database>, source: string, receipts: Array<{ deliveryId: string; topic: string }>): Promise<Set<string>> {
  if (!receipts.length) return new Set();
  const rows = await trx
    .insertInto('webhook_receipts')
    .values(receipts.map((r) => ({ source, delivery_id: r.deliveryId, topic: r.topic })))
    .onConflict((oc) => oc.doNothing())
    .returning('delivery_id')
    .execute();
  return new Set(rows.map((r) => r.delivery_id));
}

/** Package quantities of many orders at once; a package named twice keeps the last (the latest delivery wins, as one at a time). */
export async function recordPackageHintsOf(trx: Transaction<Database>, hints: Array<{ orderId: string; hints: PackageHints }>): Promise<void> {
  const byPackage = new Map<string, { package_id: string; order_id: string; items: string }>();
  for (const h of hints) for (const [packageId, items] of Object.entries(h.hints)) byPackage.set(packageId, { package_id: packageId, order_id: h.orderId, items: JSON.stringify(items) });
  if (!byPackage.size) return;
  await trx
    .insertInto('ordermesh_package_hints')
    .values([...byPackage.values()])
    .onConflict((oc) => oc.column('package_id').doUpdateSet((eb) => ({ items: eb.ref('excluded.items'), received_at: sql`now()` })))
    .execute();
}
