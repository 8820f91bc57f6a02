import { ORDER_STATES, type OrderState } from '../db/schema.ts';
import { reprocess } from '../jobs/reprocess.ts';
import type { CliContext } from './main.ts';
import { withRuntime } from './with-runtime.ts';

export async function runReprocess(
  ctx: CliContext,
  o: { order?: string[]; store?: string; state?: string[]; since?: string; dryRun?: boolean; json?: boolean; limit?: number },
): Promise<void> {
  const states = o.state?.map((s) => {
    if (!(ORDER_STATES as readonly string[]).includes(s)) throw new Error(`--state: unknown state "${s}" (one of ${ORDER_STATES.join(', ')})`);
    return s as OrderState;
  });
  const since = o.since ? new Date(o.since) : undefined;
  if (since && Number.isNaN(since.getTime())) throw new Error(`--since: "${o.since}" is not a date`);
  const lines = await withRuntime(ctx, `cli:reprocess:${process.pid}`, (deps) =>
    reprocess(deps, { ...(o.order ? { orders: o.order } : {}), ...(o.store ? { storeId: o.store } : {}), ...(states ? { states } : {}), ...(since ? { since } : {}), ...(o.limit ? { limit: o.limit } : {}) }, Boolean(o.dryRun)),
  );
  if (o.json) {
    process.stdout.write(`${JSON.stringify(lines, null, 2)}\n`);
    return;
  }
  if (!lines.length) process.stdout.write('no order matches\n');
  for (const l of lines) {
    process.stdout.write(`${l.order} (${l.state}): ${l.action}\n`);
    if (l.result?.kind === 'failed') for (const e of l.result.errors) process.stdout.write(`  ${e.code} ${e.path}: ${e.message}\n`);
    if (l.result?.kind === 'mapped') process.stdout.write(`${JSON.stringify(l.result.model, null, 2).replace(/^/gm, '  ')}\n`);
    if (l.result?.kind === 'skipped') process.stdout.write(`  ${l.result.reason}: ${l.result.message}\n`);
  }
}
