import { sql, type Kysely, type Transaction } from 'kysely';
import { FOLLOWS_STORE, statesSql } from './order-states.ts';
import type { Database } from './schema.ts';

type Db = Kysely<Database> | Transaction<Database>;

/**
 * The in-flight orders whose note is not carried yet: those whose note inputs' fingerprint (a generated
 * column) differs from what was last carried. Spelled as the partial index orders_notes_due_idx is, so
 * it answers from it.
 */
export const NOTES_DUE = sql<boolean>`note_hash is distinct from note_input_hash and ordermesh_order_id is not null and state in (${statesSql(FOLLOWS_STORE)})`;

/** A store's orders whose note is due (NOTES_DUE), oldest first, with the fingerprint of their note inputs. */
export function dueNoteOrders(db: Db, storeId: string, limit: number) {
  return db
    .selectFrom('orders')
    .select(['id', 'safe_id', 'ordermesh_order_id', 'note_id', 'store_payload', 'note_input_hash as fingerprint'])
    .where('store_id', '=', storeId)
    .where(NOTES_DUE)
    .orderBy('id')
    .limit(limit)
    .execute();
}

/** Orders with nothing to say to OrderMesh: their fingerprints recorded as carried, in one statement however many. */
export async function recordSilentNotes(db: Db, orders: ReadonlyArray<{ id: string; fingerprint: string }>): Promise<void> {
  const values = sql.join(orders.map((r) => sql`(${r.id}::bigint, ${r.fingerprint})`));
  await sql`update orders o set note_hash = v.fingerprint from (values ${values}) as v(id, fingerprint) where o.id = v.id`.execute(db);
}

/** An order's note as OrderMesh now has it (its note id, none once deleted) and the fingerprint it was carried from. */
export async function recordNoteCarried(db: Db, orderId: string, noteId: string | null, fingerprint: string): Promise<void> {
  await db.updateTable('orders').set({ note_id: noteId, note_hash: fingerprint }).where('id', '=', orderId).execute();
}
