import { registerSecretValue } from '../../log.ts';

export interface IssuedToken {
  accessToken: string;
  /** Seconds, as OrderMesh reports it (24 h for client credentials, no refresh). */
  expiresIn: number;
}

/**
 * One client-credentials token shared by every concurrent call: a single in-flight fetch, reused until
 * shortly before it expires (10% of its life, at most 5 minutes), replaced when a call gets a 401.
 */
export class TokenCache {
  #token: string | undefined;
  #renewAt = 0;
  #inflight: Promise<string> | undefined;
  readonly #fetchToken: () => Promise<IssuedToken>;
  readonly #now: () => number;

  constructor(fetchToken: () => Promise<IssuedToken>, now: () => number = Date.now) {
    this.#fetchToken = fetchToken;
    this.#now = now;
  }

  async get(): Promise<string> {
    if (this.#token && this.#now() < this.#renewAt) return this.#token;
    this.#inflight ??= this.#fetchToken()
      .then((t) => {
        registerSecretValue(t.accessToken);
        const lifeMs = t.expiresIn * 1000;
        this.#token = t.accessToken;
        this.#renewAt = this.#now() + lifeMs - Math.min(lifeMs * 0.1, 5 * 60_000);
        return t.accessToken;
      })
      .finally(() => {
        this.#inflight = undefined;
      });
    return this.#inflight;
  }

  /** Drops `token` if it is still the current one (a concurrent call may have renewed it already). */
  invalidate(token: string): void {
    if (this.#token === token) {
      this.#token = undefined;
      this.#renewAt = 0;
    }
  }
}
