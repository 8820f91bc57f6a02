import { sql, type Kysely } from 'kysely';
import type { DriftEntry } from '../connectors/ordermesh/drift.ts';
import { cleanText } from './clean-text.ts';
import type { Database } from './schema.ts';

/** One operation and kind of drift as the ledger has it, summed over every process that saw it. */
export interface DriftRow {
  operation: string;
  kind: string;
  /** The latest example. */
  path: string;
  expected: string;
  seen: string;
  count: number;
  firstSeen: string;
  lastSeen: string;
}

/** What an example may hold: OrderMesh chooses the field names that end up in `seen`. */
const MAX_TEXT = 500;
const clip = (s: string) => cleanText(s.length > MAX_TEXT ? `${s.slice(0, MAX_TEXT - 1)}…` : s).value;

/**
 * Adds counts seen since the last write (one row per operation and kind; several of one key are summed):
 * the count grows, the first sighting stays, the latest example replaces the older one. One statement,
 * rows in key order, so two processes writing the same keys at once wait for each other instead of
 * deadlocking.
 */
export async function recordDrift(db: Kysely<Database>, entries: readonly DriftEntry[]): Promise<void> {
  const byKey = new Map<string, DriftEntry>();
  for (const e of entries) {
    const key = `${e.operation}\u0000${e.kind}`;
    const had = byKey.get(key);
    if (!had) byKey.set(key, { ...e });
    else {
      had.count += e.count;
      if (e.firstSeen < had.firstSeen) had.firstSeen = e.firstSeen;
      if (e.lastSeen >= had.lastSeen) Object.assign(had, { path: e.path, expected: e.expected, seen: e.seen, lastSeen: e.lastSeen });
    }
  }
  const rows = [...byKey.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([, e]) => ({ operation: clip(e.operation), kind: clip(e.kind), path: clip(e.path), expected: clip(e.expected), seen: clip(e.seen), count: e.count, first_seen: e.firstSeen, last_seen: e.lastSeen }));
  if (!rows.length) return;
  const latest = (col: 'path' | 'expected' | 'seen') => sql<string>`case when excluded.last_seen >= ordermesh_drift.last_seen then excluded.${sql.ref(col)} else ordermesh_drift.${sql.ref(col)} end`;
  await db
    .insertInto('ordermesh_drift')
    .values(rows)
    .onConflict((oc) =>
      oc.columns(['operation', 'kind']).doUpdateSet({
        count: sql`ordermesh_drift.count + excluded.count`,
        path: latest('path'),
        expected: latest('expected'),
        seen: latest('seen'),
        first_seen: sql`least(ordermesh_drift.first_seen, excluded.first_seen)`,
        last_seen: sql`greatest(ordermesh_drift.last_seen, excluded.last_seen)`,
      }),
    )
    .execute();
}

/** Every drift recorded, by operation and kind. */
export async function listDrift(db: Kysely<Database>): Promise<DriftRow[]> {
  const rows = await db.selectFrom('ordermesh_drift').selectAll().orderBy('operation').orderBy('kind').execute();
  return rows.map((r) => ({
    operation: r.operation,
    kind: r.kind,
    path: r.path,
    expected: r.expected,
    seen: r.seen,
    count: Number(r.count),
    firstSeen: r.first_seen.toISOString(),
    lastSeen: r.last_seen.toISOString(),
  }));
}
