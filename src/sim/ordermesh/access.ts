import type { FastifyRequest } from 'fastify';
import { SimRefusal } from './refusal.ts';

/**
 * Who may call and how often: bearer tokens issued by the token routes (each with its expiry), and a
 * token bucket of `rateLimitPerSecond` per second with bursts up to one second's worth. OrderMesh
 * documents neither its rate limits nor their answer: both are assumed, and harsh.
 */
export class SimAccess {
  readonly settings: { rateLimitPerSecond: number };
  readonly tokens: Map<string, number>;
  readonly counters: { rateLimited: number; unauthorized: number };
  #bucket: { tokens: number; at: number };

  constructor(settings: { rateLimitPerSecond: number }, tokens: Map<string, number>, counters: { rateLimited: number; unauthorized: number }) {
    this.settings = settings;
    this.tokens = tokens;
    this.counters = counters;
    this.#bucket = { tokens: settings.rateLimitPerSecond, at: Date.now() };
  }

  /** Throws a 401 refusal unless the request carries a live token. */
  authorise(req: FastifyRequest): void {
    const m = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '');
    const expiry = m ? this.tokens.get(m[1]!) : undefined;
    if (expiry === undefined || Date.now() >= expiry) {
      this.counters.unauthorized++;
      throw new SimRefusal(401, expiry === undefined ? 'Missing or unknown bearer token' : 'Token expired');
    }
  }

  /** undefined when the request may go on; else the seconds until it may (a 429's Retry-After). */
  takeRateToken(): number | undefined {
    const rate = this.settings.rateLimitPerSecond;
    if (rate <= 0) return undefined;
    const now = Date.now();
    this.#bucket = { tokens: Math.min(rate, this.#bucket.tokens + ((now - this.#bucket.at) / 1000) * rate), at: now };
    if (this.#bucket.tokens >= 1) {
      this.#bucket.tokens -= 1;
      return undefined;
    }
    this.counters.rateLimited++;
    return (1 - this.#bucket.tokens) / rate;
  }

  resetBucket(): void {
    this.#bucket = { tokens: this.settings.rateLimitPerSecond, at: Date.now() };
  }
}
