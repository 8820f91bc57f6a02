import type { Kysely, SelectQueryBuilder, Transaction } from 'kysely';
import { REPROCESSABLE } from './order-states.ts';
import { whereFilter, type OrderFilter } from './order-filter.ts';
import type { Database, OrderRow, OrderState } from './schema.ts';

type Db = Kysely<Database> | Transaction<Database>;

/** How many orders one reprocess takes when no `limit` is given. */
export const REPROCESS_LIMIT = 1000;

export interface ReprocessSelection {
  /** Store order GIDs or numeric ids, order names (#1001), or safeIds. */
  orders?: string[];
  storeId?: string;
  states?: OrderState[];
  since?: Date;
  limit?: number;
  /** The console's and admin API's filter (store, states, reason, dates, search), as they list it. */
  filter?: OrderFilter;
  /** Ledger ids (the console's selection). */
  ids?: string[];
}

/** The selection's conditions on `orders`, without order or limit: what both the listing and the count use. */
function whereSelected<O>(q: SelectQueryBuilder<Database, 'orders', O>, sel: ReprocessSelection): SelectQueryBuilder<Database, 'orders', O> {
  if (sel.storeId) q = q.where('store_id', '=', sel.storeId);
  if (sel.since) q = q.where('created_at', '>=', sel.since);
  if (sel.orders?.length) {
    const keys = sel.orders.flatMap((k) => [k, `gid://shopify/Order/${k}`]);
    q = q.where((eb) => eb.or([eb('store_order_id', 'in', keys), eb('store_order_name', 'in', keys), eb('safe_id', 'in', keys)]));
  }
  if (sel.ids?.length) q = q.where('id', 'in', sel.ids);
  if (sel.filter) q = whereFilter(q, sel.filter);
  // A named selection (orders, ids, a filter) is taken as given; otherwise the default is what waits for a fix.
  const states = sel.states ?? (sel.orders?.length || sel.ids?.length || sel.filter ? undefined : REPROCESSABLE);
  if (states) q = q.where('state', 'in', states);
  return q;
}

/** The ledger orders a reprocess selection names, whole, in id order (at most `limit`, REPROCESS_LIMIT by default). */
export async function ordersToReprocess(db: Db, sel: ReprocessSelection): Promise<OrderRow[]> {
  return whereSelected(db.selectFrom('orders').selectAll(), sel).orderBy('id').limit(sel.limit ?? REPROCESS_LIMIT).execute();
}

/** How many orders the selection names, past any limit: what a reprocess cut at its limit leaves. */
export async function countToReprocess(db: Db, sel: ReprocessSelection): Promise<number> {
  const row = await whereSelected(db.selectFrom('orders').select((eb) => eb.fn.countAll<number>().as('n')), sel).executeTakeFirstOrThrow();
  return Number(row.n);
}
