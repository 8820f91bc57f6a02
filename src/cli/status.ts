import { withLedger } from '../db/session.ts';
import { formatStatus, statusReport } from '../db/status.ts';
import type { CliContext } from './main.ts';
import { configuredStore } from './usage.ts';

export async function runStatus(ctx: CliContext, opts: { store?: string; json?: boolean }): Promise<void> {
  if (opts.store) configuredStore(ctx.config, opts.store);
  const report = await withLedger(ctx.config, ctx.log, (db) => statusReport(db, opts.store));
  process.stdout.write(opts.json ? `${JSON.stringify(report, null, 2)}\n` : formatStatus(report));
}
