import type { Kysely, Transaction } from 'kysely';
import type { Database, OrderRow } from './schema.ts';

type Db = Kysely<Database> | Transaction<Database>;

/**
 * Ledger orders a job is told of by a queue payload or a webhook, which may name one that is gone (a
 * store wiped meanwhile) or never was: undefined then, for the job to say so (order-rows.ts's
 * orderById is for an order known to be there).
 */
export function findOrder(db: Db, id: string): Promise<OrderRow | undefined> {
  return db.selectFrom('orders').selectAll().where('id', '=', id).executeTakeFirst();
}

export function findOrderBySafeId(db: Db, safeId: string): Promise<OrderRow | undefined> {
  return db.selectFrom('orders').selectAll().where('safe_id', '=', safeId).executeTakeFirst();
}
