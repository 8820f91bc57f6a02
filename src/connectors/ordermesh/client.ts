import got, { RequestError, type Got } from 'got';
import type { Logger } from '../../log.ts';
import { mapInFlight } from '../../util/in-flight.ts';
import { callScope, outsideCallScope, withCallSignal, type CallScope } from '../../util/call-scope.ts';
import { abortableSleep } from '../../util/sleep.ts';
import { TokenCache } from './auth.ts';
import { BULK_MAX_ITEMS, buildPath, operations, type AddRefundModel, type CancelOrderModel, type CreateOrderInput, type OperationId, type PathOverrides, type UpdateOrderModel } from './contract.ts';
import { DriftLog } from './drift.ts';
import { OrderMeshError, OrderMeshRateLimitError, errorFromResponse, parseRetryAfter } from './errors.ts';
import {
  DEFAULT_STATUS_CODES,
  QuantityUnknown,
  ReadError,
  readErrorBody,
  readShipments,
  type BulkResult,
  type CatalogVariant,
  type ItemRefund,
  type NoteModel,
  type OrderMeshOrder,
  type OrderStatus,
  type ReadContext,
  type ShipmentModel,
  type StatusCodes,
} from './reader.ts';

export interface RetryPolicy {
  /** Attempts per call through transport failures (5xx, timeouts, dropped connections), the first included. */
  maxAttempts: number;
  baseDelayMs: number;
  /** The longest backoff between two attempts. */
  maxDelayMs: number;
  /**
   * The longest Retry-After a 429 is waited out for inside the call (a 429 says when to come back:
   * it uses up no attempt); a longer one, or 429s past this much waiting in all, go to the job layer.
   */
  maxRetryAfterMs: number;
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
  /** Where answers read another way than documented are reported (default: a log of this client's own). */
  drift?: DriftLog;
  /** Integer status → name (ASSUMED tables, reader.ts); merged over the defaults. */
  statusCodes?: Partial<StatusCodes>;
  /** The client-token request's field casing (no current sample body is public). */
  tokenRequestCasing?: 'camel' | 'snake';
}

/**
 * The outcome of creating one order, after conflicts and lost responses are resolved by safeId.
 * `unconfirmed` (blocked, transient): the create may have reached OrderMesh and no read by safeId
 * settled whether it did, so the order's next attempt reads before it creates (readUnconfirmed).
 */
export type CreateOutcome =
  | { safeId: string; outcome: 'created'; orderId: string }
  | { safeId: string; outcome: 'existing'; orderId: string }
  | { safeId: string; outcome: 'rejected'; error: OrderMeshError }
  /** OrderMesh refused us access: fix the credentials; the order is retried, its attempts untouched. */
  | { safeId: string; outcome: 'blocked'; error: OrderMeshError; unconfirmed: boolean }
  | { safeId: string; outcome: 'transient'; error: OrderMeshError; unconfirmed: boolean };

/** What a read by safeId says of an order whose earlier create is unconfirmed: there, not there (to be created), or unread (blocked, transient). */
export type UnconfirmedRead = Extract<CreateOutcome, { outcome: 'existing' | 'blocked' | 'transient' }> | { safeId: string; outcome: 'absent' };

/** Reads by safeId in flight at once for readUnconfirmed, after its first. */
const UNCONFIRMED_READS_IN_FLIGHT = 8;

type ResponseOf<K extends OperationId> = ReturnType<(typeof operations)[K]['read']>;

interface CallOptions {
  params?: Record<string, string>;
  query?: Record<string, string | number>;
  body?: unknown;
  /** Attempts for this call (default: the client's retry policy), for reads that must not wait long. */
  attempts?: number;
  /** Which failures may be tried again (default: transient ones of an idempotent operation). */
  mayRetry?: (err: OrderMeshError) => boolean;
  /** Told of each exchange that failed, the last too (a create keeps whether any may have been applied). */
  onFailure?: (err: OrderMeshError) => void;
  /** The parsed JSON, unread (the caller reads it). */
  raw?: boolean;
}

export interface ListOrdersQuery {
  page?: number;
  pageSize?: number;
  merchantId?: string;
  status?: OrderStatus;
  createdFrom?: Date;
}

/**
 * The client's retry budget (README "Retry budget"): a transport failure is tried again once, within
 * seconds, to ride out a blip; a longer outage is the order's to wait out (next_attempt_at, its own
 * attempts) or pg-boss's (a job's retries). Retries here multiplied with theirs: a dead OrderMesh cost
 * five calls per create and five more per order, minutes per batch (issue 35).
 */
const DEFAULT_TIMEOUT_MS = 30_000;
const DEFAULT_RETRY: RetryPolicy = { maxAttempts: 2, baseDelayMs: 500, maxDelayMs: 2_000, maxRetryAfterMs: 30_000 };
const NETWORK_TIMEOUT_CODES = new Set(['ETIMEDOUT']);

/**
 * The longest one call (a create above all) can go on sending after it starts: every exchange its full
 * timeout (each attempt, and the replay a renewed token earns after a 401), every backoff its longest,
 * and all the Retry-After waiting the call accepts. A create started before a submission's claim ran
 * out is over by then, which is when reconcile-submitting may read OrderMesh for its orders. Not
 * counted: a token request's own wait before an exchange (one shared request, answered at once or
 * failing the call).
 */
export function longestCallMs(timeoutMs: number, retry: RetryPolicy): number {
  return (retry.maxAttempts + 1) * timeoutMs + (retry.maxAttempts - 1) * retry.maxDelayMs + retry.maxRetryAfterMs;
}
/** A Retry-After of 0 (or one rounded down to it) is waited this long: answered at once, a server that keeps saying 0 would be asked in a busy loop. */
const MIN_THROTTLE_WAIT_MS = 100;

export class OrderMeshClient {
  readonly #http: Got;
  /** Aborted by close(): in-flight calls end at once and no retry starts. */
  readonly #closing = new AbortController();
  readonly #opts: OrderMeshClientOptions;
  readonly #retry: RetryPolicy;
  readonly #tokens: TokenCache;
  readonly #statusCodes: StatusCodes;
  /** What OrderMesh sent that needed the tolerant path (doctor, /metrics, the console). */
  readonly drift: DriftLog;
  /** longestCallMs for this client's timeout and retry policy. */
  readonly longestCallMs: number;

  constructor(opts: OrderMeshClientOptions) {
    this.#opts = opts;
    this.#retry = { ...DEFAULT_RETRY, ...opts.retry };
    this.longestCallMs = longestCallMs(opts.timeoutMs ?? DEFAULT_TIMEOUT_MS, this.#retry);
    this.drift = opts.drift ?? new DriftLog(opts.log ? { log: opts.log } : {});
    this.#statusCodes = {
      order: { ...DEFAULT_STATUS_CODES.order, ...opts.statusCodes?.order },
      shipment: { ...DEFAULT_STATUS_CODES.shipment, ...opts.statusCodes?.shipment },
      orderItem: { ...DEFAULT_STATUS_CODES.orderItem, ...opts.statusCodes?.orderItem },
    };
    this.#http = got.extend({
      prefixUrl: opts.baseUrl.replace(/\/+$/, ''),
      timeout: { request: opts.timeoutMs ?? DEFAULT_TIMEOUT_MS },
      // Retries are decided below, per operation: got would not know that a create is made safe by its safeId.
      retry: { limit: 0 },
      throwHttpErrors: false,
      responseType: 'text',
      headers: { 'user-agent': 'ordermesh-sync' },
    });
    this.#tokens = new TokenCache(async () => {
      const body = opts.tokenRequestCasing === 'snake' ? { client_id: opts.clientId, client_secret: opts.clientSecret } : { clientId: opts.clientId, clientSecret: opts.clientSecret };
      // Every store's calls wait for the one token: no store job's timeout may abandon its request.
      return outsideCallScope(() => this.#send('clientToken', { body }, undefined));
    });
  }

  // ------------------------------------------------------------------ orders

  /**
   * Creates one order, exactly once however often it is called: a refusal (a repeat may be a 400 or 409) or a response lost
   * after the request was sent is resolved by reading the order by its safeId.
   */
  async createOrder(model: CreateOrderInput): Promise<CreateOutcome> {
    const safeId = model.safeId;
    const sent = await this.#sendCreate('createOrder', model);
    if (sent.ok) return { safeId, outcome: 'created', orderId: sent.value.orderId };
    return this.#resolveFailedCreate(safeId, sent.error, sent.reached);
  }

  /**
   * A create request through the transport, with whether it may have reached OrderMesh: it may unless
   * every failed exchange of it proves it was not applied (createNotApplied). An attempt whose answer
   * was lost counts even when the retry after it was refused a connection.
   */
  async #sendCreate<K extends 'createOrder' | 'createOrdersBulk'>(op: K, body: unknown): Promise<{ ok: true; value: ResponseOf<K>; reached: boolean } | { ok: false; error: unknown; reached: boolean }> {
    let reached = false;
    const noteFailure = (err: OrderMeshError) => {
      reached ||= !createNotApplied(err);
    };
    try {
      const value = await this.#send(op, { body, onFailure: noteFailure });
      return { ok: true, value, reached };
    } catch (error) {
      // Thrown without an exchange's failure (no token, an unreadable answer, given up): judged here.
      if (error instanceof OrderMeshError) noteFailure(error);
      return { ok: false, error, reached };
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
    const sent = await this.#sendCreate('createOrdersBulk', { bulk: models });
    if (!sent.ok) {
      const err = sent.error;
      if (err instanceof OrderMeshError && wholeRequestRefused(err)) {
        // A refusal of the whole request says nothing of each order (one bad order, or a bulk shape this
        // OrderMesh does not take): each is created on its own, so each gets its own verdict.
        this.drift.record('createOrdersBulk', { kind: 'bulk-refused', path: '$', expected: 'a result per order', seen: `HTTP ${err.status}: ${err.message.slice(0, 200)}` });
        return mapInFlight(models, 4, (m) => this.createOrder(m));
      }
      return this.#resolveFailedBulk(models, err, sent.reached);
    }
    const { matched, confirm } = matchBulkResults(models, sent.value);
    if (confirm) this.drift.record('createOrdersBulk', { kind: 'bulk-results-unkeyed', path: '$', expected: 'results naming their index or safeId', seen: 'results matched by position: each created order is read back by safeId' });
    // An order's own failed result: applied or not as that result says, unless an earlier attempt of the request may have been.
    const failedItem = (safeId: string, err: OrderMeshError) => this.#resolveFailedCreate(safeId, err, sent.reached || !createNotApplied(err));
    return Promise.all(
      models.map(async (m, i) => {
        const item = matched[i];
        if (!item) {
          return failedItem(m.safeId, new OrderMeshError('BAD_RESPONSE', 'createOrdersBulk', `no result for the order at index ${i}`));
        }
        if (item.status !== null && item.status >= 200 && item.status < 300 && item.orderId) {
          if (!confirm) return { safeId: m.safeId, outcome: 'created', orderId: item.orderId } as const;
          // A result that names neither its order's index nor its safeId may belong to another order: the safeId says which order is which.
          return failedItem(m.safeId, new OrderMeshError('BAD_RESPONSE', 'createOrdersBulk', `the result at position ${i} names no order`));
        }
        if (item.status === null || (item.status >= 200 && item.status < 300)) {
          return failedItem(m.safeId, new OrderMeshError('BAD_RESPONSE', 'createOrdersBulk', `the result for index ${i} has no status or no orderId`));
        }
        return failedItem(m.safeId, errorFromResponse('createOrdersBulk', item.status, { message: item.message ?? `HTTP ${item.status}`, fieldErrors: item.fieldErrors }));
      }),
    );
  }

  /**
   * The whole bulk request failed (after the client's short budget): each order may or may not exist
   * now, so OrderMesh is asked by safeId. One order first: an OrderMesh that is down answers that read
   * no better than the create, and then every order waits for its own next attempt (the retry layer
   * for orders) instead of each costing a read more against a dead server. `reached`: the request
   * may have been applied (#sendCreate); then an order left unread is unconfirmed.
   */
  async #resolveFailedBulk(models: CreateOrderInput[], err: unknown, reached: boolean): Promise<CreateOutcome[]> {
    if (!(err instanceof OrderMeshError)) throw err;
    const [first, ...rest] = models;
    const firstRead = settledWithoutRead(first!.safeId, err, reached) ?? (await this.#readBySafeId(first!.safeId, err, reached));
    if (!('read' in firstRead)) return models.map((m) => ({ ...firstRead, safeId: m.safeId }));
    const others = await Promise.all(rest.map((m) => this.#readBySafeId(m.safeId, err, reached)));
    return [firstRead, ...others].map((r, i) => ('read' in r ? verdictAfterRead(models[i]!.safeId, err, r.read) : r));
  }

  /**
   * A create that failed, resolved by what OrderMesh has. No 409 is documented for a repeated safeId:
   * OrderMesh may refuse a duplicate with any 4xx (a validation list naming SafeId, say). So every
   * refusal but refused access and rate limiting is checked by reading the safeId before the order is
   * called rejected: an order that exists is never marked rejected for a repeat. `reached`: the create
   * may have been applied (#sendCreate).
   */
  async #resolveFailedCreate(safeId: string, err: unknown, reached: boolean): Promise<CreateOutcome> {
    if (!(err instanceof OrderMeshError)) throw err;
    const r = settledWithoutRead(safeId, err, reached) ?? (await this.#readBySafeId(safeId, err, reached));
    return 'read' in r ? verdictAfterRead(safeId, err, r.read) : r;
  }

  /**
   * What OrderMesh holds under `safeId` after a failed create, read in one attempt: the order's next
   * attempt is the retry (a client retry here would stack on the create's). A read that fails leaves the
   * order transient, and unconfirmed when the create may have been applied: its next attempt reads first.
   */
  async #readBySafeId(safeId: string, createErr: OrderMeshError, reached: boolean): Promise<{ read: OrderMeshOrder | null } | CreateOutcome> {
    try {
      return { read: await this.#lookupSafeId(safeId, 1) };
    } catch (lookupErr) {
      return { safeId, outcome: 'transient', error: lookupErr instanceof OrderMeshError ? lookupErr : createErr, unconfirmed: reached };
    }
  }

  /**
   * Reads by safeId, in one attempt each, the orders whose earlier create is unconfirmed, before any of
   * them is created again (submit-orders.ts): a second create would be hidden only by OrderMesh's
   * refusal of a repeat. One read first, then the rest a few at a time; once a read fails none more
   * starts, and every order left unread stays unconfirmed and waits for its next attempt (a dead
   * OrderMesh costs a batch one read, issue 35).
   */
  async readUnconfirmed(safeIds: string[]): Promise<UnconfirmedRead[]> {
    let failed: OrderMeshError | undefined;
    const readOne = async (safeId: string): Promise<UnconfirmedRead> => {
      if (failed) return unreadUnconfirmed(safeId, failed);
      try {
        const found = await this.#lookupSafeId(safeId, 1);
        return found ? { safeId, outcome: 'existing', orderId: found.id } : { safeId, outcome: 'absent' };
      } catch (err) {
        if (!(err instanceof OrderMeshError)) throw err;
        failed ??= err;
        return unreadUnconfirmed(safeId, err);
      }
    };
    const [first, ...rest] = safeIds;
    if (first === undefined) return [];
    const head = await readOne(first);
    return [head, ...(await mapInFlight(rest, UNCONFIRMED_READS_IN_FLIGHT, readOne))];
  }

  getOrder(orderId: string): Promise<OrderMeshOrder> {
    return this.#send('getOrder', { params: { orderId } });
  }

  /** null when no order has this safeId. */
  getOrderBySafeId(safeId: string): Promise<OrderMeshOrder | null> {
    return this.#lookupSafeId(safeId);
  }

  async #lookupSafeId(safeId: string, attempts?: number): Promise<OrderMeshOrder | null> {
    try {
      return await this.#send('getOrderBySafeId', { params: { safeId }, ...(attempts ? { attempts } : {}) });
    } catch (err) {
      if (err instanceof OrderMeshError && err.code === 'NOT_FOUND') return null;
      throw err;
    }
  }

  /** One page of orders. With `merchantId`, only that merchant's (ASSUMED, contract.ts): a merchant we may not act for answers 403. */
  listOrders(q: ListOrdersQuery = {}): Promise<ResponseOf<'listOrders'>> {
    const { page = 1, pageSize = 50, merchantId, status, createdFrom } = q;
    return this.#send('listOrders', { query: { page, pageSize, ...(merchantId ? { merchantId } : {}), ...(status ? { status } : {}), ...(createdFrom ? { createdFrom: createdFrom.toISOString() } : {}) } });
  }

  /**
   * Every order of a merchant (created since `createdFrom`), page by page, each page checked against
   * the filters again (a server that ignores one costs pages, not correctness; a field an order does
   * not carry cannot be checked and is let through). Ends at a short or empty page, at the total when
   * one is given, or at a page that repeats the previous one (a server that ignores `page`).
   */
  async *allOrders(q: Omit<ListOrdersQuery, 'page' | 'pageSize'>): AsyncGenerator<OrderMeshOrder[]> {
    const pageSize = 100;
    let previousFirst: string | undefined;
    for (let page = 1; ; page++) {
      const res = await this.listOrders({ ...q, page, pageSize });
      if (res.orders.length && res.orders[0]!.id === previousFirst) return;
      previousFirst = res.orders[0]?.id;
      yield res.orders.filter(
        (o) =>
          (!q.merchantId || o.merchantId === null || o.merchantId === q.merchantId) &&
          (!q.status || o.status === q.status) &&
          (!q.createdFrom || o.createdAt === null || Date.parse(o.createdAt) >= q.createdFrom.getTime()),
      );
      if (res.orders.length < pageSize || (res.total !== null && page * pageSize >= res.total)) return;
    }
  }

  updateOrder(orderId: string, update: UpdateOrderModel): Promise<ResponseOf<'updateOrder'>> {
    return this.#send('updateOrder', { params: { orderId }, body: update });
  }

  /**
   * Cancels the order, or with `items` those units of its items. A whole-order cancel is idempotent and
   * retried as any other. An item cancel is not (each request cancels more units): it is retried only
   * where OrderMesh cannot have applied it (a 429, no connection made); a timeout, a lost answer or a
   * 5xx is thrown at once, for the caller to settle from the order (apply-order-change.ts).
   */
  async cancelOrder(orderId: string, cancel: CancelOrderModel = {}): Promise<ResponseOf<'cancelOrder'>> {
    const call = { params: { orderId }, body: cancel };
    if (!cancel.items?.length) return this.#send('cancelOrder', call);
    return this.#send('cancelOrder', { ...call, mayRetry: notApplied });
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

  /**
   * The merchant's enabled catalogue, every page; null when the merchant has none (404). Ends at an
   * empty or short page, or at one that repeats the previous page (a server that ignores `page`).
   */
  async catalogVariants(merchantId: string, attempts?: number): Promise<CatalogVariant[] | null> {
    const bySku = new Map<string, CatalogVariant>();
    const pageSize = 100;
    let previousFirst: string | undefined;
    try {
      for (let page = 1; ; page++) {
        const variants = await this.#send('merchantCatalogVariants', { query: { merchantId, page, pageSize }, attempts });
        if (variants.length && variants[0]!.sku === previousFirst) break;
        previousFirst = variants[0]?.sku;
        for (const v of variants) bySku.set(v.sku, v);
        if (variants.length < pageSize) break;
      }
      return [...bySku.values()];
    } catch (err) {
      if (err instanceof OrderMeshError && err.code === 'NOT_FOUND') return null;
      throw err;
    }
  }

  // ------------------------------------------------------------------ notes

  notesOf(orderId: string): Promise<NoteModel[]> {
    return this.#send('listNotes', { query: { entityType: 'Order', entityId: orderId } });
  }

  /**
   * The order's note with our `externalId`, created or brought to `text`, or deleted when `text` is
   * empty (the store cleared its note: `DELETE /v1/notes/{id}`): exactly one however often it runs (a
   * lost creation answer is found again by its externalId before another is made).
   */
  async putNote(orderId: string, externalId: string, text: string, knownNoteId: string | null): Promise<{ noteId: string | null; action: 'created' | 'updated' | 'unchanged' | 'deleted' }> {
    const existing = knownNoteId ? { id: knownNoteId, text: undefined as string | undefined } : (await this.notesOf(orderId)).find((n) => n.externalId === externalId);
    if (!text) {
      if (!existing) return { noteId: null, action: 'unchanged' };
      await this.deleteNote(existing.id);
      return { noteId: null, action: 'deleted' };
    }
    if (existing) {
      if (existing.text === text) return { noteId: existing.id, action: 'unchanged' };
      await this.#send('updateNote', { params: { id: existing.id }, body: { text } });
      return { noteId: existing.id, action: 'updated' };
    }
    const res = await this.#send('createNote', { body: { entityType: 'Order', entityId: orderId, text, externalId } });
    return { noteId: res.id, action: 'created' };
  }

  /** Deletes a note; one already gone (404) counts as deleted. */
  async deleteNote(noteId: string): Promise<void> {
    try {
      await this.#send('deleteNote', { params: { id: noteId } });
    } catch (err) {
      if (!(err instanceof OrderMeshError && err.code === 'NOT_FOUND')) throw err;
    }
  }

  // ------------------------------------------------------------------ refunds

  /** The order's refunds, per item, as its items' `refundData` shows them (the documented place). */
  async refundsOf(orderId: string): Promise<Array<ItemRefund & { itemId: string }>> {
    const order = await this.getOrder(orderId);
    return order.items.flatMap((i) => i.refunds.map((r) => ({ ...r, itemId: i.id })));
  }

  /**
   * Sends a refund request. AddRefundModel has no idempotency key, so what decides is a count: the
   * refunds the items' refundData shows matching each refund asked for (item, shipping flag, amount and
   * reason, exactly) are counted before sending, and after an answer that was lost (a timeout, a 5xx,
   * an unreadable answer) counted again: the request was applied iff a count grew. OrderMesh applies a
   * request whole or not at all, so one count grown is taken for the request; a refund like one already
   * there (its staff's, an earlier request's) is no reason to skip.
   * `resent`: the request was recorded and sent before but never answered (the same command run again):
   * not sent when a count has grown past `seen` (what was counted when it was recorded, where known), or
   * else when every refund it asks for is already there (same reason exactly).
   */
  async addRefund(req: AddRefundModel, sending: { resent: false } | { resent: true; seen: number[] | null }): Promise<{ created: boolean }> {
    const count = async () => {
      const have = await this.refundsOf(req.orderId);
      return req.refunds.map((w) => have.filter((h) => h.itemId === w.itemId && h.isShippingRefund === w.isShippingRefund && h.amount !== null && Math.round(h.amount * 100) === Math.round(w.amount * 100) && h.reason === w.reason).length);
    };
    const grew = (now: number[], before: number[]) => now.some((n, i) => n > (before[i] ?? 0));
    const before = await count();
    if (sending.resent && (sending.seen ? grew(before, sending.seen) : before.every((n) => n > 0))) return { created: false };
    try {
      await this.#send('addRefund', { params: { orderId: req.orderId }, body: req });
      return { created: true };
    } catch (err) {
      if (err instanceof OrderMeshError && (err.retryable || err.code === 'BAD_RESPONSE') && grew(await count().catch(() => before), before)) return { created: true };
      throw err;
    }
  }

  // ------------------------------------------------------------------ shipments

  /**
   * The order's shipments with per-item quantities and the items' store ids. Where packages carry only
   * `orderItemIDs` (the documented examples leave `packageOrderItems` empty), the order is read for its
   * items' external ids and quantities (the rule is reader.ts's packageItems; README "split items").
   */
  async getShipmentsForOrder(orderId: string, opts: { sentQuantityOf?: (externalId: string) => number | undefined } = {}): Promise<ShipmentModel[]> {
    const json = await this.#send('getShipmentsForOrder', { params: { orderId }, raw: true });
    let shipments: ShipmentModel[] | null = null;
    try {
      shipments = readShipments(json, this.#context('getShipmentsForOrder'));
    } catch (err) {
      if (!(err instanceof QuantityUnknown)) throw this.#badResponse('getShipmentsForOrder', err);
    }
    if (shipments && shipments.every((s) => s.packages.every((p) => p.items.every((i) => i.externalId !== null)))) return shipments;
    const order = await this.getOrder(orderId);
    const items = new Map(order.items.map((i) => [i.id, i]));
    try {
      // Read again with the order's quantities; its drift was reported on the first read.
      shipments = readShipments(json, this.#context('getShipmentsForOrder', true), (id) => {
        const it = items.get(id);
        if (!it) {
          // An id the order does not have (the docs' examples are not consistent with each other): no units, reported.
          this.drift.record('getShipmentsForOrder', { kind: 'unknown-item', path: 'packages[].orderItemIDs', expected: 'an item of the order', seen: id });
          return 0;
        }
        // What we sent is the truth of how many OrderMesh makes (a partial cancel may not show in its reads).
        const sent = it.externalId !== null ? opts.sentQuantityOf?.(it.externalId) : undefined;
        return sent ?? it.quantity - it.cancelledQuantity;
      });
    } catch (err) {
      throw this.#badResponse('getShipmentsForOrder', err);
    }
    for (const s of shipments) {
      for (const p of s.packages) {
        for (const i of p.items) {
          const it = items.get(i.orderItemId);
          // An id the order does not have (the docs' examples are not consistent with each other): its write-back will say so.
          if (!it) this.drift.record('getShipmentsForOrder', { kind: 'unknown-item', path: `packages[${p.packageId}].orderItemIDs`, expected: 'an item of the order', seen: i.orderItemId });
          i.externalId ??= it?.externalId ?? null;
          i.shopifyLineItemId ??= it?.meta?.shopifyLineItemId ?? null;
        }
      }
    }
    return shipments;
  }

  getShipment(shipmentId: string): Promise<ShipmentModel> {
    return this.#send('getShipment', { params: { shipmentId } });
  }

  #context(op: OperationId, silent = false): ReadContext {
    return { statusCodes: this.#statusCodes, drift: silent ? () => {} : (n) => this.drift.record(op, n) };
  }

  #badResponse(op: OperationId, err: unknown): OrderMeshError {
    if (err instanceof OrderMeshError) return err;
    if (err instanceof ReadError) return new OrderMeshError('BAD_RESPONSE', op, `the answer cannot be read: ${err.message}`);
    throw err;
  }

  // ------------------------------------------------------------------ transport

  /**
   * One operation of the contract, with the client's short retry budget: a transport failure (502/503/504,
   * 5xx, timeouts, dropped connections) is tried again with exponential backoff and full jitter, up to
   * the policy's attempts; a 429 is waited out as its Retry-After says, using up no attempt; a 401 renews
   * the token once and replays the call. In a store job (call-scope.ts) a timeout is not retried: it
   * ends the wait of the job's other calls, so a store whose merchant OrderMesh does not answer holds
   * its lane for one call's timeout, and its work is retried later.
   */
  async #send<K extends OperationId>(op: K, call: CallOptions & { raw: true }, tokens?: TokenCache): Promise<unknown>;
  async #send<K extends OperationId>(op: K, call: CallOptions, tokens?: TokenCache): Promise<ResponseOf<K>>;
  async #send<K extends OperationId>(op: K, call: CallOptions, tokens: TokenCache | undefined = this.#tokens): Promise<unknown> {
    const spec = operations[op];
    let reauthorised = false;
    let waitedOut = 0;
    const maxAttempts = call.attempts ?? this.#retry.maxAttempts;
    const mayRetry = call.mayRetry ?? ((err: OrderMeshError) => spec.idempotent && err.retryable);
    const scope = callScope();
    for (let attempt = 1; ; attempt++) {
      if (this.#closing.signal.aborted) throw new OrderMeshError('UNAVAILABLE', op, 'shutting down: not sent (retried by the job later)');
      if (scope?.timedOut) throw givenUp(op, scope);
      const token = spec.auth && tokens ? await tokens.get() : undefined;
      const answer = await this.#exchange(op, call, token, scope);
      if (answer.ok) return answer.value;
      const error = answer.error;
      call.onFailure?.(error);
      if (error.status === 401 && token && tokens && !reauthorised) {
        reauthorised = true;
        tokens.invalidate(token);
        attempt--; // a renewed token is not a retry
        continue;
      }
      // A call of this store job timed out: a wire failure ends here; an answer's wait below is cut short (givenUp).
      if (!mayRetry(error) || (scope?.timedOut && error.status === undefined)) throw error;
      const told = error instanceof OrderMeshRateLimitError && error.retryAfterMs !== undefined ? Math.max(error.retryAfterMs, MIN_THROTTLE_WAIT_MS) : undefined;
      if (told !== undefined) {
        // Told when to come back: flow control, not a failure. Past the call's share of waiting, the job layer waits.
        waitedOut += told;
        if (waitedOut > this.#retry.maxRetryAfterMs) throw error;
        attempt--;
      } else if (attempt >= maxAttempts) throw error;
      await this.#backoff(op, attempt, told, error);
    }
  }

  /** One HTTP exchange: the answer read, or the failure as an OrderMeshError (never thrown for a wire failure). */
  async #exchange(op: OperationId, call: CallOptions, token: string | undefined, scope: CallScope | undefined): Promise<{ ok: true; value: unknown } | { ok: false; error: OrderMeshError }> {
    const spec = operations[op];
    const url = buildPath(this.#opts.paths?.[op] ?? spec.path, call.params).replace(/^\//, '');
    let res: { statusCode: number; body: string; headers: Record<string, string | string[] | undefined> };
    try {
      const request = (signal: AbortSignal) =>
        this.#http(url, {
          method: spec.method,
          ...(call.body !== undefined ? { json: call.body } : {}),
          ...(call.query ? { searchParams: call.query } : {}),
          headers: token ? { authorization: `Bearer ${token}` } : {},
          signal,
        });
      // A write in flight (a create above all) is not cut short by another call's timeout: its answer
      // may be on its way, and an answer thrown away makes the order's next attempt a second create
      // request. Only its own timeout (or shutdown) ends it; reads, and calls not yet sent, join the scope.
      res = spec.method === 'GET' ? await withCallSignal(this.#closing.signal, request) : await request(this.#closing.signal);
      this.#opts.onCall?.(op, res.statusCode);
    } catch (err) {
      this.#opts.onCall?.(op, 'error');
      const code = err instanceof RequestError ? err.code : undefined;
      const timedOut = code !== undefined && NETWORK_TIMEOUT_CODES.has(code);
      if (scope && !timedOut && scope.timedOut && !this.#closing.signal.aborted) throw givenUp(op, scope, err);
      if (scope && timedOut) scope.noteTimeout(`OrderMesh ${op}`);
      return { ok: false, error: new OrderMeshError(timedOut ? 'TIMEOUT' : 'NETWORK', op, `${code ?? 'request failed'}: ${(err as Error).message}`, { cause: err }) };
    }
    const status = res.statusCode;
    const json = parseJson(res.body);
    if (status < 200 || status >= 300) {
      const retryAfter = res.headers['retry-after'];
      return { ok: false, error: errorFromResponse(op, status, json === undefined ? undefined : readErrorBody(json), parseRetryAfter(typeof retryAfter === 'string' ? retryAfter : undefined)) };
    }
    if (call.raw) return { ok: true, value: json };
    try {
      return { ok: true, value: spec.read(json, this.#context(op)) };
    } catch (err) {
      if (err instanceof ReadError) throw new OrderMeshError('BAD_RESPONSE', op, `the answer cannot be read: ${err.message}`, { status });
      throw err;
    }
  }

  async #backoff(op: OperationId, attempt: number, retryAfterMs: number | undefined, error: OrderMeshError): Promise<void> {
    const exp = Math.min(this.#retry.maxDelayMs, this.#retry.baseDelayMs * 2 ** (attempt - 1));
    // Full jitter spreads the retries of many workers; Retry-After is waited exactly, never shortened.
    const delay = retryAfterMs ?? Math.round(Math.random() * exp);
    // One failure is weather (debug); a second in a row is an outage someone should see while it lasts.
    this.#opts.log?.[attempt >= 2 && error.code !== 'RATE_LIMITED' ? 'warn' : 'debug']({ op, attempt, delayMs: delay, code: error.code, error: error.message }, 'OrderMesh call failed; retrying');
    await withCallSignal(this.#closing.signal, (signal) => abortableSleep(delay, signal));
  }

  /**
   * Shutdown: aborts in-flight calls and every retry wait, so a worker stops within its shutdown
   * timeout even while OrderMesh is down. Their jobs fail as transient and run again elsewhere.
   */
  close(): void {
    this.#closing.abort();
  }
}

/**
 * A failed create whose verdict needs no read: refused access (a 401 that outlived a token renewal, a
 * 403) says nothing about the order (it waits for the operator to fix the credentials, and is never
 * rejected for it); a 429 was refused before anything was made; a token that could not be had means
 * the create was never sent. Unconfirmed only when an earlier attempt of it may have been applied.
 */
function settledWithoutRead(safeId: string, err: OrderMeshError, reached: boolean): CreateOutcome | undefined {
  if (err.code === 'UNAUTHORIZED' || err.code === 'FORBIDDEN') return { safeId, outcome: 'blocked', error: err, unconfirmed: reached };
  if (err.code === 'RATE_LIMITED' || err.operation === 'clientToken') return { safeId, outcome: 'transient', error: err, unconfirmed: reached };
  return undefined;
}

/**
 * A failure that proves a create was not applied: refused before anything was made (a 429, refused
 * access), or never sent (no connection made, no token). Any other (a 5xx, a timeout, a lost answer,
 * a refusal that may be of a repeat) leaves it possibly made.
 */
function createNotApplied(err: OrderMeshError): boolean {
  return notApplied(err) || err.code === 'UNAUTHORIZED' || err.code === 'FORBIDDEN' || err.operation === 'clientToken';
}

/** An unconfirmed order whose read failed, or was not started after another failed: it waits for its next attempt, still unconfirmed. */
function unreadUnconfirmed(safeId: string, err: OrderMeshError): UnconfirmedRead {
  const outcome = err.code === 'UNAUTHORIZED' || err.code === 'FORBIDDEN' ? 'blocked' : 'transient';
  return { safeId, outcome, error: err, unconfirmed: true };
}

/** A failed create's verdict from what its read by safeId found: there (existing), or not (rejected when refused, else tried again). */
function verdictAfterRead(safeId: string, err: OrderMeshError, existing: OrderMeshOrder | null): CreateOutcome {
  if (existing) return { safeId, outcome: 'existing', orderId: existing.id };
  // Not there: a refusal is final (a conflict not on our safeId is a duplicate externalId); a lost answer or 5xx is tried again.
  if (!err.retryable && err.code !== 'BAD_RESPONSE') return { safeId, outcome: 'rejected', error: err };
  return { safeId, outcome: 'transient', error: err, unconfirmed: false };
}

/**
 * A failure of an item cancel that OrderMesh cannot have applied (a 429, no connection made): the one
 * kind an item cancel, which is not idempotent, may be sent again for.
 */
function notApplied(err: OrderMeshError): boolean {
  return err.code === 'RATE_LIMITED' || (err.code === 'NETWORK' && ['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN'].includes((err.cause as { code?: string } | undefined)?.code ?? ''));
}

/** A call not made, or not waited for, because another call of the same store job timed out. */
function givenUp(op: OperationId, scope: CallScope, cause?: unknown): OrderMeshError {
  return new OrderMeshError('TIMEOUT', op, `not waited for: ${scope.timedOut} timed out in this store's job; tried again later`, { cause });
}

/**
 * Each order's result in a bulk answer: by its `safeId` (the strongest key), else by its `index` when
 * the indexes are exactly 0…n−1 once each (duplicates or 1-based indexes are not trusted), else by
 * position when the answer has one result per order. `confirm`: some order was matched by position
 * or by an index its safeId contradicts, so what a result says of it is read back by safeId.
 */
function matchBulkResults(models: CreateOrderInput[], results: BulkResult[]): { matched: Array<BulkResult | undefined>; confirm: boolean } {
  const bySafeId = new Map<string, BulkResult>();
  for (const r of results) if (r.safeId !== null) bySafeId.set(r.safeId, r);
  const indexes = results.map((r) => r.index);
  const indexed = indexes.every((x) => x !== null) && new Set(indexes).size === results.length && indexes.every((x) => x! >= 0 && x! < models.length && Number.isInteger(x));
  const byIndex = new Map(indexed ? results.map((r) => [r.index!, r]) : []);
  const positional = !indexed && results.length === models.length;
  let confirm = false;
  const matched = models.map((m, i) => {
    const named = bySafeId.get(m.safeId);
    if (named) return named;
    const r = byIndex.get(i) ?? (positional ? results[i] : undefined);
    // A result found by index or position that names another safeId is not this order's.
    if (r && r.safeId !== null && r.safeId !== m.safeId) return undefined;
    if (r && (r.safeId === null && !indexed)) confirm = true;
    return r;
  });
  return { matched, confirm };
}

/** A 4xx answer to a bulk request as a whole (not access, not a rate limit; a 404 is a bulk path this OrderMesh lacks): per-order verdicts are had one by one. */
function wholeRequestRefused(err: OrderMeshError): boolean {
  return err.status !== undefined && err.status >= 400 && err.status < 500 && !['UNAUTHORIZED', 'FORBIDDEN', 'RATE_LIMITED'].includes(err.code);
}

function parseJson(text: string): unknown {
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
