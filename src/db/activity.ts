import { sql, type Kysely } from 'kysely';
import type { Database } from './schema.ts';

export interface ActivityBucket {
  at: string;
  pulled: number;
  submitted: number;
  shipped: number;
  writtenBack: number;
}

/** Five-minute buckets over the last 24 hours (288): the console's chart. */
const BUCKET = '5 minutes';
const HOURS = 24;

/**
 * What happened per five minutes over the last day, from the audit events (orders ingested, submitted,
 * tracking written) and the packages (shipped): two range scans on indexed timestamps, whatever the
 * number of stores. Empty buckets are filled in, so the series always has 288 points.
 */
export async function activity(db: Kysely<Database>, storeId?: string): Promise<{ bucketMinutes: number; series: ActivityBucket[] }> {
  const store = storeId ? sql`and store_id = ${storeId}` : sql``;
  const events = await sql<{ t: Date; pulled: number; submitted: number; written: number }>`
    select date_bin(${BUCKET}::interval, at, timestamptz '2000-01-01') as t,
      count(*) filter (where kind = 'ingested')::int as pulled,
      count(*) filter (where kind = 'state' and to_state = 'submitted')::int as submitted,
      count(*) filter (where kind = 'tracking_written')::int as written
    from events
    where at >= now() - make_interval(hours => ${HOURS}) and kind in ('ingested', 'state', 'tracking_written') ${store}
    group by 1`.execute(db);
  const shipped = await sql<{ t: Date; n: number }>`
    select date_bin(${BUCKET}::interval, p.shipped_at, timestamptz '2000-01-01') as t, count(*)::int as n
    from packages p ${storeId ? sql`join orders o on o.id = p.order_id and o.store_id = ${storeId}` : sql``}
    where p.shipped_at >= now() - make_interval(hours => ${HOURS})
    group by 1`.execute(db);
  const key = (d: Date) => d.toISOString();
  const byT = new Map(events.rows.map((r) => [key(r.t), r]));
  const shippedByT = new Map(shipped.rows.map((r) => [key(r.t), r.n]));
  const step = 5 * 60_000;
  const end = Math.floor(Date.now() / step) * step;
  const series: ActivityBucket[] = [];
  for (let t = end - (HOURS * 60 * 60_000 - step); t <= end; t += step) {
    const at = new Date(t).toISOString();
    const e = byT.get(at);
    series.push({ at, pulled: e?.pulled ?? 0, submitted: e?.submitted ?? 0, shipped: shippedByT.get(at) ?? 0, writtenBack: e?.written ?? 0 });
  }
  return { bucketMinutes: 5, series };
}
