import { sql, type Kysely } from 'kysely';

// The rest of what OrderMesh offers (issue 21).
// - inbound_sent_at: an order sent through a Transformation (submit.mode inbound) waits `submitting`
//   for the OrderCreation webhook; this says it was sent, and when, for the backstop read by safeId.
// - note_id / note_hash: the OrderMesh note that carries the store order's note, and what it was last
//   made from, so it is created once and updated only when the store's note changes.
// - ordermesh_requests: refund and reprint requests an operator made, each sent once (external_id).
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('orders').addColumn('inbound_sent_at', 'timestamptz').addColumn('note_id', 'text').addColumn('note_hash', 'text').execute();
  await sql`create index orders_inbound_idx on orders (inbound_sent_at) where state = 'submitting' and inbound_sent_at is not null`.execute(db);
  await db.schema
    .createTable('ordermesh_requests')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('order_id', 'bigint', (c) => c.notNull().references('orders.id').onDelete('cascade'))
    .addColumn('store_id', 'text', (c) => c.notNull())
    // refund | reprint
    .addColumn('kind', 'text', (c) => c.notNull())
    // What OrderMesh knows it by (AddRefundModel.externalId, or the reprint order's safeId): one per request.
    .addColumn('external_id', 'text', (c) => c.notNull().unique())
    .addColumn('items', 'jsonb')
    .addColumn('reason', 'text', (c) => c.notNull())
    // requested (recorded, not yet answered) | sent | failed
    .addColumn('state', 'text', (c) => c.notNull().defaultTo('requested'))
    .addColumn('ordermesh_ref', 'text')
    .addColumn('ordermesh_status', 'text')
    .addColumn('error', 'text')
    .addColumn('actor', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await sql`create index ordermesh_requests_order_idx on ordermesh_requests (order_id)`.execute(db);
}
