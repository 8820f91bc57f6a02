import { sql, type Kysely } from 'kysely';

// The fingerprint of what an order's OrderMesh note is made from (its note and attributes), kept by
// PostgreSQL as the payload is written, so "which notes changed" is answered from a partial index of
// the orders whose note is not yet carried, instead of hashing every in-flight order's payload on each
// run (at 100,000 orders in flight, every sweep and every notes run scanned them all).
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table orders add column note_input_hash text generated always as (md5(coalesce(store_payload ->> 'note', '') || '|' || coalesce(store_payload -> 'customAttributes', '[]'::jsonb)::text)) stored`.execute(db);
  await sql`create index orders_notes_due_idx on orders (store_id, id) where note_hash is distinct from note_input_hash and ordermesh_order_id is not null and state in ('submitted', 'in_production', 'on_hold', 'needs_attention')`.execute(db);
}
