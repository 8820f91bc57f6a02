/**
 * Which stores have work due, each found with one set-based statement whatever the number of stores:
 * the store sweep enqueues a job per store these name.
 */
import { sql, type Kysely, type Transaction } from 'kysely';
import { NOTES_DUE } from './notes.ts';
import { IN_FLIGHT, statesSql } from './order-states.ts';
import type { Database } from './schema.ts';

type Db = Kysely<Database> | Transaction<Database>;

const storeIds = (rows: Array<{ store_id: string }>) => rows.map((r) => r.store_id);

/** Stores with pending orders due for submission: their hold window and retry delay have run. */
export async function storesWithSubmissionsDue(db: Db): Promise<string[]> {
  const rows = await sql<{ store_id: string }>`
    select distinct store_id from orders where state = 'pending' and (hold_until is null or hold_until <= now()) and (next_attempt_at is null or next_attempt_at <= now())`.execute(db);
  return storeIds(rows.rows);
}

/** Stores with orders in flight: only those can have a hold to follow. */
export async function storesWithOrdersInFlight(db: Db): Promise<string[]> {
  const rows = await sql<{ store_id: string }>`select distinct store_id from orders where state in (${statesSql(IN_FLIGHT)})`.execute(db);
  return storeIds(rows.rows);
}

/** Stores with an in-flight order whose note is not carried to OrderMesh yet. */
export async function storesWithNotesDue(db: Db): Promise<string[]> {
  const rows = await sql<{ store_id: string }>`
    select distinct store_id from orders where ${NOTES_DUE}`.execute(db);
  return storeIds(rows.rows);
}
