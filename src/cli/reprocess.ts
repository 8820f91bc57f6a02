import { ORDER_STATES, type OrderState } from '../db/schema.ts';
import { orderOutcomes } from '../db/orders.ts';
import { reprocess, type ReprocessLine } from '../jobs/reprocess.ts';
import { waitUntilSettled } from '../jobs/settle.ts';
import type { CliContext } from './main.ts';
import { UsageError, configuredStore, dateFlag } from './usage.ts';
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
  if (o.store) configuredStore(ctx.config, o.store);
  const since = o.since ? dateFlag(o.since, '--since') : undefined;
  const dryRun = Boolean(o.dryRun);
  type Outcome = { state: string; reason: string | null; message: string | null };
  const lines: Array<ReprocessLine & { outcome?: Outcome }> = await withRuntime(ctx, `cli:reprocess:${process.pid}`, { workers: !dryRun }, async (deps) => {
    const selected = await reprocess(deps, { ...(o.order ? { orders: o.order } : {}), ...(o.store ? { storeId: o.store } : {}), ...(states ? { states } : {}), ...(since ? { since } : {}), ...(o.limit ? { limit: o.limit } : {}) }, dryRun);
    if (dryRun || selected.length === 0) return selected;
    const byStore = new Map<string, string[]>();
    for (const l of selected) byStore.set(l.storeId, [...(byStore.get(l.storeId) ?? []), l.storeOrderId]);
    for (const [storeId, ids] of byStore) await waitUntilSettled(deps, { storeId, storeOrderIds: ids });
    const now = await orderOutcomes(deps.db, selected.map((l) => l.id));
    return selected.map((l) => ({ ...l, outcome: now.get(l.id) }));
  });
  if (o.json) {
    process.stdout.write(`${JSON.stringify(lines, null, 2)}\n`);
    return;
  }
  if (!lines.length) process.stdout.write('no order matches\n');
  for (const l of lines) {
    const outcome = l.outcome ? ` → ${l.outcome.state}${l.outcome.reason ? ` ${l.outcome.reason}: ${l.outcome.message}` : ''}` : '';
    process.stdout.write(`${l.order} (${l.state}): ${l.action}${outcome}\n`);
    if (l.result?.kind === 'failed') for (const e of l.result.errors) process.stdout.write(`  ${e.code} ${e.path}: ${e.message}\n`);
    if (l.result?.kind === 'mapped') process.stdout.write(`${JSON.stringify(l.result.model, null, 2).replace(/^/gm, '  ')}\n`);
    if (l.result?.kind === 'skipped') process.stdout.write(`  ${l.result.reason}: ${l.result.message}\n`);
  }
}
