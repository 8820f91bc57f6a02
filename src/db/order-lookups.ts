import type { Kysely, Transaction } from 'kysely';
import type { Database, OrderRow } from './schema.ts';

type Db = Kysely<Database> | Transaction<Database>;

/**
 * A ledger order a job is told of by a queue payload or a webhook, which may name one that is gone (a
 * store wiped meanwhile) or never was: undefined then, for the job to say so.
 */
export function findOrder(db: Db, id: string): Promise<OrderRow | undefined> {
  return db.selectFrom('orders').selectAll().where('id', '=', id).executeTakeFirst();
}

/** A ledger order, whole, by its id: one the caller knows is there (it throws otherwise). */
export async function orderById(db: Db, id: string): Promise<OrderRow> {
  return db.selectFrom('orders').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
}

export function findOrderBySafeId(db: Db, safeId: string): Promise<OrderRow | undefined> {
  return db.selectFrom('orders').selectAll().where('safe_id', '=', safeId).executeTakeFirst();
}
