import { sql, type Kysely } from 'kysely';

// Holds both ways. An order is `on_hold` because the store holds it (a Shopify fulfilment hold; once
// OrderMesh has the order we put it on Customer Care Hold) or because OrderMesh does (its Customer Care
// Hold). hold_source says which side releases it.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('orders')
    // store | ordermesh
    .addColumn('hold_source', 'text')
    .addColumn('hold_reason', 'text')
    .execute();
  await sql`create index orders_on_hold_idx on orders (store_id, hold_source) where state = 'on_hold'`.execute(db);
}
