import type { Kysely, Transaction } from 'kysely';
import type { Database, OrderRow, OrderState } from './schema.ts';

type Db = Kysely<Database> | Transaction<Database>;

/**
 * The state an order was in when it last went `on_hold`, read from its audit events (each hold is a
 * state event with its from state: see holdInLedger in jobs/sync-holds.ts), so a release gives back a
 * `needs_attention` or `in_production` order rather than `submitted` (issue 34, item 11; the store's
 * hold too, released in Shopify, item 10).
 * Only the states a hold may be placed from are returned; anything else (no event, a batch move that
 * recorded no from state) is null, and the caller picks its default.
 */
export async function stateBeforeHold(db: Db, orderId: string, from: readonly OrderState[]): Promise<OrderState | null> {
  const last = await db
    .selectFrom('events')
    .select('from_state')
    .where('order_id', '=', orderId)
    .where('kind', '=', 'state')
    .where('to_state', '=', 'on_hold')
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
  const state = last?.from_state as OrderState | null | undefined;
  return state && from.includes(state) ? state : null;
}

/**
 * A store's ledger orders among those a hold names (by the store's order id), in a state the hold is
 * followed from. No names, no orders (and no query).
 */
export async function storeHeldOrders(db: Db, storeId: string, storeOrderIds: string[], from: readonly OrderState[]): Promise<OrderRow[]> {
  if (storeOrderIds.length === 0) return [];
  return db.selectFrom('orders').selectAll().where('store_id', '=', storeId).where('store_order_id', 'in', storeOrderIds).where('state', 'in', from).execute();
}

/** The OrderMesh side of storeHeldOrders: the orders OrderMesh holds (by its order id), in a state its hold is followed from. */
export async function orderMeshHeldOrders(db: Db, storeId: string, ordermeshOrderIds: string[], from: readonly OrderState[]): Promise<OrderRow[]> {
  if (ordermeshOrderIds.length === 0) return [];
  return db.selectFrom('orders').selectAll().where('store_id', '=', storeId).where('state', 'in', from).where('ordermesh_order_id', 'in', ordermeshOrderIds).execute();
}

/**
 * A store's orders on hold by the given side, up to `limit`; `except` leaves out the store orders still
 * held there (the rest are the ones whose hold was released).
 */
export function ordersOnHold(db: Db, storeId: string, source: 'store' | 'ordermesh', limit: number, except: string[] = []): Promise<OrderRow[]> {
  return db
    .selectFrom('orders')
    .selectAll()
    .where('store_id', '=', storeId)
    .where('state', '=', 'on_hold')
    .where('hold_source', '=', source)
    .$if(except.length > 0, (q) => q.where('store_order_id', 'not in', except))
    .limit(limit)
    .execute();
}
