import { sql, type Kysely } from 'kysely';
import type { Database } from './schema.ts';

/**
 * The jobs that failed for good, from pg-boss's own table (it has no call that lists jobs by state:
 * `findJobs` filters by id, key or data only). Retrying and dismissing one go through pg-boss's API
 * (`retry`, `deleteJob`). A failed job stays until pg-boss's retention deletes it; its order was
 * already told (dead-letters.ts records the failure on it).
 */
export interface FailedJob {
  id: string;
  queue: string;
  store: string | null;
  /** What the job was about: the payload's order, package or request id, when it names one. */
  about: string | null;
  /** The ledger order it was about, when its payload names one (the console links it). */
  orderId: string | null;
  error: string | null;
  retries: number;
  createdAt: string;
  failedAt: string | null;
}

/** At most this many are listed: the count says when there are more. */
export const FAILED_JOBS_SHOWN = 200;

type Row = { id: string; name: string; data: Record<string, unknown> | null; output: unknown; retry_count: number; created_on: Date; completed_on: Date | null };

const errorOf = (output: unknown): string | null => {
  if (output === null || output === undefined) return null;
  if (typeof output === 'object' && 'message' in output && typeof output.message === 'string') return output.message;
  return JSON.stringify(output);
};
const aboutOf = (data: Record<string, unknown> | null): string | null => {
  for (const k of ['orderId', 'packageId', 'requestId', 'storeOrderId']) if (typeof data?.[k] === 'string') return `${k} ${data[k]}`;
  return null;
};

/** The failed jobs, newest first, of one queue and/or one store (a job names its store in its payload). */
export async function failedJobs(db: Kysely<Database>, f: { queue?: string; storeId?: string }): Promise<{ jobs: FailedJob[]; total: number }> {
  const where = sql`state = 'failed' and name not like '\\_\\_%' ${f.queue ? sql`and name = ${f.queue}` : sql``} ${f.storeId ? sql`and data->>'storeId' = ${f.storeId}` : sql``}`;
  try {
    const rows = await sql<Row>`select id::text as id, name, data, output, retry_count, created_on, completed_on from pgboss.job where ${where} order by completed_on desc nulls last, id limit ${FAILED_JOBS_SHOWN}`.execute(db);
    const total = await sql<{ n: number }>`select count(*)::int as n from pgboss.job where ${where}`.execute(db);
    const jobs = rows.rows.map((r) => ({
      id: r.id,
      queue: r.name,
      store: typeof r.data?.storeId === 'string' ? r.data.storeId : null,
      about: aboutOf(r.data),
      orderId: typeof r.data?.orderId === 'string' ? r.data.orderId : null,
      error: errorOf(r.output),
      retries: r.retry_count,
      createdAt: r.created_on.toISOString(),
      failedAt: r.completed_on?.toISOString() ?? null,
    }));
    return { jobs, total: total.rows[0]?.n ?? 0 };
  } catch (err) {
    // Before pg-boss has installed its schema there is no table, and so no failed job.
    if ((err as { code?: string }).code === '42P01') return { jobs: [], total: 0 };
    throw err;
  }
}

/** Whether a failed job of this id is in this queue: what a retry or dismissal acts on, checked first so a wrong pair is a 404. */
export async function isFailedJob(db: Kysely<Database>, queue: string, id: string): Promise<boolean> {
  const r = await sql<{ one: number }>`select 1 as one from pgboss.job where name = ${queue} and id = ${id}::uuid and state = 'failed'`.execute(db);
  return r.rows.length > 0;
}
