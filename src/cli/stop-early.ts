import { shutdown } from '../util/shutdown.ts';

/**
 * One-shot commands (and the demo) stopped before they end: Ctrl-C, SIGTERM from a scheduler, or a
 * reader that closed our stdout (`ordersync demo | head`). Whatever they started (workers, pools, an
 * embedded PostgreSQL, a temp folder) is undone in order, then the process exits: 130/143 for the
 * signals as shells report them, 0 for a closed pipe, which is the reader's choice, not a failure.
 * A second Ctrl-C while that runs is the default one: it ends the process at once.
 */
export function stopEarlyOnSignals(): void {
  const stop = (code: number, line?: string) => {
    if (line) process.stderr.write(`ordersync: ${line}\n`);
    void shutdown((err) => process.stderr.write(`ordersync: while stopping: ${(err as Error).message}\n`)).then(() => process.exit(code));
  };
  process.once('SIGINT', () => stop(130, 'interrupted: stopping what this command started (Ctrl-C again to force)'));
  process.once('SIGTERM', () => stop(143, 'terminated: stopping what this command started'));
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err;
    stop(0);
  });
}
