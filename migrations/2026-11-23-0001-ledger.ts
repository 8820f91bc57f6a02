import { sql, type Kysely } from 'kysely';

// Forward-only. The ledger of DESIGN.md; the unique keys below are what make
// "exactly one OrderMesh order per store order" and "tracking once per package" hold.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('stores')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('platform', 'text', (c) => c.notNull())
    .addColumn('shop_domain', 'text', (c) => c.notNull())
    .addColumn('merchant_id', 'text', (c) => c.notNull())
    .addColumn('mapping_module', 'text', (c) => c.notNull())
    .addColumn('enabled', 'boolean', (c) => c.notNull().defaultTo(true))
    // Names where the credential lives (e.g. "env:SHOPIFY_TOKEN"), never the credential.
    .addColumn('credentials_ref', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable('sync_cursors')
    .addColumn('store_id', 'text', (c) => c.notNull().references('stores.id').onDelete('cascade'))
    .addColumn('stream', 'text', (c) => c.notNull())
    .addColumn('watermark', 'timestamptz')
    .addColumn('overlap_seconds', 'integer', (c) => c.notNull().defaultTo(300))
    // A running bulk operation, so an interrupted backfill resumes polling it instead of starting over.
    .addColumn('bulk_operation_id', 'text')
    .addColumn('state', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('last_success_at', 'timestamptz')
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('sync_cursors_pk', ['store_id', 'stream'])
    .execute();

  await db.schema
    .createTable('orders')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('store_id', 'text', (c) => c.notNull().references('stores.id'))
    .addColumn('store_order_id', 'text', (c) => c.notNull())
    .addColumn('store_order_name', 'text')
    .addColumn('safe_id', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull().defaultTo('pending'))
    .addColumn('store_updated_at', 'timestamptz')
    .addColumn('store_payload', 'jsonb')
    .addColumn('payload_hash', 'text')
    .addColumn('mapped_payload', 'jsonb')
    .addColumn('ordermesh_order_id', 'text')
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('last_error_code', 'text')
    .addColumn('last_error_message', 'text')
    .addColumn('hold_until', 'timestamptz')
    .addColumn('next_attempt_at', 'timestamptz')
    .addColumn('state_changed_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint('orders_store_order_uq', ['store_id', 'store_order_id'])
    .addUniqueConstraint('orders_safe_id_uq', ['safe_id'])
    .addUniqueConstraint('orders_ordermesh_order_id_uq', ['ordermesh_order_id'])
    .addCheckConstraint(
      'orders_state_ck',
      sql`state in ('pending','mapped','submitting','submitted','in_production','fulfilled',
                    'failed_mapping','rejected','failed','cancelled','on_hold','skipped','needs_attention')`,
    )
    .execute();
  await db.schema.createIndex('orders_store_state_idx').on('orders').columns(['store_id', 'state']).execute();

  await db.schema
    .createTable('shipments')
    .addColumn('id', 'text', (c) => c.primaryKey()) // OrderMesh shipment id
    .addColumn('order_id', 'bigint', (c) => c.notNull().references('orders.id'))
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('shipments_order_idx').on('shipments').column('order_id').execute();

  await db.schema
    .createTable('packages')
    .addColumn('id', 'text', (c) => c.primaryKey()) // OrderMesh package id: the write-back key
    .addColumn('shipment_id', 'text', (c) => c.notNull().references('shipments.id'))
    .addColumn('order_id', 'bigint', (c) => c.notNull().references('orders.id'))
    .addColumn('carrier', 'text')
    .addColumn('carrier_method', 'text')
    .addColumn('tracking_number', 'text')
    .addColumn('tracking_url', 'text')
    .addColumn('items', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn('shipped_at', 'timestamptz')
    .addColumn('store_fulfillment_id', 'text')
    .addColumn('written_tracking_number', 'text')
    .addColumn('written_back_at', 'timestamptz')
    .addColumn('write_back_error_code', 'text')
    .addColumn('write_back_error_message', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('packages_order_idx').on('packages').column('order_id').execute();

  await db.schema
    .createTable('events')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('store_id', 'text')
    .addColumn('order_id', 'bigint', (c) => c.references('orders.id'))
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('from_state', 'text')
    .addColumn('to_state', 'text')
    .addColumn('reason_code', 'text')
    .addColumn('message', 'text')
    .addColumn('actor', 'text', (c) => c.notNull())
    .addColumn('data', 'jsonb')
    .execute();
  await db.schema.createIndex('events_order_idx').on('events').columns(['order_id', 'id']).execute();

  // Webhooks are retried and unordered: the delivery id is recorded once, a redelivery is a no-op.
  await db.schema
    .createTable('webhook_receipts')
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('delivery_id', 'text', (c) => c.notNull())
    .addColumn('topic', 'text', (c) => c.notNull())
    .addColumn('received_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('webhook_receipts_pk', ['source', 'delivery_id'])
    .execute();
}
