import type { SettleProgress } from '../jobs/settle.ts';
import { EXIT } from './context.ts';

/**
 * `--fail-on-failures`: exit 3 (EXIT.SOME_FAILED) for a finished run with `failed` orders, its own code
 * so a scheduler can tell it from a run that did not finish (1) and from bad usage (2); a run already
 * failing keeps its code.
 */
export function failOnFailures(asked: boolean | undefined, failed: number): void {
  if (asked && failed > 0 && !process.exitCode) process.exitCode = EXIT.SOME_FAILED;
}

/** The end of a one-shot run: where every order ended, failures grouped by reason with the fix's hint. */
export function formatSettled(p: SettleProgress): string {
  const lines = [`settled: ${p.total} order(s): submitted ${p.submitted}, failed ${p.failed}, skipped ${p.skipped}, held ${p.held}`];
  for (const r of p.byReason) lines.push(`  ${String(r.count).padStart(6)}  ${r.state}${r.reason ? ` ${r.reason}` : ''}`);
  if (p.held) lines.push(`  held orders wait for their hold window or retry delay (until ${p.heldUntil?.toISOString() ?? 'unknown'}); the service, or a later run, submits them`);
  if (p.failed) lines.push('  failures: `ordersync status` shows each reason with examples and its fix; after fixing, `ordersync reprocess`');
  return `${lines.join('\n')}\n`;
}
