import { sql, type Kysely } from 'kysely';

// Fulfilment-service mode. A store's registered service (its location is where requests arrive), and,
// on the orders a request brought, where that request stands in Shopify. Such an order's
// store_order_id is the fulfilment order's GID: each request is one OrderMesh order.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('fulfillment_services')
    .addColumn('store_id', 'text', (c) => c.primaryKey())
    .addColumn('service_id', 'text', (c) => c.notNull())
    .addColumn('location_id', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('callback_url', 'text')
    .addColumn('registered_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema
    .alterTable('orders')
    // requested | accepted | rejected | cancellation_requested | cancellation_accepted | cancellation_rejected | withdrawn
    .addColumn('request_state', 'text')
    .addColumn('request_answered_at', 'timestamptz')
    .addColumn('shopify_order_id', 'text')
    .execute();
  await sql`create index orders_request_state_idx on orders (store_id, request_state) where request_state is not null`.execute(db);
}
