import { shutdown } from '../util/shutdown.ts';

/** What an interrupted command says it leaves: how far it got, what is left, the command that continues. */
type Report = () => string;

const reports: Report[] = [];

/**
 * Registers what the running command says if a signal stops it (issue 36: a Ctrl-C must not leave
 * work undone without a word). Read from what the command already knows, before anything is stopped;
 * the returned function takes it off once the command has ended.
 */
export function onInterrupt(report: Report): () => void {
  reports.push(report);
  return () => {
    const i = reports.indexOf(report);
    if (i >= 0) reports.splice(i, 1);
  };
}

/** An argument as a POSIX shell reads it back: as it is when it is plain, else single-quoted (`#1001` would start a comment). */
function shellWord(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** `args` (the command line after the script) as a line an operator can paste. */
export function commandLine(args: readonly string[]): string {
  return ['ordersync', ...args].map(shellWord).join(' ');
}

function writeReports(): void {
  for (const report of reports.splice(0)) {
    try {
      process.stderr.write(`${report().trimEnd()}\n`);
    } catch (err) {
      process.stderr.write(`ordersync: while saying what is left: ${(err as Error).message}\n`);
    }
  }
}

/**
 * One-shot commands (and the demo) stopped before they end: Ctrl-C, SIGTERM from a scheduler, or a
 * reader that closed our stdout (`ordersync demo | head`). A signalled command first says what it
 * leaves (onInterrupt); then whatever it started (workers, pools, an embedded PostgreSQL, a temp
 * folder) is undone in order, and the process exits: 130/143 for the signals as shells report them,
 * 0 for a closed pipe, which is the reader's choice, not a failure.
 * A second Ctrl-C while that runs is the default one: it ends the process at once.
 */
export function stopEarlyOnSignals(): void {
  const stop = (code: number, line?: string) => {
    if (line) {
      process.stderr.write(`ordersync: ${line}\n`);
      writeReports();
    }
    void shutdown((err) => process.stderr.write(`ordersync: while stopping: ${(err as Error).message}\n`)).then(() => process.exit(code));
  };
  process.once('SIGINT', () => stop(130, 'interrupted: stopping what this command started (Ctrl-C again to force)'));
  process.once('SIGTERM', () => stop(143, 'terminated: stopping what this command started'));
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err;
    stop(0);
  });
}
