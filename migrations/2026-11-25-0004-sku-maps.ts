import { sql, type Kysely } from 'kysely';

// Per-store SKU mappings an operator manages with `ordersync sku` (no file edit, no restart); they
// take precedence over the config's skuMap. Every change is also an event (the audit trail).
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('sku_maps')
    .addColumn('store_id', 'text', (c) => c.notNull())
    .addColumn('store_sku', 'text', (c) => c.notNull())
    .addColumn('ordermesh_sku', 'text', (c) => c.notNull())
    .addColumn('updated_by', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('sku_maps_pk', ['store_id', 'store_sku'])
    .execute();
}
