import { sql, type Kysely } from 'kysely';
import type { Database } from './schema.ts';

/**
 * How long a webhook receipt is kept. A receipt only has to outlive the sender's redeliveries: Shopify
 * retries a failed delivery 8 times over 4 hours
 * (https://shopify.dev/docs/apps/build/webhooks/troubleshooting-webhooks); OrderMesh documents no
 * schedule. A week is ample. Kept for ever, a new event whose key equals an old one (a second
 * shop/redact after a reinstall, issue 34 item 7) would be taken for a redelivery for ever.
 */
export const RECEIPT_DAYS = 7;

/** Removes receipts older than `days`, at most `limit` (one short statement); returns how many. */
export async function expireReceipts(db: Kysely<Database>, days: number, limit: number): Promise<number> {
  const r = await sql`
    delete from webhook_receipts where ctid in (
      select ctid from webhook_receipts where received_at < now() - make_interval(days => ${days}) limit ${limit})`.execute(db);
  return Number(r.numAffectedRows ?? 0);
}
