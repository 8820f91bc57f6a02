import { sql, type Kysely } from 'kysely';
import type { Database } from './schema.ts';

/**
 * What the console's order list shows beside an order's ledger row: the tracking numbers OrderMesh
 * gave its packages and the customer's e-mail (only for a caller that sees personal data). One query
 * per page of orders, keyed by ledger id, so a page of 200 costs what a page of 1 does.
 */

/** Each order's tracking numbers, in shipping order (orders without a package are absent). */
export async function trackingOf(db: Kysely<Database>, orderIds: string[]): Promise<Map<string, string[]>> {
  if (orderIds.length === 0) return new Map();
  const rows = await db
    .selectFrom('packages')
    .select(['order_id', 'tracking_number'])
    .where('order_id', 'in', orderIds)
    .where('tracking_number', 'is not', null)
    .orderBy('shipped_at')
    .orderBy('id')
    .execute();
  const out = new Map<string, string[]>();
  for (const r of rows) out.set(r.order_id, [...(out.get(r.order_id) ?? []), r.tracking_number!]);
  return out;
}

/** Each order's customer e-mail as the store last sent it: personal data, read only for a caller that may see it. */
export async function emailsOf(db: Kysely<Database>, orderIds: string[]): Promise<Map<string, string | null>> {
  if (orderIds.length === 0) return new Map();
  const rows = await db
    .selectFrom('orders')
    .select(['id', sql<string | null>`store_payload->>'email'`.as('email')])
    .where('id', 'in', orderIds)
    .execute();
  return new Map(rows.map((r) => [r.id, r.email]));
}

/** When each fulfilment-service store last finished a scan of its fulfilment requests (what a pull is to the other stores). */
export async function lastScans(db: Kysely<Database>, stream: string): Promise<Map<string, Date | null>> {
  const rows = await db.selectFrom('sync_cursors').select(['store_id', 'last_success_at']).where('stream', '=', stream).execute();
  return new Map(rows.map((r) => [r.store_id, r.last_success_at]));
}

/** Fulfilment-service mode: the Shopify order an order's request (a fulfilment order) belongs to; null for the other modes. */
export async function shopifyOrderIdOf(db: Kysely<Database>, orderId: string): Promise<string | null> {
  const row = await db.selectFrom('orders').select('shopify_order_id').where('id', '=', orderId).executeTakeFirst();
  return row?.shopify_order_id ?? null;
}
