import type { Kysely, Transaction } from 'kysely';
import type { Database, OrderRow } from './schema.ts';

type Db = Kysely<Database> | Transaction<Database>;

/** A ledger order, whole, by its id: one the caller knows is there (it throws otherwise). */
export async function orderById(db: Db, id: string): Promise<OrderRow> {
  return db.selectFrom('orders').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
}
