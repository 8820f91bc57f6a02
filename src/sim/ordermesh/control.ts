import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { countBy } from '../count-by.ts';
import { faultsBody, type FaultInjector } from '../faults.ts';
import { fieldErrors } from '../field-errors.ts';
import type { WebhookSender } from '../webhook-sender.ts';
import { catalogVariantInput, type SimCatalogue } from './catalogue.ts';
import { addRefundModel } from './documented.ts';
import type { SimInbound } from './inbound.ts';
import type { SimNotes } from './notes.ts';
import type { SimRefunds } from './refunds.ts';
import type { RouteId } from './routes.ts';
import { SimRefusal, type OrderMeshState, type SimOrder } from './state.ts';
import { DEFAULT_VARIANTS, variantsSchema, withVariants, type Variants } from './variants.ts';
import { itemStatus, shipmentModel } from './wire.ts';

/** Not part of OrderMesh: how tests and demos drive it and look inside. */
export interface ControlParts {
  state: OrderMeshState;
  catalogue: SimCatalogue;
  inbound: SimInbound;
  notes: SimNotes;
  refunds: SimRefunds;
  faults: FaultInjector;
  webhooks: WebhookSender;
  settings: {
    tokenTtlSeconds: number;
    rateLimitPerSecond: number;
    webhookUrl: string | undefined;
    merchants: string[] | null;
    webhookDropRate: number;
    slowMerchants: Record<string, number>;
    variants: Variants;
  };
  tokens: Map<string, number>;
  counters: { tokenRequests: number; rateLimited: number; unauthorized: number; webhooksDropped: number };
  requests: Partial<Record<RouteId, number>>;
  requestTimes: Partial<Record<RouteId, number[]>>;
  resetBucket: () => void;
}

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
  /** Answer shapes (variants.ts), merged into the current ones; null restores the defaults. */
  variants: variantsSchema.nullable().optional(),
});
const catalogBody = z.strictObject({ merchantId: z.string().min(1), variants: z.array(catalogVariantInput) });
const transformationBody = z.strictObject({ id: z.string().min(1), kind: z.enum(['mapped', 'store']) });
const staffNoteBody = z.strictObject({ text: z.string().min(1) });
const staffRefundBody = z.strictObject({ refunds: addRefundModel.shape.refunds });
const shipLine = z.strictObject({ orderItemId: z.string(), quantity: z.number().int().positive() });
const shipBody = z.strictObject({
  items: z.array(shipLine).optional(),
  /** A count (lines spread whole over that many packages) or each package's lines (an item may be split). */
  packages: z.union([z.number().int().positive(), z.array(z.strictObject({ items: z.array(shipLine).min(1) })).min(1)]).optional(),
  carrier: z.string().optional(),
});

/** The simulator's full truth about a shipment: documented names, plus every per-item quantity and the ids under both names. */
const TRUTH: Variants = { ...DEFAULT_VARIANTS, packageOrderItems: true, integerStatuses: false, datesWithTimezone: true };
function shipmentTruth(state: OrderMeshState, o: SimOrder, shipmentId: string) {
  const s = state.shipments.get(shipmentId)!;
  const wire = shipmentModel(s, o, TRUTH);
  return { ...wire, shipmentId: s.id, packages: wire.packages.map((p, i) => ({ ...p, packageId: s.packages[i]!.id })) };
}

/** The control routes under /_sim (not part of OrderMesh): its state, its settings and faults, and OrderMesh's own work. */
export function registerControl(app: FastifyInstance, c: ControlParts): void {
  registerStateRoutes(app, c);
  registerSettingsRoutes(app, c);
  registerWorkRoutes(app, c);
}

/** What the simulator holds, in its own words, and what it was asked. */
function registerStateRoutes(app: FastifyInstance, c: ControlParts): void {
  const { state, notes, refunds, inbound, faults, webhooks, settings } = c;
  /**
   * Every order's id, merchant, status, creation time and create requests, nothing more: what a benchmark
   * with a hundred thousand orders reads (the whole state would be hundreds of megabytes).
   */
  app.get('/_sim/state/brief', async () => ({
    orders: [...state.orders.values()].map((o) => ({ orderId: o.id, safeId: o.safeId, merchantId: o.merchantId, status: o.status, createdAt: o.createdAt, createRequests: state.createRequests.get(o.safeId) ?? 0 })),
  }));
  // ?summary: the counts alone (cheap enough to poll while tens of thousands of orders are held).
  app.get('/_sim/state', async (req) => {
    const summary = (req.query as { summary?: string }).summary !== undefined;
    return {
      counts: {
        orders: state.orders.size,
        byStatus: countBy([...state.orders.values()], (o) => o.status),
        shipments: state.shipments.size,
        tokenRequests: c.counters.tokenRequests,
        rateLimited: c.counters.rateLimited,
        unauthorized: c.counters.unauthorized,
        requests: c.requests,
        faultsInjected: faults.injected,
        webhooks: { delivered: webhooks.delivered, failed: webhooks.failed, dropped: c.counters.webhooksDropped },
        notes: notes.notes.size,
        variants: settings.variants,
      },
      // The simulator's truth, in its own words (not OrderMesh's wire format): status names, every quantity.
      orders: summary ? [] : [...state.orders.values()].map((o) => ({
        orderId: o.id,
        shortId: o.shortId,
        safeId: o.safeId,
        externalId: o.externalId,
        merchantId: o.merchantId,
        status: o.status,
        createdAt: o.createdAt,
        createRequests: state.createRequests.get(o.safeId) ?? 0,
        items: o.items.map((i) => ({ id: i.id, shortId: i.shortId, externalId: i.externalId, sku: i.sku, quantity: i.quantity, cancelledQuantity: i.cancelledQuantity, shippedQuantity: i.shippedQuantity, status: itemStatus(i), meta: i.meta })),
        shippingAddress: o.model.shippingAddress,
        billingAddress: o.model.billingAddress ?? null,
        money: { currencyCode: o.model.currencyCode, customerTotal: o.model.customerTotal ?? null, customerTotalDiscountAndPromotions: o.model.customerTotalDiscountAndPromotions ?? null, customerTotalTaxes: o.model.customerTotalTaxes ?? null },
        meta: o.model.meta ?? null,
        reprint: o.model.reprint ?? null,
        shipments: o.shipmentIds.map((id) => shipmentTruth(state, o, id)),
        notes: notes.of('Order', o.id).map((n) => ({ id: n.id, text: n.text, externalId: n.externalId, author: n.author, updates: notes.updateRequests.get(n.id) ?? 0 })),
        refunds: o.items.flatMap((i) => i.refunds.map((r) => ({ itemId: i.id, ...r }))),
      })),
      noteCreateRequestsByExternalId: Object.fromEntries(notes.createRequests),
      /** Refunds asked for, by `orderId|itemId|amount|reason`: more than one is a double refund (OrderMesh has no key to catch it). */
      refundRequests: Object.fromEntries(refunds.requests),
      inboundRequestsBySafeId: Object.fromEntries(inbound.requests),
      createRequestsBySafeId: summary ? {} : Object.fromEntries(state.createRequests),
      unansweredCreatesBySafeId: summary ? {} : Object.fromEntries(state.unansweredCreates),
    };
  });
  app.get('/_sim/requests', async () => c.requestTimes);
  /** Every token issued, so a test can check that none was ever written to a log or the ledger. */
  app.get('/_sim/tokens', async () => ({ tokens: [...c.tokens.keys()] }));
  app.post('/_sim/tokens/revoke', async () => {
    const n = c.tokens.size;
    c.tokens.clear();
    return { revoked: n };
  });
}

/** Injected faults and the settings a test may change (variants, rate limit, slow merchants, ...). */
function registerSettingsRoutes(app: FastifyInstance, c: ControlParts): void {
  const { inbound, faults, settings } = c;
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
  const shownSettings = () => ({ ...settings, inboundDelayMs: inbound.delayMs });
  app.get('/_sim/settings', async () => shownSettings());
  app.post('/_sim/settings', async (req, reply) => {
    const r = settingsBody.safeParse(req.body);
    if (!r.success) return reply.code(400).send({ message: 'invalid settings', errors: fieldErrors(r.error) });
    const s = r.data;
    if (s.tokenTtlSeconds !== undefined) settings.tokenTtlSeconds = s.tokenTtlSeconds;
    if (s.rateLimitPerSecond !== undefined) {
      settings.rateLimitPerSecond = s.rateLimitPerSecond;
      c.resetBucket();
    }
    if (s.webhookUrl !== undefined) settings.webhookUrl = s.webhookUrl ?? undefined;
    if (s.merchants !== undefined) settings.merchants = s.merchants;
    if (s.webhookDropRate !== undefined) settings.webhookDropRate = s.webhookDropRate;
    if (s.inboundDelayMs !== undefined) inbound.delayMs = s.inboundDelayMs;
    if (s.slowMerchants !== undefined) settings.slowMerchants = s.slowMerchants;
    if (s.variants !== undefined) settings.variants = withVariants(settings.variants, s.variants);
    return shownSettings();
  });

}

/** OrderMesh's own work: shipping, production, its customer care, the merchant's set-up in its tools. */
function registerWorkRoutes(app: FastifyInstance, c: ControlParts): void {
  const { state, notes, refunds, inbound, catalogue, webhooks } = c;
  const control = <T>(schema: z.ZodType<T>, act: (body: T, params: Record<string, string>) => unknown) => async (req: FastifyRequest, reply: FastifyReply) => {
    const body = schema.safeParse(req.body ?? {});
    if (!body.success) return reply.code(400).send({ message: 'invalid request', errors: fieldErrors(body.error) });
    try {
      return await act(body.data, req.params as Record<string, string>);
    } catch (err) {
      if (err instanceof SimRefusal) return reply.code(err.status).send({ message: err.message, errors: err.errors });
      throw err;
    }
  };

  // OrderMesh's own work on one order: shipping, a production step, its customer care holding or releasing it.
  app.post('/_sim/orders/:orderId/ship', control(shipBody, (b, p) => {
    const s = state.ship(p.orderId!, b);
    return shipmentTruth(state, state.get(s.orderId), s.id);
  }));
  for (const [verb, act] of [['advance', (id: string) => state.advanceOne(id)], ['hold', (id: string) => state.hold(id)], ['release', (id: string) => state.release(id)]] as const) {
    app.post(`/_sim/orders/:orderId/${verb}`, control(z.unknown(), (_b, p) => {
      const o = act(p.orderId!);
      return { orderId: o.id, status: o.status };
    }));
  }
  app.post('/_sim/advance', async () => ({ moved: state.advance() }));
  // The merchant's set-up in OrderMesh's own tools: an enabled catalogue, a Transformation.
  app.post('/_sim/catalog', control(catalogBody, (b) => (catalogue.set(b.merchantId, b.variants), { ok: true, variants: b.variants.length })));
  app.post('/_sim/transformations', control(transformationBody, (b) => (inbound.transformations.set(b.id, b.kind), { ok: true })));
  app.post('/_sim/inbound/drain', async () => {
    await inbound.drain();
    await webhooks.drain();
    return { ok: true };
  });
  // OrderMesh's customer care: a note on an order, a refund it makes itself.
  app.post('/_sim/orders/:orderId/notes', control(staffNoteBody, (b, p) => notes.addStaffNote(state.get(p.orderId!).id, b.text)));
  app.post('/_sim/orders/:orderId/refunds', control(staffRefundBody, (b, p) => ({ refunds: refunds.issue(state.get(p.orderId!), b.refunds) })));
  app.get('/_sim/refunds', async () => ({
    refunds: [...state.orders.values()].flatMap((o) => o.items.flatMap((i) => i.refunds.map((r) => ({ orderId: o.id, safeId: o.safeId, itemId: i.id, ...r })))),
    requests: Object.fromEntries(refunds.requests),
  }));
  app.post('/_sim/webhooks/drain', async () => {
    await webhooks.drain();
    return { delivered: webhooks.delivered, failed: webhooks.failed };
  });
}
