import type { FastifyInstance, FastifyReply } from 'fastify';
import type { GraphQLObjectType } from 'graphql';
import { z } from 'zod';
import { adminSchema } from '../../connectors/shopify/schema.ts';
import { connectionNodes, parseShopifyOrder, type PayloadIssue, type ShopifyOrder } from '../../connectors/shopify/types.ts';
import { countBy } from '../count-by.ts';
import { faultsBody } from '../faults.ts';
import { fieldErrors } from '../field-errors.ts';
import { MerchantRefusal, moveFulfillmentOrder, requestFulfillment, withdrawRequest } from './fulfillment-orders.ts';
import { SEED_CURRENCIES, seededCase, type Declared, type DeclaredOutcome } from './seed.ts';
import type { ShopState, SimFulfillmentOrder, SimOrder } from './shop.ts';
import type { ShopifySimWorld } from './world.ts';

/**
 * The control routes under /_sim (not part of Shopify): what a test or benchmark does as the merchant
 * (place, change, hold, cancel orders; act on fulfilment orders), and what it reads or sets of the
 * simulator itself (state, faults, settings).
 */
export function registerControl(app: FastifyInstance, world: ShopifySimWorld): void {
  registerSeeding(app, world);
  registerMerchantActions(app, world);
  registerSimulatorRoutes(app, world);
}

const seedBody = z.strictObject({
  shop: z.string().optional(),
  count: z.number().int().positive().max(200_000).optional(),
  seed: z.number().int().optional(),
  /** Spread createdAt/updatedAt over this many seconds before now (default: all now). */
  spreadSeconds: z.number().int().nonnegative().optional(),
  /** Explicit orders in the Admin GraphQL Order shape (connections as nodes or edges), kept exactly as given. */
  orders: z.array(z.record(z.string(), z.unknown())).optional(),
  /** Settings of the generated orders: the shop's currency, and whether prices include tax. */
  currency: z.enum(SEED_CURRENCIES as [string, ...string[]]).optional(),
  taxesIncluded: z.boolean().optional(),
  notify: z.boolean().default(false),
});
const updateBody = z.strictObject({
  shippingAddress: z.record(z.string(), z.string().nullable()).optional(),
  note: z.string().nullable().optional(),
  tags: z.array(z.string()).optional(),
});
const throttleBody = z.strictObject({ maximumAvailable: z.number().positive().optional(), restoreRate: z.number().positive().optional() });

function registerSeeding(app: FastifyInstance, world: ShopifySimWorld): void {
  app.post('/_sim/orders', async (req, reply) => {
    const b = seedBody.safeParse(req.body ?? {});
    if (!b.success) return reply.code(400).send({ message: 'invalid seed request', errors: fieldErrors(b.error) });
    const shop = world.shopOf(b.data.shop);
    const ids: string[] = [];
    const now = Date.now();
    const count = b.data.count ?? 0;
    // Explicit orders are checked first, all of them: a bad one adds nothing.
    const explicit: ShopifyOrder[] = [];
    for (const [i, raw] of (b.data.orders ?? []).entries()) {
      const checked = explicitOrder(raw);
      if ('issues' in checked) return reply.code(400).send({ message: `orders[${i}] is not an Order this simulator can serve`, errors: Object.fromEntries(checked.issues.map((x) => [`orders[${i}].${x.path}`, [x.message]])) });
      if (shop.state.find(checked.order.id)) return reply.code(409).send({ message: `orders[${i}]: order ${checked.order.id} exists already` });
      explicit.push(checked.order);
    }
    const settings = { ...(b.data.currency ? { currency: b.data.currency } : {}), ...(b.data.taxesIncluded !== undefined ? { taxesIncluded: b.data.taxesIncluded } : {}) };
    for (let i = 0; i < count; i++) {
      const at = new Date(now - Math.round(((count - i) / count) * (b.data.spreadSeconds ?? 0) * 1000));
      const { order, declared: outcome } = seededCase(b.data.seed ?? 1, world.counters.orderSeq++, at, settings);
      shop.state.add(order, b.data.notify);
      world.declared.set(order.id, outcome);
      ids.push(order.id);
    }
    for (const order of explicit) {
      shop.state.add(order, b.data.notify);
      ids.push(order.id);
    }
    return { ids };
  });
}

function registerMerchantActions(app: FastifyInstance, world: ShopifySimWorld): void {
  const orderAction = (action: (state: ShopState, id: string, body: unknown) => SimOrder | undefined) => async (req: any, reply: FastifyReply) => {
    const shop = world.shopOf((req.query as { shop?: string }).shop);
    const sim = action(shop.state, req.params.id, req.body);
    if (!sim) return reply.code(404).send({ message: 'order not found' });
    return { id: sim.order.id, updatedAt: sim.order.updatedAt, cancelledAt: sim.order.cancelledAt };
  };
  app.post('/_sim/orders/:id/cancel', orderAction((s, id) => s.cancel(id)));
  app.post('/_sim/orders/:id/hold', orderAction((s, id, body) => s.hold(id, (body as { reason?: string } | undefined)?.reason, (body as { reasonNotes?: string } | undefined)?.reasonNotes ?? null)));
  app.post('/_sim/orders/:id/release', orderAction((s, id) => s.release(id)));
  app.post('/_sim/orders/:id/update', async (req, reply) => {
    const b = updateBody.safeParse(req.body ?? {});
    if (!b.success) return reply.code(400).send({ message: 'invalid update', errors: fieldErrors(b.error) });
    return orderAction((s, id) => s.update(id, b.data as never))(req, reply);
  });
  // The merchant's fulfilment-order actions in the admin: assign products to a location, request
  // fulfilment (all or some lines), withdraw a request not yet accepted, move a fulfilment order.
  app.post('/_sim/stock', async (req, reply) => {
    const b = z.strictObject({ shop: z.string().optional(), locationId: z.string(), skus: z.array(z.string()).min(1) }).safeParse(req.body ?? {});
    if (!b.success) return reply.code(400).send({ message: 'invalid stock request', errors: fieldErrors(b.error) });
    const { state } = world.shopOf(b.data.shop);
    for (const sku of b.data.skus) state.stockedAt.set(sku, b.data.locationId);
    return { ok: true };
  });
  const merchantAction = (action: (state: ShopState, id: string, body: Record<string, unknown>) => SimFulfillmentOrder) => async (req: any, reply: FastifyReply) => {
    try {
      const fo = action(world.shopOf((req.query as { shop?: string }).shop).state, req.params.id, (req.body ?? {}) as Record<string, unknown>);
      return { id: fo.id, status: fo.status, requestStatus: fo.requestStatus, locationId: fo.locationId };
    } catch (err) {
      if (err instanceof MerchantRefusal) return reply.code(409).send({ message: err.message });
      throw err;
    }
  };
  app.post('/_sim/fulfillment-orders/:id/request', merchantAction((s, id, b) => requestFulfillment(s, id, b.lineItems as Array<{ id: string; quantity: number }> | undefined)));
  app.post('/_sim/fulfillment-orders/:id/withdraw', merchantAction((s, id) => withdrawRequest(s, id)));
  app.post('/_sim/fulfillment-orders/:id/move', merchantAction((s, id, b) => moveFulfillmentOrder(s, id, String(b.locationId))));
}

function registerSimulatorRoutes(app: FastifyInstance, world: ShopifySimWorld): void {
  const { faults, throttle, settings, webhooks } = world;
  app.get('/_sim/state', async (req) => {
    const summary = (req.query as { summary?: string }).summary !== undefined;
    return {
      shops: Object.fromEntries([...world.shops.values()].map((s) => [s.cfg.domain, shopState(world, s, summary)])),
      unauthorized: world.counters.unauthorized,
      faultsInjected: faults.injected,
      webhooks: { delivered: webhooks.delivered, failed: webhooks.failed },
      notifications: world.notifications,
    };
  });
  app.post('/_sim/faults', async (req, reply) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const t = throttleBody.safeParse(body.throttle ?? {});
    const { throttle: _t, ...routes } = body;
    const r = faultsBody.safeParse(routes);
    if (!r.success || !t.success) return reply.code(400).send({ message: 'invalid faults', errors: r.success ? fieldErrors(t.error!) : fieldErrors(r.error) });
    faults.set(r.data);
    Object.assign(throttle, t.data);
    return { ok: true, throttle };
  });
  app.delete('/_sim/faults', async () => {
    faults.clear();
    return { ok: true };
  });
  app.post('/_sim/settings', async (req) => {
    const b = (req.body ?? {}) as { webhookUrl?: string | null; bulkDelayMs?: number; tokenTtlSeconds?: number; scopes?: string[]; autoRequest?: boolean };
    if (b.scopes !== undefined) settings.scopes = [...b.scopes];
    if (b.autoRequest !== undefined) for (const shop of world.shops.values()) shop.state.autoRequest = b.autoRequest;
    if (b.webhookUrl !== undefined) settings.webhookUrl = b.webhookUrl ?? undefined;
    if (b.bulkDelayMs !== undefined) settings.bulkDelayMs = b.bulkDelayMs;
    if (b.tokenTtlSeconds !== undefined) settings.tokenTtlSeconds = b.tokenTtlSeconds;
    return settings;
  });
  /** Every token issued (and the fixed ones), so a test can check none was written anywhere. */
  app.get('/_sim/tokens', async () => ({ tokens: [...world.tokens.keys()] }));
  app.post('/_sim/webhooks/drain', async () => {
    await webhooks.drain();
    return { delivered: webhooks.delivered, failed: webhooks.failed };
  });
}

function shopState(world: ShopifySimWorld, s: ReturnType<ShopifySimWorld['shopOf']>, summary: boolean) {
  const orders = [...s.state.orders.values()];
  return {
    orders: s.state.orders.size,
    ...s.stats,
    operations: s.operations,
    rootFields: s.rootFields,
    fulfillments: orders.reduce((a, o) => a + o.fulfillments.length, 0),
    services: [...s.state.services.values()],
    // How many generated orders must reach OrderMesh, fail or be skipped, per currency choice.
    declared: declaredCounts(orders.flatMap((o) => world.declared.get(o.order.id) ?? [])),
    ...(summary
      ? {}
      : {
          orderList: orders.map((o) => ({
            id: o.order.id,
            name: o.order.name,
            updatedAt: o.order.updatedAt,
            cancelledAt: o.order.cancelledAt,
            taxesIncluded: o.order.taxesIncluded,
            currentTotalPriceSet: o.order.currentTotalPriceSet,
            fulfillmentsCreated: o.fulfillments.length,
            fulfillments: o.fulfillments,
            fulfillmentOrders: o.fulfillmentOrders,
            declared: world.declared.get(o.order.id) ?? null,
          })),
        }),
  };
}

function declaredCounts(all: Declared[]): Record<keyof Declared, Record<DeclaredOutcome['kind'], number>> {
  const count = (k: keyof Declared) => ({ sent: 0, failed: 0, skipped: 0, ...countBy(all, (d) => d[k].kind) });
  return { presentment: count('presentment'), shop: count('shop') };
}

const orderFields = new Set(Object.keys((adminSchema().getType('Order') as GraphQLObjectType).getFields()));

/**
 * An order given in the Admin GraphQL shape, checked as the connector will read it (every field it
 * queries, with the nullability of the pinned schema) and against the schema's Order type (no field
 * Order does not have), then kept exactly as given, connections flattened: nothing is invented.
 */
function explicitOrder(raw: Record<string, unknown>): { order: ShopifyOrder } | { issues: PayloadIssue[] } {
  const unknown = Object.keys(raw).filter((k) => !orderFields.has(k));
  if (unknown.length) return { issues: unknown.map((k) => ({ path: k, message: 'is not a field of Order in the Admin API schema' })) };
  const parsed = parseShopifyOrder(raw);
  if (!parsed.ok) return { issues: parsed.issues };
  const flat = (v: unknown) => connectionNodes(v as never);
  return { order: { ...raw, lineItems: flat(raw.lineItems), shippingLines: flat(raw.shippingLines) } as unknown as ShopifyOrder };
}
