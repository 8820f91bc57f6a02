import type { Kysely } from 'kysely';
import type { PgBoss } from 'pg-boss';
import type { WebhookPayload } from '../connectors/ordermesh/contract.ts';
import type { PackageHints } from '../db/packages.ts';
import type { Database } from '../db/schema.ts';
import { ordersNamedIn, recordPackageHintsOf, recordReceipts, type WebhookOrder } from '../db/webhook-batch.ts';
import { Q, enqueueMany, type Payloads } from '../jobs/queues.ts';
import { OM_HOLD } from '../jobs/sync-holds.ts';
import type { StoreDirectory } from '../stores.ts';

/**
 * Receiving an OrderMesh webhook costs a place in a queue, not a transaction: the deliveries that arrive
 * while one batch is written wait together and are written as the next, in one transaction of a few
 * statements (the orders they name, their receipts, package hints, one insert of poll jobs, a singleton
 * per order). Each is answered once its batch committed, so a 2xx still means "durably recorded".
 *
 * Bounded: past `maxPendingEvents` or `maxPendingBytes` waiting, a delivery is refused at once
 * (IntakeFullError → 503 with Retry-After) instead of holding a socket and its body while a pool
 * connection is awaited (issue 34, item 15: a burst of 8,000 held 6,171 sockets and 598 MB, and most
 * timed out on the sender's side). One not written within `answerWithinMs` is answered 503 too; it may
 * still be written, and the sender's retry is then a duplicate.
 */
export interface IntakeLimits {
  maxPendingEvents: number;
  maxPendingBytes: number;
  /** Events written per transaction. */
  batchSize: number;
  answerWithinMs: number;
}

export const INTAKE_DEFAULTS: IntakeLimits = { maxPendingEvents: 10_000, maxPendingBytes: 32 * 2 ** 20, batchSize: 500, answerWithinMs: 8_000 };

/** A refusal the sender should retry later: answered 503 with Retry-After. */
export class IntakeUnavailableError extends Error {
  readonly reason: 'over_capacity' | 'timeout' | 'database';
  readonly retryAfterSeconds: number;
  constructor(reason: 'over_capacity' | 'timeout' | 'database', message: string, retryAfterSeconds: number, options?: ErrorOptions) {
    super(message, options);
    this.name = 'IntakeUnavailableError';
    this.reason = reason;
    this.retryAfterSeconds = retryAfterSeconds;
  }
  get code(): string {
    return `WEBHOOK_${this.reason.toUpperCase()}`;
  }
}

export interface IntakeEvent {
  payload: WebhookPayload;
  /** Hash of the exact body: with the event type and the order, the delivery's identity. */
  bodyHash: string;
  bytes: number;
  hints?: PackageHints;
}

export type IntakeResult = 'received' | 'duplicate' | 'unknown-order';

interface Waiter {
  event: IntakeEvent;
  settled: boolean;
  timer: NodeJS.Timeout;
  resolve: (r: IntakeResult) => void;
  reject: (e: Error) => void;
}

/** SQLSTATE classes of a lost or refused connection: the whole batch would fail alike, so it is not split. */
const CONNECTION_CLASSES = new Set(['08', '53', '57']);

export class OrderMeshIntake {
  readonly #deps: { db: Kysely<Database>; boss: PgBoss; stores: StoreDirectory; onPending?: (events: number) => void };
  readonly #limits: IntakeLimits;
  #queue: Waiter[] = [];
  #pendingEvents = 0;
  #pendingBytes = 0;
  #running: Promise<void> | undefined;

  constructor(deps: { db: Kysely<Database>; boss: PgBoss; stores: StoreDirectory; onPending?: (events: number) => void }, limits: Partial<IntakeLimits> = {}) {
    this.#deps = deps;
    this.#limits = { ...INTAKE_DEFAULTS, ...limits };
  }

  get pending(): number {
    return this.#pendingEvents;
  }

  receive(event: IntakeEvent): Promise<IntakeResult> {
    const l = this.#limits;
    if (this.#pendingEvents + 1 > l.maxPendingEvents || this.#pendingBytes + event.bytes > l.maxPendingBytes) {
      return Promise.reject(new IntakeUnavailableError('over_capacity', `${this.#pendingEvents} deliveries already waiting to be recorded`, 5));
    }
    this.#count(1, event.bytes);
    return new Promise<IntakeResult>((resolve, reject) => {
      const w: Waiter = {
        event,
        settled: false,
        // The sender gets an answer in bounded time even if the ledger is slow; the write goes on.
        timer: setTimeout(() => this.#settle(w, () => reject(new IntakeUnavailableError('timeout', `not recorded within ${l.answerWithinMs} ms`, 5))), l.answerWithinMs),
        resolve,
        reject,
      };
      this.#queue.push(w);
      // On the next turn, so the deliveries parsed in this one join the same batch.
      if (!this.#running) this.#running = new Promise<void>((done) => setImmediate(() => void this.#drain().finally(done)));
    });
  }

  /** Waits until every delivery received so far is written (or failed). */
  async idle(): Promise<void> {
    while (this.#running) await this.#running;
  }

  async #drain(): Promise<void> {
    try {
      while (this.#queue.length) {
        const batch = this.#queue.splice(0, this.#limits.batchSize);
        await this.#writeOrSplit(batch);
        this.#count(-batch.length, -batch.reduce((a, w) => a + w.event.bytes, 0));
      }
    } finally {
      this.#running = undefined;
    }
  }

  /** One bad delivery must not refuse the others: a batch failing on a statement is written one by one. */
  async #writeOrSplit(batch: Waiter[]): Promise<void> {
    try {
      const results = await this.#write(batch.map((w) => w.event));
      batch.forEach((w, i) => this.#settle(w, () => w.resolve(results[i]!)));
    } catch (err) {
      const sqlState = (err as { code?: unknown }).code;
      if (batch.length > 1 && typeof sqlState === 'string' && !CONNECTION_CLASSES.has(sqlState.slice(0, 2))) {
        for (const w of batch) await this.#writeOrSplit([w]);
        return;
      }
      const failure = new IntakeUnavailableError('database', 'the ledger could not record the delivery', 10, { cause: err });
      for (const w of batch) this.#settle(w, () => w.reject(failure));
    }
  }

  #settle(w: Waiter, answer: () => void): void {
    if (w.settled) return;
    w.settled = true;
    clearTimeout(w.timer);
    answer();
  }

  #count(events: number, bytes: number): void {
    this.#pendingEvents += events;
    this.#pendingBytes += bytes;
    this.#deps.onPending?.(this.#pendingEvents);
  }

  /** One transaction for the whole batch; results in the batch's order. */
  async #write(events: IntakeEvent[]): Promise<IntakeResult[]> {
    const { db, boss, stores } = this.#deps;
    const safeIds = [...new Set(events.flatMap((e) => (e.payload.SafeId ? [e.payload.SafeId] : [])))];
    const omIds = [...new Set(events.flatMap((e) => (e.payload.OrderId ? [e.payload.OrderId] : [])))];
    return db.transaction().execute(async (trx) => {
      const orders = await ordersNamedIn(trx, safeIds, omIds);
      const bySafeId = new Map(orders.map((o) => [o.safe_id, o]));
      const byOrderMeshId = new Map(orders.flatMap((o) => (o.ordermesh_order_id ? [[o.ordermesh_order_id, o] as const] : [])));
      // Per event and order: the docs' examples share one RequestId across events for different orders,
      // so it cannot tell deliveries apart; the same event delivered again has the same body.
      const named = events.map((e) => {
        const order: WebhookOrder | undefined = (e.payload.SafeId ? bySafeId.get(e.payload.SafeId) : undefined) ?? (e.payload.OrderId ? byOrderMeshId.get(e.payload.OrderId) : undefined);
        return order && { order, deliveryId: `${e.payload.EventType}:${order.id}:${e.bodyHash}` };
      });
      const distinct = new Map<string, string>();
      for (const [i, n] of named.entries()) if (n && !distinct.has(n.deliveryId)) distinct.set(n.deliveryId, events[i]!.payload.EventType);
      const fresh = await recordReceipts(trx, 'ordermesh', [...distinct].map(([deliveryId, topic]) => ({ deliveryId, topic })));

      const inbound: Array<{ data: Payloads[typeof Q.inboundOutcome] }> = [];
      const hints: Array<{ orderId: string; hints: PackageHints }> = [];
      const polls = new Set<string>();
      const holds = new Set<string>();
      const results = events.map((e, i): IntakeResult => {
        const n = named[i];
        if (!n) return 'unknown-order';
        // A delivery id is fresh once: a copy later in the same batch is a duplicate like any redelivery.
        if (!fresh.delete(n.deliveryId)) return 'duplicate';
        const p = e.payload;
        // An inbound order's verdict (success or failure: OrderMesh sends failures only for inbound orders).
        if (p.EventType === 'OrderCreation' && p.SafeId && stores.get(n.order.store_id)?.cfg.submit.mode === 'inbound') {
          inbound.push({ data: { safeId: p.SafeId, ok: p.IsSuccessful, orderId: p.OrderId ?? null, code: p.ResponseCode ?? null, description: p.Description ?? null } });
          if (!p.IsSuccessful) return 'received';
        }
        // Kept in the ledger, so this poll and every later one apply them (a queued poll may absorb this one).
        if (e.hints && Object.keys(e.hints).length) hints.push({ orderId: n.order.id, hints: e.hints });
        polls.add(n.order.id);
        // Into or out of Customer Care Hold: the order's store sweeps its holds now.
        if (p.EventType === 'OrderUpdate' && (p.NewStatus === OM_HOLD || p.OldStatus === OM_HOLD)) holds.add(n.order.store_id);
        return 'received';
      });
      await enqueueMany(boss, Q.inboundOutcome, inbound, { trx });
      await recordPackageHintsOf(trx, hints);
      await enqueueMany(boss, Q.pollShipments, [...polls].map((id) => ({ data: { orderIds: [id] }, singletonKey: `order:${id}` })), { trx });
      await enqueueMany(boss, Q.syncHolds, [...holds].map((storeId) => ({ data: { storeId }, singletonKey: storeId })), { trx });
      return results;
    });
  }
}
