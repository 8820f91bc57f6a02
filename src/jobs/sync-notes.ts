import { createHash } from 'node:crypto';
import type { StoreConfig } from '../config/schema.ts';
import { dueNoteOrders, recordNoteCarried, recordSilentNotes } from '../db/notes.ts';
import { recordEvents, type EventInput } from '../db/orders.ts';
import { mapInFlight } from '../util/in-flight.ts';
import { storeOf, type JobDeps } from './deps.ts';
import { Q, enqueue } from './queues.ts';

const BATCH = 100;
const IN_FLIGHT = 4;
/** A note the store cleared (note and attributes) is deleted in OrderMesh (`DELETE /v1/notes/{id}`): its text cannot be empty. */
const CLEARED = '';

/** The note OrderMesh gets for a store order: its note, then the configured attributes as "key: value" lines; null when there is nothing to say. */
export function noteText(payload: { note?: unknown; customAttributes?: unknown } | null, cfg: StoreConfig['notes']): string | null {
  const attrs = Array.isArray(payload?.customAttributes) ? (payload.customAttributes as Array<{ key?: unknown; value?: unknown }>) : [];
  const parts = [
    typeof payload?.note === 'string' ? payload.note.trim() : '',
    ...attrs.filter((a) => typeof a.key === 'string' && cfg.attributes.includes(a.key) && typeof a.value === 'string' && a.value.trim()).map((a) => `${a.key}: ${String(a.value).trim()}`),
  ].filter(Boolean);
  return parts.length ? parts.join('\n').slice(0, 10_000) : null;
}

const textHash = (t: string) => createHash('sha256').update(t).digest('base64url');

/**
 * Carries each in-flight order's store note to OrderMesh as a Note on the order: created once (our
 * externalId finds a note whose creation answer was lost), updated when the note changes, left alone
 * otherwise. Orders whose note inputs are unchanged since the last run are not even read: the ledger
 * keeps a fingerprint of them (note_hash).
 */
export async function syncNotes(deps: JobDeps, storeId: string): Promise<{ created: number; updated: number; deleted: number; unchanged: number }> {
  const store = storeOf(deps, storeId);
  const out = { created: 0, updated: 0, deleted: 0, unchanged: 0 };
  if (!store.cfg.notes.enabled) return out;
  const rows = await dueNoteOrders(deps.db, storeId, BATCH);
  const events: EventInput[] = [];
  const texts = rows.map((row) => noteText(row.store_payload as never, store.cfg.notes) ?? (row.note_id ? CLEARED : null));
  // Most orders have nothing to say: their fingerprints are recorded together, in one statement.
  const silent = rows.filter((_, i) => texts[i] === null);
  if (silent.length) {
    await recordSilentNotes(deps.db, silent);
    out.unchanged += silent.length;
  }
  await mapInFlight(
    rows.flatMap((row, i) => (texts[i] !== null ? [{ row, text: texts[i]! }] : [])),
    IN_FLIGHT,
    async ({ row, text }) => {
      const r = await deps.ordermesh.putNote(row.ordermesh_order_id!, `${row.safe_id}-note`, text, row.note_id);
      out[r.action]++;
      if (r.action !== 'unchanged') events.push({ orderId: row.id, storeId, kind: 'note', reason: `NOTE_${r.action.toUpperCase()}`, message: r.action === 'deleted' ? `OrderMesh note ${row.note_id} deleted (the store cleared its note)` : `OrderMesh note ${r.noteId} (${textHash(text).slice(0, 8)})`, actor: deps.actor });
      // Recorded one by one: a crash later in the batch loses nothing done before it.
      await recordNoteCarried(deps.db, row.id, r.noteId, row.fingerprint);
    },
  );
  await recordEvents(deps.db, events);
  if (rows.length === BATCH) await enqueue(deps.boss, Q.syncNotes, { storeId }, { singletonKey: storeId });
  if (out.created + out.updated + out.deleted) deps.log.info({ store: storeId, ...out }, 'store notes carried to OrderMesh');
  return out;
}
