import { withLedger } from '../db/session.ts';
import { formatStatus, statusReport } from '../db/status.ts';
import type { CliContext } from './context.ts';
import { configHash } from '../config/hash.ts';
import { writeJson } from './json-report.ts';

export async function runStatus(ctx: CliContext, opts: { store?: string; json?: boolean }): Promise<void> {
  const { report, database } = await withLedger(ctx.config, ctx.log, async (db, _applied, database) => {
    // Checking --store builds the stores' clients (the Shopify library): loaded only when it is given.
    if (opts.store) await (await import('./store-flag.ts')).storeFlag(ctx, db, opts.store);
    return { report: await statusReport(db, opts.store), database: database.description };
  });
  // Which config and which database: a status read from the wrong one looks just like a quiet day.
  const source = { config: ctx.configPath, configHash: configHash(ctx.config), database };
  if (opts.json) {
    // Stores are the items; what is not per store (workers, queues, drift) is the summary.
    const { stores, ...rest } = report;
    writeJson({ summary: { ...source, ...rest }, items: stores });
  } else process.stdout.write(`config: ${source.config} (${source.configHash})\ndatabase: ${database}\n\n${formatStatus(report)}`);
}
