import os from 'node:os';
import { sql, type Kysely } from 'kysely';
import type { Database } from './schema.ts';

/** A worker seen this recently counts as running (it refreshes its row every HEARTBEAT_SECONDS). */
export const HEARTBEAT_SECONDS = 30;
const LIVE_SECONDS = HEARTBEAT_SECONDS * 3;

/** Records (or refreshes) a running worker and the configuration it runs. */
export async function recordWorker(db: Kysely<Database>, actor: string, configHash: string): Promise<void> {
  await db
    .insertInto('workers')
    .values({ actor, host: os.hostname(), pid: process.pid, config_hash: configHash })
    .onConflict((oc) => oc.column('actor').doUpdateSet({ config_hash: configHash, seen_at: sql`now()` }))
    .execute();
}

export async function forgetWorker(db: Kysely<Database>, actor: string): Promise<void> {
  await db.deleteFrom('workers').where('actor', '=', actor).execute();
}

export async function liveWorkers(db: Kysely<Database>): Promise<Array<{ actor: string; host: string; pid: number; configHash: string; startedAt: string; seenAt: string }>> {
  const rows = await db.selectFrom('workers').selectAll().where('seen_at', '>', sql<Date>`now() - make_interval(secs => ${LIVE_SECONDS})`).orderBy('actor').execute();
  return rows.map((r) => ({ actor: r.actor, host: r.host, pid: r.pid, configHash: r.config_hash, startedAt: r.started_at.toISOString(), seenAt: r.seen_at.toISOString() }));
}
