import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database } from './schema.ts';

type Db = Kysely<Database> | Transaction<Database>;
type Key = { storeId: string; stream: string };

/** A store's cursor for a stream, created on first use. */
export async function openCursor(db: Db, key: Key, overlapSeconds: number) {
  await db.insertInto('sync_cursors').values({ store_id: key.storeId, stream: key.stream, overlap_seconds: overlapSeconds }).onConflict((oc) => oc.doNothing()).execute();
  return db.selectFrom('sync_cursors').selectAll().where('store_id', '=', key.storeId).where('stream', '=', key.stream).executeTakeFirstOrThrow();
}

export function readCursor(db: Db, key: Key) {
  return db.selectFrom('sync_cursors').selectAll().where('store_id', '=', key.storeId).where('stream', '=', key.stream).executeTakeFirst();
}

/** Moves the watermark forward to `to`, never back (two pulls may commit out of order); `success` also stamps a completed run. */
export async function advanceWatermark(db: Db, key: Key, to: Date, opts: { success?: boolean } = {}): Promise<void> {
  await db
    .updateTable('sync_cursors')
    .set({ watermark: sql`greatest(coalesce(watermark, ${to}), ${to})` as never, updated_at: new Date(), ...(opts.success ? { last_success_at: new Date() } : {}) })
    .where('store_id', '=', key.storeId)
    .where('stream', '=', key.stream)
    .execute();
}

/** The bulk operation a backfill runs, kept so a killed backfill resumes it instead of starting anew. */
export async function rememberBulkOperation(db: Db, key: Key, operationId: string): Promise<void> {
  await db
    .insertInto('sync_cursors')
    .values({ store_id: key.storeId, stream: key.stream, bulk_operation_id: operationId })
    .onConflict((oc) => oc.columns(['store_id', 'stream']).doUpdateSet({ bulk_operation_id: operationId, updated_at: new Date() }))
    .execute();
}

/** A finished backfill: the operation forgotten, its summary kept. */
export async function finishBulkOperation(db: Db, key: Key, summary: unknown): Promise<void> {
  await db.updateTable('sync_cursors').set({ last_success_at: new Date(), bulk_operation_id: null, state: JSON.stringify(summary), updated_at: new Date() }).where('store_id', '=', key.storeId).where('stream', '=', key.stream).execute();
}

/**
 * Records, for each store, the slot the sweep scheduled its pull for (one statement whatever the number
 * of stores); a cursor not created yet is created as `openCursor` would, with the store's overlap.
 */
export async function recordScheduledPulls(db: Db, stream: string, slots: Array<{ storeId: string; at: Date; overlapSeconds: number }>): Promise<void> {
  if (slots.length === 0) return;
  await db
    .insertInto('sync_cursors')
    .values(slots.map((s) => ({ store_id: s.storeId, stream, overlap_seconds: s.overlapSeconds, scheduled_at: s.at })))
    .onConflict((oc) => oc.columns(['store_id', 'stream']).doUpdateSet((eb) => ({ scheduled_at: eb.ref('excluded.scheduled_at') })))
    .execute();
}

/** Every store's last scheduled slot for these streams, keyed `${storeId}\0${stream}`. */
export async function scheduledSlots(db: Db, streams: string[]): Promise<Map<string, Date | null>> {
  const rows = await db.selectFrom('sync_cursors').select(['store_id', 'stream', 'scheduled_at']).where('stream', 'in', streams).execute();
  return new Map(rows.map((c) => [`${c.store_id}\u0000${c.stream}`, c.scheduled_at]));
}
