import { sql, type Kysely } from 'kysely';

// Retention reaches what was kept forever (issue 34, item 8): a data request's export that nobody
// fetched is dropped after privacy.exportDays (the request stays, saying when), and webhook receipts
// expire (a second shop/redact after a reinstall must not be a "duplicate" of the first forever).
// The partial index finds the exports due without reading every request's result.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('privacy_requests').addColumn('export_expired_at', 'timestamptz').execute();
  await sql`create index privacy_requests_unfetched_idx on privacy_requests (done_at) where topic = 'customers/data_request' and status = 'done' and fetched_at is null and export_expired_at is null`.execute(db);
  await db.schema.createIndex('webhook_receipts_received_idx').on('webhook_receipts').column('received_at').execute();
}
