import { withLedger } from '../db/session.ts';
import type { CliContext } from './context.ts';

export async function runMigrate(ctx: CliContext): Promise<void> {
  await withLedger(ctx.config, ctx.log, async (_db, applied) => {
    process.stdout.write(applied.length ? `applied: ${applied.join(', ')}\n` : 'database is up to date\n');
  });
}
