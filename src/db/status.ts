import { sql, type Kysely } from 'kysely';
import type { Database } from './schema.ts';
import { liveWorkers } from './workers.ts';

export interface FailureGroup {
  code: string;
  count: number;
  examples: Array<{ order: string; message: string | null }>;
}

export interface StoreStatus {
  store: string;
  enabled: boolean;
  total: number;
  states: Record<string, number>;
  oldestPending: { order: string; since: string; holdUntil: string | null } | null;
  failures: FailureGroup[];
  writeBackFailures: FailureGroup[];
  /** What the mapping left out of orders it sent (MappingWarning), in the last 7 days. */
  warnings: FailureGroup[];
  lastPullAt: string | null;
  lastPollAt: string | null;
}

export interface StatusReport {
  stores: StoreStatus[];
  /** Running workers (seen in the last 90 s) and the configuration each runs. */
  workers: Awaited<ReturnType<typeof liveWorkers>>;
  queues: Record<string, { queued: number; active: number; failed: number }>;
}

const FAILED_STATES = ['failed_mapping', 'rejected', 'failed', 'needs_attention'] as const;
const iso = (d: Date | null | undefined) => (d ? d.toISOString() : null);

/**
 * What an operator needs to see: orders per state, the oldest waiting order, failures grouped by
 * reason code with examples (the code says what to fix), last successful pull and poll, queue depths.
 */
export async function statusReport(db: Kysely<Database>, storeId?: string): Promise<StatusReport> {
  let storesQ = db.selectFrom('stores').select(['id', 'enabled']).orderBy('id');
  if (storeId) storesQ = storesQ.where('id', '=', storeId);
  const stores = await storesQ.execute();
  const out: StoreStatus[] = [];
  for (const s of stores) {
    const counts = await db.selectFrom('orders').select(['state', (eb) => eb.fn.countAll<string>().as('n')]).where('store_id', '=', s.id).groupBy('state').execute();
    const states = Object.fromEntries(counts.map((c) => [c.state, Number(c.n)]));
    const oldest = await db
      .selectFrom('orders')
      .select(['store_order_name', 'store_order_id', 'created_at', 'hold_until'])
      .where('store_id', '=', s.id)
      .where('state', 'in', ['pending', 'submitting'])
      .orderBy('created_at')
      .limit(1)
      .executeTakeFirst();
    const failures = await groupFailures(db, s.id);
    const writeBack = await db
      .selectFrom('packages')
      .innerJoin('orders', 'orders.id', 'packages.order_id')
      .select(['packages.write_back_error_code as code', 'packages.write_back_error_message as message', 'orders.store_order_name as order'])
      .where('orders.store_id', '=', s.id)
      .where('packages.write_back_error_code', 'is not', null)
      .execute();
    const cursor = await db.selectFrom('sync_cursors').select(['last_success_at']).where('store_id', '=', s.id).where('stream', '=', 'orders').executeTakeFirst();
    const poll = await db.selectFrom('orders').select((eb) => eb.fn.max('last_polled_at').as('at')).where('store_id', '=', s.id).executeTakeFirst();
    out.push({
      store: s.id,
      enabled: s.enabled,
      total: Object.values(states).reduce((a, n) => a + n, 0),
      states,
      oldestPending: oldest ? { order: oldest.store_order_name ?? oldest.store_order_id, since: oldest.created_at.toISOString(), holdUntil: iso(oldest.hold_until) } : null,
      failures,
      writeBackFailures: group(writeBack.map((w) => ({ code: w.code!, order: w.order ?? '?', message: w.message }))),
      warnings: group(await recentWarnings(db, s.id)),
      lastPullAt: iso(cursor?.last_success_at),
      lastPollAt: iso(poll?.at as Date | null),
    });
  }
  return { stores: out, workers: await liveWorkers(db), queues: await queueDepths(db) };
}

async function groupFailures(db: Kysely<Database>, storeId: string): Promise<FailureGroup[]> {
  const rows = await db
    .selectFrom('orders')
    .select(['last_error_code as code', 'last_error_message as message', 'store_order_name as order'])
    .where('store_id', '=', storeId)
    .where('state', 'in', [...FAILED_STATES])
    .orderBy('id')
    .execute();
  return group(rows.map((r) => ({ code: r.code ?? 'UNKNOWN', order: r.order ?? '?', message: r.message })));
}

async function recentWarnings(db: Kysely<Database>, storeId: string) {
  const rows = await db
    .selectFrom('events')
    .leftJoin('orders', 'orders.id', 'events.order_id')
    .select(['events.reason_code as code', 'events.message as message', 'orders.store_order_name as order'])
    .where('events.store_id', '=', storeId)
    .where('events.kind', '=', 'warning')
    .where('events.at', '>', sql<Date>`now() - interval '7 days'`)
    .orderBy('events.id', 'desc')
    .limit(1000)
    .execute();
  return rows.map((r) => ({ code: r.code ?? 'UNKNOWN', order: r.order ?? '?', message: r.message }));
}

function group(rows: Array<{ code: string; order: string; message: string | null }>): FailureGroup[] {
  const byCode = new Map<string, FailureGroup>();
  for (const r of rows) {
    const g = byCode.get(r.code) ?? { code: r.code, count: 0, examples: [] };
    g.count++;
    if (g.examples.length < 3) g.examples.push({ order: r.order, message: r.message });
    byCode.set(r.code, g);
  }
  return [...byCode.values()].sort((a, b) => b.count - a.count);
}

/** Jobs waiting, running and failed per queue (pg-boss's own table; empty before its schema exists). */
async function queueDepths(db: Kysely<Database>): Promise<StatusReport['queues']> {
  try {
    const rows = await sql<{ name: string; state: string; n: number }>`
      select name, state::text as state, count(*)::int as n from pgboss.job
      where state in ('created', 'retry', 'active', 'failed') and name not like '\\_\\_%' group by 1, 2`.execute(db);
    const out: StatusReport['queues'] = {};
    for (const r of rows.rows) {
      const q = (out[r.name] ??= { queued: 0, active: 0, failed: 0 });
      if (r.state === 'active') q.active += r.n;
      else if (r.state === 'failed') q.failed += r.n;
      else q.queued += r.n;
    }
    return out;
  } catch {
    return {};
  }
}

export function formatStatus(report: StatusReport): string {
  if (report.stores.length === 0) return 'no stores configured\n';
  const lines: string[] = [];
  for (const s of report.stores) {
    lines.push(`${s.store}${s.enabled ? '' : ' (disabled)'}: ${s.total} order(s)`);
    const states = Object.entries(s.states).sort(([a], [b]) => a.localeCompare(b));
    lines.push(...(states.length ? states.map(([st, n]) => `  ${st.padEnd(16)} ${n}`) : ['  (none yet)']));
    if (s.oldestPending) lines.push(`  oldest waiting: ${s.oldestPending.order} (since ${s.oldestPending.since}${s.oldestPending.holdUntil ? `, held until ${s.oldestPending.holdUntil}` : ''})`);
    lines.push(`  last pull: ${s.lastPullAt ?? 'never'}; last shipment poll: ${s.lastPollAt ?? 'never'}`);
    for (const [title, groups] of [['failures', s.failures], ['tracking write-back problems', s.writeBackFailures], ['sent with warnings (7 days)', s.warnings]] as const) {
      if (!groups.length) continue;
      lines.push(`  ${title} by reason:`);
      for (const g of groups) {
        lines.push(`    ${g.code} × ${g.count}`);
        for (const e of g.examples) lines.push(`      ${e.order}: ${e.message ?? ''}`.slice(0, 220));
      }
    }
    lines.push('');
  }
  if (report.workers.length) {
    lines.push('workers (configuration hash):');
    for (const w of report.workers) lines.push(`  ${w.actor.padEnd(22)} ${w.host} pid ${w.pid}  config ${w.configHash}  since ${w.startedAt}`);
    if (new Set(report.workers.map((w) => w.configHash)).size > 1) lines.push('  the workers run different configurations: reload them (SIGHUP) or restart them');
    lines.push('');
  }
  const queues = Object.entries(report.queues);
  if (queues.length) {
    lines.push('queues (queued / active / failed):');
    for (const [name, q] of queues.sort(([a], [b]) => a.localeCompare(b))) lines.push(`  ${name.padEnd(22)} ${q.queued} / ${q.active} / ${q.failed}`);
  }
  return `${lines.join('\n')}\n`;
}
