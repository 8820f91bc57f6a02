import { withLedger } from '../db/session.ts';
import { orderCountsByStore, type StoreStatus } from '../db/status.ts';
import type { CliContext } from './main.ts';

function formatText(rows: StoreStatus[]): string {
  if (rows.length === 0) return 'no stores configured\n';
  return rows
    .map((r) => {
      const states = Object.entries(r.states)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([state, n]) => `  ${state.padEnd(16)} ${n}`)
        .join('\n');
      return `${r.store}${r.enabled ? '' : ' (disabled)'}: ${r.total} order(s)\n${states || '  (none yet)'}`;
    })
    .join('\n\n')
    .concat('\n');
}

export async function runStatus(ctx: CliContext, opts: { store?: string; json?: boolean }): Promise<void> {
  const rows = await withLedger(ctx.config, ctx.log, (db) => orderCountsByStore(db, opts.store));
  process.stdout.write(opts.json ? `${JSON.stringify({ stores: rows }, null, 2)}\n` : formatText(rows));
}
