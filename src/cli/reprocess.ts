import { ORDER_STATES, type OrderState } from '../db/schema.ts';
import { orderOutcomes } from '../db/orders.ts';
import { SingleBar, Presets } from 'cli-progress';
import { reprocess, type ReprocessLine, type Unread } from '../jobs/reprocess.ts';
import { waitUntilSettled } from '../jobs/settle.ts';
import type { CliContext } from './context.ts';
import { storeFlag } from './store-flag.ts';
import { UsageError, dateFlag } from './usage.ts';
import { withRuntime } from './with-runtime.ts';

/**
 * `ordersync reprocess`: re-reads, re-maps and queues the selected orders, then submits them with this
 * process's own workers and the configuration it was given, waits until each is settled and prints
 * where each ended. `--dry-run` only maps and prints.
 */
export async function runReprocess(
  ctx: CliContext,
  o: { order?: string[]; store?: string; state?: string[]; since?: string; dryRun?: boolean; json?: boolean; limit?: number },
): Promise<void> {
  const states = o.state?.map((s) => {
    if (!(ORDER_STATES as readonly string[]).includes(s)) throw new UsageError(`--state: unknown state "${s}" (one of ${ORDER_STATES.join(', ')})`);
    return s as OrderState;
  });
  const since = o.since ? dateFlag(o.since, '--since') : undefined;
  const dryRun = Boolean(o.dryRun);
  const bar = process.stderr.isTTY === true ? new SingleBar({ format: '{phase} [{bar}] {value}/{total} orders', hideCursor: true }, Presets.shades_classic) : undefined;
  type Outcome = { state: string; reason: string | null; message: string | null };
  const { lines, unread } = await withRuntime(ctx, `cli:reprocess:${process.pid}`, { workers: !dryRun }, async (deps): Promise<{ lines: Array<ReprocessLine & { outcome?: Outcome }>; unread?: Unread }> => {
    if (o.store) await storeFlag(ctx, deps.db, o.store);
    let started = false;
    const selection = { ...(o.order ? { orders: o.order } : {}), ...(o.store ? { storeId: o.store } : {}), ...(states ? { states } : {}), ...(since ? { since } : {}), ...(o.limit ? { limit: o.limit } : {}) };
    const result = await reprocess(deps, selection, dryRun, ({ read, total }) => {
      if (!started) bar?.start(total, 0, { phase: 're-read' });
      started = true;
      bar?.update(read);
    });
    const queued = result.lines.filter((l) => l.action === 'queued for submission' || l.action.startsWith('re-checking'));
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
      const p = await waitUntilSettled(deps, { storeId, storeOrderIds: ids }, { onProgress: (p) => bar?.update(done + p.total - p.busy) });
      done += p.total;
    }
    bar?.stop();
    const now = await orderOutcomes(deps.db, result.lines.map((l) => l.id));
    return { ...result, lines: result.lines.map((l) => ({ ...l, outcome: now.get(l.id) })) };
  });
  if (unread) process.exitCode = 1;
  if (o.json) {
    process.stdout.write(`${JSON.stringify(unread ? { lines, unread } : lines, null, 2)}\n`);
    return;
  }
  if (!lines.length && !unread) process.stdout.write('no order matches\n');
  for (const l of lines) {
    const outcome = l.outcome ? ` → ${l.outcome.state}${l.outcome.reason ? ` ${l.outcome.reason}: ${l.outcome.message}` : ''}` : '';
    process.stdout.write(`${l.order} (${l.state}): ${l.action}${outcome}\n`);
    if (l.result?.kind === 'failed') for (const e of l.result.errors) process.stdout.write(`  ${e.code} ${e.path}: ${e.message}\n`);
    if (l.result?.kind === 'mapped') process.stdout.write(`${JSON.stringify(l.result.model, null, 2).replace(/^/gm, '  ')}\n`);
    if (l.result?.kind === 'skipped') process.stdout.write(`  ${l.result.reason}: ${l.result.message}\n`);
  }
  if (lines.length) process.stdout.write(summary(lines, dryRun));
  if (unread) process.stdout.write(`INCOMPLETE: ${unread.count} order(s) not re-read, left as they were: store ${unread.storeId} could not be read (${unread.reason}); run it again when the store answers\n`);
}

/** The end of the listing: how many ended where (or, for a dry run, what would happen), largest first. */
function summary(lines: Array<ReprocessLine & { outcome?: { state: string; reason: string | null } }>, dryRun: boolean): string {
  const counts = new Map<string, number>();
  for (const l of lines) {
    const key = dryRun ? l.action : l.outcome ? `${l.outcome.state}${l.outcome.reason ? ` ${l.outcome.reason}` : ''}` : l.action;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  const rows = [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  return `\nsummary: ${lines.length} order(s)${dryRun ? ' (dry run: nothing changed)' : ' reprocessed'}\n${rows.map(([k, n]) => `  ${String(n).padStart(6)}  ${k}`).join('\n')}\n`;
}
