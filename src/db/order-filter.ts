import { sql, type Kysely, type SelectQueryBuilder } from 'kysely';
import { z } from 'zod';
import { ORDER_STATES, type Database } from './schema.ts';

/**
 * Which orders an operator means: the console's filters, the admin API's query and a reprocess
 * selection are this one shape, so "every MISSING_SKU of store X" is the same set wherever it is asked.
 * Bounded: a filter is a few short strings, never a query language.
 */
export const orderFilterSchema = z.strictObject({
  store: z.string().min(1).max(100).optional(),
  state: z.array(z.enum(ORDER_STATES)).min(1).max(ORDER_STATES.length).optional(),
  reason: z.string().regex(/^[A-Z][A-Z0-9_]{0,63}$/, 'must be a reason code such as MISSING_SKU').optional(),
  /** First seen at or after / before (ISO datetimes). */
  since: z.iso.datetime({ offset: true }).optional(),
  until: z.iso.datetime({ offset: true }).optional(),
  /** An order name (#1001 or 1001), a Shopify id (numeric or GID), a safeId, an OrderMesh order id, or a customer e-mail. */
  q: z.string().trim().min(1).max(200).optional(),
});
export type OrderFilter = z.infer<typeof orderFilterSchema>;

type OrdersQuery<O> = SelectQueryBuilder<Database, 'orders', O>;

/** `q` narrowed to the one index each kind of key uses: exact matches only, so every search is an index lookup. */
export function whereFilter<O>(query: OrdersQuery<O>, f: OrderFilter): OrdersQuery<O> {
  let q = query;
  if (f.store) q = q.where('orders.store_id', '=', f.store);
  if (f.state) q = q.where('orders.state', 'in', f.state);
  if (f.reason) q = q.where('orders.last_error_code', '=', f.reason);
  if (f.since) q = q.where('orders.created_at', '>=', new Date(f.since));
  if (f.until) q = q.where('orders.created_at', '<', new Date(f.until));
  if (f.q) {
    const key = f.q;
    if (key.includes('@')) q = q.where(sql<string>`lower(orders.store_payload->>'email')`, '=', key.toLowerCase());
    else {
      const name = key.startsWith('#') ? key : `#${key}`;
      const ids = [key, `gid://shopify/Order/${key}`];
      q = q.where((eb) => eb.or([eb('orders.store_order_id', 'in', ids), eb('orders.store_order_name', 'in', [key, name]), eb('orders.safe_id', '=', key), eb('orders.ordermesh_order_id', '=', key)]));
    }
  }
  return q;
}

/**
 * How many orders a filter selects, counted up to `cap` (then "more than cap"): a list's total and a
 * reprocess preview need the number, and a count of a million rows would cost what the page must not.
 */
export async function countMatching(db: Kysely<Database>, f: OrderFilter, cap = COUNT_CAP): Promise<number> {
  const r = await db
    .selectFrom(whereFilter(db.selectFrom('orders').select(sql`1`.as('one')), f).limit(cap + 1).as('m'))
    .select(db.fn.countAll<string>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

/** Counts stop here: a total above it is shown as more than it. */
export const COUNT_CAP = 10_000;

/** One page of the orders a filter selects, newest first, with one row more than the page to tell whether another follows. */
export async function orderPage(db: Kysely<Database>, f: OrderFilter, page: number, pageSize: number) {
  return whereFilter(
    db
      .selectFrom('orders')
      .select(['id', 'store_id', 'store_order_id', 'store_order_name', 'safe_id', 'state', 'state_changed_at', 'last_error_code', 'last_error_message', 'ordermesh_order_id', 'created_at', 'updated_at', 'shopify_order_id'])
      // What the customer pays now, in the shop's currency, as the store last sent it (null for an order that never parsed).
      .select(sql<{ amount: string; currencyCode: string } | null>`store_payload->'currentTotalPriceSet'->'shopMoney'`.as('total')),
    f,
  )
    .orderBy('id', 'desc')
    .limit(pageSize + 1)
    .offset((page - 1) * pageSize)
    .execute();
}
