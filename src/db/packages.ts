import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database } from './schema.ts';

type Db = Kysely<Database> | Transaction<Database>;

/** What the ledger keeps of each package item: enough to name the store line item it fulfils. */
export interface PackageItem {
  orderItemId: string;
  externalId: string | null;
  quantity: number;
  shopifyLineItemId: string | null;
}

export interface ShipmentRecord {
  id: string;
  orderId: string;
  status: string;
  packages: Array<{
    id: string;
    carrier: string | null;
    carrierMethod: string | null;
    trackingNumber: string | null;
    trackingUrl: string | null;
    items: PackageItem[];
    shippedAt: string | null;
  }>;
}

/**
 * Upserts shipments and their packages, any number of orders at once, in two statements. Returns the
 * packages whose tracking is not yet in the store as it now stands (new, or a changed number).
 */
export async function upsertShipments(db: Db, shipments: ShipmentRecord[]): Promise<string[]> {
  if (shipments.length === 0) return [];
  // One row per key: a statement may not upsert the same row twice.
  shipments = [...new Map(shipments.map((x) => [x.id, x])).values()];
  const s = shipments.map((x) => ({ id: x.id, order_id: x.orderId, status: x.status }));
  await sql`
    insert into shipments (id, order_id, status)
    select id, order_id, status from jsonb_to_recordset(${JSON.stringify(s)}::jsonb) as x(id text, order_id bigint, status text)
    on conflict (id) do update set status = excluded.status, updated_at = now()
  `.execute(db);
  const p = shipments.flatMap((x) =>
    x.packages.map((pk) => ({
      id: pk.id,
      shipment_id: x.id,
      order_id: x.orderId,
      carrier: pk.carrier,
      carrier_method: pk.carrierMethod,
      tracking_number: pk.trackingNumber,
      tracking_url: pk.trackingUrl,
      items: pk.items,
      shipped_at: pk.shippedAt,
    })),
  );
  if (p.length === 0) return [];
  const unique = [...new Map(p.map((x) => [x.id, x])).values()];
  const rows = await sql<{ id: string }>`
    insert into packages (id, shipment_id, order_id, carrier, carrier_method, tracking_number, tracking_url, items, shipped_at)
    select id, shipment_id, order_id, carrier, carrier_method, tracking_number, tracking_url, items, shipped_at
    from jsonb_to_recordset(${JSON.stringify(unique)}::jsonb)
      as x(id text, shipment_id text, order_id bigint, carrier text, carrier_method text, tracking_number text, tracking_url text, items jsonb, shipped_at timestamptz)
    on conflict (id) do update set
      carrier = excluded.carrier, carrier_method = excluded.carrier_method, tracking_number = excluded.tracking_number,
      tracking_url = excluded.tracking_url, items = excluded.items, shipped_at = excluded.shipped_at, updated_at = now()
    returning id, tracking_number, written_tracking_number
  `.execute(db);
  return (rows.rows as Array<{ id: string; tracking_number: string | null; written_tracking_number: string | null }>)
    .filter((r) => r.tracking_number && r.tracking_number !== r.written_tracking_number)
    .map((r) => r.id);
}

/** Per OrderMesh package id, the items and quantities a ShipmentUpdate webhook named. */
export type PackageHints = Record<string, Array<{ orderItemId: string; quantity: number }>>;

/** Keeps a webhook's package quantities for every later poll of the order (the latest delivery wins). */
export async function recordPackageHints(db: Db, orderId: string, hints: PackageHints): Promise<void> {
  const rows = Object.entries(hints).map(([packageId, items]) => ({ package_id: packageId, order_id: orderId, items: JSON.stringify(items) }));
  if (!rows.length) return;
  await db
    .insertInto('ordermesh_package_hints')
    .values(rows)
    .onConflict((oc) => oc.column('package_id').doUpdateSet((eb) => ({ items: eb.ref('excluded.items'), received_at: sql`now()` })))
    .execute();
}

/** The webhook quantities known for these orders' packages. */
export async function packageHintsOf(db: Db, orderIds: string[]): Promise<PackageHints> {
  if (!orderIds.length) return {};
  const rows = await db.selectFrom('ordermesh_package_hints').select(['package_id', 'items']).where('order_id', 'in', orderIds).execute();
  return Object.fromEntries(rows.map((r) => [r.package_id, r.items as PackageHints[string]]));
}

/** A package with what writing its tracking back needs of its order. */
export function packageToWriteBack(db: Db, packageId: string) {
  return db
    .selectFrom('packages')
    .innerJoin('orders', 'orders.id', 'packages.order_id')
    .select(['packages.id', 'packages.order_id', 'packages.tracking_number', 'packages.tracking_url', 'packages.carrier', 'packages.items', 'packages.store_fulfillment_id', 'packages.written_tracking_number', 'orders.store_id', 'orders.store_order_id', 'orders.store_order_name', 'orders.shopify_order_id'])
    .where('packages.id', '=', packageId)
    .executeTakeFirst();
}

/** The store fulfilments the order's other packages already wrote: a write-back must not take one of them over. */
export async function fulfillmentsOfOtherPackages(db: Db, orderId: string, packageId: string): Promise<string[]> {
  const rows = await db.selectFrom('packages').select('store_fulfillment_id').where('order_id', '=', orderId).where('id', '!=', packageId).where('store_fulfillment_id', 'is not', null).execute();
  return rows.map((p) => p.store_fulfillment_id!);
}

/** The store refused the write-back (held, cancelled, fulfilled elsewhere): the reason stays on the package. */
export async function recordWriteBackRefusal(db: Db, packageId: string, reason: string, message: string): Promise<void> {
  await db.updateTable('packages').set({ write_back_error_code: reason, write_back_error_message: message, updated_at: new Date() }).where('id', '=', packageId).execute();
}

/** The package's tracking is in the store, in this fulfilment: an earlier write-back error is cleared. */
export async function markTrackingWritten(db: Db, packageId: string, fulfillmentId: string, trackingNumber: string): Promise<void> {
  await db
    .updateTable('packages')
    .set({ store_fulfillment_id: fulfillmentId, written_tracking_number: trackingNumber, written_back_at: new Date(), write_back_error_code: null, write_back_error_message: null, updated_at: new Date() })
    .where('id', '=', packageId)
    .execute();
}

/** A write-back job that failed for good: the error stays on its package (the package's updated_at is left as it was). */
export async function recordWriteBackFailure(db: Db, packageId: string, reason: string, message: string): Promise<void> {
  await db.updateTable('packages').set({ write_back_error_code: reason, write_back_error_message: message }).where('id', '=', packageId).execute();
}

/** Every package of an order, with its items and whether its tracking is in the store. */
export function trackingOfOrder(db: Db, orderId: string) {
  return db.selectFrom('packages').select(['items', 'tracking_number', 'written_tracking_number']).where('order_id', '=', orderId).execute();
}

/**
 * For a batch of write-backs, each package's store and tracking, and the store order whose fulfilment
 * state it reads (a fulfilment request's order: its Shopify order).
 */
export function packagesToWriteBack(db: Db, packageIds: string[]) {
  return db
    .selectFrom('packages')
    .innerJoin('orders', 'orders.id', 'packages.order_id')
    .select(['packages.id', 'orders.store_id', 'packages.tracking_number', 'packages.written_tracking_number', sql<string>`coalesce(orders.shopify_order_id, orders.store_order_id)`.as('store_order_id')])
    .where('packages.id', 'in', packageIds)
    .execute();
}

/** The order a write-back may mark fulfilled: its state and the items OrderMesh was sent. */
export function orderToMarkFulfilled(db: Db, orderId: string) {
  return db.selectFrom('orders').select(['id', 'store_id', 'state', 'mapped_payload']).where('id', '=', orderId).executeTakeFirst();
}
