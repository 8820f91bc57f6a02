import type { Kysely, Transaction } from 'kysely';
import type { Database } from './schema.ts';

type Db = Kysely<Database> | Transaction<Database>;

/** The order a job that failed for good was about, with the state that decides what the failure does to it. */
export function orderOfFailedJob(db: Db, orderId: string) {
  return db.selectFrom('orders').select(['id', 'store_id', 'state']).where('id', '=', orderId).executeTakeFirst();
}
