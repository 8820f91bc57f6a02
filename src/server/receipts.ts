import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../db/schema.ts';

/**
 * Records a delivery id once; true if it is new. A redelivery (platforms retry) is acknowledged and
 * dropped. The job is sent in the same transaction, so a receipt always has its job.
 */
export async function receiveOnce(deps: { db: Kysely<Database> }, source: string, deliveryId: string, topic: string, then: (trx: Transaction<Database>) => Promise<void>): Promise<boolean> {
  return deps.db.transaction().execute(async (trx) => {
    const inserted = await trx
      .insertInto('webhook_receipts')
      .values({ source, delivery_id: deliveryId, topic })
      .onConflict((oc) => oc.doNothing())
      .returning('delivery_id')
      .executeTakeFirst();
    if (inserted) await then(trx);
    return Boolean(inserted);
  });
}

