import { sql, type Kysely } from 'kysely';

// The store sweep (one schedule for every store, instead of crons per store) asks which stores have
// orders in flight each minute: answered from this index, however many finished orders the ledger keeps.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`create index orders_in_flight_idx on orders (store_id) where state in ('pending', 'submitting', 'submitted', 'in_production', 'on_hold', 'needs_attention')`.execute(db);
}
