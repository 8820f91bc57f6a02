import { sql, type Kysely } from 'kysely';
import type { Database } from './schema.ts';

/** What one actor did, by event: orders ingested, submitted, failed, tracking written… */
export async function countEventsBy(db: Kysely<Database>, actor: string): Promise<Record<string, number>> {
  const rows = await sql<{ what: string; n: number }>`
    select case when kind = 'state' then to_state else kind end as what, count(*)::int as n
    from events where actor = ${actor} and kind in ('state', 'ingested', 'tracking_written', 'write_back_skipped', 'ordermesh_updated')
    group by 1 order by 2 desc
  `.execute(db);
  return Object.fromEntries(rows.rows.map((r) => [r.what, r.n]));
}
