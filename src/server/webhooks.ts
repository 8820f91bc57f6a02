import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { WEBHOOK_EVENT_TYPES, WEBHOOK_SIGNATURE_HEADER, webhookPayload, type WebhookPackage } from '../connectors/ordermesh/contract.ts';
import type { PackageHints } from '../db/packages.ts';
import { Q, enqueue } from '../jobs/queues.ts';
import { verifyHmacBase64 } from '../util/hmac.ts';
import { receiveCompliance, PRIVACY_TOPIC_SET } from './compliance.ts';
import type { WebhookDeps } from './webhook-deps.ts';
import { setPaused } from '../db/ledger-stores.ts';
import { receiveOnce } from './receipts.ts';
import { IntakeUnavailableError, OrderMeshIntake } from './ordermesh-intake.ts';
import { WebhookOutcomes, type WebhookFailure, type WebhookOutcome } from './webhook-outcomes.ts';

/** Ids we accept from a signed body: anything else is refused (400), never retried as a job. */
const ORDER_GID = /^gid:\/\/shopify\/Order\/\d{1,20}$/;
const ORDERMESH_ID = /^[\x21-\x7e]{1,200}$/;

const SHOPIFY_TOPICS = new Set(['orders/create', 'orders/updated', 'orders/cancelled']);
/** Their bodies name a fulfilment order, not an order: a hint for the store's hold sweep. */
const HOLD_TOPICS = new Set(['fulfillment_orders/placed_on_hold', 'fulfillment_orders/hold_released']);

const reject = (reply: FastifyReply, status: number, message: string) => reply.code(status).send({ error: message });

/** Shopify deliveries handled at once (each one short transaction); more are answered 503 with Retry-After. */
const SHOPIFY_IN_FLIGHT = 256;
/** OrderMesh's bodies are a few kB (docs/merchant-notifications.txt): a larger one is no delivery of theirs. */
const ORDERMESH_BODY_LIMIT = 1024 * 1024;
const REASON_OF_STATUS: Record<number, WebhookFailure> = { 401: 'unauthorized', 404: 'unauthorized', 413: 'too_large' };

/**
 * Webhook receivers. Both are triggers, not truths: a Shopify webhook re-reads the order through
 * GraphQL, an OrderMesh one polls the order's shipments at once. Polling keeps running behind them,
 * so a lost webhook loses nothing.
 */
export function registerWebhooks(app: FastifyInstance<any, any, any, any>, deps: WebhookDeps): void {
  app.register(async (scope) => {
    // HMACs are over the exact bytes received: keep the raw body.
    scope.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
    // A sender is told what was wrong in a few words; internals (database text, stacks) stay in our log.
    // Never a 500: what failed on our side is a 503 with Retry-After, which every sender retries.
    scope.setErrorHandler((err: { statusCode?: number }, req, reply) => {
      if (err instanceof IntakeUnavailableError) return unavailable(req, reply, err.reason, err.retryAfterSeconds, err.message, err.reason === 'database' ? err.cause : undefined);
      if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) return reject(reply, err.statusCode, err.statusCode === 413 ? 'body too large' : 'bad request');
      return unavailable(req, reply, 'internal', 10, 'the receiver failed', err);
    });

    // Every delivery answered is counted by outcome, every one not taken also by reason and logged
    // (src/server/webhook-outcomes.ts), here once rather than at each refusal.
    const outcomes = new WebhookOutcomes({ metrics: deps.metrics, log: deps.log, ...(deps.now ? { now: deps.now } : {}) });
    const marks = new WeakMap<FastifyRequest, { outcome?: WebhookOutcome; reason?: WebhookFailure; message?: string; err?: unknown }>();
    const unavailable = (req: FastifyRequest, reply: FastifyReply, reason: WebhookFailure, retryAfterSeconds: number, message: string, err?: unknown) => {
      marks.set(req, { reason, message, err });
      return reply.code(503).header('retry-after', String(retryAfterSeconds)).send({ error: `${message}; retry later` });
    };
    scope.addHook('onSend', async (req, reply, payload) => {
      const source = req.url.startsWith('/webhooks/ordermesh') ? 'ordermesh' : 'shopify';
      const status = reply.statusCode;
      const mark = marks.get(req);
      if (status < 300) outcomes.answered(source, mark?.outcome ?? 'received');
      else {
        const reason = mark?.reason ?? REASON_OF_STATUS[status] ?? (status === 503 ? 'internal' : 'bad_request');
        let message = mark?.message;
        if (!message && typeof payload === 'string') message = errorText(payload);
        outcomes.failed(source, reason, status, message ?? `HTTP ${status}`, mark?.err);
      }
      return payload;
    });
    scope.addHook('onRequestAbort', async (req) => {
      outcomes.failed(req.url.startsWith('/webhooks/ordermesh') ? 'ordermesh' : 'shopify', 'aborted', null, 'the sender closed the connection before the answer');
    });

    // Shopify's deliveries each run one short transaction: past SHOPIFY_IN_FLIGHT at once, refused at
    // once rather than queued for a pool connection with their sockets and bodies held.
    let shopifyInFlight = 0;
    const counted = new WeakSet<FastifyRequest>();
    scope.addHook('preHandler', async (req, reply) => {
      if (!req.url.startsWith('/webhooks/shopify')) return;
      if (shopifyInFlight >= SHOPIFY_IN_FLIGHT) return unavailable(req, reply, 'over_capacity', 5, `${shopifyInFlight} Shopify deliveries already in progress`);
      shopifyInFlight++;
      counted.add(req);
    });
    const release = async (req: FastifyRequest) => {
      if (counted.delete(req)) shopifyInFlight--;
    };
    scope.addHook('onResponse', release);
    scope.addHook('onRequestAbort', release);

    const acknowledged = (req: FastifyRequest, reply: FastifyReply, outcome: WebhookOutcome, body: object) => {
      marks.set(req, { outcome });
      return reply.code(200).send(body);
    };

    registerShopifyWebhooks(scope, deps);
    registerFulfillmentServiceCallback(scope, deps);
    registerOrderMeshWebhooks(scope, deps, acknowledged);
  });
}

type Scope = FastifyInstance<any, any, any, any>;
type Acknowledge = (req: FastifyRequest, reply: FastifyReply, outcome: WebhookOutcome, body: object) => FastifyReply;

/** Shopify's order and hold topics (a re-read of the order, a hold sweep), app/uninstalled, and the compliance topics (compliance.ts). */
function registerShopifyWebhooks(scope: Scope, deps: WebhookDeps): void {
  // Shopify's compliance topics may be given their own URL (compliance_topics in the app's configuration) or share this one.
  scope.post('/webhooks/shopify/compliance', (req, reply) => shopify(req, reply));
  scope.post('/webhooks/shopify', (req, reply) => shopify(req, reply));
  const shopify = async (req: FastifyRequest, reply: FastifyReply) => {
    const raw = (req.body as Buffer | undefined) ?? Buffer.alloc(0);
    const domain = String(req.headers['x-shopify-shop-domain'] ?? '');
    const topic = String(req.headers['x-shopify-topic'] ?? '');
    // Compliance requests name shops whose store may no longer run (shop/redact comes after an uninstall),
    // so compliance.ts finds and verifies the shop itself; never ignored for their age (Shopify retries them for hours).
    if (PRIVACY_TOPIC_SET.has(topic)) return receiveCompliance(deps, topic, req, raw, reply);
    const store = deps.stores.byShopDomain(domain);
    if (!store?.webhookSecret) return reject(reply, 401, 'unknown shop or no webhook secret configured');
    if (!verifyHmacBase64(store.webhookSecret, raw, req.headers['x-shopify-hmac-sha256'] as string | undefined)) {
      deps.log.warn({ shop: domain }, 'Shopify webhook with an invalid HMAC rejected');
      return reject(reply, 401, 'invalid HMAC');
    }
    // The merchant removed the app: nothing can be read or written any more, so the store is paused
    // (its orders stay). A config store is the config's to change: it is only logged.
    if (topic === 'app/uninstalled') {
      const r = await setPaused(deps.db, store.cfg.id, true, 'UNINSTALLED', 'shopify:app/uninstalled');
      if (r === 'config-store') deps.log.warn({ store: store.cfg.id }, 'the app was uninstalled from this shop: set enabled: false for it in the config');
      else deps.log.warn({ store: store.cfg.id }, 'the app was uninstalled from this shop: store paused');
      return reply.code(200).send({ received: true });
    }
    if (!SHOPIFY_TOPICS.has(topic) && !HOLD_TOPICS.has(topic)) return reply.code(200).send({ ignored: topic });
    const triggeredAt = Date.parse(String(req.headers['x-shopify-triggered-at'] ?? ''));
    if (Number.isNaN(triggeredAt)) return reject(reply, 400, 'X-Shopify-Triggered-At is missing or not a date');
    const age = ((deps.now ?? Date.now)() - triggeredAt) / 1000;
    if (Math.abs(age) > deps.maxAgeSeconds) {
      deps.log.warn({ shop: domain, topic, ageSeconds: Math.round(age) }, 'Shopify webhook outside the age window ignored');
      return reply.code(200).send({ ignored: 'outside the age window' });
    }
    // Deduplicated on what the HMAC covers (topic and body): X-Shopify-Webhook-Id is not signed, so a
    // replay under a new id must not count as a new event.
    const deliveryId = `${topic}:${createHash('sha256').update(raw).digest('base64url')}`;
    if (HOLD_TOPICS.has(topic)) {
      const fresh = await receiveOnce(deps, 'shopify', deliveryId, topic, (trx) => enqueue(deps.boss, Q.syncHolds, { storeId: store.cfg.id }, { trx, singletonKey: store.cfg.id }));
      return reply.code(200).send({ received: true, duplicate: !fresh });
    }
    let orderGid: unknown;
    try {
      // Only the GID string is read: the numeric `id` can exceed 2^53 and lose digits in JSON.parse.
      orderGid = (JSON.parse(raw.toString('utf8')) as { admin_graphql_api_id?: unknown } | null)?.admin_graphql_api_id;
    } catch {
      return reject(reply, 400, 'body is not JSON');
    }
    if (typeof orderGid !== 'string' || !ORDER_GID.test(orderGid)) return reject(reply, 400, 'admin_graphql_api_id is not an Order GID');
    // Either mode: the order is read again (a fulfilment-service store reads its requests of it, and scans).
    const fresh = await receiveOnce(deps, 'shopify', deliveryId, topic, (trx) =>
      enqueue(deps.boss, Q.refreshOrder, { storeId: store.cfg.id, storeOrderId: orderGid! }, { trx, singletonKey: `${store.cfg.id}:${orderGid}` }),
    );
    return reply.code(200).send({ received: true, duplicate: !fresh });
  };
}

/** Shopify's fulfilment-service callback. */
function registerFulfillmentServiceCallback(scope: Scope, deps: WebhookDeps): void {
  // Shopify's fulfilment-service callback: `{kind}` only, signed with the app secret. A hint to look
  // for requests now (the scheduled scan finds them anyway); answered at once, the scan runs as a job.
  scope.post('/webhooks/shopify/fulfillment-service/:storeId/fulfillment_order_notification', async (req, reply) => {
    const raw = (req.body as Buffer | undefined) ?? Buffer.alloc(0);
    const store = deps.stores.get((req.params as { storeId: string }).storeId);
    if (!store || store.cfg.mode !== 'fulfillment-service' || !store.webhookSecret) return reject(reply, 404, 'no fulfilment-service store here');
    if (!verifyHmacBase64(store.webhookSecret, raw, req.headers['x-shopify-hmac-sha256'] as string | undefined)) {
      deps.log.warn({ store: store.cfg.id }, 'fulfilment-service notification with an invalid HMAC rejected');
      return reject(reply, 401, 'invalid HMAC');
    }
    if (String(req.headers['x-shopify-shop-domain'] ?? '') !== store.cfg.shopDomain) return reject(reply, 401, 'X-Shopify-Shop-Domain is not this store');
    let kind: unknown;
    try {
      kind = (JSON.parse(raw.toString('utf8')) as { kind?: unknown } | null)?.kind;
    } catch {
      return reject(reply, 400, 'body is not JSON');
    }
    if (kind !== 'FULFILLMENT_REQUEST' && kind !== 'CANCELLATION_REQUEST') return reject(reply, 400, 'kind must be FULFILLMENT_REQUEST or CANCELLATION_REQUEST');
    await enqueue(deps.boss, Q.scanFulfillmentRequests, { storeId: store.cfg.id }, { singletonKey: store.cfg.id });
    return reply.code(200).send({ received: true });
  });
}

/** OrderMesh's deliveries: authenticated by the callback URL's secret or an HMAC, recorded in batches (ordermesh-intake.ts). */
function registerOrderMeshWebhooks(scope: Scope, deps: WebhookDeps, acknowledged: Acknowledge): void {
  // No delivery authentication is documented for OrderMesh: the callback URL registered in OrderMesh
  // carries the secret (/webhooks/ordermesh/<secret>), or a deployment that signs deliveries posts
  // to /webhooks/ordermesh with an HMAC of the body (x-ordermesh-signature).
  // Refusals are logged by `outcomes` (a flood of them as one line per window).
  scope.post('/webhooks/ordermesh/:secret', { bodyLimit: ORDERMESH_BODY_LIMIT }, async (req, reply) => {
    if (!deps.ordermeshSecret) return reject(reply, 401, 'ordermesh.webhookSecret is not configured');
    if (!sameSecret(deps.ordermeshSecret, (req.params as { secret: string }).secret)) return reject(reply, 401, 'invalid secret in the callback URL');
    return ordermesh(req, reply);
  });
  scope.post('/webhooks/ordermesh', { bodyLimit: ORDERMESH_BODY_LIMIT }, async (req, reply) => {
    const raw = (req.body as Buffer | undefined) ?? Buffer.alloc(0);
    if (!deps.ordermeshSecret) return reject(reply, 401, 'ordermesh.webhookSecret is not configured');
    if (!verifyHmacBase64(deps.ordermeshSecret, raw, req.headers[WEBHOOK_SIGNATURE_HEADER] as string | undefined)) {
      return reject(reply, 401, 'invalid signature (or post to /webhooks/ordermesh/<secret>)');
    }
    return ordermesh(req, reply);
  });
  const intake = new OrderMeshIntake({ db: deps.db, boss: deps.boss, stores: deps.stores, onPending: (n) => deps.metrics.webhookIntakePending.set(n) }, deps.intake);
  // Requests still waiting on a batch are answered before the server closes (and the pools after it).
  scope.addHook('onClose', () => intake.idle());
  /**
   * A hint, never a truth: it names an order (by OrderId or SafeId: a failed OrderCreation has no
   * OrderId) whose shipments are then read through the API before anything changes state. A
   * ShipmentUpdate's per-item package quantities are kept as hints for the packages the API gives
   * only orderItemIDs for (its packageOrderItems are often empty): they change nothing by themselves.
   */
  const ordermesh = async (req: FastifyRequest, reply: FastifyReply) => {
    const raw = (req.body as Buffer | undefined) ?? Buffer.alloc(0);
    let body: unknown;
    try {
      body = JSON.parse(raw.toString('utf8'));
    } catch {
      return reject(reply, 400, 'body is not JSON');
    }
    // An event the docs do not show is acknowledged (OrderMesh would retry a refusal), and changes nothing.
    const eventType = (body as { EventType?: unknown } | null)?.EventType;
    if (typeof eventType === 'string' && !(WEBHOOK_EVENT_TYPES as readonly string[]).includes(eventType)) {
      deps.log.info({ eventType: eventType.slice(0, 60) }, 'OrderMesh webhook of an event type the docs do not show: ignored');
      return acknowledged(req, reply, 'ignored', { ignored: 'event type not handled' });
    }
    const parsed = webhookPayload.safeParse(body);
    if (!parsed.success) return reject(reply, 400, `unexpected payload: ${parsed.error.issues[0]?.message}`);
    const p = parsed.data;
    const shipmentId = 'ShipmentId' in p ? p.ShipmentId : null;
    if (![p.SafeId, p.OrderId, p.RequestId, shipmentId].every((v) => v === null || v === undefined || ORDERMESH_ID.test(v))) {
      return reject(reply, 400, 'SafeId, OrderId, RequestId or ShipmentId is not a valid id');
    }
    if (!p.SafeId && !p.OrderId) return acknowledged(req, reply, 'ignored', { ignored: 'names no order' });
    // Recorded with the deliveries arriving meanwhile, in one transaction (ordermesh-intake.ts); a full
    // intake or a failed write throws IntakeUnavailableError, answered 503 by the error handler.
    const hints = p.EventType === 'ShipmentUpdate' ? packageHints(p.Packages) : undefined;
    const result = await intake.receive({ payload: p, bodyHash: createHash('sha256').update(raw).digest('base64url'), bytes: raw.length, ...(hints ? { hints } : {}) });
    if (result === 'unknown-order') return acknowledged(req, reply, 'ignored', { ignored: 'order not in the ledger' });
    return acknowledged(req, reply, result, { received: true, duplicate: result === 'duplicate' });
  };
}

/** The `{error}` of a refusal's JSON answer, for the log line. */
function errorText(payload: string): string | undefined {
  try {
    const e = (JSON.parse(payload) as { error?: unknown } | null)?.error;
    return typeof e === 'string' ? e : undefined;
  } catch {
    return undefined;
  }
}

/** Constant-time comparison of the secret in a callback URL. */
function sameSecret(expected: string, given: string): boolean {
  const a = createHash('sha256').update(expected).digest();
  const b = createHash('sha256').update(given).digest();
  return timingSafeEqual(a, b);
}

/** Per package, the items and quantities a ShipmentUpdate names (`Packages` is one object or an array, documented both ways). */
function packageHints(packages: WebhookPackage | WebhookPackage[] | null | undefined): PackageHints {
  const list = packages ? (Array.isArray(packages) ? packages : [packages]) : [];
  const out: PackageHints = {};
  for (const pk of list) {
    // Quantities a package could carry (a poison 1e23 would skip the whole package's write-back); one entry per item.
    const items = [...new Map((pk.PackageOrderItems ?? []).filter((i) => ORDERMESH_ID.test(i.OrderItemId) && Number.isInteger(i.Quantity) && i.Quantity > 0 && i.Quantity <= 100_000).map((i) => [i.OrderItemId, i])).values()];
    if (ORDERMESH_ID.test(pk.PackageId) && items.length) out[pk.PackageId] = items.map((i) => ({ orderItemId: i.OrderItemId, quantity: i.Quantity }));
  }
  return out;
}
