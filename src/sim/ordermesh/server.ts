/**
 * The OrderMesh simulator: a real HTTP server speaking OrderMesh as its public documentation shows it
 * (documented.ts for requests, wire.ts for answers, webhooks.ts for notifications), independently of the
 * client in src/connectors (test/sim/independence.test.ts keeps it so). Control endpoints under /_sim
 * (control.ts) drive OrderMesh's own work, inject faults, switch the answer variants and show its state.
 */
import Fastify, { type FastifyReply, type FastifyRequest } from 'fastify';
import { FaultInjector, seededRandom } from '../faults.ts';
import { WebhookSender } from '../webhook-sender.ts';
import { listenSim } from '../listen.ts';
import { SIM_DEFAULTS } from '../defaults.ts';
import { SimCatalogue } from './catalogue.ts';
import { registerControl } from './control.ts';
import { handlersFor } from './handlers.ts';
import { SimInbound } from './inbound.ts';
import { SimNotes } from './notes.ts';
import { SimRefunds } from './refunds.ts';
import { ROUTES, type RouteId } from './routes.ts';
import { OrderMeshState, SimRefusal, type SimEvent } from './state.ts';
import { DEFAULT_VARIANTS, withVariants, type VariantsInput } from './variants.ts';
import { RequestIds, webhookPayload } from './webhooks.ts';
import { errorAnswer } from './wire.ts';

export interface OrderMeshSimOptions {
  port?: number;
  host?: string;
  clientId?: string;
  clientSecret?: string;
  /** Lifetime of issued tokens; OrderMesh's is 24 h. Short values let tests see expiry. */
  tokenTtlSeconds?: number;
  /** Requests per second over all authenticated routes before 429 (0: unlimited). */
  rateLimitPerSecond?: number;
  /** Where webhooks go; a receiver authenticates them by a secret in this URL unless `webhookSignature` is on. */
  webhookUrl?: string;
  /** HMAC key of the `x-ordermesh-signature` header, sent only with the `webhookSignature` variant. */
  webhookSecret?: string;
  /** Seeds fault injection, so a chaos run repeats. */
  seed?: number;
  /** Answer shapes where the docs leave a choice (variants.ts); the rest keep their defaults. */
  variants?: VariantsInput;
}

export { SIM_DEFAULTS } from '../defaults.ts';
export { DEFAULT_VARIANTS } from './variants.ts';

/** ASSUMED header name and scheme (no delivery authentication is documented), used only with the `webhookSignature` variant. */
export const SIM_SIGNATURE_HEADER = 'x-ordermesh-signature';

export async function startOrderMeshSim(opts: OrderMeshSimOptions = {}) {
  const settings = {
    tokenTtlSeconds: opts.tokenTtlSeconds ?? 86_400,
    rateLimitPerSecond: opts.rateLimitPerSecond ?? 0,
    webhookUrl: opts.webhookUrl,
    merchants: null as string[] | null,
    webhookDropRate: 0,
    slowMerchants: {} as Record<string, number>,
    variants: withVariants({ ...DEFAULT_VARIANTS }, opts.variants),
  };
  const webhookSecret = opts.webhookSecret ?? SIM_DEFAULTS.webhookSecret;
  const faults = new FaultInjector(opts.seed !== undefined ? seededRandom(opts.seed) : Math.random);
  const webhooks = new WebhookSender();
  const drop = opts.seed !== undefined ? seededRandom(opts.seed + 1) : Math.random;
  const requestIds = new RequestIds();
  const counters = { tokenRequests: 0, rateLimited: 0, unauthorized: 0, webhooksDropped: 0 };
  const emit = (event: SimEvent) => {
    const body = webhookPayload(event, requestIds.next(), settings.variants);
    if (settings.webhookDropRate && drop() < settings.webhookDropRate) {
      counters.webhooksDropped++;
      return;
    }
    if (!settings.webhookUrl) return;
    webhooks.send({ url: settings.webhookUrl, body, ...(settings.variants.webhookSignature ? { secret: webhookSecret, signatureHeader: SIM_SIGNATURE_HEADER } : {}) });
  };
  const state = new OrderMeshState(emit);
  const catalogue = new SimCatalogue();
  const inbound = new SimInbound(state, emit, (m, items) => catalogue.check(m, items), () => settings.variants.duplicateStatus);
  const notes = new SimNotes();
  const refunds = new SimRefunds();
  const tokens = new Map<string, number>(); // token → expiry (ms)
  const requests: Partial<Record<RouteId, number>> = {};
  const requestTimes: Partial<Record<RouteId, number[]>> = {};
  let bucket = { tokens: settings.rateLimitPerSecond, at: Date.now() };

  const handlers = handlersFor({
    state, catalogue, inbound, notes, refunds, settings, tokens, counters,
    refreshTokens: new Set<string>(),
    credentials: { clientId: opts.clientId ?? SIM_DEFAULTS.clientId, clientSecret: opts.clientSecret ?? SIM_DEFAULTS.clientSecret, username: SIM_DEFAULTS.username, password: SIM_DEFAULTS.password },
  });

  const app = Fastify({ logger: false });
  const sendError = (reply: FastifyReply, status: number, message: string, retryAfter?: string) => {
    if (retryAfter) reply.header('retry-after', retryAfter);
    return reply.code(status).send(errorAnswer({ message, errors: [] }, settings.variants));
  };

  const authorise = (req: FastifyRequest) => {
    const m = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '');
    const expiry = m ? tokens.get(m[1]!) : undefined;
    if (expiry === undefined || Date.now() >= expiry) {
      counters.unauthorized++;
      throw new SimRefusal(401, expiry === undefined ? 'Missing or unknown bearer token' : 'Token expired');
    }
  };

  /** A token bucket: `rateLimitPerSecond` per second, bursts up to one second's worth. Rate limits are not documented. */
  const takeRateToken = (): number | undefined => {
    const rate = settings.rateLimitPerSecond;
    if (rate <= 0) return undefined;
    const now = Date.now();
    bucket = { tokens: Math.min(rate, bucket.tokens + ((now - bucket.at) / 1000) * rate), at: now };
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return undefined;
    }
    counters.rateLimited++;
    return (1 - bucket.tokens) / rate;
  };

  for (const [id, spec] of Object.entries(ROUTES) as Array<[RouteId, (typeof ROUTES)[RouteId]]>) {
    const creates = id === 'createOrder' || id === 'createOrdersBulk';
    /** The orders a create request names (one, or the bulk's). */
    const ordersOf = (req: FastifyRequest) => (id === 'createOrder' ? [req.body] : (req.body as { bulk?: unknown } | null)?.bulk);
    app.route({
      method: spec.method,
      url: spec.path.replace(/\{(\w+)\}/g, ':$1'),
      handler: async (req, reply) => {
        requests[id] = (requests[id] ?? 0) + 1;
        (requestTimes[id] ??= []).push(Date.now());
        const fault = faults.decide(id);
        if (fault.latencyMs) await sleep(fault.latencyMs);
        if (fault.kind === 'status429') return sendError(reply, 429, 'Rate limit exceeded (injected)', String(fault.retryAfterSeconds));
        if (fault.kind === 'status500') return sendError(reply, 500, 'Internal error (injected)');
        if (fault.kind === 'status503') return sendError(reply, 503, 'Service unavailable (injected)');
        if (fault.kind === 'status403') return sendError(reply, 403, 'Forbidden (injected)');
        if (fault.kind === 'timeout') await sleep(fault.timeoutMs);
        const slow = creates ? merchantDelay(ordersOf(req), settings.slowMerchants) : 0;
        if (slow) await sleep(slow);
        try {
          if (spec.auth) {
            authorise(req);
            const wait = takeRateToken();
            if (wait !== undefined) return sendError(reply, 429, 'Rate limit exceeded', wait.toFixed(3));
          }
          // Whether the client hears the answer to a create: one it never hears makes asking again legitimate.
          const safeIds = creates ? createdSafeIds(ordersOf(req)) : [];
          let unanswered = fault.kind === 'lostResponse' || fault.kind === 'timeout';
          if (safeIds.length) {
            if (unanswered) state.countUnanswered(safeIds);
            // A client that gave up or died before the answer was written.
            else reply.raw.once('close', () => !reply.raw.writableFinished && !unanswered && (unanswered = true) && state.countUnanswered(safeIds));
          }
          const result = handlers[id](req);
          if (fault.kind === 'lostResponse') {
            // Applied above; now the client never hears of it.
            reply.hijack();
            req.raw.socket.destroy();
            return;
          }
          return result.body === undefined ? reply.code(result.status).send() : reply.code(result.status).send(result.body);
        } catch (err) {
          if (err instanceof SimRefusal) return reply.code(err.status).send(errorAnswer(err, settings.variants));
          throw err;
        }
      },
    });
  }

  registerControl(app, { state, catalogue, inbound, notes, refunds, faults, webhooks, settings, tokens, counters, requests, requestTimes, resetBucket: () => (bucket = { tokens: settings.rateLimitPerSecond, at: Date.now() }) });

  app.setNotFoundHandler((req, reply) => reply.code(404).send({ message: `no route ${req.method} ${req.url}` }));
  app.setErrorHandler((err: Error & { statusCode?: number }, _req, reply) => {
    const status = err.statusCode && err.statusCode < 500 ? err.statusCode : 500;
    reply.code(status).send(errorAnswer({ message: err.message, errors: [] }, settings.variants));
  });

  const server = await listenSim(app, opts.port ?? SIM_DEFAULTS.port, opts.host ?? '127.0.0.1', webhooks);
  return { ...server, state, faults, webhooks, settings, catalogue, inbound, notes, refunds };
}

/** The longest hold among the merchants a create request's orders name. */
function merchantDelay(orders: unknown, slow: Record<string, number>): number {
  if (!Array.isArray(orders)) return 0;
  return Math.max(0, ...orders.map((o) => slow[String((o as { merchantId?: unknown } | null)?.merchantId)] ?? 0));
}

/** The safeIds the orders of a create request name. */
function createdSafeIds(orders: unknown): string[] {
  if (!Array.isArray(orders)) return [];
  return orders.flatMap((o) => (o && typeof (o as { safeId?: unknown }).safeId === 'string' ? [(o as { safeId: string }).safeId] : []));
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
