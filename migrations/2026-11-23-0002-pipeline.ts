import { sql, type Kysely } from 'kysely';

// What the jobs need beyond the ledger of 0001: shipment polling schedule, the hash of what was
// submitted (to see store changes after submission), and indexes for the claim queries.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('orders')
    .addColumn('mapped_hash', 'text')
    .addColumn('submitted_at', 'timestamptz')
    .addColumn('next_poll_at', 'timestamptz')
    .addColumn('last_polled_at', 'timestamptz')
    .execute();
  await db.schema.createIndex('orders_claim_idx').on('orders').columns(['store_id', 'state', 'hold_until']).where(sql.ref('state'), '=', 'pending').execute();
  await db.schema
    .createIndex('orders_poll_idx')
    .on('orders')
    .columns(['next_poll_at'])
    .where(sql<boolean>`state in ('submitted', 'in_production')`)
    .execute();
  await db.schema.createIndex('packages_unwritten_idx').on('packages').columns(['order_id']).where(sql.ref('written_back_at'), 'is', null).execute();
}
