import { randomBytes } from 'node:crypto';
import Fastify, { type FastifyReply, type FastifyRequest } from 'fastify';
import { z } from 'zod';
import {
  WEBHOOK_SIGNATURE_HEADER,
  cancelOrderModel,
  createOrderModel,
  customerCareHoldModel,
  ORDER_STATUSES,
  REFUND_STATUSES,
  addRefundModel,
  createNoteModel,
  inboundOrderRequest,
  updateNoteModel,
  fieldErrors,
  operations,
  type BulkResponseItem,
  type OperationId,
  type WebhookPayload,
} from '../../connectors/ordermesh/contract.ts';
import { FaultInjector, faultsBody, seededRandom } from '../faults.ts';
import { WebhookSender } from '../webhook-sender.ts';
import { listenSim } from '../listen.ts';
import { SIM_DEFAULTS } from '../defaults.ts';
import { countBy } from '../count-by.ts';
import { OrderMeshState, SimRefusal } from './state.ts';
import { SimCatalogue } from './catalogue.ts';
import { SimInbound } from './inbound.ts';
import { SimNotes } from './notes.ts';
import { SimRefunds } from './refunds.ts';

export interface OrderMeshSimOptions {
  port?: number;
  host?: string;
  clientId?: string;
  clientSecret?: string;
  /** Lifetime of issued tokens; OrderMesh's is 24 h. Short values let tests see expiry. */
  tokenTtlSeconds?: number;
  /** Requests per second over all authenticated routes before 429 (0: unlimited). */
  rateLimitPerSecond?: number;
  webhookUrl?: string;
  webhookSecret?: string;
  /** Seeds fault injection, so a chaos run repeats. */
  seed?: number;
}

export { SIM_DEFAULTS } from '../defaults.ts';

type Handler = (req: FastifyRequest) => { status: number; body: unknown };

const settingsBody = z.strictObject({
  tokenTtlSeconds: z.number().positive().optional(),
  rateLimitPerSecond: z.number().nonnegative().optional(),
  webhookUrl: z.url().nullable().optional(),
  /** The merchants this client may act for (null: any). ASSUMED behaviour: another merchant's order is refused 403. */
  merchants: z.array(z.string().min(1)).nullable().optional(),
  /** The share of webhooks never sent (lost on the way): what the backstops are for. */
  webhookDropRate: z.number().min(0).max(1).optional(),
  /** How long an inbound order waits in OrderMesh's queue before its Transformation runs. */
  inboundDelayMs: z.number().int().nonnegative().optional(),
  /** Merchants whose create requests are held this long before they are handled (one slow tenant among many). */
  slowMerchants: z.record(z.string(), z.number().int().nonnegative()).optional(),
});
const catalogBody = z.strictObject({ merchantId: z.string().min(1), variants: z.array(z.strictObject({ sku: z.string().min(1), name: z.string().optional(), productName: z.string().optional() })) });
const transformationBody = z.strictObject({ id: z.string().min(1), kind: z.enum(['mapped', 'store']) });
const staffNoteBody = z.strictObject({ text: z.string().min(1) });
const refundDecisionBody = z.strictObject({ status: z.enum(REFUND_STATUSES) });
const shipBody = z.strictObject({
  items: z.array(z.strictObject({ orderItemId: z.string(), quantity: z.number().int().positive() })).optional(),
  packages: z.number().int().positive().optional(),
  carrier: z.string().optional(),
});

/** Parses a body against a contract schema; a mismatch is OrderMesh's 400 with per-field messages. */
function validate<T>(schema: z.ZodType<T>, body: unknown): T {
  const r = schema.safeParse(body);
  if (!r.success) throw new SimRefusal(400, 'validation failed', fieldErrors(r.error));
  return r.data;
}

function refusalBody(err: SimRefusal): { message: string; errors?: Record<string, string[]> } {
  return { message: err.message, ...(err.errors ? { errors: err.errors } : {}) };
}

export async function startOrderMeshSim(opts: OrderMeshSimOptions = {}) {
  const settings = {
    tokenTtlSeconds: opts.tokenTtlSeconds ?? 86_400,
    rateLimitPerSecond: opts.rateLimitPerSecond ?? 0,
    webhookUrl: opts.webhookUrl,
    merchants: null as string[] | null,
    webhookDropRate: 0,
    slowMerchants: {} as Record<string, number>,
  };
  const mayActFor = (merchantId: unknown) => {
    if (settings.merchants && typeof merchantId === 'string' && !settings.merchants.includes(merchantId)) {
      throw new SimRefusal(403, `this client may not act for merchant ${merchantId}`);
    }
  };
  const clientId = opts.clientId ?? SIM_DEFAULTS.clientId;
  const clientSecret = opts.clientSecret ?? SIM_DEFAULTS.clientSecret;
  const webhookSecret = opts.webhookSecret ?? SIM_DEFAULTS.webhookSecret;
  const faults = new FaultInjector(opts.seed !== undefined ? seededRandom(opts.seed) : Math.random);
  const webhooks = new WebhookSender();
  const drop = opts.seed !== undefined ? seededRandom(opts.seed + 1) : Math.random;
  let webhooksDropped = 0;
  const emit = (payload: WebhookPayload) => {
    if (settings.webhookDropRate && drop() < settings.webhookDropRate) {
      webhooksDropped++;
      return;
    }
    if (settings.webhookUrl) webhooks.send({ url: settings.webhookUrl, body: payload, secret: webhookSecret, signatureHeader: WEBHOOK_SIGNATURE_HEADER });
  };
  const state = new OrderMeshState(emit);
  const catalogue = new SimCatalogue();
  const inbound = new SimInbound(state, emit, (m, items) => catalogue.check(m, items));
  const notes = new SimNotes();
  const refunds = new SimRefunds();
  /** A create as OrderMesh checks it beyond the schema: SKUs against the catalogue, a reprint against its original. */
  const createChecked = (raw: unknown) => {
    const model = validate(createOrderModel, raw);
    const skuErrors = catalogue.check(model.merchantId, model.items);
    if (skuErrors) throw new SimRefusal(400, 'validation failed', skuErrors);
    if (model.reprint) {
      const original = state.orders.get(model.reprint.originalOrderId);
      if (!original || original.merchantId !== model.merchantId) throw new SimRefusal(400, 'validation failed', { 'reprint.originalOrderId': [`order ${model.reprint.originalOrderId} is not one of this merchant's orders`] });
    }
    return state.create(model);
  };
  const tokens = new Map<string, number>(); // token → expiry (ms)
  const refreshTokens = new Set<string>();
  const requests: Partial<Record<OperationId, number>> = {};
  const requestTimes: Partial<Record<OperationId, number[]>> = {};
  let tokenRequests = 0;
  let rateLimited = 0;
  let unauthorized = 0;
  let bucket = { tokens: settings.rateLimitPerSecond, at: Date.now() };

  const issue = (withRefresh: boolean) => {
    const accessToken = `omsim_${randomBytes(18).toString('hex')}`;
    tokens.set(accessToken, Date.now() + settings.tokenTtlSeconds * 1000);
    const base = { accessToken, tokenType: 'Bearer', expiresIn: settings.tokenTtlSeconds };
    if (!withRefresh) return base;
    const refreshToken = `omsim_r_${randomBytes(18).toString('hex')}`;
    refreshTokens.add(refreshToken);
    return { ...base, scope: 'email profile', refreshToken };
  };

  const handlers: Record<OperationId, Handler> = {
    clientToken: (req) => {
      tokenRequests++;
      const body = validate(operations.clientToken.request, req.body);
      if (body.clientId !== clientId || body.clientSecret !== clientSecret) throw new SimRefusal(401, 'invalid client credentials');
      return { status: 200, body: issue(false) };
    },
    login: (req) => {
      const body = validate(operations.login.request, req.body);
      if (body.username !== SIM_DEFAULTS.username || body.password !== SIM_DEFAULTS.password) throw new SimRefusal(401, 'invalid username or password');
      return { status: 200, body: issue(true) };
    },
    refresh: (req) => {
      const body = validate(operations.refresh.request, req.body);
      if (!refreshTokens.delete(body.refreshToken)) throw new SimRefusal(401, 'invalid refresh token');
      return { status: 200, body: issue(true) };
    },
    createOrder: (req) => {
      state.countCreateRequest((req.body as { safeId?: unknown } | undefined)?.safeId);
      mayActFor((req.body as { merchantId?: unknown } | undefined)?.merchantId);
      const order = createChecked(req.body);
      return { status: 201, body: { orderId: order.id } };
    },
    createOrdersBulk: (req) => {
      const { items } = validate(operations.createOrdersBulk.request, req.body);
      const results: BulkResponseItem[] = items.map((raw, index) => {
        state.countCreateRequest((raw as { safeId?: unknown } | null)?.safeId);
        const safeId = typeof (raw as { safeId?: unknown })?.safeId === 'string' ? (raw as { safeId: string }).safeId : null;
        try {
          mayActFor((raw as { merchantId?: unknown } | null)?.merchantId);
          const order = createChecked(raw);
          return { index, safeId, status: 201, orderId: order.id };
        } catch (err) {
          if (!(err instanceof SimRefusal)) throw err;
          return { index, safeId, status: err.status, ...refusalBody(err) };
        }
      });
      return { status: 200, body: { items: results } };
    },
    listOrders: (req) => {
      const q = req.query as { page?: string; pageSize?: string; merchantId?: string; status?: string; createdFrom?: string };
      const page = Math.max(1, Number(q.page ?? 1) || 1);
      const pageSize = Math.min(200, Math.max(1, Number(q.pageSize ?? 50) || 50));
      mayActFor(q.merchantId);
      if (q.status !== undefined && !(ORDER_STATUSES as readonly string[]).includes(q.status)) throw new SimRefusal(400, `status: unknown order status "${q.status}"`);
      const from = q.createdFrom !== undefined ? Date.parse(q.createdFrom) : undefined;
      if (Number.isNaN(from)) throw new SimRefusal(400, 'createdFrom: not a date');
      const all = [...state.orders.values()].filter((o) => (q.merchantId === undefined || o.merchantId === q.merchantId) && (q.status === undefined || o.status === q.status) && (from === undefined || Date.parse(o.createdAt) >= from));
      const items = all.slice((page - 1) * pageSize, page * pageSize).map((o) => state.view(o));
      return { status: 200, body: { items, page, pageSize, total: all.length } };
    },
    getOrder: (req) => ({ status: 200, body: state.view(state.get(param(req, 'orderId'))) }),
    getOrderBySafeId: (req) => ({ status: 200, body: state.view(state.getBySafeId(param(req, 'safeId'))) }),
    updateOrder: (req) => ({
      status: 200,
      body: state.view(state.update(param(req, 'orderId'), validate(operations.updateOrder.request, req.body))),
    }),
    cancelOrder: (req) => {
      const o = state.cancel(param(req, 'orderId'), validate(cancelOrderModel, req.body ?? {}));
      return { status: 200, body: { orderId: o.id, status: o.status } };
    },
    customerCareHold: (req) => {
      validate(customerCareHoldModel, req.body ?? {});
      const o = state.hold(param(req, 'orderId'));
      return { status: 200, body: { orderId: o.id, status: o.status } };
    },
    releaseCustomerCareHold: (req) => {
      validate(operations.releaseCustomerCareHold.request, req.body ?? {});
      const o = state.release(param(req, 'orderId'));
      return { status: 200, body: { orderId: o.id, status: o.status } };
    },
    getShipmentsForOrder: (req) => {
      const o = state.get(param(req, 'orderId'));
      return { status: 200, body: { items: o.shipmentIds.map((id) => state.shipments.get(id)!) } };
    },
    merchantCatalogVariants: (req) => {
      const q = req.query as { merchantId?: string; page?: string; pageSize?: string };
      if (!q.merchantId) throw new SimRefusal(400, 'merchantId: is required');
      mayActFor(q.merchantId);
      return { status: 200, body: catalogue.page(q.merchantId, Math.max(1, Number(q.page ?? 1) || 1), Math.min(500, Math.max(1, Number(q.pageSize ?? 100) || 100))) };
    },
    createInboundOrder: (req) => {
      const body = validate(inboundOrderRequest, req.body);
      mayActFor(body.merchantId);
      return { status: 202, body: inbound.receive(body) };
    },
    createNote: (req) => {
      const body = validate(createNoteModel, req.body);
      return { status: 201, body: { id: notes.create(body.entityId, body.text, body.externalId, (id) => state.orders.has(id)).id } };
    },
    listNotes: (req) => {
      const q = req.query as { entityType?: string; entityId?: string };
      return { status: 200, body: { items: notes.of(q.entityType, q.entityId) } };
    },
    updateNote: (req) => ({ status: 200, body: notes.update(param(req, 'id'), validate(updateNoteModel, req.body).text) }),
    addRefund: (req) => {
      const o = state.get(param(req, 'orderId'));
      const body = validate(addRefundModel, req.body);
      return { status: 201, body: refunds.add(o.id, body, o.items.map((i) => ({ id: i.id, quantity: i.quantity - i.cancelledQuantity }))) };
    },
    listRefunds: (req) => ({ status: 200, body: { items: refunds.byOrder.get(state.get(param(req, 'orderId')).id) ?? [] } }),
    getShipment: (req) => {
      const s = state.shipments.get(param(req, 'shipmentId'));
      if (!s) throw new SimRefusal(404, 'shipment not found');
      return { status: 200, body: s };
    },
  };

  const app = Fastify({ logger: false });

  const authorise = (req: FastifyRequest) => {
    const m = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '');
    const expiry = m ? tokens.get(m[1]!) : undefined;
    if (expiry === undefined || Date.now() >= expiry) {
      unauthorized++;
      throw new SimRefusal(401, expiry === undefined ? 'missing or unknown bearer token' : 'token expired');
    }
  };

  /** A token bucket: `rateLimitPerSecond` per second, bursts up to one second's worth. */
  const takeRateToken = (): number | undefined => {
    const rate = settings.rateLimitPerSecond;
    if (rate <= 0) return undefined;
    const now = Date.now();
    bucket = { tokens: Math.min(rate, bucket.tokens + ((now - bucket.at) / 1000) * rate), at: now };
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return undefined;
    }
    rateLimited++;
    return (1 - bucket.tokens) / rate;
  };

  for (const [id, spec] of Object.entries(operations) as Array<[OperationId, (typeof operations)[OperationId]]>) {
    app.route({
      method: spec.method,
      url: spec.path.replace(/\{(\w+)\}/g, ':$1'),
      handler: async (req, reply) => {
        requests[id] = (requests[id] ?? 0) + 1;
        (requestTimes[id] ??= []).push(Date.now());
        const fault = faults.decide(id);
        if (fault.latencyMs) await sleep(fault.latencyMs);
        if (fault.kind === 'status429') return sendError(reply, 429, 'rate limit exceeded (injected)', String(fault.retryAfterSeconds));
        if (fault.kind === 'status500') return sendError(reply, 500, 'internal error (injected)');
        if (fault.kind === 'status503') return sendError(reply, 503, 'service unavailable (injected)');
        if (fault.kind === 'status403') return sendError(reply, 403, 'forbidden (injected)');
        if (fault.kind === 'timeout') await sleep(fault.timeoutMs);
        const slow = id === 'createOrder' || id === 'createOrdersBulk' ? merchantDelay(id === 'createOrder' ? [req.body] : (req.body as { items?: unknown[] } | null)?.items, settings.slowMerchants) : 0;
        if (slow) await sleep(slow);
        try {
          if (spec.auth) {
            authorise(req);
            const wait = takeRateToken();
            if (wait !== undefined) return sendError(reply, 429, 'rate limit exceeded', wait.toFixed(3));
          }
          // Whether the client hears the answer to a create: one it never hears makes asking again legitimate.
          const safeIds = id === 'createOrder' ? createdSafeIds([req.body]) : id === 'createOrdersBulk' ? createdSafeIds((req.body as { items?: unknown } | null)?.items) : [];
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
          return reply.code(result.status).send(result.body);
        } catch (err) {
          if (err instanceof SimRefusal) return reply.code(err.status).send(refusalBody(err));
          throw err;
        }
      },
    });
  }

  // ---- control endpoints (not part of OrderMesh)
  // ?summary: the counts alone (cheap enough to poll while tens of thousands of orders are held).
  /**
   * Every order's id, merchant, status, creation time and create requests, nothing more: what a benchmark
   * with a hundred thousand orders reads (the whole state would be hundreds of megabytes).
   */
  app.get('/_sim/state/brief', async () => ({
    orders: [...state.orders.values()].map((o) => ({ orderId: o.id, safeId: o.safeId, merchantId: o.merchantId, status: o.status, createdAt: o.createdAt, createRequests: state.createRequests.get(o.safeId) ?? 0 })),
  }));
  app.get('/_sim/state', async (req) => ({
    counts: {
      orders: state.orders.size,
      byStatus: countBy([...state.orders.values()], (o) => o.status),
      shipments: state.shipments.size,
      tokenRequests,
      rateLimited,
      unauthorized,
      requests,
      faultsInjected: faults.injected,
      webhooks: { delivered: webhooks.delivered, failed: webhooks.failed, dropped: webhooksDropped },
      notes: notes.notes.size,
    },
    orders: (req.query as { summary?: string }).summary !== undefined ? [] : [...state.orders.values()].map((o) => ({
      orderId: o.id,
      safeId: o.safeId,
      externalId: o.externalId,
      merchantId: o.merchantId,
      status: o.status,
      createdAt: o.createdAt,
      createRequests: state.createRequests.get(o.safeId) ?? 0,
      items: state.view(o).items,
      shippingAddress: o.model.shippingAddress,
      billingAddress: o.model.billingAddress ?? null,
      money: { currencyCode: o.model.currencyCode, customerTotal: o.model.customerTotal ?? null, customerTotalDiscountAndPromotions: o.model.customerTotalDiscountAndPromotions ?? null, customerTotalTaxes: o.model.customerTotalTaxes ?? null },
      meta: o.model.meta ?? null,
      reprint: o.model.reprint ?? null,
      shipments: o.shipmentIds.map((id) => state.shipments.get(id)),
      notes: notes.of('Order', o.id).map((n) => ({ id: n.id, text: n.text, externalId: n.externalId, author: n.author, updates: notes.updateRequests.get(n.id) ?? 0 })),
      refunds: refunds.byOrder.get(o.id) ?? [],
    })),
    noteCreateRequestsByExternalId: Object.fromEntries(notes.createRequests),
    refundRequestsByExternalId: Object.fromEntries(refunds.requests),
    inboundRequestsBySafeId: Object.fromEntries(inbound.requests),
    createRequestsBySafeId: (req.query as { summary?: string }).summary !== undefined ? {} : Object.fromEntries(state.createRequests),
    unansweredCreatesBySafeId: (req.query as { summary?: string }).summary !== undefined ? {} : Object.fromEntries(state.unansweredCreates),
  }));
  app.get('/_sim/requests', async () => requestTimes);
  /** Every token issued, so a test can check that none was ever written to a log or the ledger. */
  app.get('/_sim/tokens', async () => ({ tokens: [...tokens.keys()] }));
  app.post('/_sim/faults', async (req, reply) => {
    const r = faultsBody.safeParse(req.body);
    if (!r.success) return reply.code(400).send({ message: 'invalid faults', errors: fieldErrors(r.error) });
    faults.set(r.data);
    return { ok: true };
  });
  app.delete('/_sim/faults', async () => {
    faults.clear();
    return { ok: true };
  });
  app.post('/_sim/settings', async (req, reply) => {
    const r = settingsBody.safeParse(req.body);
    if (!r.success) return reply.code(400).send({ message: 'invalid settings', errors: fieldErrors(r.error) });
    if (r.data.tokenTtlSeconds !== undefined) settings.tokenTtlSeconds = r.data.tokenTtlSeconds;
    if (r.data.rateLimitPerSecond !== undefined) {
      settings.rateLimitPerSecond = r.data.rateLimitPerSecond;
      bucket = { tokens: settings.rateLimitPerSecond, at: Date.now() };
    }
    if (r.data.webhookUrl !== undefined) settings.webhookUrl = r.data.webhookUrl ?? undefined;
    if (r.data.merchants !== undefined) settings.merchants = r.data.merchants;
    if (r.data.webhookDropRate !== undefined) settings.webhookDropRate = r.data.webhookDropRate;
    if (r.data.inboundDelayMs !== undefined) inbound.delayMs = r.data.inboundDelayMs;
    if (r.data.slowMerchants !== undefined) settings.slowMerchants = r.data.slowMerchants;
    return settings;
  });
  app.post('/_sim/tokens/revoke', async () => {
    const n = tokens.size;
    tokens.clear();
    return { revoked: n };
  });
  app.post('/_sim/orders/:orderId/ship', async (req, reply) => {
    const body = shipBody.safeParse(req.body ?? {});
    if (!body.success) return reply.code(400).send({ message: 'invalid ship request', errors: fieldErrors(body.error) });
    try {
      return state.ship((req.params as { orderId: string }).orderId, body.data);
    } catch (err) {
      if (err instanceof SimRefusal) return reply.code(err.status).send(refusalBody(err));
      throw err;
    }
  });
  // OrderMesh's own work on one order: a production step, or its customer care holding or releasing it.
  for (const [verb, act] of [['advance', (id: string) => state.advanceOne(id)], ['hold', (id: string) => state.hold(id)], ['release', (id: string) => state.release(id)]] as const) {
    app.post(`/_sim/orders/:orderId/${verb}`, async (req, reply) => {
      try {
        const o = act((req.params as { orderId: string }).orderId);
        return { orderId: o.id, status: o.status };
      } catch (err) {
        if (err instanceof SimRefusal) return reply.code(err.status).send(refusalBody(err));
        throw err;
      }
    });
  }
  app.post('/_sim/advance', async () => ({ moved: state.advance() }));
  const control = <T>(schema: z.ZodType<T>, act: (body: T, params: Record<string, string>) => unknown) => async (req: FastifyRequest, reply: FastifyReply) => {
    const body = schema.safeParse(req.body ?? {});
    if (!body.success) return reply.code(400).send({ message: 'invalid request', errors: fieldErrors(body.error) });
    try {
      return await act(body.data, req.params as Record<string, string>);
    } catch (err) {
      if (err instanceof SimRefusal) return reply.code(err.status).send(refusalBody(err));
      throw err;
    }
  };
  // The merchant's set-up in OrderMesh's own tools: an enabled catalogue, a Transformation.
  app.post('/_sim/catalog', control(catalogBody, (b) => (catalogue.set(b.merchantId, b.variants), { ok: true, variants: b.variants.length })));
  app.post('/_sim/transformations', control(transformationBody, (b) => (inbound.transformations.set(b.id, b.kind), { ok: true })));
  app.post('/_sim/inbound/drain', async () => {
    await inbound.drain();
    await webhooks.drain();
    return { ok: true };
  });
  // OrderMesh's customer care: a note on an order, a decision on a refund request.
  app.post('/_sim/orders/:orderId/notes', control(staffNoteBody, (b, p) => notes.addStaffNote(state.get(p.orderId!).id, b.text)));
  app.post('/_sim/refunds/:refundId/decide', control(refundDecisionBody, (b, p) => refunds.decide(p.refundId!, b.status)));
  app.post('/_sim/webhooks/drain', async () => {
    await webhooks.drain();
    return { delivered: webhooks.delivered, failed: webhooks.failed };
  });

  app.setNotFoundHandler((req, reply) => reply.code(404).send({ message: `no route ${req.method} ${req.url}` }));
  app.setErrorHandler((err: Error & { statusCode?: number }, _req, reply) => {
    const status = err.statusCode && err.statusCode < 500 ? err.statusCode : 500;
    reply.code(status).send({ message: err.message });
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

function param(req: FastifyRequest, name: string): string {
  return (req.params as Record<string, string>)[name]!;
}

function sendError(reply: FastifyReply, status: number, message: string, retryAfter?: string) {
  if (retryAfter) reply.header('retry-after', retryAfter);
  return reply.code(status).send({ message });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
