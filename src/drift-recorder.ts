import type { Counter } from 'prom-client';
import { DriftLog, type DriftEntry } from './connectors/ordermesh/drift.ts';
import type { Logger } from './log.ts';

/** How often what the service's OrderMesh client saw reaches the ledger (`status`, `doctor`, the console). */
export const DRIFT_FLUSH_MS = 5_000;

/**
 * The service's DriftLog (one for the process, kept across config reloads, so each operation and kind
 * is logged once), with each answer that needed the tolerant path counted in /metrics at once, and
 * written to the ledger at most every DRIFT_FLUSH_MS: the counts since the last write, one row per
 * operation and kind, never one write per answer. A write that fails keeps its counts for the next
 * one; nothing an OrderMesh call does waits for it or fails with it.
 */
export class DriftRecorder {
  readonly drift: DriftLog;
  readonly #write: (entries: DriftEntry[]) => Promise<void>;
  readonly #log: Logger;
  readonly #now: () => Date;
  #pending = new Map<string, DriftEntry>();
  #flushing: Promise<void> | undefined;
  #failing = false;

  constructor(opts: { write: (entries: DriftEntry[]) => Promise<void>; log: Logger; counter?: Counter<'operation' | 'kind'>; now?: () => Date }) {
    this.#write = opts.write;
    this.#log = opts.log;
    this.#now = opts.now ?? (() => new Date());
    this.drift = new DriftLog({
      log: opts.log,
      onNotice: (operation, notice) => {
        opts.counter?.inc({ operation, kind: notice.kind });
        this.#add({ operation, ...notice, count: 1, firstSeen: this.#now().toISOString(), lastSeen: this.#now().toISOString() });
      },
    });
  }

  /** Counts not yet written (tests; a flush that failed keeps its counts here). */
  pending(): DriftEntry[] {
    return [...this.#pending.values()];
  }

  #add(e: DriftEntry): void {
    const key = `${e.operation}\u0000${e.kind}`;
    const had = this.#pending.get(key);
    if (!had) {
      this.#pending.set(key, { ...e });
      return;
    }
    had.count += e.count;
    if (e.firstSeen < had.firstSeen) had.firstSeen = e.firstSeen;
    if (e.lastSeen >= had.lastSeen) Object.assign(had, { path: e.path, expected: e.expected, seen: e.seen, lastSeen: e.lastSeen });
  }

  /** Writes what was seen since the last write; one write at a time (a call meanwhile joins it). Never throws. */
  flush(): Promise<void> {
    return (this.#flushing ??= this.#flushOnce().finally(() => (this.#flushing = undefined)));
  }

  async #flushOnce(): Promise<void> {
    if (!this.#pending.size) return;
    const taken = this.#pending;
    this.#pending = new Map();
    try {
      await this.#write([...taken.values()]);
      if (this.#failing) this.#log.info('recording OrderMesh drift in the ledger works again');
      this.#failing = false;
    } catch (err) {
      // Kept for the next write, merged with what comes meanwhile.
      for (const e of taken.values()) this.#add(e);
      this.#log[this.#failing ? 'debug' : 'warn']({ err }, 'recording OrderMesh drift in the ledger failed: tried again at the next flush');
      this.#failing = true;
    }
  }

  /** Flushes every `intervalMs` until the returned stop is called (the timer never holds the process open). */
  start(intervalMs = DRIFT_FLUSH_MS): () => void {
    const timer = setInterval(() => void this.flush(), intervalMs);
    timer.unref();
    return () => clearInterval(timer);
  }
}
