import '@shopify/shopify-api/adapters/node';
import { AsyncLocalStorage } from 'node:async_hooks';
import {
  GraphqlQueryError,
  HttpRequestError,
  HttpResponseError,
  HttpRetriableError,
  HttpThrottlingError,
  LogSeverity,
  shopifyApi,
  type Session,
  type Shopify,
} from '@shopify/shopify-api';
import { setAbstractFetchFunc } from '@shopify/shopify-api/runtime';
import type { Logger } from '../../log.ts';
import { registerSecretValue } from '../../log.ts';
import { documents, type DocumentName } from './documents.ts';
import { ShopifyApiError } from './errors.ts';
import { CostBucket, type QueryCost } from './throttle.ts';
import { abortableSleep } from '../../util/sleep.ts';
import { callScope, outsideCallScope, withCallSignal } from '../../util/call-scope.ts';
import type { z } from 'zod';
import { formatPath } from '../../util/zod-path.ts';

export type ShopifyAuth =
  | { type: 'accessToken'; accessToken: string }
  | { type: 'clientCredentials'; clientId: string; clientSecret: string };

export interface ShopifyConnection {
  shopDomain: string;
  apiVersion: string;
  /** Sends this shop's calls to another origin (the simulator) instead of https://{shopDomain}. */
  apiOrigin?: string | undefined;
  auth: ShopifyAuth;
}

export interface ShopifyClientOptions {
  log?: Logger;
  /** Attempts per call through transport failures (5xx, network), the first included (default TRANSPORT_ATTEMPTS). */
  maxAttempts?: number;
  timeoutMs?: number;
  /** Called once per HTTP exchange (metrics). */
  onCall?: (status: number | 'error') => void;
}

/**
 * @shopify/shopify-api always calls https://{shop}/…, and its shop validation refuses other hosts. The
 * library lets us swap its fetch; ours sends a call made with an origin (the simulator) there instead,
 * and bounds every call with a timeout. See notes/shopify-facts.md (d).
 * The origin travels with the call (async context), never in a table by shop domain: two stores of
 * one shop with different origins each keep their own, and a client made or an install begun for a
 * shop re-points no other client (issue 34, item 3: a store's pulls read another origin for as long
 * as the process ran, and its watermark passed orders of its own shop).
 * In a store job, a call that times out ends the wait of the job's other calls (call-scope.ts).
 */
const originOfCall = new AsyncLocalStorage<string | null>();
let requestTimeoutMs = 30_000;
setAbstractFetchFunc(async (input, init) => {
  const url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
  const origin = originOfCall.getStore();
  const target = origin ? new URL(url.pathname + url.search, origin) : url;
  const timeout = AbortSignal.timeout(requestTimeoutMs);
  const signal = init?.signal ?? timeout;
  try {
    return await withCallSignal(signal, (s) => fetch(target, { ...init, signal: s }));
  } catch (err) {
    if (signal === timeout && timeout.aborted) callScope()?.noteTimeout(`Shopify ${url.host}`);
    throw err;
  }
});

/** Runs `call` with its Shopify requests (the library's OAuth exchange too) sent to `origin` instead of https://{shop}. */
export function withShopifyOrigin<T>(origin: string | undefined, call: () => Promise<T>): Promise<T> {
  return originOfCall.run(origin ?? null, call);
}

/** Requested cost assumed for a document we have not sent yet; refined from every response. */
const FIRST_GUESS_COST = 50;

/**
 * The client's retry budget (README "Retry budget"): a transport failure is tried again once, within a
 * second, to ride out a blip. Longer outages are pg-boss's to wait out (the job's retries with backoff):
 * retries here multiplied with the job's, and a failing pull was 36 Shopify calls (issue 35).
 */
export const TRANSPORT_ATTEMPTS = 2;
const BACKOFF_BASE_MS = 500;
const BACKOFF_MAX_MS = 2_000;
/**
 * THROTTLED and 429 say when to come back: flow control, not failure. They are waited out as told
 * (the bucket's refill, Retry-After) without using up attempts, for this long per call at most.
 */
const THROTTLE_DEADLINE_MS = 120_000;

export class ShopifyClient {
  readonly conn: ShopifyConnection;
  readonly bucket = new CostBucket();
  readonly #api: Shopify;
  readonly #opts: ShopifyClientOptions;
  readonly #lastCost = new Map<DocumentName, number>();
  #session: Promise<Session> | undefined;
  /** Aborted by close(): no new attempt and no wait starts (see OrderMeshClient.close). */
  readonly #closing = new AbortController();
  /** THROTTLED answers seen; steady-state pulls should see none. */
  throttledCount = 0;

  constructor(conn: ShopifyConnection, opts: ShopifyClientOptions = {}) {
    this.conn = conn;
    this.#opts = opts;
    if (opts.timeoutMs) requestTimeoutMs = opts.timeoutMs;
    const secret = conn.auth.type === 'clientCredentials' ? conn.auth.clientSecret : conn.auth.accessToken;
    registerSecretValue(secret);
    this.#api = shopifyApi({
      apiKey: conn.auth.type === 'clientCredentials' ? conn.auth.clientId : 'ordersync',
      apiSecretKey: secret,
      apiVersion: conn.apiVersion as never,
      isCustomStoreApp: conn.auth.type === 'accessToken',
      ...(conn.auth.type === 'accessToken' ? { adminApiAccessToken: conn.auth.accessToken } : {}),
      isEmbeddedApp: false,
      hostName: 'localhost',
      logger: { level: LogSeverity.Error, log: async (_s, msg) => opts.log?.debug({ shop: conn.shopDomain }, msg) },
    });
  }

  /** Custom apps use their fixed token; Dev Dashboard apps get one by client credentials, renewed before it expires. */
  async #currentSession(): Promise<Session> {
    if (this.conn.auth.type === 'accessToken') return this.#api.session.customAppSession(this.conn.shopDomain);
    const pending = this.#session;
    if (pending) {
      const s = await pending.catch(() => undefined);
      if (s && (!s.expires || s.expires.getTime() - Date.now() > 5 * 60_000)) return s;
      if (this.#session !== pending) return this.#currentSession();
    }
    // Every job of the store waits for this one session: no one job's timeout may abandon it.
    this.#session = outsideCallScope(() => withShopifyOrigin(this.conn.apiOrigin, () => this.#api.auth.clientCredentials({ shop: this.conn.shopDomain }))).then(({ session }) => {
      if (session.accessToken) registerSecretValue(session.accessToken);
      return session;
    });
    this.#session.catch(() => (this.#session = undefined));
    return this.#session;
  }

  /**
   * Runs one of our documents. Waits first until the store's bucket holds what the query will reserve;
   * on THROTTLED waits exactly until it does; on 429 honours Retry-After; tries 5xx and network
   * failures again within the short transport budget.
   */
  async request<T>(doc: DocumentName, variables: Record<string, unknown> = {}): Promise<T> {
    const maxAttempts = this.#opts.maxAttempts ?? TRANSPORT_ATTEMPTS;
    let renewedAuth = false;
    const throttleDeadline = Date.now() + THROTTLE_DEADLINE_MS;
    const scope = callScope();
    for (let attempt = 1; ; attempt++) {
      if (this.#closing.signal.aborted) throw new ShopifyApiError('NETWORK', `shutting down: ${doc} not sent (retried by the job later)`);
      // A call of this store job timed out: retrying here would hold the store's lane through every attempt.
      if (scope?.timedOut) throw new ShopifyApiError('NETWORK', `${doc} not waited for: ${scope.timedOut} timed out in this store's job; tried again later`);
      const expected = this.#lastCost.get(doc) ?? FIRST_GUESS_COST;
      const wait = this.bucket.waitMs(expected);
      if (wait > 0) await withCallSignal(this.#closing.signal, (signal) => abortableSleep(wait, signal));
      if (this.#closing.signal.aborted || scope?.timedOut) continue;
      this.bucket.reserve(expected);
      const session = await this.#currentSession().catch((err) => {
        throw new ShopifyApiError('UNAUTHORIZED', `could not get an access token for ${this.conn.shopDomain}: ${(err as Error).message}`, { cause: err });
      });
      const client = new this.#api.clients.Graphql({ session });
      try {
        const res = await withShopifyOrigin(this.conn.apiOrigin, () => client.request(documents[doc], { variables, retries: 0 }));
        this.#opts.onCall?.(200);
        this.#noteCost(doc, res.extensions?.cost as QueryCost | undefined);
        return res.data as T;
      } catch (err) {
        const next = this.#classify(doc, err, attempt);
        if (next.kind === 'renew-auth' && !renewedAuth) {
          renewedAuth = true;
          this.#session = undefined;
          attempt--;
          continue;
        }
        // THROTTLED and 429 are flow control, not failure: they do not use up attempts, only the deadline.
        if (next.kind === 'retry' && scope?.timedOut) throw next.error;
        if (next.kind === 'retry' && isThrottle(next.error) && Date.now() < throttleDeadline) attempt--;
        if (next.kind !== 'retry' || attempt >= maxAttempts) throw next.error;
        // Throttling is flow control and one failure is weather (debug); failing again is an outage
        // someone should see while it lasts, not after the retries are spent.
        const persistent = attempt >= 2 && !isThrottle(next.error);
        this.#opts.log?.[persistent ? 'warn' : 'debug']({ shop: this.conn.shopDomain, doc, attempt, of: maxAttempts, waitMs: next.waitMs, code: next.error.code, error: next.error.message }, 'Shopify call failed; retrying');
        await withCallSignal(this.#closing.signal, (signal) => abortableSleep(next.waitMs, signal));
      }
    }
  }

  close(): void {
    this.#closing.abort();
  }

  /**
   * `request`, with the answer parsed by `schema`: an answer without the shape our own document asked
   * for is INVALID_RESPONSE (Shopify's fault, retried), never a TypeError further on.
   */
  async query<T>(doc: DocumentName, schema: z.ZodType<T>, variables: Record<string, unknown> = {}): Promise<T> {
    const r = schema.safeParse(await this.request(doc, variables));
    if (r.success) return r.data;
    const where = r.error.issues.map((i) => `${formatPath(i.path) || '$'}: ${i.message}`).join('; ');
    throw new ShopifyApiError('INVALID_RESPONSE', `${doc} answered an unexpected shape (${where})`);
  }

  #noteCost(doc: DocumentName, cost: QueryCost | undefined): void {
    if (!cost?.throttleStatus) return;
    this.bucket.update(cost.throttleStatus);
    this.#lastCost.set(doc, cost.requestedQueryCost);
  }

  #classify(
    doc: DocumentName,
    err: unknown,
    attempt: number,
  ): { kind: 'retry'; waitMs: number; error: ShopifyApiError } | { kind: 'fail' | 'renew-auth'; error: ShopifyApiError } {
    const backoff = Math.round(Math.random() * Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** (attempt - 1)));
    if (err instanceof GraphqlQueryError) {
      this.#opts.onCall?.(200);
      const body = err.body as { errors?: { graphQLErrors?: Array<{ message: string; extensions?: { code?: string } }> }; extensions?: { cost?: QueryCost } } | undefined;
      const cost = body?.extensions?.cost;
      this.#noteCost(doc, cost);
      const gqlErrors = body?.errors?.graphQLErrors ?? [];
      if (gqlErrors.some((e) => e.extensions?.code === 'THROTTLED')) {
        this.throttledCount++;
        // A THROTTLED answer comes as HTTP 200: wait until the bucket holds the requested cost.
        const waitMs = cost ? this.bucket.waitMs(cost.requestedQueryCost) : backoff;
        return { kind: 'retry', waitMs: Math.max(waitMs, 50), error: new ShopifyApiError('THROTTLED', 'throttled') };
      }
      const code = gqlErrors.some((e) => e.extensions?.code === 'MAX_COST_EXCEEDED') ? 'QUERY_TOO_COSTLY' : 'GRAPHQL_ERROR';
      return { kind: 'fail', error: new ShopifyApiError(code, gqlErrors.map((e) => e.message).join('; ') || err.message, { cause: err }) };
    }
    if (err instanceof HttpThrottlingError) {
      this.#opts.onCall?.(429);
      const ra = err.response.retryAfter;
      // At least as long as after THROTTLED: a Retry-After of 0 must not make a busy loop of the throttle deadline.
      return { kind: 'retry', waitMs: ra !== undefined ? Math.max(Math.ceil(ra * 1000), 50) : backoff, error: new ShopifyApiError('RATE_LIMITED', 'HTTP 429', { status: 429 }) };
    }
    if (err instanceof HttpRetriableError) {
      this.#opts.onCall?.(err.response.code);
      return { kind: 'retry', waitMs: backoff, error: new ShopifyApiError('SERVER_ERROR', `HTTP ${err.response.code}`, { status: err.response.code, cause: err }) };
    }
    if (err instanceof HttpResponseError) {
      this.#opts.onCall?.(err.response.code);
      const code = err.response.code;
      if (code === 401 || code === 403) {
        const error = new ShopifyApiError('UNAUTHORIZED', `HTTP ${code} from ${this.conn.shopDomain}: check the store's credentials and scopes`, { status: code });
        return { kind: this.conn.auth.type === 'clientCredentials' ? 'renew-auth' : 'fail', error };
      }
      if (code === 404) return { kind: 'fail', error: new ShopifyApiError('NOT_FOUND', `HTTP 404 from ${this.conn.shopDomain}`, { status: 404 }) };
      return { kind: 'fail', error: new ShopifyApiError('GRAPHQL_ERROR', `HTTP ${code}`, { status: code, cause: err }) };
    }
    if (err instanceof HttpRequestError) {
      this.#opts.onCall?.('error');
      return { kind: 'retry', waitMs: backoff, error: new ShopifyApiError('NETWORK', err.message, { cause: err }) };
    }
    throw err;
  }
}

/** An answer that says when to come back (the bucket is empty, Retry-After): waited out, not counted as a failure. */
function isThrottle(error: ShopifyApiError): boolean {
  return error.code === 'THROTTLED' || error.code === 'RATE_LIMITED';
}
