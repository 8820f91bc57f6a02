import type { Kysely, Transaction } from 'kysely';
import type { Database } from './schema.ts';

type Db = Kysely<Database> | Transaction<Database>;

/**
 * Whether one of these stores already recorded Shopify's data request `shopifyRequestId`: a replay of
 * its signed body under a new webhook id, after the receipt expired, is no new request (issue 34).
 */
export async function dataRequestRecorded(db: Db, storeIds: string[], shopifyRequestId: string): Promise<boolean> {
  if (storeIds.length === 0) return false;
  const row = await db
    .selectFrom('privacy_requests')
    .select('id')
    .where('topic', '=', 'customers/data_request')
    .where('shopify_request_id', '=', shopifyRequestId)
    .where('store_id', 'in', storeIds)
    .limit(1)
    .executeTakeFirst();
  return Boolean(row);
}
