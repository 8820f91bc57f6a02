import { sql, type Kysely } from 'kysely';

// Per-item quantities of OrderMesh packages as its ShipmentUpdate webhooks give them (documented there,
// often absent from the REST packages, which list only orderItemIDs): kept so every later poll of the
// order applies them, not only the poll the webhook asked for. Ids and quantities only.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('ordermesh_package_hints')
    .addColumn('package_id', 'text', (c) => c.primaryKey())
    .addColumn('order_id', 'bigint', (c) => c.notNull().references('orders.id').onDelete('cascade'))
    .addColumn('items', 'jsonb', (c) => c.notNull())
    .addColumn('received_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('ordermesh_package_hints_order_idx').on('ordermesh_package_hints').column('order_id').execute();
}
