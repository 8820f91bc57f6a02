import type { Kysely, Transaction } from 'kysely';
import type { Database } from './schema.ts';

type Db = Kysely<Database> | Transaction<Database>;

/**
 * What OrderMesh now has of an order (its `mapped_payload`), recorded as each change to it goes
 * through: apply-order-change.ts compares the store's order with it to know what is still to send.
 */
export async function recordSentPayload(db: Db, orderId: string, payload: object): Promise<void> {
  await db.updateTable('orders').set({ mapped_payload: JSON.stringify(payload), updated_at: new Date() }).where('id', '=', orderId).execute();
}
