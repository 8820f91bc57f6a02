import { sql, type Kysely } from 'kysely';

// The operator console filters and searches orders across hundreds of stores and millions of rows:
// each filter and each kind of search key has an index, so every page is an index read.
// - failures by store and reason (the failure groups, "every MISSING_SKU of this store"), in id order;
// - an order by its name (#1001), its Shopify id in any store, or its customer's e-mail (exact, case-insensitive);
// - orders first seen in a date range;
// - the last day's activity chart: events and packages by time;
// - the status report's per-store figures (oldest waiting, last submission and poll, write-back problems).
export async function up(db: Kysely<any>): Promise<void> {
  await sql`create index orders_failures_idx on orders (store_id, last_error_code, id) where state in ('failed_mapping', 'rejected', 'failed', 'needs_attention')`.execute(db);
  await sql`create index orders_reason_idx on orders (last_error_code, id) where last_error_code is not null`.execute(db);
  await sql`create index orders_name_idx on orders (store_order_name)`.execute(db);
  // (store_id, store_order_id) is unique already; a search by Shopify id alone, in any store, needs its own.
  await sql`create index orders_store_order_id_idx on orders (store_order_id)`.execute(db);
  await sql`create index orders_email_idx on orders (lower(store_payload ->> 'email'))`.execute(db);
  await sql`create index orders_created_idx on orders (created_at)`.execute(db);
  // Per store, read by one index probe each: the oldest waiting order, the last submission, the last poll.
  await sql`create index orders_waiting_idx on orders (store_id, created_at) where state in ('pending', 'submitting')`.execute(db);
  await sql`create index orders_store_submitted_idx on orders (store_id, submitted_at) where submitted_at is not null`.execute(db);
  await sql`create index orders_store_polled_idx on orders (store_id, last_polled_at) where last_polled_at is not null`.execute(db);
  await sql`create index packages_write_back_error_idx on packages (order_id) where write_back_error_code is not null`.execute(db);
  await sql`create index events_at_idx on events (at)`.execute(db);
  await sql`create index packages_shipped_idx on packages (shipped_at)`.execute(db);
}
