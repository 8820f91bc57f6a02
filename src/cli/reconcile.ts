import os from 'node:os';
import { Command } from 'commander';
import { reconcileStore, type Difference, type ReconcileReport } from '../ops/reconcile.ts';
import type { CliContext } from './context.ts';
import { writeJson } from './json-report.ts';
import { storeFlag } from './store-flag.ts';
import { UsageError } from './usage.ts';
import { withRuntime } from './with-runtime.ts';

type Ctx = (cmd: Command) => CliContext;

function parseSince(v: string | undefined): Date | undefined {
  if (v === undefined) return undefined;
  const d = new Date(v);
  if (Number.isNaN(d.getTime())) throw new UsageError(`--since: "${v}" is not a date (2026-11-01, or an ISO time)`);
  return d;
}

function describe(r: ReconcileReport): string {
  const counts = (c: Record<string, number>) => Object.entries(c).map(([k, n]) => `${k} ${n}`).join(', ') || 'none';
  const lines = [
    `${r.store} (merchant ${r.merchantId})${r.since ? ` since ${r.since}` : ''}:`,
    `  OrderMesh: ${r.ordermesh.orders} order(s): ${counts(r.ordermesh.byStatus)}`,
    `  ledger:    ${r.ledger.orders} order(s): ${counts(r.ledger.byState)}`,
    `  Shopify:   ${r.shopify.orders ?? 'could not be counted'} order(s)`,
  ];
  const section = (title: string, ds: Difference[], fix: string) => {
    if (!ds.length) return;
    lines.push(`  ${title}: ${ds.length}${r.fixed ? '' : ` (--fix ${fix})`}`);
    for (const d of ds.slice(0, 50)) lines.push(`    ${d.safeId}  ledger ${d.ledgerState ?? '-'}  OrderMesh ${d.status ?? '-'}${d.ordermeshOrderId ? ` ${d.ordermeshOrderId}` : ''}${d.fixed ? `  → ${d.fixed}` : ''}`);
    if (ds.length > 50) lines.push(`    … ${ds.length - 50} more (--json lists all)`);
  };
  section('in OrderMesh, unknown to the ledger', r.unknownToLedger, 'records them from the store as OrderMesh has them');
  section('in OrderMesh, not linked in the ledger', r.unlinked, 're-links them instead of submitting them again');
  section('linked in the ledger, not in OrderMesh', r.missingInOrderMesh, 'submits again, by safeId, those not fulfilled, cancelled or skipped');
  section('states that disagree', r.stateDisagrees, 'polls them now, so the ledger follows OrderMesh');
  if (r.ordermeshKnowsNone) lines.push('  OrderMesh has none of the orders the ledger links to it: most likely the wrong environment, credentials or merchant');
  const n = r.unknownToLedger.length + r.unlinked.length + r.missingInOrderMesh.length + r.stateDisagrees.length;
  if (r.refused) lines.push('  --fix refused: nothing changed');
  else lines.push(n ? (r.fixed ? '  fixed: start (or keep running) the workers to carry it on' : '  run again with --fix to repair') : '  the ledger agrees with OrderMesh');
  return `${lines.join('\n')}\n`;
}

/** The kinds of difference, as `--json` names each item's. */
const KINDS = ['unknownToLedger', 'unlinked', 'missingInOrderMesh', 'stateDisagrees'] as const;

/** `reconcile --json`: the counts and the verdict as the summary, every difference an item with its kind. */
function reconcileJson(r: ReconcileReport) {
  const { unknownToLedger, unlinked, missingInOrderMesh, stateDisagrees, ...totals } = r;
  const differences = { unknownToLedger, unlinked, missingInOrderMesh, stateDisagrees };
  return {
    summary: { ...totals, differences: Object.fromEntries(KINDS.map((k) => [k, differences[k].length])) },
    items: KINDS.flatMap((kind) => differences[kind].map((d) => ({ kind, ...d }))),
  };
}

/**
 * `ordersync reconcile`: after a lost ledger or a restore from an old backup, OrderMesh still has every
 * order it was sent. This compares and, with --fix, re-links them, so none is submitted twice.
 */
export function reconcileCommand(contextFrom: Ctx): Command {
  return new Command('reconcile')
    .description("compares the ledger with OrderMesh (the merchant's orders by safeId, counts by status) and the store; --fix re-links OrderMesh's orders instead of submitting them again and moves states forward from what OrderMesh says. Exit 1 when differences remain unfixed")
    .requiredOption('--store <id>', 'store id (a config or ledger store)')
    .option('--since <date>', 'only orders created since (OrderMesh and store creation dates)')
    .option('--fix', 'repair what differs (run it before starting workers on a restored ledger)')
    .option('--even-if-ordermesh-knows-none', 'with --fix: act even when OrderMesh has none of the orders the ledger links to it (refused otherwise: most likely the wrong environment, credentials or merchant)')
    .option('--json', 'machine-readable output')
    .action(async (o: { store: string; since?: string; fix?: boolean; evenIfOrdermeshKnowsNone?: boolean; json?: boolean }, cmd: Command) => {
      const ctx = contextFrom(cmd);
      const since = parseSince(o.since);
      if (o.evenIfOrdermeshKnowsNone && !o.fix) throw new UsageError('--even-if-ordermesh-knows-none: only with --fix');
      const report = await withRuntime(ctx, `cli:reconcile:${os.userInfo().username}`, {}, async (deps) => {
        await storeFlag(ctx, deps.db, o.store);
        return reconcileStore(deps, o.store, { since, fix: o.fix === true, evenIfOrderMeshKnowsNone: o.evenIfOrdermeshKnowsNone === true });
      });
      if (o.json) writeJson(reconcileJson(report));
      else process.stdout.write(describe(report));
      const open = report.unknownToLedger.length + report.unlinked.length + report.missingInOrderMesh.length + report.stateDisagrees.length;
      if (report.refused) {
        process.stderr.write(`${report.refused}\n`);
        process.exitCode = 1;
      } else if (open && !report.fixed) process.exitCode = 1;
    });
}
