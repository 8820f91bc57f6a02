import { ORDER_STATES, type OrderState } from '../db/schema.ts';
import { orderOutcomes } from '../db/orders.ts';
import { FAILURES, inStates } from '../db/order-states.ts';
import type { ReprocessSelection } from '../db/reprocess-selection.ts';
import { SingleBar, Presets } from 'cli-progress';
import type { JobDeps } from '../jobs/deps.ts';
import { reprocess, type ReprocessLine, type ReprocessResult } from '../jobs/reprocess.ts';
import { waitUntilSettled } from '../jobs/settle.ts';
import type { CliContext } from './context.ts';
import { writeJson } from './json-report.ts';
import { failOnFailures } from './settled.ts';
import { commandLine, onInterrupt } from './stop-early.ts';
import { storeFlag } from './store-flag.ts';
import { UsageError, dateFlag } from './usage.ts';
import { withRuntime } from './with-runtime.ts';

type Outcome = { state: string; reason: string | null; message: string | null };
type Line = ReprocessLine & { outcome?: Outcome };
type Result = Omit<ReprocessResult, 'lines'> & { lines: Line[] };

/** How far a reprocess has got, kept as it goes: what it says if it is interrupted. */
interface Progress {
  /** Orders the selection names (past the limit), known once the selection is read. */
  matched: number | null;
  read: number;
  /** Queued for submission by this run, and of those, settled. */
  queued: number;
  settled: number;
}

const count = (n: number) => n.toLocaleString('en-US');

/**
 * `ordersync reprocess`: re-reads, re-maps and queues the selected orders, then submits them with this
 * process's own workers and the configuration it was given, waits until each is settled and prints
 * where each ended. `--dry-run` only maps and prints.
 */
export async function runReprocess(
  ctx: CliContext,
  o: { order?: string[]; store?: string; state?: string[]; since?: string; dryRun?: boolean; json?: boolean; limit?: number; failOnFailures?: boolean },
): Promise<void> {
  const states = o.state?.map((s) => {
    if (!(ORDER_STATES as readonly string[]).includes(s)) throw new UsageError(`--state: unknown state "${s}" (one of ${ORDER_STATES.join(', ')})`);
    return s as OrderState;
  });
  const since = o.since ? dateFlag(o.since, '--since') : undefined;
  const dryRun = Boolean(o.dryRun);
  const selection: ReprocessSelection = { ...(o.order ? { orders: o.order } : {}), ...(o.store ? { storeId: o.store } : {}), ...(states ? { states } : {}), ...(since ? { since } : {}), ...(o.limit ? { limit: o.limit } : {}) };
  const progress: Progress = { matched: null, read: 0, queued: 0, settled: 0 };
  const off = onInterrupt(() => interrupted(progress, ctx.configPath, selection));
  const result = await withRuntime(ctx, `cli:reprocess:${process.pid}`, { workers: !dryRun }, async (deps) => {
    if (o.store) await storeFlag(ctx, deps.db, o.store);
    return reprocessAndSettle(deps, selection, dryRun, progress);
  });
  off();
  if (result.unread) process.exitCode = 1;
  if (!dryRun) failOnFailures(o.failOnFailures, failedCount(result.lines));
  if (o.json) writeJson({ summary: jsonSummary(result, dryRun), items: result.lines });
  else process.stdout.write(listing(result, dryRun));
}

/** The selection re-read and queued, then (unless a dry run) every queued order waited for, with where each ended. */
async function reprocessAndSettle(deps: JobDeps, selection: ReprocessSelection, dryRun: boolean, progress: Progress): Promise<Result> {
  const bar = process.stderr.isTTY === true ? new SingleBar({ format: '{phase} [{bar}] {value}/{total} orders', hideCursor: true }, Presets.shades_classic) : undefined;
  let started = false;
  const result = await reprocess(deps, selection, dryRun, ({ read, total, matched, queued }) => {
    if (!started) bar?.start(total, 0, { phase: 're-read' });
    started = true;
    Object.assign(progress, { read, matched, queued });
    bar?.update(read);
  });
  progress.matched = result.matched;
  const queued = result.lines.filter((l) => l.action === 'queued for submission' || l.action.startsWith('re-checking'));
  progress.queued = queued.length;
  if (dryRun || queued.length === 0) {
    bar?.stop();
    return result;
  }
  bar?.setTotal(queued.length);
  bar?.update(0, { phase: 'settle ' });
  const byStore = new Map<string, string[]>();
  for (const l of queued) byStore.set(l.storeId, [...(byStore.get(l.storeId) ?? []), l.storeOrderId]);
  let done = 0;
  for (const [storeId, ids] of byStore) {
    const p = await waitUntilSettled(deps, { storeId, storeOrderIds: ids }, {
      onProgress: (p) => {
        progress.settled = done + p.total - p.busy;
        bar?.update(progress.settled);
      },
    });
    done += p.total;
  }
  bar?.stop();
  const now = await orderOutcomes(deps.db, result.lines.map((l) => l.id));
  return { ...result, lines: result.lines.map((l) => ({ ...l, outcome: now.get(l.id) })) };
}

/**
 * What an interrupted reprocess leaves, and what carries it on: the same command takes up what it had
 * not re-read (still in the states it selects); the orders it had queued wait, due, for a submitter:
 * the service's, or one `run --once`, unless the command names them (--order takes any state).
 */
function interrupted(p: Progress, configPath: string, sel: ReprocessSelection): string {
  if (p.matched === null) return `reprocess interrupted before any order was taken; to continue: ${commandLine(process.argv.slice(2))}`;
  const waiting = p.queued - p.settled;
  const notRead = p.matched - p.read;
  const lines = [
    `reprocess interrupted: ${count(p.read)} of ${count(p.matched)} order(s) re-read, ${count(p.read - waiting)} done; ${count(waiting + notRead)} left (${count(notRead)} not re-read, ${count(waiting)} queued for submission, not yet settled)`,
  ];
  const again = commandLine(process.argv.slice(2));
  const submit = commandLine(['run', '--once', '--config', configPath]);
  const named = Boolean(sel.orders?.length);
  // `;`, not `&&`: the second still runs when the first ends non-zero (orders that failed again, --fail-on-failures).
  if (waiting > 0 && !named) lines.push(`to continue: ${notRead > 0 ? `${again}; ` : ''}${submit}`);
  else lines.push(`to continue: ${again}`);
  return lines.join('\n');
}

/** Orders that ended in a failure state (failed_mapping, rejected, failed, needs_attention). */
const failedCount = (lines: Line[]) => lines.filter((l) => l.outcome && inStates(FAILURES, l.outcome.state)).length;

/** The totals `--json` puts under `summary`: how many the selection named, how many were taken, whether the limit cut it, and where they ended. */
function jsonSummary(r: Result, dryRun: boolean) {
  const taken = r.lines.length + (r.unread?.count ?? 0);
  return {
    matched: r.matched,
    reprocessed: r.lines.length,
    limit: r.limit,
    cut: r.matched > taken,
    dryRun,
    outcomes: Object.fromEntries(outcomeCounts(r.lines, dryRun)),
    failed: failedCount(r.lines),
    ...(r.unread ? { unread: r.unread } : {}),
  };
}

/** The text listing: each order with its action and outcome, the summary, then what the run left undone. */
function listing(r: Result, dryRun: boolean): string {
  const out: string[] = [];
  if (!r.lines.length && !r.unread) out.push('no order matches\n');
  for (const l of r.lines) {
    const outcome = l.outcome ? ` → ${l.outcome.state}${l.outcome.reason ? ` ${l.outcome.reason}: ${l.outcome.message}` : ''}` : '';
    out.push(`${l.order} (${l.state}): ${l.action}${outcome}\n`);
    if (l.result?.kind === 'failed') for (const e of l.result.errors) out.push(`  ${e.code} ${e.path}: ${e.message}\n`);
    if (l.result?.kind === 'mapped') out.push(`${JSON.stringify(l.result.model, null, 2).replace(/^/gm, '  ')}\n`);
    if (l.result?.kind === 'skipped') out.push(`  ${l.result.reason}: ${l.result.message}\n`);
  }
  if (r.lines.length) out.push(summary(r.lines, dryRun));
  const taken = r.lines.length + (r.unread?.count ?? 0);
  // No command leaves work undone silently (issue 36): a selection cut at the limit says so.
  if (r.matched > taken) out.push(`${count(taken)} of ${count(r.matched)} ${dryRun ? 'shown (dry run)' : 'reprocessed'}; run again or raise --limit\n`);
  if (r.unread) out.push(`INCOMPLETE: ${r.unread.count} order(s) not re-read, left as they were: store ${r.unread.storeId} could not be read (${r.unread.reason}); run it again when the store answers\n`);
  return out.join('');
}

/** How many ended where (or, for a dry run, what would happen), largest first. */
function outcomeCounts(lines: Line[], dryRun: boolean): Array<[string, number]> {
  const counts = new Map<string, number>();
  for (const l of lines) {
    const key = dryRun ? l.action : l.outcome ? `${l.outcome.state}${l.outcome.reason ? ` ${l.outcome.reason}` : ''}` : l.action;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
}

/** The end of the listing. */
function summary(lines: Line[], dryRun: boolean): string {
  const rows = outcomeCounts(lines, dryRun);
  return `\nsummary: ${lines.length} order(s)${dryRun ? ' (dry run: nothing changed)' : ' reprocessed'}\n${rows.map(([k, n]) => `  ${String(n).padStart(6)}  ${k}`).join('\n')}\n`;
}
