import type { ChildProcess } from 'node:child_process';
import { EmbeddedPostgresError } from './embedded-errors.ts';

export interface WatchOptions {
  /** `initdb` or `postgres`, for the messages. */
  what: string;
  /** Epoch ms by which it must be ready (or, without `readyLine`, have exited 0). */
  deadline: number;
  /** A stderr line that means ready; without it, a clean exit does. */
  readyLine?: string;
  onOutput(text: string): void;
}

const TAIL = 2_000;

/**
 * Settles on every way a child can go, so a start never waits for an event that will not come: a
 * spawn that fails (EACCES, ENOENT) emits 'error' and may emit nothing else, a process can exit
 * before it is ready, and one can hang. At the deadline the child's process group is killed (the
 * caller starts it detached, so that also reaches what it forked).
 */
export function watchChild(child: ChildProcess, opts: WatchOptions): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let output = '';
    let settled = false;
    // Set at the deadline: the exit that follows the kill is reported as the timeout it is.
    let settledBy: EmbeddedPostgresError | undefined;
    const finish = (err?: EmbeddedPostgresError) => {
      if (settled) return;
      if (settledBy && err !== settledBy) return;
      settled = true;
      clearTimeout(timer);
      if (err) reject(err);
      else resolve();
    };
    const collect = (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      output = (output + text).slice(-TAIL);
      opts.onOutput(text);
      if (opts.readyLine && output.includes(opts.readyLine)) finish();
    };
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
    child.on('error', (err: NodeJS.ErrnoException) =>
      finish(new EmbeddedPostgresError('SPAWN_FAILED', `could not run ${opts.what} (${err.code ?? err.message}): ${child.spawnfile}`, { cause: err })),
    );
    // initdb's last words arrive just before its pipes close; postgres's pipes stay open in any
    // process it forked, so its exit is what counts.
    child.on(opts.readyLine ? 'exit' : 'close', (code: number | null, signal: NodeJS.Signals | null) => {
      if (!opts.readyLine && code === 0) return finish();
      finish(
        new EmbeddedPostgresError(
          opts.readyLine ? 'EXITED' : 'INITDB_FAILED',
          `${opts.what} exited before it was ready (code ${code}, signal ${signal})${output.trim() ? `:\n${output.trim()}` : ''}`,
        ),
      );
    });
    const startedAt = Date.now();
    const timer = setTimeout(
      () => {
        const err = new EmbeddedPostgresError('TIMEOUT', `${opts.what} was not ready within ${Math.round((opts.deadline - startedAt) / 1000)} s, so it was stopped${output.trim() ? `; its last lines:\n${output.trim()}` : ''}`);
        // Settled once it is gone, so a failed start leaves nothing running behind it.
        if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return finish(err);
        child.once('exit', () => finish(err));
        settledBy = err;
        kill(child);
      },
      Math.max(0, opts.deadline - startedAt),
    );
  });
}

function kill(child: ChildProcess): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    child.kill('SIGKILL');
  }
}
