import { sql, type Kysely } from 'kysely';
import type { Database } from './schema.ts';
import { FAILURES, statesSql, SUBMISSION_QUEUE } from './order-states.ts';
import { liveWorkers } from './workers.ts';
import { DRIFT_HINT, fixFor } from '../fixes.ts';
import { listDrift, type DriftRow } from './ordermesh-drift.ts';

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
  /** Orders on hold, by who holds them (STORE_HOLD: Shopify; ORDERMESH_CUSTOMER_CARE_HOLD), with the hold's reason. */
  holds: FailureGroup[];
  /** Fulfilment-service mode: the store's fulfilment requests by where each stands in Shopify. */
  requests: Record<string, number>;
  /** Inbound mode: orders sent through the Transformation and awaiting OrderMesh's OrderCreation verdict. */
  inbound: { awaiting: number; oldestSentAt: string | null };
  /** Refund and reprint requests made to OrderMesh, by "kind state" (`refund sent`). */
  ordermeshRequests: Record<string, number>;
  lastPullAt: string | null;
  /** When an order of the store last reached OrderMesh. */
  lastSubmitAt: string | null;
  lastPollAt: string | null;
}

export interface StatusReport {
  stores: StoreStatus[];
  /** Running workers (seen in the last 90 s) and the configuration each runs. */
  workers: Awaited<ReturnType<typeof liveWorkers>>;
  queues: Record<string, { queued: number; active: number; failed: number }>;
  /** What OrderMesh answered in shapes its docs do not show (read tolerantly), per operation and kind, from every process. */
  ordermeshDrift: DriftRow[];
  /** DRIFT_HINT, when there is drift. */
  ordermeshDriftHint?: string;
}

const EXAMPLES = 3;
const iso = (d: Date | null | undefined) => (d ? d.toISOString() : null);

/**
 * What an operator needs to see: orders per state, the oldest waiting order, failures grouped by
 * reason code with examples (the code says what to fix), last successful pull and poll, queue depths.
 */
export async function statusReport(db: Kysely<Database>, storeId?: string): Promise<StatusReport> {
  // Set-based: a fixed number of statements whatever the number of stores (the console shows hundreds).
  const only = storeId ? sql`and store_id = ${storeId}` : sql``;
  const stores = await db.selectFrom('stores').select(['id', 'enabled']).orderBy('id').$if(Boolean(storeId), (q) => q.where('id', '=', storeId!)).execute();
  const counts = await sql<{ store_id: string; state: string; n: number }>`
    select store_id, state, count(*)::int as n from orders where true ${only} group by 1, 2`.execute(db);
  // One index probe per store (a lateral over the stores), not a scan of every order.
  const perStore = await sql<{ store_id: string; submitted: Date | null; polled: Date | null; store_order_name: string | null; store_order_id: string | null; created_at: Date | null; hold_until: Date | null }>`
    select s.id as store_id,
      (select max(submitted_at) from orders o where o.store_id = s.id and o.submitted_at is not null) as submitted,
      (select max(last_polled_at) from orders o where o.store_id = s.id and o.last_polled_at is not null) as polled,
      w.store_order_name, w.store_order_id, w.created_at, w.hold_until
    from stores s
    left join lateral (
      select store_order_name, store_order_id, created_at, hold_until from orders o
      where o.store_id = s.id and o.state in (${statesSql(SUBMISSION_QUEUE)}) order by o.created_at limit 1
    ) w on true
    where true ${storeId ? sql`and s.id = ${storeId}` : sql``}`.execute(db);
  // Grouped off the failures index; each group's first examples by one probe of it (a failed order
  // without a code, which no code path records, is counted as UNKNOWN without examples).
  const failed = await sql<{ store_id: string; code: string; n: number; examples: Array<{ order: string; message: string | null }> }>`
    select g.store_id, coalesce(g.code, 'UNKNOWN') as code, g.n, coalesce(x.examples, '[]'::json) as examples from (
      select store_id, last_error_code as code, count(*)::int as n
      from orders where state in (${statesSql(FAILURES)}) ${only} group by 1, 2
    ) g cross join lateral (
      select json_agg(json_build_object('order', coalesce(e.store_order_name, '?'), 'message', e.last_error_message) order by e.id) as examples
      from (select id, store_order_name, last_error_message from orders o
            where o.store_id = g.store_id and o.state in (${statesSql(FAILURES)}) and o.last_error_code = g.code
            order by o.id limit ${EXAMPLES}) e
    ) x`.execute(db);
  const writeBack = await sql<{ store_id: string; code: string; n: number; examples: Array<{ order: string; message: string | null }> }>`
    select o.store_id, p.write_back_error_code as code, count(*)::int as n,
      (array_agg(json_build_object('order', coalesce(o.store_order_name, '?'), 'message', p.write_back_error_message) order by p.id))[1:${EXAMPLES}] as examples
    from packages p join orders o on o.id = p.order_id
    where p.write_back_error_code is not null ${storeId ? sql`and o.store_id = ${storeId}` : sql``} group by 1, 2`.execute(db);
  const warnings = await sql<{ store_id: string; code: string; n: number; examples: Array<{ order: string; message: string | null }> }>`
    select e.store_id, coalesce(e.reason_code, 'UNKNOWN') as code, count(*)::int as n,
      (array_agg(json_build_object('order', coalesce(o.store_order_name, '?'), 'message', e.message) order by e.id desc))[1:${EXAMPLES}] as examples
    from events e left join orders o on o.id = e.order_id
    where e.kind = 'warning' and e.at > now() - interval '7 days' ${storeId ? sql`and e.store_id = ${storeId}` : sql``} group by 1, 2`.execute(db);
  const holds = await sql<{ store_id: string; code: string; n: number; examples: Array<{ order: string; message: string | null }> }>`
    select store_id, case hold_source when 'ordermesh' then 'ORDERMESH_CUSTOMER_CARE_HOLD' else 'STORE_HOLD' end as code, count(*)::int as n,
      (array_agg(json_build_object('order', coalesce(store_order_name, '?'), 'message', hold_reason) order by id))[1:${EXAMPLES}] as examples
    from orders where state = 'on_hold' ${only} group by 1, 2`.execute(db);
  const requests = await sql<{ store_id: string; request_state: string; n: number }>`
    select store_id, request_state, count(*)::int as n from orders where request_state is not null ${only} group by 1, 2`.execute(db);
  const inbound = await sql<{ store_id: string; n: number; oldest: Date | null }>`
    select store_id, count(*)::int as n, min(inbound_sent_at) as oldest from orders where state = 'submitting' and inbound_sent_at is not null ${only} group by 1`.execute(db);
  const omRequests = await sql<{ store_id: string; k: string; n: number }>`
    select store_id, kind || ' ' || state as k, count(*)::int as n from ordermesh_requests where true ${only} group by 1, 2`.execute(db);
  const cursors = await db.selectFrom('sync_cursors').select(['store_id', 'last_success_at']).where('stream', '=', 'orders').execute();

  const groups = (rows: typeof failed.rows, id: string): FailureGroup[] =>
    rows.filter((r) => r.store_id === id).map((r) => ({ code: r.code, count: r.n, examples: r.examples })).sort((a, b) => b.count - a.count || a.code.localeCompare(b.code));
  const out: StoreStatus[] = stores.map((s) => {
    const mine = counts.rows.filter((c) => c.store_id === s.id);
    const states = Object.fromEntries(mine.map((c) => [c.state, c.n]));
    const o = perStore.rows.find((r) => r.store_id === s.id);
    return {
      store: s.id,
      enabled: s.enabled,
      total: mine.reduce((a, c) => a + c.n, 0),
      states,
      oldestPending: o?.created_at ? { order: o.store_order_name ?? o.store_order_id ?? '?', since: o.created_at.toISOString(), holdUntil: iso(o.hold_until) } : null,
      failures: groups(failed.rows, s.id),
      writeBackFailures: groups(writeBack.rows, s.id),
      warnings: groups(warnings.rows, s.id),
      holds: groups(holds.rows, s.id),
      requests: Object.fromEntries(requests.rows.filter((r) => r.store_id === s.id).map((r) => [r.request_state, r.n])),
      inbound: ((i) => ({ awaiting: i?.n ?? 0, oldestSentAt: iso(i?.oldest) }))(inbound.rows.find((r) => r.store_id === s.id)),
      ordermeshRequests: Object.fromEntries(omRequests.rows.filter((r) => r.store_id === s.id).map((r) => [r.k, r.n])),
      lastPullAt: iso(cursors.find((c) => c.store_id === s.id)?.last_success_at),
      lastSubmitAt: iso(o?.submitted),
      lastPollAt: iso(o?.polled),
    };
  });
  const drift = await listDrift(db);
  return { stores: out, workers: await liveWorkers(db), queues: await queueDepths(db, storeId), ordermeshDrift: drift, ...(drift.length ? { ordermeshDriftHint: DRIFT_HINT } : {}) };
}

/**
 * Jobs waiting, running and failed per queue (pg-boss's own table; empty before its schema exists).
 * For one store: the jobs whose payload names it (a sweep over every store names none).
 */
async function queueDepths(db: Kysely<Database>, storeId?: string): Promise<StatusReport['queues']> {
  try {
    const rows = await sql<{ name: string; state: string; n: number }>`
      select name, state::text as state, count(*)::int as n from pgboss.job
      where state in ('created', 'retry', 'active', 'failed') and name not like '\\_\\_%' ${storeId ? sql`and data->>'storeId' = ${storeId}` : sql``} group by 1, 2`.execute(db);
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

export function formatStatus(report: Omit<StatusReport, 'ordermeshDrift'> & Partial<Pick<StatusReport, 'ordermeshDrift'>>): string {
  if (report.stores.length === 0) return `${['no stores configured', ...(report.ordermeshDrift?.length ? ['', ...formatDrift(report.ordermeshDrift)] : [])].join('\n')}\n`;
  const lines: string[] = [];
  for (const s of report.stores) {
    lines.push(`${s.store}${s.enabled ? '' : ' (disabled)'}: ${s.total} order(s)`);
    const states = Object.entries(s.states).sort(([a], [b]) => a.localeCompare(b));
    lines.push(...(states.length ? states.map(([st, n]) => `  ${st.padEnd(16)} ${n}`) : ['  (none yet)']));
    if (s.oldestPending) lines.push(`  oldest waiting: ${s.oldestPending.order} (since ${s.oldestPending.since}${s.oldestPending.holdUntil ? `, held until ${s.oldestPending.holdUntil}` : ''})`);
    lines.push(`  last pull: ${s.lastPullAt ?? 'never'}; last submission: ${s.lastSubmitAt ?? 'never'}; last shipment poll: ${s.lastPollAt ?? 'never'}`);
    const requests = Object.entries(s.requests).sort(([a], [b]) => a.localeCompare(b));
    if (requests.length) lines.push(`  fulfilment requests: ${requests.map(([st, n]) => `${st} ${n}`).join(', ')}`);
    if (s.inbound.awaiting) lines.push(`  inbound: ${s.inbound.awaiting} awaiting OrderMesh's OrderCreation (oldest sent ${s.inbound.oldestSentAt}; read by safeId after jobs.inboundTimeoutSeconds)`);
    const asked = Object.entries(s.ordermeshRequests).sort(([a], [b]) => a.localeCompare(b));
    if (asked.length) lines.push(`  refund and reprint requests: ${asked.map(([k, n]) => `${k} ${n}`).join(', ')}`);
    for (const [title, groups] of [['on hold', s.holds], ['failures', s.failures], ['tracking write-back problems', s.writeBackFailures], ['sent with warnings (7 days)', s.warnings]] as const) {
      if (!groups.length) continue;
      lines.push(`  ${title} by reason:`);
      for (const g of groups) {
        lines.push(`    ${g.code} × ${g.count}`);
        for (const e of g.examples) lines.push(`      ${e.order}: ${e.message ?? ''}`.slice(0, 220));
        const fix = fixFor(g.code);
        if (fix) lines.push(`      fix: ${fix}`);
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
  if (report.ordermeshDrift?.length) {
    if (queues.length) lines.push('');
    lines.push(...formatDrift(report.ordermeshDrift));
  }
  return `${lines.join('\n')}\n`;
}

/** OrderMesh drift, one line per operation and kind, under its hint. */
export function formatDrift(rows: DriftRow[]): string[] {
  return [
    'OrderMesh drift (operation, kind: path, expected → seen, count, last seen):',
    `  ${DRIFT_HINT}`,
    ...rows.map((r) => `  ${r.operation} ${r.kind}: ${r.path || '$'}, expected ${r.expected} → ${r.seen} × ${r.count}, last ${r.lastSeen}`.slice(0, 300)),
  ];
}
