import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * The upstream calls of one store job, run in one of the process's store lanes (boss.ts). A store whose
 * calls keep timing out must not hold its lane for longer than one attempt's budget, one call's
 * timeout (issue 34, item 14): the first call of the job that times out ends the wait of every other
 * (in flight, in a retry's backoff, or not yet sent), and none is retried inside the lane. The job hands
 * its work back instead: orders to pending with their retry delay, a failed job to pg-boss's retry.
 *
 * Carried by AsyncLocalStorage rather than passed down: the calls are made deep in connectors and
 * helpers (holds, catalogue, notes, token renewal) that a job reaches through many signatures, and a
 * call made outside any store job (the CLI, batch jobs over many stores) keeps its own retries.
 */
export class CallScope {
  readonly #abort = new AbortController();
  #timedOut: string | undefined;

  /** Aborted when a call of the job has timed out. */
  get signal(): AbortSignal {
    return this.#abort.signal;
  }

  /** The call that timed out, once one has. */
  get timedOut(): string | undefined {
    return this.#timedOut;
  }

  noteTimeout(call: string): void {
    if (this.#timedOut !== undefined) return;
    this.#timedOut = call;
    this.#abort.abort(new Error(`${call} timed out`));
  }
}

const current = new AsyncLocalStorage<CallScope>();

/** Runs one store job's work in a scope of its own. */
export function runInCallScope<T>(fn: () => Promise<T>): Promise<T> {
  return current.run(new CallScope(), fn);
}

/** Runs `fn` outside any store job's scope: for a call whose answer every store shares (the OrderMesh token). */
export function outsideCallScope<T>(fn: () => T): T {
  return current.exit(fn);
}

export function callScope(): CallScope | undefined {
  return current.getStore();
}

/**
 * Runs `fn` with `signal`, also aborted when the current store job's scope gives up. Listeners are
 * removed when `fn` ends: the client's `closing` signal lives as long as the process, and
 * AbortSignal.any over it kept every call's signal alive (Node 20: 250 MB per 200,000 calls).
 */
export async function withCallSignal<T>(signal: AbortSignal, fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const scope = current.getStore();
  if (!scope) return fn(signal);
  const both = new AbortController();
  const abort = () => both.abort();
  if (signal.aborted || scope.signal.aborted) abort();
  signal.addEventListener('abort', abort, { once: true });
  scope.signal.addEventListener('abort', abort, { once: true });
  try {
    return await fn(both.signal);
  } finally {
    signal.removeEventListener('abort', abort);
    scope.signal.removeEventListener('abort', abort);
  }
}
