import { sql, type Kysely } from 'kysely';

// Privacy. Shopify's compliance requests as they arrive and what was done for each (a data request
// keeps its export until the merchant fetches it; a redaction keeps only counts), and, per order, when
// its personal data was removed (retention or a redaction request).
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('privacy_requests')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('store_id', 'text', (c) => c.notNull())
    // customers/data_request | customers/redact | shop/redact
    .addColumn('topic', 'text', (c) => c.notNull())
    .addColumn('shopify_request_id', 'text')
    // received | done
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('received'))
    // Ledger ids of the orders the request is about (resolved on receipt: the customer's identity is not kept).
    .addColumn('order_ids', sql`bigint[]`, (c) => c.notNull().defaultTo(sql`'{}'`))
    // The customer's e-mail and phone as Shopify named them, for the job to find them in free text; cleared once done.
    .addColumn('subject', 'jsonb')
    .addColumn('result', 'jsonb')
    .addColumn('received_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('done_at', 'timestamptz')
    .addColumn('fetched_at', 'timestamptz')
    .execute();
  await db.schema.alterTable('orders').addColumn('redacted_at', 'timestamptz').execute();
  await sql`create index orders_retention_idx on orders (state_changed_at) where redacted_at is null and state in ('fulfilled', 'cancelled', 'skipped')`.execute(db);
}
