import { BULK_MAX_ITEMS, type CreateOrderModel } from '../connectors/ordermesh/contract.ts';
import type { CreateOutcome } from '../connectors/ordermesh/client.ts';
import { OrderMeshValidationError } from '../connectors/ordermesh/errors.ts';
import { describeHolds, merchantHeldOrders } from '../connectors/shopify/holds.ts';
import type { StoreOrderPayload } from '../connectors/shopify/types.ts';
import { transitionMany, type BatchTransition } from '../db/batch-transitions.ts';
import { claimPendingOrders, recordEvents, renewClaim, type EventInput } from '../db/orders.ts';
import type { OrderRow } from '../db/schema.ts';
import { mapOrder } from '../mapping/registry.ts';
import { closestSkus } from '../connectors/ordermesh/catalogue.ts';
import { callScope } from '../util/call-scope.ts';
import { mapInFlight } from '../util/in-flight.ts';
import { describeMappingErrors } from '../mapping/error-text.ts';
import { storeOf, type JobDeps } from './deps.ts';
import { Q, enqueue, enqueueMany } from './queues.ts';
import { noteText } from './sync-notes.ts';

/** Retry delay for a transient failure, by attempt: base·2^(n-1), at most 30 minutes. */
export function retryDelaySeconds(base: number, attempt: number): number {
  return Math.min(1_800, base * 2 ** Math.max(0, attempt - 1));
}

/** How long one submit job keeps its lanes claiming before it hands over to a fresh job (prompt shutdown, fair to other stores). */
const JOB_BUDGET_MS = 20_000;

/** What mapping decided for each claimed order, before anything is sent; an order held in the store is not sent. */
function mapClaimed(deps: JobDeps, storeId: string, claimed: OrderRow[], held: Map<string, string>) {
  const store = storeOf(deps, storeId);
  const settled: BatchTransition[] = [];
  const toSend: Array<{ row: OrderRow; model: CreateOrderModel }> = [];
  const warnings: EventInput[] = [];
  for (const row of claimed) {
    const hold = held.get(row.store_order_id);
    if (hold !== undefined) {
      settled.push({ order: row, to: 'on_hold', reason: 'STORE_HOLD', message: `held in Shopify: ${hold}`, set: { hold_source: 'store', hold_reason: hold, attempts: row.attempts - 1 } });
      continue;
    }
    const result = mapOrder(store.mapper, row.store_payload as StoreOrderPayload, { storeId, merchantId: store.cfg.merchantId, safeId: row.safe_id });
    if (result.kind === 'failed') {
      const message = describeMappingErrors(result.errors);
      const code = result.errors[0]!.code;
      settled.push({ order: row, to: 'failed_mapping', reason: code, message, set: { last_error_code: code, last_error_message: message, mapped_payload: null }, data: { errors: result.errors } });
    } else if (result.kind === 'skipped') {
      settled.push({ order: row, to: result.reason === 'ORDER_CANCELLED' ? 'cancelled' : 'skipped', reason: result.reason, message: result.message, set: { last_error_code: null, last_error_message: null } });
    } else {
      // Written before sending: a crash after OrderMesh took the order leaves what it was sent on record
      // for reconcile-submitting and later changes to compare against.
      settled.push({ order: row, set: { mapped_payload: result.model, mapped_hash: row.payload_hash } });
      toSend.push({ row, model: result.model });
      for (const w of result.warnings ?? []) warnings.push({ orderId: row.id, storeId, kind: 'warning', reason: w.code, message: `${w.path}: ${w.message}`, actor: deps.actor });
    }
  }
  return { settled, toSend, warnings };
}

/** The ledger transition for one OrderMesh answer, and (for a retry) its delay. */
function outcomeTransition(deps: JobDeps, row: OrderRow, outcome: CreateOutcome): { t: BatchTransition; retryIn?: number } {
  const { maxSubmitAttempts, retryBaseSeconds } = deps.config.jobs;
  const firstPoll = new Date(Date.now() + deps.config.jobs.firstPollDelaySeconds * 1000);
  if (outcome.outcome === 'created' || outcome.outcome === 'existing') {
    return {
      t: {
        order: row,
        to: 'submitted',
        claimedHash: row.payload_hash,
        reason: outcome.outcome === 'existing' ? 'ALREADY_IN_ORDERMESH' : null,
        message: `OrderMesh order ${outcome.orderId}`,
        set: { ordermesh_order_id: outcome.orderId, submitted_at: new Date(), next_poll_at: firstPoll, last_error_code: null, last_error_message: null, access_retries: 0, create_unconfirmed: false },
      },
    };
  }
  const code = `ORDERMESH_${outcome.error.code}`;
  if (outcome.outcome === 'rejected') {
    const fields = outcome.error instanceof OrderMeshValidationError ? outcome.error.fieldErrors : undefined;
    return { t: { order: row, to: 'rejected', reason: code, message: outcome.error.message, set: { last_error_code: code, last_error_message: outcome.error.message, create_unconfirmed: false }, data: fields ? { fieldErrors: fields } : undefined } };
  }
  if (outcome.outcome !== 'blocked' && row.attempts >= maxSubmitAttempts) {
    // Still unconfirmed if it was: a reprocess that sends it again reads it first.
    return { t: { order: row, to: 'failed', reason: 'TRANSIENT_EXHAUSTED', message: `gave up after ${row.attempts} attempts: ${outcome.error.message}`, set: { last_error_code: 'TRANSIENT_EXHAUSTED', last_error_message: outcome.error.message, create_unconfirmed: outcome.unconfirmed } } };
  }
  const retry = (delay: number) => ({ next_attempt_at: new Date(Date.now() + delay * 1000), last_error_code: code, last_error_message: outcome.error.message, create_unconfirmed: outcome.unconfirmed });
  if (outcome.outcome === 'blocked') {
    // Not the order's fault: the attempt it was claimed with does not count, but the wait grows with
    // every refusal in a row, to the cap, instead of knocking at the base delay for ever.
    const delay = retryDelaySeconds(retryBaseSeconds, row.access_retries + 1);
    return {
      retryIn: delay,
      t: {
        order: row,
        to: 'pending',
        reason: code,
        message: `${outcome.error.message}: check ordermesh.clientId/clientSecret and the merchant's access; retrying in ${delay}s`,
        set: { ...retry(delay), attempts: row.attempts - 1, access_retries: row.access_retries + 1 },
      },
    };
  }
  const delay = retryDelaySeconds(retryBaseSeconds, row.attempts);
  return { retryIn: delay, t: { order: row, to: 'pending', reason: code, message: `${outcome.error.message}; retrying in ${delay}s`, set: retry(delay) } };
}

/**
 * One batch: claim, map, record the mapping results, submit in bulk, record each outcome. Set-based:
 * a constant number of statements per batch. A crash at any point leaves orders `submitting`, which
 * reconcile-submitting resolves by safeId: never a second OrderMesh order, never an order stuck for good.
 */
async function submitBatch(deps: JobDeps, storeId: string, outcomes: Record<string, number>): Promise<{ claimed: number; retryIn?: number }> {
  const claimedAt = Date.now();
  const claimed = await claimPendingOrders(deps.db, storeId, deps.config.jobs.submitBatchSize, deps.actor, deps.config.jobs.stuckSubmittingSeconds);
  if (claimed.length === 0) return { claimed: 0 };
  const claim = holdClaim(deps, storeId, claimed, claimedAt);
  try {
    return await submitClaimed(deps, storeId, claimed, outcomes, claim);
  } finally {
    claim.release();
  }
}

/** A batch's claim, as its worker knows it (holdClaim). */
interface Claim {
  /** Whether the claim surely still holds: only then may anything be sent. */
  held(): boolean;
  release(): void;
}

/**
 * Holds a batch's claim: renewed three times a lease while the batch is in flight, so a slow OrderMesh,
 * or its retries, does not look to reconcile-submitting like a worker that died. It surely holds until
 * the last successful renewal's start (the claim's, at first) plus the lease: the database set
 * claimed_until later than that. A renewal that fails (the database down or out of reach) moves
 * nothing, and once that bound is past the claim is lost for good (renewClaim never revives it).
 */
function holdClaim(deps: JobDeps, storeId: string, claimed: OrderRow[], claimedAt: number): Claim {
  const lease = deps.config.jobs.stuckSubmittingSeconds;
  const ids = claimed.map((r) => r.id);
  let claimedUntil = claimed[0]!.claimed_until!;
  let heldUntil = claimedAt + lease * 1000;
  let renewing = false;
  const renew = async () => {
    // One at a time: a renewal still waiting for the database would only queue more behind it.
    if (renewing) return;
    renewing = true;
    const startedAt = Date.now();
    try {
      const until = await renewClaim(deps.db, ids, lease, claimedUntil);
      if (until) {
        claimedUntil = until;
        heldUntil = startedAt + lease * 1000;
      }
    } catch (err) {
      deps.log.warn({ err, store: storeId }, 'renewing a submission claim failed');
    } finally {
      renewing = false;
    }
  };
  const timer = setInterval(() => void renew(), (lease * 1000) / 3);
  return { held: () => Date.now() < heldUntil, release: () => clearInterval(timer) };
}

/**
 * The claim ran out before these orders were sent (its renewals failed: the database down, or out of
 * this worker's reach). Sending now could cross reconcile-submitting's read by safeId, which would
 * find nothing yet and have them created again; left `submitting`, they are resolved by that read.
 */
function warnClaimLapsed(deps: JobDeps, storeId: string, unsent: number): void {
  deps.log.warn({ store: storeId, orders: unsent, reason: 'SUBMIT_CLAIM_LAPSED' }, 'submission claim ran out before sending: orders left to reconcile-submitting, not sent');
}

/** An order to create, as mapped. */
type ToSend = { row: OrderRow; model: CreateOrderModel };
/** An order OrderMesh answered for (its create, or the read before it). */
type Answered = ToSend & { outcome: CreateOutcome };

/**
 * Orders whose last create may have reached OrderMesh without a read settling it (create_unconfirmed)
 * are read by safeId before anything is created: one found is submitted; one not found is created with
 * the rest; one unread waits for its next attempt, still unconfirmed, without a create (a second create
 * would be hidden only by OrderMesh's refusal of a repeat). The client reads once per order and stops
 * at the first failed read, so against a dead OrderMesh this costs the batch one read.
 */
async function readUnconfirmedFirst(deps: JobDeps, toSend: ToSend[]): Promise<{ settled: Answered[]; toCreate: ToSend[] }> {
  const unconfirmed = toSend.filter((t) => t.row.create_unconfirmed);
  if (unconfirmed.length === 0) return { settled: [], toCreate: toSend };
  const reads = new Map((await deps.ordermesh.readUnconfirmed(unconfirmed.map((t) => t.row.safe_id))).map((r) => [r.safeId, r]));
  const settled: Answered[] = [];
  const toCreate: ToSend[] = [];
  for (const t of toSend) {
    const read = reads.get(t.row.safe_id);
    if (read === undefined || read.outcome === 'absent') toCreate.push(t);
    else settled.push({ ...t, outcome: read });
  }
  return { settled, toCreate };
}

/** The bulk creates, one request a chunk, each sent only while the claim holds; returns the outcomes of those sent, in order. */
async function createWhileClaimed(deps: JobDeps, storeId: string, toSend: Array<{ model: CreateOrderModel }>, claim: Claim): Promise<CreateOutcome[]> {
  const results: CreateOutcome[] = [];
  for (let i = 0; i < toSend.length; i += BULK_MAX_ITEMS) {
    if (!claim.held()) {
      warnClaimLapsed(deps, storeId, toSend.length - i);
      break;
    }
    results.push(...(await deps.ordermesh.createOrders(toSend.slice(i, i + BULK_MAX_ITEMS).map((t) => t.model))));
  }
  return results;
}

async function submitClaimed(deps: JobDeps, storeId: string, claimed: OrderRow[], outcomes: Record<string, number>, claim: Claim): Promise<{ claimed: number; retryIn?: number }> {
  const count = (k: string) => (outcomes[k] = (outcomes[k] ?? 0) + 1);
  const fsMode = storeOf(deps, storeId).cfg.mode === 'fulfillment-service';
  let held = new Map<string, string>();
  // Merchant-managed: a Shopify fulfilment hold (fraud, an address to check) keeps the order from
  // OrderMesh. Read now, not at pull time: the hold window is when merchants place them. One query for
  // the shop's held fulfilment orders, whatever the batch. (A fulfilment service is only asked for what
  // the merchant released.)
  if (!fsMode) {
    try {
      const shopHolds = await merchantHeldOrders(storeOf(deps, storeId).shopify);
      held = new Map(claimed.filter((r) => shopHolds.has(r.store_order_id)).map((r) => [r.store_order_id, describeHolds(shopHolds.get(r.store_order_id)!)]));
    } catch (err) {
      return putBack(deps, claimed, err);
    }
  }
  const { settled, toSend, warnings } = mapClaimed(deps, storeId, claimed, held);
  await addCatalogueHints(deps, storeId, settled, claimed);
  for (const s of settled) if (s.to) count(s.to === 'failed_mapping' ? 'failed_mapping' : s.reason!);
  await deps.db.transaction().execute(async (trx) => {
    await transitionMany(trx, 'submitting', settled, deps.actor);
    await recordEvents(trx, warnings);
    const refused = settled.some((s) => s.to === 'failed_mapping' || s.to === 'skipped');
    if (refused && fsMode) await enqueue(deps.boss, Q.scanFulfillmentRequests, { storeId }, { trx, singletonKey: storeId });
  });
  const byId = new Map(claimed.map((r) => [r.id, r]));
  logOutcomes(deps, storeId, byId, settled);
  if (toSend.length === 0) return { claimed: claimed.length };
  if (storeOf(deps, storeId).cfg.submit.mode === 'inbound') return { claimed: claimed.length, ...(await submitInbound(deps, storeId, toSend, byId, count, claim)) };

  const { settled: readFirst, toCreate } = await readUnconfirmedFirst(deps, toSend);
  const results = await createWhileClaimed(deps, storeId, toCreate, claim);
  const answered: Answered[] = [...readFirst, ...results.map((outcome, i) => ({ ...toCreate[i]!, outcome }))];
  if (answered.length === 0) return { claimed: claimed.length };
  let retryIn: number | undefined;
  const recorded = answered.map(({ row, outcome }) => {
    count(outcome.outcome);
    const r = outcomeTransition(deps, row, outcome);
    if (r.retryIn !== undefined) retryIn = Math.min(retryIn ?? r.retryIn, r.retryIn);
    return r.t;
  });
  await addCatalogueHints(deps, storeId, recorded, claimed, answered);
  await deps.db.transaction().execute(async (trx) => {
    const moved = await transitionMany(trx, 'submitting', recorded, deps.actor);
    // Changed in the store while we were submitting: carry the change over now.
    const changed = moved.filter((m) => m.changed);
    await enqueueMany(deps.boss, Q.applyOrderChange, changed.map((m) => ({ data: { orderId: m.id, kind: 'recheck' as const }, singletonKey: m.id })), { trx });
    // Fulfilment-service mode: Shopify hears the verdict (accepted, or rejected with the reason) now.
    if (fsMode) await enqueue(deps.boss, Q.scanFulfillmentRequests, { storeId }, { trx, singletonKey: storeId });
    // The store notes of what OrderMesh now has follow at once, not at the next minute (orders with
    // nothing to say are recorded by the sweep's run, together).
    const notes = storeOf(deps, storeId).cfg.notes;
    const saySomething = notes.enabled && recorded.some((r, i) => r.to === 'submitted' && noteText(answered[i]!.row.store_payload as never, notes) !== null);
    if (moved.length && saySomething) await enqueue(deps.boss, Q.syncNotes, { storeId }, { trx, singletonKey: storeId });
  });
  logOutcomes(deps, storeId, byId, recorded);
  return { claimed: claimed.length, retryIn };
}

/** The SKU of a store order's i-th line, as the payload stores its lines (a list, or a GraphQL connection). */
function storeLineSku(payload: StoreOrderPayload | null | undefined, i: number): string | undefined {
  const lines = payload?.lineItems as unknown;
  const list = (Array.isArray(lines) ? lines : ((lines as { nodes?: unknown[] } | null)?.nodes ?? [])) as Array<{ sku?: unknown } | null>;
  const sku = list[i]?.sku;
  return typeof sku === 'string' && sku.trim() ? sku.trim() : undefined;
}

/** Inbound requests in flight per batch (the endpoint takes one order a request). */
const INBOUND_IN_FLIGHT = 8;

/**
 * Inbound mode: each order through the merchant's Transformation. OrderMesh only says it was received;
 * the order stays `submitting` (inbound_sent_at set) until the OrderCreation webhook, or the backstop
 * read by safeId (reconcile-submitting, after jobs.inboundTimeoutSeconds), settles it. An answer that
 * was lost counts as sent: it may be queued, and sending it again now could make it twice.
 */
async function submitInbound(deps: JobDeps, storeId: string, toSend: Array<{ row: OrderRow; model: CreateOrderModel }>, rows: Map<string, OrderRow>, count: (k: string) => void, claim: Claim): Promise<{ retryIn?: number }> {
  const store = storeOf(deps, storeId);
  const { transformationId, body } = store.cfg.submit;
  // Each order is sent only while the claim holds (createWhileClaimed says why); one not sent is left as it is.
  const answers = await mapInFlight(toSend, INBOUND_IN_FLIGHT, async ({ row, model }) =>
    !claim.held()
      ? undefined
      : {
          row,
          r: await deps.ordermesh.sendInbound({
            body: body === 'mapped' ? model : { safeId: row.safe_id, externalId: model.externalId, storeOrder: row.store_payload },
            merchantId: store.cfg.merchantId,
            transformationId: transformationId!,
          }),
        },
  );
  const sent = answers.filter((a) => a !== undefined);
  if (sent.length < toSend.length) warnClaimLapsed(deps, storeId, toSend.length - sent.length);
  if (sent.length === 0) return {};
  let retryIn: number | undefined;
  const sentAt = new Date();
  const events: EventInput[] = [];
  const recorded = sent.map(({ row, r }): BatchTransition => {
    count(`inbound_${r.outcome}`);
    if (r.outcome === 'received' || r.outcome === 'unknown') {
      events.push({ orderId: row.id, storeId, kind: 'inbound_sent', reason: r.outcome === 'received' ? 'INBOUND_RECEIVED' : `INBOUND_UNANSWERED`, message: r.outcome === 'received' ? `sent through Transformation ${transformationId}: awaiting OrderMesh's OrderCreation` : `the answer was lost (${r.error.message}): awaiting the OrderCreation webhook or the read by safeId`, actor: deps.actor });
      return { order: row, set: { inbound_sent_at: sentAt, last_error_code: null, last_error_message: null } };
    }
    // Inbound sends never leave a create unconfirmed (the read by safeId backstops them): the flag is kept as it is.
    const t = outcomeTransition(deps, row, { safeId: row.safe_id, outcome: r.outcome === 'retry' ? 'transient' : r.outcome, error: r.error, unconfirmed: row.create_unconfirmed });
    if (t.retryIn !== undefined) retryIn = Math.min(retryIn ?? t.retryIn, t.retryIn);
    return t.t;
  });
  await deps.db.transaction().execute(async (trx) => {
    await transitionMany(trx, 'submitting', recorded, deps.actor);
    await recordEvents(trx, events);
  });
  logOutcomes(deps, storeId, rows, recorded);
  return { retryIn };
}

const LINE_SKU = /^lineItems\[(\d+)\]\.sku$/;
const ITEM_SKU = /^items\[(\d+)\]\.sku$/;

/**
 * A failure for a SKU names the catalogue's closest SKUs and the command that maps one, so the fix is
 * one command. The catalogue is only asked when a batch has such a failure, and only briefly: an
 * unreadable catalogue leaves the message as it was.
 */
async function addCatalogueHints(deps: JobDeps, storeId: string, transitions: BatchTransition[], rows: OrderRow[], sent: Array<{ row: OrderRow; model: CreateOrderModel }> = []): Promise<void> {
  const rowOf = new Map(rows.map((r) => [r.id, r]));
  const modelOf = new Map(sent.map((s) => [s.row.id, s.model]));
  const wanted = transitions.flatMap((t) => {
    const payload = rowOf.get(t.order.id)?.store_payload as StoreOrderPayload | null | undefined;
    if (t.to === 'failed_mapping' && t.reason === 'MISSING_SKU') {
      const errors = ((t.data as { errors?: Array<{ code: string; path?: string }> } | undefined)?.errors ?? []).filter((e) => e.code === 'MISSING_SKU');
      return errors.flatMap((e) => {
        const sku = storeLineSku(payload, Number(LINE_SKU.exec(e.path ?? '')?.[1]));
        return sku ? [{ t, storeSku: sku, sku }] : [];
      });
    }
    if (t.to === 'rejected') {
      const fields = (t.data as { fieldErrors?: Record<string, string[]> } | undefined)?.fieldErrors ?? {};
      const model = modelOf.get(t.order.id);
      return Object.keys(fields).flatMap((k) => {
        const sku = model?.items[Number(ITEM_SKU.exec(k)?.[1])]?.sku;
        return sku ? [{ t, storeSku: sku, sku }] : [];
      });
    }
    return [];
  });
  if (wanted.length === 0) return;
  const view = await deps.catalogue.get(storeOf(deps, storeId).cfg.merchantId);
  if (!view) return;
  for (const w of wanted) {
    if (view.skus.has(w.sku)) continue;
    const closest = closestSkus(w.sku, view.variants);
    const hint = closest.length
      ? ` [${w.sku}: closest in OrderMesh's catalogue: ${closest.join(', ')}; \`ordersync sku set --store ${storeId} ${w.storeSku} ${closest[0]}\`]`
      : ` [${w.sku}: nothing like it in OrderMesh's catalogue: \`ordersync sku check --store ${storeId}\`]`;
    w.t.message = `${w.t.message ?? ''}${hint}`;
    if (w.t.set?.last_error_message) w.t.set.last_error_message = w.t.message;
    w.t.data = { ...(w.t.data as object | undefined), closestSkus: { ...((w.t.data as { closestSkus?: object } | undefined)?.closestSkus ?? {}), [w.sku]: closest } };
  }
}

/**
 * The holds could not be read (Shopify down, throttled past its retries): nothing is sent unchecked.
 * The batch goes back to pending for a later try, the attempt not counted (not the orders' fault),
 * and the lane stops, so it does not claim the next batch only to put it back too.
 */
async function putBack(deps: JobDeps, claimed: OrderRow[], err: unknown): Promise<{ claimed: number; retryIn: number }> {
  const delay = deps.config.jobs.retryBaseSeconds;
  const message = `the order's Shopify fulfilment holds could not be read (${err instanceof Error ? err.message : String(err)}); retrying in ${delay}s`;
  await deps.db.transaction().execute((trx) =>
    transitionMany(
      trx,
      'submitting',
      claimed.map((row) => ({ order: row, to: 'pending' as const, reason: 'SHOPIFY_HOLDS_UNREAD', message, set: { attempts: row.attempts - 1, next_attempt_at: new Date(Date.now() + delay * 1000), last_error_code: 'SHOPIFY_HOLDS_UNREAD', last_error_message: message } })),
      deps.actor,
    ),
  );
  deps.log.warn({ err, orders: claimed.length }, 'holds unread: submission put back');
  return { claimed: 0, retryIn: delay };
}

/**
 * What an operator follows at info: each order's outcome, once, as it is recorded. A failure is a
 * warning with its reason; a retry is debug (its end is logged when it comes).
 */
function logOutcomes(deps: JobDeps, storeId: string, rows: Map<string, OrderRow>, transitions: BatchTransition[]): void {
  for (const t of transitions) {
    if (!t.to) continue;
    const row = rows.get(t.order.id);
    const fields = { store: storeId, order: row?.store_order_name ?? row?.store_order_id, safeId: row?.safe_id, state: t.to, reason: t.reason ?? undefined };
    if (t.to === 'submitted') deps.log.info({ ...fields, ordermeshOrderId: t.set?.ordermesh_order_id }, 'order submitted to OrderMesh');
    else if (t.to === 'pending') deps.log.debug({ ...fields, message: t.message }, 'order submission will be retried');
    else if (t.to === 'on_hold') deps.log.info({ ...fields, message: t.message }, 'order held in the store: sent once released')
    else if (t.to === 'skipped' || t.to === 'cancelled') deps.log.info({ ...fields, message: t.message }, 'order not sent: nothing to fulfil');
    else deps.log.warn({ ...fields, message: t.message }, 'order not submitted');
  }
}

/**
 * Submits a store's due orders with up to `jobs.submitConcurrency` bulk requests in flight, each lane
 * claiming its own batch (claims are disjoint), for up to JOB_BUDGET_MS; then a fresh job carries on
 * if there is more. Order between an order's create and its later cancel or update is kept by state:
 * those jobs only act on orders already `submitted`.
 */
export async function submitOrders(deps: JobDeps, storeId: string): Promise<{ claimed: number; outcomes: Record<string, number> }> {
  storeOf(deps, storeId);
  const { submitBatchSize, submitConcurrency } = deps.config.jobs;
  const outcomes: Record<string, number> = {};
  const started = Date.now();
  let claimedTotal = 0;
  let more = false;
  let retryIn: number | undefined;
  const scope = callScope();
  const lane = async () => {
    for (;;) {
      const r = await submitBatch(deps, storeId, outcomes);
      claimedTotal += r.claimed;
      if (r.retryIn !== undefined) retryIn = Math.min(retryIn ?? r.retryIn, r.retryIn);
      if (r.claimed < submitBatchSize) return;
      // A call timed out (the store's OrderMesh or Shopify hangs): its batch went back to pending with
      // a retry delay, and a next batch would only be claimed to be put back too.
      if (scope?.timedOut) return;
      if (Date.now() - started > JOB_BUDGET_MS) {
        more = true;
        return;
      }
    }
  };
  // Settled, not all: a failing lane must not leave the others running past the job's end.
  const lanes = await Promise.allSettled(Array.from({ length: submitConcurrency }, lane));
  const failed = lanes.find((l): l is PromiseRejectedResult => l.status === 'rejected');
  if (failed) throw failed.reason;
  if (more) await enqueue(deps.boss, Q.submitOrders, { storeId }, { singletonKey: storeId });
  else if (retryIn !== undefined) await enqueue(deps.boss, Q.submitOrders, { storeId }, { startAfter: retryIn, singletonKey: `${storeId}:retry` });
  if (claimedTotal) deps.log.debug({ store: storeId, claimed: claimedTotal, outcomes }, 'submission batch done');
  return { claimed: claimedTotal, outcomes };
}
