import { sql, type Kysely } from 'kysely';

// An order whose create may have reached OrderMesh (a 5xx, a lost answer, a timeout) while no read by
// safeId settled whether it did (the read failed too): its next submission reads it by safeId before
// creating, instead of sending a second create that only OrderMesh's refusal of a repeat would hide.
// The client reads once per failed create (issue 35's one retry layer), so under faults that read
// fails often enough for the hole to show (chaos, 2026-12-08).
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table orders add column create_unconfirmed boolean not null default false`.execute(db);
}
