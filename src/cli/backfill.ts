import { SingleBar, Presets } from 'cli-progress';
import { backfill, type BackfillSummary } from '../jobs/backfill.ts';
import type { CliContext } from './main.ts';
import { withRuntime } from './with-runtime.ts';

function parseDate(value: string, flag: string): Date {
  const d = new Date(value);
  if (Number.isNaN(d.getTime())) throw new Error(`${flag}: "${value}" is not a date (use YYYY-MM-DD or an ISO timestamp)`);
  return d;
}

function formatSummary(s: BackfillSummary, dryRun: boolean): string {
  const lines = [`backfill (${s.mode}): ${s.orders} order(s) read`];
  if (dryRun) {
    lines.push(`  would submit: ${s.wouldSubmit}`);
    for (const [code, n] of Object.entries(s.wouldFail)) lines.push(`  would fail ${code}: ${n}`);
    for (const [reason, n] of Object.entries(s.wouldSkip)) lines.push(`  would skip ${reason}: ${n}`);
  } else {
    lines.push(`  new in the ledger: ${s.inserted}, changed: ${s.updated}, already there: ${s.unchanged}`);
    lines.push('  new orders are submitted by the running `ordersync start` workers.');
  }
  return `${lines.join('\n')}\n`;
}

export async function runBackfill(ctx: CliContext, o: { store: string; since: string; until?: string; dryRun?: boolean; json?: boolean }): Promise<void> {
  const since = parseDate(o.since, '--since');
  const until = o.until ? parseDate(o.until, '--until') : new Date();
  if (until <= since) throw new Error('--until must be after --since');
  const tty = process.stderr.isTTY === true;
  const bar = tty ? new SingleBar({ format: 'backfill [{bar}] {value} orders | {rate}/s | {mode}', hideCursor: true }, Presets.shades_classic) : undefined;
  const started = Date.now();
  bar?.start(0, 0, { rate: 0, mode: 'bulk' });
  const summary = await withRuntime(ctx, `cli:backfill:${process.pid}`, (deps) =>
    backfill(deps, {
      storeId: o.store,
      since,
      until,
      dryRun: Boolean(o.dryRun),
      onProgress: ({ orders, mode }) => {
        const rate = Math.round(orders / Math.max(0.001, (Date.now() - started) / 1000));
        if (bar) {
          bar.setTotal(orders);
          bar.update(orders, { rate, mode });
        } else ctx.log.info({ orders, rate, mode }, 'backfill progress');
      },
    }),
  );
  bar?.stop();
  process.stdout.write(o.json ? `${JSON.stringify(summary, null, 2)}\n` : formatSummary(summary, Boolean(o.dryRun)));
}
