import { SingleBar, Presets } from 'cli-progress';
import { countOrders } from '../connectors/shopify/pull-orders.ts';
import { backfill, type BackfillSummary } from '../jobs/backfill.ts';
import { storeOf } from '../jobs/deps.ts';
import { waitUntilSettled, type SettleProgress } from '../jobs/settle.ts';
import type { CliContext } from './context.ts';
import { writeJson } from './json-report.ts';
import { failOnFailures, formatSettled } from './settled.ts';
import { commandLine, onInterrupt } from './stop-early.ts';
import type { StoreConfig } from '../config/schema.ts';
import { storeFlag } from './store-flag.ts';
import { UsageError, dateFlag } from './usage.ts';
import { withRuntime } from './with-runtime.ts';

/** How far a backfill has got, kept as it goes: what it says if it is interrupted. */
interface Progress {
  phase: 'read' | 'submit';
  read: number;
  expected: number | null;
  settled: number;
  toSettle: number;
}

/**
 * What an interrupted backfill leaves, and the command that resumes it: the same one with the range
 * spelled out (`--until` defaults to now, and the range names the bulk operation's cursor), which polls
 * the bulk operation it started, repeats nothing recorded, and submits what is left.
 */
function interrupted(p: Progress, until: Date, untilGiven: boolean): string {
  const args = process.argv.slice(2);
  const resume = commandLine(untilGiven ? args : [...args, '--until', until.toISOString()]);
  const read = `${p.read} order(s) read${p.expected === null ? '' : ` of the ${p.expected} Shopify counts in the range`}`;
  const how = p.phase === 'read' ? `${read}, none submitted by this run yet` : `${read}; ${p.settled} of ${p.toSettle} settled, ${p.toSettle - p.settled} still to submit`;
  return `backfill interrupted: ${how}
run the same command again to resume (it repeats nothing): ${resume}`;
}

function formatRead(s: BackfillSummary, expected: number | null, dryRun: boolean, submit: boolean): string {
  const lines = [`backfill (${s.mode}): ${s.orders} order(s) read${expected === null ? '' : ` of the ${expected} Shopify counts in the range`}`];
  for (const [why, n] of Object.entries(s.unusable)) lines.push(`  unusable, not recorded: ${n} (${why})`);
  if (expected !== null && s.orders < expected) lines.push(`  INCOMPLETE: ${expected - s.orders} order(s) of the range were not read; run the backfill again (it repeats nothing)`);
  if (dryRun) {
    if (s.alreadyInOrderMesh) lines.push(`  already in OrderMesh (never submitted again): ${s.alreadyInOrderMesh}`);
    lines.push(`  would submit: ${s.wouldSubmit}`);
    for (const [code, n] of Object.entries(s.wouldFail)) lines.push(`  would fail ${code}: ${n}`);
    for (const [reason, n] of Object.entries(s.wouldSkip)) lines.push(`  would skip ${reason}: ${n}`);
  } else {
    lines.push(`  new in the ledger: ${s.inserted}, changed: ${s.updated}, already there: ${s.unchanged}`);
    if (!submit) lines.push('  --no-submit: new orders are submitted by the running `ordersync start` workers.');
  }
  return `${lines.join('\n')}\n`;
}

/**
 * `ordersync backfill`: reads the range into the ledger, then (unless --no-submit or --dry-run) maps
 * and submits it with this process's own workers, the same job code the service runs, and waits until
 * every order of the range is settled. Safe beside `start` workers: claims are disjoint, jobs singletons.
 */
export async function runBackfill(ctx: CliContext, o: { store: string; since: string; until?: string; dryRun?: boolean; submit?: boolean; json?: boolean; failOnFailures?: boolean }): Promise<void> {
  // Its work is the requests Shopify sends, not the store's orders: a backfill would send orders nobody asked us to make.
  const refuseFulfilmentService = (store: StoreConfig) => {
    if (store.mode === 'fulfillment-service') throw new UsageError(`--store: ${o.store} is a fulfilment-service store: Shopify's open fulfilment requests are its work (the scan finds every one), so there is nothing to backfill`);
  };
  // A store of the config file is checked before any connection; a ledger store once the ledger is open.
  const fileStore = ctx.config.stores.find((s) => s.id === o.store);
  if (fileStore) refuseFulfilmentService(fileStore);
  const since = dateFlag(o.since, '--since');
  const until = o.until ? dateFlag(o.until, '--until') : new Date();
  if (until <= since) throw new UsageError('--until must be after --since');
  const dryRun = Boolean(o.dryRun);
  const submit = o.submit !== false && !dryRun;
  const tty = process.stderr.isTTY === true;
  const progress: Progress = { phase: 'read', read: 0, expected: null, settled: 0, toSettle: 0 };
  const off = dryRun ? () => {} : onInterrupt(() => interrupted(progress, until, o.until !== undefined));
  const result = await withRuntime(ctx, `cli:backfill:${process.pid}`, { workers: submit }, async (deps) => {
    if (!fileStore) refuseFulfilmentService(await storeFlag(ctx, deps.db, o.store));
    // Created once the runtime is open: its start-up logs (migrations) come before the bar, not through it.
    const total = await countOrders(storeOf(deps, o.store).shopify, since, new Date(until.getTime() - 1)).catch(() => null);
    progress.expected = total;
    const bar = tty ? new SingleBar({ format: '{phase} [{bar}] {value}/{total} orders | {detail}', hideCursor: true }, Presets.shades_classic) : undefined;
    const started = Date.now();
    bar?.start(total ?? 0, 0, { phase: 'read  ', detail: total === null ? 'total unknown' : '' });
    const ids = submit ? new Set<string>() : undefined;
    const read = await backfill(deps, {
      storeId: o.store,
      since,
      until,
      dryRun,
      onBatch: ids ? (batch) => batch.forEach((id) => ids.add(id)) : undefined,
      onProgress: ({ orders, mode }) => {
        progress.read = orders;
        const rate = Math.round(orders / Math.max(0.001, (Date.now() - started) / 1000));
        if (bar) {
          if (orders > bar.getTotal()) bar.setTotal(orders);
          bar.update(orders, { detail: `${rate}/s, ${mode}` });
        } else ctx.log.info({ orders, total, rate, mode }, 'backfill: reading');
      },
    });
    if (!ids) {
      bar?.stop();
      return { expected: total, read };
    }
    bar?.setTotal(ids.size);
    Object.assign(progress, { phase: 'submit', toSettle: ids.size });
    let lastLog = 0;
    const settled = await waitUntilSettled(deps, { storeId: o.store, storeOrderIds: [...ids] }, {
      onProgress: (p: SettleProgress) => {
        const done = p.total - p.busy;
        progress.settled = done;
        if (bar) bar.update(done, { phase: 'submit', detail: `submitted ${p.submitted}, failed ${p.failed}, skipped ${p.skipped}, held ${p.held}` });
        else if (Date.now() - lastLog > 5_000) {
          lastLog = Date.now();
          ctx.log.info({ settled: done, total: p.total, submitted: p.submitted, failed: p.failed, skipped: p.skipped, held: p.held }, 'backfill: submitting');
        }
      },
    });
    bar?.stop();
    return { expected: total, read, settled };
  });
  off();
  const settled = 'settled' in result ? result.settled : undefined;
  if (o.json) writeJson({ summary: { expected: result.expected, read: result.read, ...(settled ? { settled } : {}) }, items: settled?.byReason ?? [] });
  else process.stdout.write(formatRead(result.read, result.expected, dryRun, submit) + ('settled' in result && result.settled ? formatSettled(result.settled) : ''));
  // Fewer orders than Shopify counts: the range is not in the ledger, whatever else went well.
  if (result.expected !== null && result.read.orders < result.expected) process.exitCode = 1;
  failOnFailures(o.failOnFailures, settled?.failed ?? 0);
}
