import type { Logger } from '../log.ts';
import type { Metrics } from '../metrics.ts';

export type WebhookSource = 'ordermesh' | 'shopify';
export type WebhookOutcome = 'received' | 'duplicate' | 'ignored' | 'refused' | 'unavailable';
/** Why a delivery was not taken: the first four are answered 503 with Retry-After (the sender tries again), the next three 4xx, `aborted` not at all. */
export type WebhookFailure = 'over_capacity' | 'timeout' | 'database' | 'internal' | 'unauthorized' | 'bad_request' | 'too_large' | 'aborted';

/** How often one source and reason is logged: a burst of refusals is one line per window with its count, not thousands. */
const LOG_EVERY_MS = 10_000;

/**
 * Counts every answered webhook delivery and logs its failures (reason, status, a short message; never
 * the body, which carries customers' names and addresses), each source and reason at most once per
 * window with how many were left unlogged since.
 */
export class WebhookOutcomes {
  readonly #metrics: Pick<Metrics, 'webhookDeliveries' | 'webhookFailures'>;
  readonly #log: Logger;
  readonly #now: () => number;
  readonly #lastLogged = new Map<string, { at: number; unlogged: number }>();

  constructor(deps: { metrics: Pick<Metrics, 'webhookDeliveries' | 'webhookFailures'>; log: Logger; now?: () => number }) {
    this.#metrics = deps.metrics;
    this.#log = deps.log;
    this.#now = deps.now ?? Date.now;
  }

  answered(source: WebhookSource, outcome: WebhookOutcome): void {
    this.#metrics.webhookDeliveries.inc({ source, outcome });
  }

  failed(source: WebhookSource, reason: WebhookFailure, status: number | null, message: string, err?: unknown): void {
    this.#metrics.webhookFailures.inc({ source, reason });
    if (status !== null) this.answered(source, status === 503 ? 'unavailable' : 'refused');
    const key = `${source}:${reason}`;
    const now = this.#now();
    const last = this.#lastLogged.get(key);
    if (last && now - last.at < LOG_EVERY_MS) {
      last.unlogged++;
      return;
    }
    this.#lastLogged.set(key, { at: now, unlogged: 0 });
    const fields = { source, code: `WEBHOOK_${reason.toUpperCase()}`, status, ...(last?.unlogged ? { alsoSinceLastLine: last.unlogged } : {}), ...(err ? { err } : {}) };
    if (reason === 'database' || reason === 'internal') this.#log.error(fields, `webhook delivery not taken: ${message}`);
    else this.#log.warn(fields, `webhook delivery not taken: ${message}`);
  }
}
