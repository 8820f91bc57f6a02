import got, { RequestError, type Got } from 'got';
import type { z } from 'zod';
import type { Logger } from '../../log.ts';
import { abortableSleep } from '../../util/sleep.ts';
import { TokenCache } from './auth.ts';
import {
  BULK_MAX_ITEMS,
  buildPath,
  errorBody,
  operations,
  type AddRefundModel,
  type BulkResponseItem,
  type CancelOrderModel,
  type CatalogVariant,
  type NoteModel,
  type RefundModel,
  type CreateOrderInput,
  type ErrorBody,
  type OperationId,
  type OrderMeshOrder,
  type OrderStatus,
  type PathOverrides,
  type ShipmentModel,
  type UpdateOrderModel,
} from './contract.ts';
import { OrderMeshError, errorFromResponse, parseRetryAfter } from './errors.ts';

export interface RetryPolicy {
  /** Attempts per call, the first included. */
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export interface OrderMeshClientOptions {
  baseUrl: string;
  clientId: string;
  clientSecret: string;
  timeoutMs?: number;
  paths?: PathOverrides;
  retry?: Partial<RetryPolicy>;
  log?: Logger;
  /** Called once per HTTP exchange (metrics): status code, or 'error' for a network failure. */
  onCall?: (operation: OperationId, status: number | 'error') => void;
}

/** The outcome of creating one order, after conflicts and lost responses are resolved by safeId. */
export type CreateOutcome =
  | { safeId: string; outcome: 'created'; orderId: string }
  | { safeId: string; outcome: 'existing'; orderId: string }
  | { safeId: string; outcome: 'rejected'; error: OrderMeshError }
  /** OrderMesh refused us access: fix the credentials; the order is retried, its attempts untouched. */
  | { safeId: string; outcome: 'blocked'; error: OrderMeshError }
  | { safeId: string; outcome: 'transient'; error: OrderMeshError };

type ResponseOf<K extends OperationId> = z.infer<(typeof operations)[K]['response']>;

interface CallOptions {
  params?: Record<string, string>;
  query?: Record<string, string | number>;
  body?: unknown;
  /** Attempts for this call (default: the client's retry policy), for reads that must not wait long. */
  attempts?: number;
}

export interface ListOrdersQuery {
  page?: number;
  pageSize?: number;
  merchantId?: string;
  status?: OrderStatus;
  createdFrom?: Date;
}

const DEFAULT_RETRY: RetryPolicy = { maxAttempts: 5, baseDelayMs: 500, maxDelayMs: 30_000 };
const NETWORK_TIMEOUT_CODES = new Set(['ETIMEDOUT']);

export class OrderMeshClient {
  readonly #http: Got;
  /** Aborted by close(): in-flight calls end at once and no retry starts. */
  readonly #closing = new AbortController();
  readonly #opts: OrderMeshClientOptions;
  readonly #retry: RetryPolicy;
  readonly #tokens: TokenCache;

  constructor(opts: OrderMeshClientOptions) {
    this.#opts = opts;
    this.#retry = { ...DEFAULT_RETRY, ...opts.retry };
    this.#http = got.extend({
      prefixUrl: opts.baseUrl.replace(/\/+$/, ''),
      timeout: { request: opts.timeoutMs ?? 30_000 },
      // Retries are decided below, per operation: got would not know that a create is made safe by its safeId.
      retry: { limit: 0 },
      throwHttpErrors: false,
      responseType: 'text',
      headers: { 'user-agent': 'ordermesh-sync' },
    });
    this.#tokens = new TokenCache(async () => {
      const res = await this.#send('clientToken', { body: { clientId: opts.clientId, clientSecret: opts.clientSecret } }, undefined);
      return { accessToken: res.accessToken, expiresIn: res.expiresIn };
    });
  }

  // ------------------------------------------------------------------ orders

  /**
   * Creates one order, exactly once however often it is called: a 409 (safeId taken) or a response lost
   * after the request was sent is resolved by reading the order by its safeId.
   */
  async createOrder(model: CreateOrderInput): Promise<CreateOutcome> {
    const safeId = model.safeId;
    try {
      const res = await this.#send('createOrder', { body: model });
      return { safeId, outcome: 'created', orderId: res.orderId };
    } catch (err) {
      return this.#resolveFailedCreate(safeId, err);
    }
  }

  /**
   * Creates many orders through the bulk endpoint, chunked to its limit. Returns one outcome per input,
   * in input order; one bad order never fails the others.
   */
  async createOrders(models: CreateOrderInput[]): Promise<CreateOutcome[]> {
    const out: CreateOutcome[] = [];
    for (let i = 0; i < models.length; i += BULK_MAX_ITEMS) {
      out.push(...(await this.#createChunk(models.slice(i, i + BULK_MAX_ITEMS))));
    }
    return out;
  }

  async #createChunk(models: CreateOrderInput[]): Promise<CreateOutcome[]> {
    let items: BulkResponseItem[];
    try {
      items = (await this.#send('createOrdersBulk', { body: { items: models } })).items;
    } catch (err) {
      // The whole request failed: each order may or may not exist now. Ask OrderMesh, order by order.
      return Promise.all(models.map((m) => this.#resolveFailedCreate(m.safeId, err)));
    }
    return Promise.all(
      models.map(async (m, index) => {
        const item = items.find((it) => it.index === index);
        if (!item) {
          return this.#resolveFailedCreate(m.safeId, new OrderMeshError('BAD_RESPONSE', 'createOrdersBulk', `no result for item ${index}`));
        }
        if (item.status >= 200 && item.status < 300 && item.orderId) {
          return { safeId: m.safeId, outcome: 'created', orderId: item.orderId } as const;
        }
        const body: ErrorBody = { message: item.message ?? `HTTP ${item.status}`, ...(item.errors ? { errors: item.errors } : {}) };
        return this.#resolveFailedCreate(m.safeId, errorFromResponse('createOrdersBulk', item.status, body));
      }),
    );
  }

  async #resolveFailedCreate(safeId: string, err: unknown): Promise<CreateOutcome> {
    if (!(err instanceof OrderMeshError)) throw err;
    // Refused access (a 401 that outlived a token renewal, a 403) says nothing about the order: it
    // waits for the operator to fix the credentials, and is never rejected for it.
    if (err.code === 'UNAUTHORIZED' || err.code === 'FORBIDDEN') return { safeId, outcome: 'blocked', error: err };
    if (!err.retryable && err.code !== 'CONFLICT' && err.code !== 'BAD_RESPONSE') {
      return { safeId, outcome: 'rejected', error: err };
    }
    // A conflict, or a failure after which the order may exist anyway (lost response, timeout, 5xx).
    try {
      const existing = await this.getOrderBySafeId(safeId);
      if (existing) return { safeId, outcome: 'existing', orderId: existing.id };
    } catch (lookupErr) {
      return { safeId, outcome: 'transient', error: lookupErr instanceof OrderMeshError ? lookupErr : err };
    }
    if (err.code === 'CONFLICT') {
      // Taken, but not by a safeId we can see: a duplicate externalId (allowExternalOrderIdDuplication=false).
      return { safeId, outcome: 'rejected', error: err };
    }
    return { safeId, outcome: 'transient', error: err };
  }

  getOrder(orderId: string): Promise<OrderMeshOrder> {
    return this.#send('getOrder', { params: { orderId } });
  }

  /** null when no order has this safeId. */
  async getOrderBySafeId(safeId: string): Promise<OrderMeshOrder | null> {
    try {
      return await this.#send('getOrderBySafeId', { params: { safeId } });
    } catch (err) {
      if (err instanceof OrderMeshError && err.code === 'NOT_FOUND') return null;
      throw err;
    }
  }

  /** With `merchantId`, only that merchant's orders (ASSUMED, contract.ts): a merchant we may not act for answers 403. */
  listOrders(q: ListOrdersQuery = {}): Promise<ResponseOf<'listOrders'>> {
    const { page = 1, pageSize = 50, merchantId, status, createdFrom } = q;
    return this.#send('listOrders', { query: { page, pageSize, ...(merchantId ? { merchantId } : {}), ...(status ? { status } : {}), ...(createdFrom ? { createdFrom: createdFrom.toISOString() } : {}) } });
  }

  /**
   * Every order of a merchant (created since `createdFrom`), page by page, each page checked against
   * the filters again (a server that ignores one costs pages, not correctness).
   */
  async *allOrders(q: Omit<ListOrdersQuery, 'page' | 'pageSize'>): AsyncGenerator<OrderMeshOrder[]> {
    for (let page = 1; ; page++) {
      const res = await this.listOrders({ ...q, page, pageSize: 100 });
      yield res.items.filter((o) => (!q.merchantId || o.merchantId === q.merchantId) && (!q.status || o.status === q.status) && (!q.createdFrom || Date.parse(o.createdAt) >= q.createdFrom.getTime()));
      if (res.items.length < res.pageSize || page * res.pageSize >= res.total) return;
    }
  }

  updateOrder(orderId: string, update: UpdateOrderModel): Promise<OrderMeshOrder> {
    return this.#send('updateOrder', { params: { orderId }, body: update });
  }

  cancelOrder(orderId: string, cancel: CancelOrderModel = {}): Promise<ResponseOf<'cancelOrder'>> {
    return this.#send('cancelOrder', { params: { orderId }, body: cancel });
  }

  holdOrder(orderId: string, reason?: string): Promise<ResponseOf<'customerCareHold'>> {
    return this.#send('customerCareHold', { params: { orderId }, body: reason ? { reason } : {} });
  }

  releaseHold(orderId: string): Promise<ResponseOf<'releaseCustomerCareHold'>> {
    return this.#send('releaseCustomerCareHold', { params: { orderId }, body: {} });
  }

  // ------------------------------------------------------------------ inbound orders

  /**
   * Sends one order through a Transformation. 'received' only means OrderMesh queued it; the
   * OrderCreation webhook (or a read by safeId) tells the outcome. 'unknown': the answer was lost or
   * OrderMesh failed, so it may have been queued: the order waits for the webhook or the backstop
   * rather than being sent again now.
   */
  async sendInbound(req: { body: unknown; merchantId: string; transformationId: string }): Promise<{ outcome: 'received' } | { outcome: 'rejected' | 'blocked' | 'retry' | 'unknown'; error: OrderMeshError }> {
    try {
      await this.#send('createInboundOrder', { body: req });
      return { outcome: 'received' };
    } catch (err) {
      if (!(err instanceof OrderMeshError)) throw err;
      if (err.code === 'UNAUTHORIZED' || err.code === 'FORBIDDEN') return { outcome: 'blocked', error: err };
      // A 429 was refused before anything was queued; a 5xx or a lost answer may have been queued.
      if (err.code === 'RATE_LIMITED') return { outcome: 'retry', error: err };
      return { outcome: err.retryable || err.code === 'BAD_RESPONSE' ? 'unknown' : 'rejected', error: err };
    }
  }

  // ------------------------------------------------------------------ catalogue

  /** The merchant's enabled catalogue, every page; null when the merchant has none (404). */
  async catalogVariants(merchantId: string, attempts?: number): Promise<CatalogVariant[] | null> {
    const out: CatalogVariant[] = [];
    try {
      for (let page = 1; ; page++) {
        const res = await this.#send('merchantCatalogVariants', { query: { merchantId, page, pageSize: 500 }, attempts });
        out.push(...res.items);
        if (res.items.length < res.pageSize || page * res.pageSize >= res.total) return out;
      }
    } catch (err) {
      if (err instanceof OrderMeshError && err.code === 'NOT_FOUND') return null;
      throw err;
    }
  }

  // ------------------------------------------------------------------ notes

  notesOf(orderId: string): Promise<NoteModel[]> {
    return this.#send('listNotes', { query: { entityType: 'Order', entityId: orderId } }).then((r) => r.items);
  }

  /**
   * The order's note with our `externalId`, created or brought to `text`: exactly one however often
   * it runs (a lost creation answer is found again by its externalId before another is made).
   */
  async putNote(orderId: string, externalId: string, text: string, knownNoteId: string | null): Promise<{ noteId: string; action: 'created' | 'updated' | 'unchanged' }> {
    const existing = knownNoteId ? { id: knownNoteId, text: undefined as string | undefined } : (await this.notesOf(orderId)).find((n) => n.externalId === externalId);
    if (existing) {
      if (existing.text === text) return { noteId: existing.id, action: 'unchanged' };
      await this.#send('updateNote', { params: { id: existing.id }, body: { text } });
      return { noteId: existing.id, action: 'updated' };
    }
    const res = await this.#send('createNote', { body: { entityType: 'Order', entityId: orderId, text, externalId } });
    return { noteId: res.id, action: 'created' };
  }

  // ------------------------------------------------------------------ refunds

  refundsOf(orderId: string): Promise<RefundModel[]> {
    return this.#send('listRefunds', { params: { orderId } }).then((r) => r.items);
  }

  /** Adds a refund request once: a repeat with the same externalId (409) answers the request already made. */
  async addRefund(orderId: string, req: AddRefundModel): Promise<{ refund: RefundModel; created: boolean }> {
    try {
      return { refund: await this.#send('addRefund', { params: { orderId }, body: req }), created: true };
    } catch (err) {
      if (!(err instanceof OrderMeshError) || err.code !== 'CONFLICT') throw err;
      const existing = (await this.refundsOf(orderId)).find((r) => r.externalId === req.externalId);
      if (!existing) throw err;
      return { refund: existing, created: false };
    }
  }

  // ------------------------------------------------------------------ shipments

  async getShipmentsForOrder(orderId: string): Promise<ShipmentModel[]> {
    return (await this.#send('getShipmentsForOrder', { params: { orderId } })).items;
  }

  getShipment(shipmentId: string): Promise<ShipmentModel> {
    return this.#send('getShipment', { params: { shipmentId } });
  }

  // ------------------------------------------------------------------ transport

  /**
   * One operation of the contract, with its retry policy: transient failures (429 honouring
   * Retry-After, 502/503/504, 5xx, timeouts, dropped connections) are retried with exponential backoff
   * and full jitter; a 401 renews the token once and replays the call.
   */
  async #send<K extends OperationId>(op: K, call: CallOptions, tokens: TokenCache | undefined = this.#tokens): Promise<ResponseOf<K>> {
    const spec = operations[op];
    const url = buildPath(this.#opts.paths?.[op] ?? spec.path, call.params).replace(/^\//, '');
    let reauthorised = false;
    const maxAttempts = call.attempts ?? this.#retry.maxAttempts;
    for (let attempt = 1; ; attempt++) {
      if (this.#closing.signal.aborted) throw new OrderMeshError('UNAVAILABLE', op, 'shutting down: not sent (retried by the job later)');
      const token = spec.auth && tokens ? await tokens.get() : undefined;
      let status: number;
      let text: string;
      let retryAfter: string | undefined;
      try {
        const res = await this.#http(url, {
          method: spec.method,
          ...(call.body !== undefined ? { json: call.body } : {}),
          ...(call.query ? { searchParams: call.query } : {}),
          headers: token ? { authorization: `Bearer ${token}` } : {},
          signal: this.#closing.signal,
        });
        status = res.statusCode;
        text = res.body;
        retryAfter = res.headers['retry-after'];
        this.#opts.onCall?.(op, status);
      } catch (err) {
        this.#opts.onCall?.(op, 'error');
        const code = err instanceof RequestError ? err.code : undefined;
        const failure = new OrderMeshError(
          code && NETWORK_TIMEOUT_CODES.has(code) ? 'TIMEOUT' : 'NETWORK',
          op,
          `${code ?? 'request failed'}: ${(err as Error).message}`,
          { cause: err },
        );
        if (spec.idempotent && attempt < maxAttempts) {
          await this.#backoff(op, attempt, undefined, failure);
          continue;
        }
        throw failure;
      }

      const json = parseJson(text);
      if (status >= 200 && status < 300) {
        const parsed = spec.response.safeParse(json);
        if (!parsed.success) {
          throw new OrderMeshError('BAD_RESPONSE', op, `response does not match the contract: ${parsed.error.issues[0]?.message}`, { status });
        }
        return parsed.data as ResponseOf<K>;
      }

      const body = errorBody.safeParse(json);
      const error = errorFromResponse(op, status, body.success ? body.data : undefined, parseRetryAfter(retryAfter));
      if (status === 401 && token && tokens && !reauthorised) {
        reauthorised = true;
        tokens.invalidate(token);
        attempt--; // a renewed token is not a retry
        continue;
      }
      const waitMs = parseRetryAfter(retryAfter);
      // A Retry-After longer than we would ever back off is the job layer's to wait out, not this call's.
      const tooLong = waitMs !== undefined && waitMs > this.#retry.maxDelayMs;
      if (error.retryable && spec.idempotent && attempt < maxAttempts && !tooLong) {
        await this.#backoff(op, attempt, waitMs, error);
        continue;
      }
      throw error;
    }
  }

  async #backoff(op: OperationId, attempt: number, retryAfterMs: number | undefined, error: OrderMeshError): Promise<void> {
    const exp = Math.min(this.#retry.maxDelayMs, this.#retry.baseDelayMs * 2 ** (attempt - 1));
    // Full jitter spreads the retries of many workers; Retry-After is a floor, never shortened.
    const delay = Math.max(retryAfterMs ?? 0, Math.round(Math.random() * exp));
    // One failure is weather (debug); a second in a row is an outage someone should see while it lasts.
    this.#opts.log?.[attempt >= 2 && error.code !== 'RATE_LIMITED' ? 'warn' : 'debug']({ op, attempt, delayMs: delay, code: error.code, error: error.message }, 'OrderMesh call failed; retrying');
    await abortableSleep(delay, this.#closing.signal);
  }

  /**
   * Shutdown: aborts in-flight calls and every retry wait, so a worker stops within its shutdown
   * timeout even while OrderMesh is down. Their jobs fail as transient and run again elsewhere.
   */
  close(): void {
    this.#closing.abort();
  }
}

function parseJson(text: string): unknown {
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
