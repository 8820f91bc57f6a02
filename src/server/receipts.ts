import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../db/schema.ts';
import { recordReceipts } from '../db/webhook-batch.ts';

/**
 * Records a delivery id once; true if it is new. A redelivery (platforms retry) is acknowledged and
 * dropped. The job is sent in the same transaction, so a receipt always has its job.
 */
export async function receiveOnce(deps: { db: Kysely<Database> }, source: string, deliveryId: string, topic: string, then: (trx: Transaction<Database>) => Promise<void>): Promise<boolean> {
  return deps.db.transaction().execute(async (trx) => {
    const inserted = (await recordReceipts(trx, source, [{ deliveryId, topic }])).has(deliveryId);
    if (inserted) await then(trx);
    return inserted;
  });
}

