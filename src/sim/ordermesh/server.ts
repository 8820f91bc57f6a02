/**
 * The OrderMesh simulator: a real HTTP server speaking OrderMesh as its public documentation shows it
 * (documented.ts for requests, wire.ts for answers, webhooks.ts for notifications), independently of the
 * client in src/connectors (test/sim/independence.test.ts keeps it so). Control endpoints under /_sim
 * (control.ts) drive OrderMesh's own work, inject faults, switch the answer variants and show its state.
 */
import Fastify from 'fastify';
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
import { SimAccess } from './access.ts';
import { registerApi } from './api.ts';
import type { RouteId } from './routes.ts';
import { OrderMeshState, type SimEvent } from './state.ts';
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

  const handlers = handlersFor({
    state, catalogue, inbound, notes, refunds, settings, tokens, counters,
    refreshTokens: new Set<string>(),
    credentials: { clientId: opts.clientId ?? SIM_DEFAULTS.clientId, clientSecret: opts.clientSecret ?? SIM_DEFAULTS.clientSecret, username: SIM_DEFAULTS.username, password: SIM_DEFAULTS.password },
  });

  const app = Fastify({ logger: false });
  const access = new SimAccess(settings, tokens, counters);
  registerApi(app, { handlers, faults, settings, state, access, requests, requestTimes });

  registerControl(app, { state, catalogue, inbound, notes, refunds, faults, webhooks, settings, tokens, counters, requests, requestTimes, resetBucket: () => access.resetBucket() });

  app.setNotFoundHandler((req, reply) => reply.code(404).send({ message: `no route ${req.method} ${req.url}` }));
  app.setErrorHandler((err: Error & { statusCode?: number }, _req, reply) => {
    const status = err.statusCode && err.statusCode < 500 ? err.statusCode : 500;
    reply.code(status).send(errorAnswer({ message: err.message, errors: [] }, settings.variants));
  });

  const server = await listenSim(app, opts.port ?? SIM_DEFAULTS.port, opts.host ?? '127.0.0.1', webhooks);
  return { ...server, state, faults, webhooks, settings, catalogue, inbound, notes, refunds };
}
