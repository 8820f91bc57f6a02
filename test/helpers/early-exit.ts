import type { ChildProcess } from 'node:child_process';

/**
 * What a test waits for from a child it started (a line, an HTTP answer), or a failure as soon as the
 * child exits first: a command that could not start (its embedded PostgreSQL refused, say) then fails
 * the test at once with its output, instead of leaving it to wait out its timeout.
 */
export function unlessExited<T>(child: ChildProcess, waiting: Promise<T>, output: () => string): Promise<T> {
  let onExit: ((code: number | null) => void) | undefined;
  const exitedFirst = new Promise<never>((_, reject) => {
    onExit = (code) => reject(new Error(`the command exited (code ${code}) before it was ready:\n${output()}`));
    if (child.exitCode !== null || child.signalCode !== null) onExit(child.exitCode);
    else child.once('exit', onExit);
  });
  // The loser of the race is not waited for; its rejection is not an unhandled one.
  waiting.catch(() => {});
  return Promise.race([waiting, exitedFirst]).finally(() => child.off('exit', onExit!));
}
