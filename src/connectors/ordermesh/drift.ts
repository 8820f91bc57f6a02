import type { Logger } from '../../log.ts';
import type { DriftNotice } from './reader.ts';

export interface DriftEntry extends DriftNotice {
  operation: string;
  count: number;
  firstSeen: string;
  lastSeen: string;
}

/**
 * What OrderMesh sent that needed the tolerant path (another envelope, an integer status, another field
 * name, a missing field), per operation and kind: counted (metrics), logged once per operation and
 * kind (a warning with the path, what was expected and what was seen), and kept for `doctor` and the
 * console. `onNew` is told of each operation and kind the first time it is seen in this process (the
 * ledger records it, so other processes show it too).
 */
export class DriftLog {
  readonly #entries = new Map<string, DriftEntry>();
  readonly #log: Logger | undefined;
  readonly #onNotice: ((operation: string, notice: DriftNotice, first: boolean) => void) | undefined;

  constructor(opts: { log?: Logger; onNotice?: (operation: string, notice: DriftNotice, first: boolean) => void } = {}) {
    this.#log = opts.log;
    this.#onNotice = opts.onNotice;
  }

  record(operation: string, notice: DriftNotice): void {
    const key = `${operation}\u0000${notice.kind}`;
    const now = new Date().toISOString();
    const e = this.#entries.get(key);
    if (e) {
      e.count++;
      e.lastSeen = now;
      this.#onNotice?.(operation, notice, false);
      return;
    }
    this.#entries.set(key, { operation, ...notice, count: 1, firstSeen: now, lastSeen: now });
    // An envelope the docs do not show either way is news, not a deviation: counted and recorded, logged at debug.
    this.#log?.[notice.kind.startsWith('envelope:') ? 'debug' : 'warn']({ operation, kind: notice.kind, path: notice.path, expected: notice.expected, seen: notice.seen }, 'OrderMesh answered in a shape its documentation does not show: read tolerantly (see `ordersync doctor --ordermesh`)');
    this.#onNotice?.(operation, notice, true);
  }

  entries(): DriftEntry[] {
    return [...this.#entries.values()].sort((a, b) => a.operation.localeCompare(b.operation) || a.kind.localeCompare(b.kind));
  }
}
