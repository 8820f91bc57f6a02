import { withLedger } from '../db/session.ts';
import { formatStatus, statusReport } from '../db/status.ts';
import type { CliContext } from './main.ts';

export async function runStatus(ctx: CliContext, opts: { store?: string; json?: boolean }): Promise<void> {
  const report = await withLedger(ctx.config, ctx.log, (db) => statusReport(db, opts.store));
  process.stdout.write(opts.json ? `${JSON.stringify(report, null, 2)}\n` : formatStatus(report));
}
