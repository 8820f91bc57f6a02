import { createHmac, randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import Fastify, { type FastifyReply } from 'fastify';
import { GraphQLError, execute, getOperationAST, parse, validate, type DocumentNode, type FragmentDefinitionNode, type GraphQLObjectType, Kind } from 'graphql';
import { z } from 'zod';
import { adminSchema } from '../../connectors/shopify/schema.ts';
import { connectionNodes, parseShopifyOrder, type PayloadIssue, type ShopifyOrder } from '../../connectors/shopify/types.ts';
import { fieldErrors } from '../field-errors.ts';
import { FaultInjector, faultsBody, seededRandom } from '../faults.ts';
import { WebhookSender } from '../webhook-sender.ts';
import { listenSim } from '../listen.ts';
import { SHOPIFY_SIM_DEFAULTS } from '../defaults.ts';
import { countBy } from '../count-by.ts';
import { operationCost } from './cost.ts';
import { connection, fieldResolver, fulfillmentOrderView, fulfillmentView, orderFilter, orderView, pad, unsupportedRootFields } from './graphql.ts';
import { SEED_CURRENCIES, seededCase, type Declared, type DeclaredOutcome } from './seed.ts';
import { ShopState, randomToken, type RequestKind, type ShopWebhookTopic, type SimFulfillmentOrder, type SimFulfillmentService, type SimOrder } from './shop.ts';
import {
  MerchantRefusal,
  acceptCancellation,
  acceptRequest,
  assignedFulfillmentOrders,
  createService,
  holdByApp,
  moveFulfillmentOrder,
  rejectCancellation,
  rejectRequest,
  releaseByApp,
  requestFulfillment,
  withdrawRequest,
} from './fulfillment-orders.ts';

export interface SimShop {
  domain: string;
  accessToken: string;
  clientId: string;
  /** The app secret: client-credentials secret and webhook HMAC key. */
  appSecret: string;
}

export interface ShopifySimOptions {
  port?: number;
  host?: string;
  shops?: SimShop[];
  maximumAvailable?: number;
  restoreRate?: number;
  /** How long a bulk operation stays RUNNING before it completes. */
  bulkDelayMs?: number;
  /** Lifetime of client-credentials tokens. */
  tokenTtlSeconds?: number;
  webhookUrl?: string;
  seed?: number;
}

export { SHOPIFY_SIM_DEFAULTS } from '../defaults.ts';

interface BulkOp {
  id: string;
  shop: string;
  status: 'CREATED' | 'RUNNING' | 'COMPLETED' | 'FAILED';
  query: string;
  lines: string[];
  rootObjectCount: number;
  errorCode: string | null;
  error?: string;
  createdAt: string;
  completedAt: string | null;
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

function declaredCounts(all: Declared[]): Record<keyof Declared, Record<DeclaredOutcome['kind'], number>> {
  const count = (k: keyof Declared) => ({ sent: 0, failed: 0, skipped: 0, ...countBy(all, (d) => d[k].kind) });
  return { presentment: count('presentment'), shop: count('shop') };
}

export async function startShopifySim(opts: ShopifySimOptions = {}) {
  const schema = adminSchema();
  const throttle = { maximumAvailable: opts.maximumAvailable ?? 2000, restoreRate: opts.restoreRate ?? 100 };
  const settings = { webhookUrl: opts.webhookUrl, bulkDelayMs: opts.bulkDelayMs ?? 100, tokenTtlSeconds: opts.tokenTtlSeconds ?? 86_399, scopes: [...SHOPIFY_SIM_DEFAULTS.scopes] as string[] };
  const faults = new FaultInjector(opts.seed !== undefined ? seededRandom(opts.seed) : Math.random);
  const webhooks = new WebhookSender();
  const shopsConfig = opts.shops ?? [SHOPIFY_SIM_DEFAULTS.shop];
  const shops = new Map<string, { cfg: SimShop; state: ShopState; bucket: { available: number; at: number }; stats: Record<string, number>; operations: Record<string, { requests: number; actualCost: number }>; rootFields: Record<string, number> }>();
  const tokens = new Map<string, { shop: string; expiresAt: number }>();
  const bulkOps = new Map<string, BulkOp>();
  let origin = '';
  let orderSeq = 0;
  /** What must become of each generated order (seed.ts): what tests judge the pipeline by. */
  const declared = new Map<string, Declared>();
  let unauthorized = 0;
  /** Fulfilment-service notifications: sent, and lost on the way (a fault on route FulfillmentOrderNotification). */
  const notifications = { sent: 0, lost: 0 };

  /** Shopify's POST to `<callbackUrl>/fulfillment_order_notification`: only the kind, signed like a webhook; it can be lost. */
  const notify = (cfg: SimShop) => (service: SimFulfillmentService, kind: RequestKind) => {
    if (faults.decide('FulfillmentOrderNotification').kind) {
      notifications.lost++;
      return;
    }
    notifications.sent++;
    webhooks.send({
      url: `${service.callbackUrl!.replace(/\/$/, '')}/fulfillment_order_notification`,
      body: { kind },
      secret: cfg.appSecret,
      signatureHeader: 'x-shopify-hmac-sha256',
      headers: { 'x-shopify-shop-domain': cfg.domain, 'x-shopify-api-version': SHOPIFY_SIM_DEFAULTS.apiVersions[0] },
    });
  };

  const emit = (cfg: SimShop) => (topic: ShopWebhookTopic, order: ShopifyOrder, fo?: SimFulfillmentOrder) => {
    if (!settings.webhookUrl) return;
    const numericId = order.id.split('/').pop()!;
    // Shopify's REST-style webhook body: the numeric id is a JSON integer above 2^53. A fulfilment
    // order's topic names the fulfilment order alone, not its order.
    const body = fo
      ? JSON.stringify({ fulfillment_order: { id: fo.id, status: fo.status.toLowerCase(), fulfillment_holds: fo.holds.map((h) => ({ reason: h.reason.toLowerCase(), reason_notes: h.reasonNotes })) } })
      : `{"id":${numericId},"admin_graphql_api_id":${JSON.stringify(order.id)},"name":${JSON.stringify(order.name)},"updated_at":${JSON.stringify(order.updatedAt)},"cancelled_at":${JSON.stringify(order.cancelledAt)}}`;
    webhooks.send({
      url: settings.webhookUrl,
      body,
      secret: cfg.appSecret,
      signatureHeader: 'x-shopify-hmac-sha256',
      headers: {
        'x-shopify-topic': topic,
        'x-shopify-shop-domain': cfg.domain,
        'x-shopify-webhook-id': randomUUID(),
        'x-shopify-api-version': SHOPIFY_SIM_DEFAULTS.apiVersions[0],
        'x-shopify-triggered-at': new Date().toISOString(),
      },
    });
  };
  for (const cfg of shopsConfig) {
    shops.set(cfg.domain, {
      cfg,
      state: new ShopState(cfg.domain, emit(cfg), notify(cfg)),
      bucket: { available: throttle.maximumAvailable, at: Date.now() },
      stats: { requests: 0, throttled: 0, rateLimited: 0, actualCost: 0 },
      operations: {},
      rootFields: {},
    });
    tokens.set(cfg.accessToken, { shop: cfg.domain, expiresAt: Infinity });
  }
  const shopOf = (domain?: string) => {
    const s = shops.get(domain ?? shopsConfig[0]!.domain);
    if (!s) throw new Error(`unknown shop ${domain}`);
    return s;
  };

  const app = Fastify({ logger: false, bodyLimit: 64 * 1024 * 1024 });
  const gqlError = (reply: FastifyReply, status: number, errors: unknown, extensions?: unknown) =>
    reply.code(status).send({ errors, ...(extensions ? { extensions } : {}) });

  // Authorization-code OAuth (an app install): the merchant approves at once; Shopify sends them back to
  // the app's redirect_uri with a one-time code, signed (HMAC-SHA256, hex, app secret) over the
  // other parameters sorted by name, as Shopify documents for OAuth redirects.
  const codes = new Map<string, { shop: string; clientId: string; scope: string }>();
  app.get('/admin/oauth/authorize', async (req, reply) => {
    const q = req.query as { client_id?: string; scope?: string; redirect_uri?: string; state?: string };
    const shop = [...shops.values()].find((s) => s.cfg.clientId === q.client_id);
    if (!shop || !q.redirect_uri || !q.state) return reply.code(400).send({ error: 'invalid_request', error_description: 'client_id, redirect_uri and state are required' });
    const code = randomToken('code');
    codes.set(code, { shop: shop.cfg.domain, clientId: shop.cfg.clientId, scope: q.scope ?? '' });
    const params: Record<string, string> = { code, shop: shop.cfg.domain, state: q.state, timestamp: String(Math.floor(Date.now() / 1000)) };
    const message = Object.keys(params).sort().map((k) => `${k}=${params[k]}`).join('&');
    const hmac = createHmac('sha256', shop.cfg.appSecret).update(message).digest('hex');
    const to = new URL(q.redirect_uri);
    for (const [k, v] of Object.entries({ ...params, hmac })) to.searchParams.set(k, v);
    return reply.redirect(to.toString(), 302);
  });

  app.post('/admin/oauth/access_token', async (req, reply) => {
    const b = (req.body ?? {}) as { client_id?: string; client_secret?: string; grant_type?: string; code?: string };
    const shop = [...shops.values()].find((s) => s.cfg.clientId === b.client_id && s.cfg.appSecret === b.client_secret);
    if (shop && b.code !== undefined) {
      const issued = codes.get(b.code);
      // One use only, for the client it was issued to.
      codes.delete(b.code);
      if (!issued || issued.clientId !== b.client_id) return reply.code(400).send({ error: 'invalid_grant', error_description: 'the authorization code is invalid or was used already' });
      const token = randomToken('shpat');
      tokens.set(token, { shop: issued.shop, expiresAt: Number.MAX_SAFE_INTEGER });
      return { access_token: token, scope: issued.scope };
    }
    if (!shop || b.grant_type !== 'client_credentials') return reply.code(400).send({ error: 'invalid_client', error_description: 'Client credentials are invalid' });
    const token = randomToken('shpca');
    tokens.set(token, { shop: shop.cfg.domain, expiresAt: Date.now() + settings.tokenTtlSeconds * 1000 });
    return { access_token: token, scope: 'read_orders,write_merchant_managed_fulfillment_orders', expires_in: settings.tokenTtlSeconds };
  });

  app.post('/admin/api/:version/graphql.json', async (req, reply) => {
    const { version } = req.params as { version: string };
    if (!(SHOPIFY_SIM_DEFAULTS.apiVersions as readonly string[]).includes(version)) return reply.code(404).send({ errors: 'Not Found' });
    const auth = tokens.get(String(req.headers['x-shopify-access-token'] ?? ''));
    if (!auth || Date.now() >= auth.expiresAt) {
      unauthorized++;
      return gqlError(reply, 401, '[API] Invalid API key or access token (unrecognized login or wrong password)');
    }
    const shop = shopOf(auth.shop);
    shop.stats.requests!++;
    const body = (req.body ?? {}) as { query?: string; variables?: Record<string, unknown>; operationName?: string };
    let document: DocumentNode;
    try {
      document = parse(body.query ?? '');
    } catch (err) {
      return gqlError(reply, 200, [{ message: (err as GraphQLError).message }]);
    }
    const validation = validate(schema, document);
    if (validation.length) return gqlError(reply, 200, validation.map((e) => ({ message: e.message, locations: e.locations })));
    const op = getOperationAST(document, body.operationName);
    if (!op) return gqlError(reply, 200, [{ message: 'no operation to run' }]);
    const unsupported = unsupportedRootFields(op);
    if (unsupported.length) {
      return gqlError(reply, 200, [{ message: `the ordersync Shopify simulator does not implement ${op.operation} field(s): ${unsupported.join(', ')}` }]);
    }

    const fault = faults.decide(op.name?.value ?? 'graphql');
    if (fault.latencyMs) await sleep(fault.latencyMs);
    if (fault.kind === 'status429') {
      shop.stats.rateLimited!++;
      reply.header('retry-after', String(fault.retryAfterSeconds));
      return gqlError(reply, 429, 'Exceeded 2 calls per second for api client. Reduce request rates to resume uninterrupted service.');
    }
    if (fault.kind === 'status500' || fault.kind === 'status503') return gqlError(reply, fault.kind === 'status500' ? 500 : 503, 'Internal Server Error (injected)');
    if (fault.kind === 'status403') return gqlError(reply, 403, 'Forbidden (injected)');
    if (fault.kind === 'timeout') await sleep(fault.timeoutMs);

    const fragments = new Map(
      document.definitions.filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION).map((d) => [d.name.value, d]),
    );
    const variables = body.variables ?? {};
    const requested = operationCost(schema, op, fragments, variables);
    const now = Date.now();
    shop.bucket.available = Math.min(throttle.maximumAvailable, shop.bucket.available + ((now - shop.bucket.at) / 1000) * throttle.restoreRate);
    shop.bucket.at = now;
    const status = () => ({ maximumAvailable: throttle.maximumAvailable, currentlyAvailable: Math.floor(shop.bucket.available), restoreRate: throttle.restoreRate });
    if (requested > throttle.maximumAvailable) {
      return gqlError(reply, 200, [{ message: `Query cost is ${requested}, which exceeds the single query max cost limit (${throttle.maximumAvailable}).`, extensions: { code: 'MAX_COST_EXCEEDED' } }], {
        cost: { requestedQueryCost: requested, actualQueryCost: null, throttleStatus: status() },
      });
    }
    if (shop.bucket.available < requested) {
      shop.stats.throttled!++;
      return gqlError(reply, 200, [{ message: 'Throttled', extensions: { code: 'THROTTLED', documentation: 'https://shopify.dev/api/usage/rate-limits' } }], {
        cost: { requestedQueryCost: requested, actualQueryCost: null, throttleStatus: status() },
      });
    }
    shop.bucket.available -= requested;

    const result = await execute({ schema, document, rootValue: rootFor(shop.state), variableValues: variables, operationName: body.operationName ?? null, fieldResolver });
    let data = result.data;
    if ((fault.blankFields > 0 || fault.brokenIds > 0) && data) {
      // On a copy: the resolvers hand out the shop's own objects, which a fault must not change.
      data = JSON.parse(JSON.stringify(data)) as typeof data;
      if (fault.blankFields > 0) faults.blank(data, fault.blankFields);
      if (fault.brokenIds > 0) faults.breakIds(data, fault.brokenIds);
    }
    const actual = result.errors ? requested : operationCost(schema, op, fragments, variables, result.data);
    // What each operation really cost, for benchmarks to compute what the bucket allows.
    const opStats = (shop.operations[op.name?.value ?? 'anonymous'] ??= { requests: 0, actualCost: 0 });
    opStats.requests++;
    opStats.actualCost += actual;
    // Per root field, whatever the client named its operation: what tests count to tell a mutation was not sent twice.
    for (const sel of op.selectionSet.selections) if (sel.kind === Kind.FIELD) shop.rootFields[sel.name.value] = (shop.rootFields[sel.name.value] ?? 0) + 1;
    shop.stats.actualCost! += actual;
    shop.bucket.available = Math.min(throttle.maximumAvailable, shop.bucket.available + (requested - actual));
    const payload = {
      ...(data !== undefined ? { data } : {}),
      ...(result.errors ? { errors: result.errors.map((e) => ({ message: e.message, path: e.path })) } : {}),
      extensions: { cost: { requestedQueryCost: requested, actualQueryCost: actual, throttleStatus: status() } },
    };
    if (fault.kind === 'lostResponse') {
      reply.hijack();
      req.raw.socket.destroy();
      return;
    }
    return reply.code(200).send(payload);
  });

  // A pull asks for the same listing page after page: it is computed once per query and shop version,
  // not filtered and sorted again for every page (which made the simulator, not the client, the limit).
  const listings = new Map<ShopState, { version: number; query: string; reverse: boolean; list: SimOrder[] }>();
  function sortedOrders(state: ShopState, query: string | null | undefined, reverse: boolean): SimOrder[] {
    const cached = listings.get(state);
    if (cached && cached.version === state.version && cached.query === (query ?? '') && cached.reverse === reverse) return cached.list;
    const list = listOrders(state, query, reverse);
    listings.set(state, { version: state.version, query: query ?? '', reverse, list });
    return list;
  }
  function listOrders(state: ShopState, query: string | null | undefined, reverse: boolean): SimOrder[] {
    const keep = orderFilter(query);
    const list = [...state.orders.values()].filter(keep);
    list.sort((a, b) => (sortKey(a) < sortKey(b) ? -1 : 1));
    return reverse ? list.reverse() : list;
  }
  const sortKey = (o: SimOrder) => `${o.order.updatedAt}|${o.order.id.padStart(48, '0')}`;

  /** As Shopify answers a field the app's scopes do not cover: an ACCESS_DENIED error naming the scope. */
  const denied = (anyOf: string[]) =>
    new GraphQLError(`Access denied. Required access: \`${anyOf.join('` or `')}\` access scope.`, { extensions: { code: 'ACCESS_DENIED', requiredAccess: anyOf.join(' or ') } });
  const need = (...anyOf: string[]) => {
    if (!anyOf.some((s) => settings.scopes.includes(s))) throw denied(anyOf);
  };
  const HOLD_SCOPES = ['write_merchant_managed_fulfillment_orders', 'write_third_party_fulfillment_orders'];
  const FULFIL = ['write_merchant_managed_fulfillment_orders', 'write_assigned_fulfillment_orders', 'write_third_party_fulfillment_orders'];
  const has = (...anyOf: string[]) => anyOf.some((s) => settings.scopes.includes(s));
  /** Merchant-managed fulfilment orders need the merchant-managed scopes; those at the app's own service, the assigned ones. */
  const visibleTo = (state: ShopState) => (fo: SimFulfillmentOrder) =>
    state.serviceAt(fo.locationId)
      ? has('read_assigned_fulfillment_orders', 'write_assigned_fulfillment_orders')
      : has('read_merchant_managed_fulfillment_orders', 'write_merchant_managed_fulfillment_orders');
  /** The scope a write to this fulfilment order needs. */
  const needToWrite = (state: ShopState, foIds: string[]) => {
    const own = foIds.some((id) => {
      const f = state.findFulfillmentOrder(id);
      return f && state.serviceAt(f.fo.locationId);
    });
    if (own) need('write_assigned_fulfillment_orders');
    else need('write_merchant_managed_fulfillment_orders', 'write_third_party_fulfillment_orders');
  };

  function rootFor(state: ShopState, bulk = false) {
    const visible = visibleTo(state);
    const foView = (fo: SimFulfillmentOrder) => fulfillmentOrderView(fo, () => orderView(state, state.find(fo.orderId)!, bulk, visible));
    const foAnswer = (r: { fulfillmentOrder: SimFulfillmentOrder | null; userErrors: unknown[] }) => ({ fulfillmentOrder: r.fulfillmentOrder ? foView(r.fulfillmentOrder) : null, userErrors: r.userErrors });
    return {
      shop: {
        name: state.domain,
        myshopifyDomain: state.domain,
        fulfillmentServices: [...state.services.values()].map(serviceView),
      },
      currentAppInstallation: { accessScopes: settings.scopes.map((handle) => ({ handle, description: handle })) },
      orders: (args: { first?: number; after?: string; query?: string; reverse?: boolean }) => {
        need('read_orders');
        return mapConnection(connection(sortedOrders(state, args.query, Boolean(args.reverse)), args, sortKey, { bulk }), (o) => orderView(state, o, bulk, visible));
      },
      order: ({ id }: { id: string }) => {
        need('read_orders');
        const o = state.find(id);
        return o ? orderView(state, o, bulk, visible) : null;
      },
      ordersCount: ({ query, limit }: { query?: string; limit?: number | null }) => {
        const n = sortedOrders(state, query, false).length;
        return limit != null && n > limit ? { count: limit, precision: 'AT_LEAST' } : { count: n, precision: 'EXACT' };
      },
      // Orders and fulfilment orders are Node-resolvable here; another id answers null, as an unknown id does on Shopify.
      nodes: ({ ids }: { ids: string[] }) => {
        if (ids.length > 250) throw new GraphQLError('The ids argument accepts at most 250 ids.');
        return ids.map((id) => {
          if (id.startsWith('gid://shopify/FulfillmentOrder/')) {
            const f = state.findFulfillmentOrder(id);
            return f && visible(f.fo) ? foView(f.fo) : null;
          }
          need('read_orders');
          const o = state.find(id);
          return o ? { __typename: 'Order', ...orderView(state, o, bulk, visible) } : null;
        });
      },
      fulfillmentOrder: ({ id }: { id: string }) => {
        const f = state.findFulfillmentOrder(id);
        return f && visible(f.fo) ? foView(f.fo) : null;
      },
      // The shop's fulfilment orders the app's scopes let it see, CLOSED ones only with includeClosed. Of
      // Shopify's search terms, `status:` is honoured; any other term is refused rather than ignored, so a
      // caller relying on one finds out here.
      fulfillmentOrders: (args: { first?: number; after?: string; query?: string | null; includeClosed?: boolean | null }) => {
        const terms = (args.query ?? '').trim().split(/\s+/).filter(Boolean);
        const status = terms.map((t) => /^status:(\w+)$/i.exec(t)?.[1]?.toUpperCase());
        if (status.some((x) => x === undefined)) throw new GraphQLError(`the simulator supports only status: in fulfillmentOrders(query:), got "${args.query}"`);
        // One pass without intermediate arrays, the status tested first: asked before every submission
        // batch, it must not cost the simulator (sharing the machine with what it measures) per order held.
        const all: SimFulfillmentOrder[] = [];
        for (const o of state.orders.values()) {
          for (const fo of o.fulfillmentOrders) {
            if ((status.length === 0 || status.includes(fo.status)) && (args.includeClosed || fo.status !== 'CLOSED') && visible(fo)) all.push(fo);
          }
        }
        return mapConnection(connection(all, args, (fo) => pad(fo.id)), foView);
      },
      assignedFulfillmentOrders: (args: { assignmentStatus?: string; locationIds?: string[]; first?: number; after?: string }) => {
        need('read_assigned_fulfillment_orders', 'write_assigned_fulfillment_orders');
        return mapConnection(connection(assignedFulfillmentOrders(state, args), args, (fo) => pad(fo.id)), foView);
      },
      fulfillmentServiceCreate: (args: Parameters<typeof createService>[1]) => {
        need('write_fulfillments');
        const r = createService(state, args);
        return { fulfillmentService: r.fulfillmentService ? serviceView(r.fulfillmentService) : null, userErrors: r.userErrors };
      },
      fulfillmentOrderAcceptFulfillmentRequest: (args: Parameters<typeof acceptRequest>[1]) => {
        need('write_assigned_fulfillment_orders');
        return foAnswer(acceptRequest(state, args));
      },
      fulfillmentOrderRejectFulfillmentRequest: (args: Parameters<typeof rejectRequest>[1]) => {
        need('write_assigned_fulfillment_orders');
        return foAnswer(rejectRequest(state, args));
      },
      fulfillmentOrderAcceptCancellationRequest: (args: Parameters<typeof acceptCancellation>[1]) => {
        need('write_assigned_fulfillment_orders');
        return foAnswer(acceptCancellation(state, args));
      },
      fulfillmentOrderRejectCancellationRequest: (args: Parameters<typeof rejectCancellation>[1]) => {
        need('write_assigned_fulfillment_orders');
        return foAnswer(rejectCancellation(state, args));
      },
      // Holds: the merchant-managed or third-party scopes. The app's own service's fulfilment orders are
      // neither, so a fulfilment service cannot hold what it was asked to fulfil.
      fulfillmentOrderHold: (args: Parameters<typeof holdByApp>[1]) => {
        const f = state.findFulfillmentOrder(args.id);
        // Whatever the app's scopes: its own service's fulfilment order is neither merchant-managed nor a third party's.
        if (f && state.serviceAt(f.fo.locationId)) throw denied(HOLD_SCOPES);
        need(...HOLD_SCOPES);
        const r = holdByApp(state, args);
        return { ...r, fulfillmentOrder: r.fulfillmentOrder ? foView(r.fulfillmentOrder) : null, fulfillmentHold: r.fulfillmentHold ? { ...r.fulfillmentHold, heldByRequestingApp: true, displayReason: r.fulfillmentHold.reason } : null };
      },
      fulfillmentOrderReleaseHold: (args: Parameters<typeof releaseByApp>[1]) => {
        const f = state.findFulfillmentOrder(args.id);
        if (f && state.serviceAt(f.fo.locationId)) throw denied(HOLD_SCOPES);
        need(...HOLD_SCOPES);
        return foAnswer(releaseByApp(state, args));
      },
      bulkOperation: ({ id }: { id: string }) => bulkView(bulkOps.get(id)),
      currentBulkOperation: () => bulkView([...bulkOps.values()].filter((b) => b.shop === state.domain).at(-1)),
      bulkOperationRunQuery: ({ query }: { query: string }) => runBulk(state, query),
      fulfillmentCreate: ({ fulfillment }: { fulfillment: Parameters<ShopState['createFulfillment']>[0] }) => {
        needToWrite(state, fulfillment.lineItemsByFulfillmentOrder.map((g) => g.fulfillmentOrderId));
        const r = state.createFulfillment(fulfillment);
        return { fulfillment: r.fulfillment ? fulfillmentView(r.fulfillment) : null, userErrors: r.userErrors };
      },
      fulfillmentTrackingInfoUpdate: ({ fulfillmentId, trackingInfoInput }: { fulfillmentId: string; trackingInfoInput: { number?: string; url?: string; company?: string } }) => {
        need(...FULFIL);
        const r = state.updateTracking(fulfillmentId, trackingInfoInput);
        return { fulfillment: r.fulfillment ? fulfillmentView(r.fulfillment) : null, userErrors: r.userErrors };
      },
    };
  }

  function bulkView(op: BulkOp | undefined) {
    if (!op) return null;
    const done = op.status === 'COMPLETED';
    return {
      id: op.id,
      status: op.status,
      errorCode: op.errorCode,
      createdAt: op.createdAt,
      completedAt: op.completedAt,
      objectCount: String(op.lines.length),
      rootObjectCount: String(op.rootObjectCount),
      fileSize: done ? String(op.lines.reduce((a, l) => a + l.length + 1, 0)) : null,
      url: done ? `${origin}/_sim/bulk/${encodeURIComponent(op.id)}.jsonl` : null,
      partialDataUrl: null,
      query: op.query,
      type: 'QUERY',
    };
  }

  function runBulk(state: ShopState, query: string) {
    let doc: DocumentNode;
    try {
      doc = parse(query);
    } catch (err) {
      return { bulkOperation: null, userErrors: [{ field: ['query'], message: `Invalid bulk query: ${(err as Error).message}`, code: 'INVALID' }] };
    }
    const errors = validate(schema, doc);
    if (errors.length) return { bulkOperation: null, userErrors: [{ field: ['query'], message: `Invalid bulk query: ${errors[0]!.message}`, code: 'INVALID' }] };
    const running = [...bulkOps.values()].filter((b) => b.shop === state.domain && (b.status === 'CREATED' || b.status === 'RUNNING'));
    // API 2026-01 and later: up to five bulk queries at a time per shop.
    if (running.length >= 5) return { bulkOperation: null, userErrors: [{ field: null, message: 'A bulk query operation limit of 5 is already in progress.', code: 'OPERATION_IN_PROGRESS' }] };
    const op: BulkOp = { id: `gid://shopify/BulkOperation/${Date.now()}${++orderSeq}`, shop: state.domain, status: 'CREATED', query, lines: [], rootObjectCount: 0, errorCode: null, createdAt: new Date().toISOString(), completedAt: null };
    bulkOps.set(op.id, op);
    setTimeout(async () => {
      op.status = 'RUNNING';
      try {
        const result = await execute({ schema, document: doc, rootValue: rootFor(state, true), fieldResolver });
        if (result.errors) throw new Error(result.errors[0]!.message);
        let roots = connectionNodes((result.data as { orders: never }).orders) as Array<Record<string, unknown>>;
        const fault = faults.decide('BulkExport');
        if (fault.brokenIds > 0) {
          roots = JSON.parse(JSON.stringify(roots)) as typeof roots; // a copy: the shop's own orders stay whole
          faults.breakIds(roots, fault.brokenIds);
        }
        for (const node of roots) op.lines.push(...flattenJsonl(node));
        op.rootObjectCount = roots.length;
      } catch (err) {
        op.status = 'FAILED';
        op.errorCode = 'INTERNAL_SERVER_ERROR';
        op.error = (err as Error).message;
        return;
      }
      setTimeout(() => {
        op.status = 'COMPLETED';
        op.completedAt = new Date().toISOString();
      }, settings.bulkDelayMs);
    }, 10);
    return { bulkOperation: bulkView(op), userErrors: [] };
  }

  app.get('/_sim/bulk/:file', async (req, reply) => {
    const id = decodeURIComponent((req.params as { file: string }).file.replace(/\.jsonl$/, ''));
    const op = bulkOps.get(id);
    if (!op || op.status !== 'COMPLETED') return reply.code(404).send('Not Found');
    reply.header('content-type', 'application/jsonl');
    return reply.send(Readable.from(jsonlChunks(op.lines), { objectMode: false }));
  });

  // ---- control endpoints (not part of Shopify)
  app.post('/_sim/orders', async (req, reply) => {
    const b = seedBody.safeParse(req.body ?? {});
    if (!b.success) return reply.code(400).send({ message: 'invalid seed request', errors: fieldErrors(b.error) });
    const shop = shopOf(b.data.shop);
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
      const { order, declared: outcome } = seededCase(b.data.seed ?? 1, orderSeq++, at, settings);
      shop.state.add(order, b.data.notify);
      declared.set(order.id, outcome);
      ids.push(order.id);
    }
    for (const order of explicit) {
      shop.state.add(order, b.data.notify);
      ids.push(order.id);
    }
    return { ids };
  });
  const orderAction = (action: (state: ShopState, id: string, body: unknown) => SimOrder | undefined) => async (req: any, reply: FastifyReply) => {
    const shop = shopOf((req.query as { shop?: string }).shop);
    const sim = action(shop.state, req.params.id, req.body);
    if (!sim) return reply.code(404).send({ message: 'order not found' });
    return { id: sim.order.id, updatedAt: sim.order.updatedAt, cancelledAt: sim.order.cancelledAt };
  };
  app.post('/_sim/orders/:id/cancel', orderAction((s, id) => s.cancel(id)));
  app.post('/_sim/orders/:id/hold', orderAction((s, id, body) => s.hold(id, (body as { reason?: string } | undefined)?.reason, (body as { reasonNotes?: string } | undefined)?.reasonNotes ?? null)));
  app.post('/_sim/orders/:id/release', orderAction((s, id) => s.release(id)));
  // The merchant's fulfilment-order actions in the admin: assign products to a location, request
  // fulfilment (all or some lines), withdraw a request not yet accepted, move a fulfilment order.
  app.post('/_sim/stock', async (req, reply) => {
    const b = z.strictObject({ shop: z.string().optional(), locationId: z.string(), skus: z.array(z.string()).min(1) }).safeParse(req.body ?? {});
    if (!b.success) return reply.code(400).send({ message: 'invalid stock request', errors: fieldErrors(b.error) });
    const { state } = shopOf(b.data.shop);
    for (const sku of b.data.skus) state.stockedAt.set(sku, b.data.locationId);
    return { ok: true };
  });
  const merchantAction = (action: (state: ShopState, id: string, body: Record<string, unknown>) => SimFulfillmentOrder) => async (req: any, reply: FastifyReply) => {
    try {
      const fo = action(shopOf((req.query as { shop?: string }).shop).state, req.params.id, (req.body ?? {}) as Record<string, unknown>);
      return { id: fo.id, status: fo.status, requestStatus: fo.requestStatus, locationId: fo.locationId };
    } catch (err) {
      if (err instanceof MerchantRefusal) return reply.code(409).send({ message: err.message });
      throw err;
    }
  };
  app.post('/_sim/fulfillment-orders/:id/request', merchantAction((s, id, b) => requestFulfillment(s, id, b.lineItems as Array<{ id: string; quantity: number }> | undefined)));
  app.post('/_sim/fulfillment-orders/:id/withdraw', merchantAction((s, id) => withdrawRequest(s, id)));
  app.post('/_sim/fulfillment-orders/:id/move', merchantAction((s, id, b) => moveFulfillmentOrder(s, id, String(b.locationId))));
  app.post('/_sim/orders/:id/update', async (req, reply) => {
    const b = updateBody.safeParse(req.body ?? {});
    if (!b.success) return reply.code(400).send({ message: 'invalid update', errors: fieldErrors(b.error) });
    return orderAction((s, id) => s.update(id, b.data as never))(req, reply);
  });
  app.get('/_sim/state', async (req) => {
    const summary = (req.query as { summary?: string }).summary !== undefined;
    return {
      shops: Object.fromEntries(
        [...shops.values()].map((s) => [
          s.cfg.domain,
          {
            orders: s.state.orders.size,
            ...s.stats,
            operations: s.operations,
            rootFields: s.rootFields,
            fulfillments: [...s.state.orders.values()].reduce((a, o) => a + o.fulfillments.length, 0),
            services: [...s.state.services.values()],
            // How many generated orders must reach OrderMesh, fail or be skipped, per currency choice.
            declared: declaredCounts([...s.state.orders.values()].flatMap((o) => declared.get(o.order.id) ?? [])),
            ...(summary
              ? {}
              : {
                  orderList: [...s.state.orders.values()].map((o) => ({
                    id: o.order.id,
                    name: o.order.name,
                    updatedAt: o.order.updatedAt,
                    cancelledAt: o.order.cancelledAt,
                    taxesIncluded: o.order.taxesIncluded,
                    currentTotalPriceSet: o.order.currentTotalPriceSet,
                    fulfillmentsCreated: o.fulfillments.length,
                    fulfillments: o.fulfillments,
                    fulfillmentOrders: o.fulfillmentOrders,
                    declared: declared.get(o.order.id) ?? null,
                  })),
                }),
          },
        ]),
      ),
      unauthorized,
      faultsInjected: faults.injected,
      webhooks: { delivered: webhooks.delivered, failed: webhooks.failed },
      notifications,
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
    if (b.autoRequest !== undefined) for (const shop of shops.values()) shop.state.autoRequest = b.autoRequest;
    if (b.webhookUrl !== undefined) settings.webhookUrl = b.webhookUrl ?? undefined;
    if (b.bulkDelayMs !== undefined) settings.bulkDelayMs = b.bulkDelayMs;
    if (b.tokenTtlSeconds !== undefined) settings.tokenTtlSeconds = b.tokenTtlSeconds;
    return settings;
  });
  /** Every token issued (and the fixed ones), so a test can check none was written anywhere. */
  app.get('/_sim/tokens', async () => ({ tokens: [...tokens.keys()] }));
  app.post('/_sim/webhooks/drain', async () => {
    await webhooks.drain();
    return { delivered: webhooks.delivered, failed: webhooks.failed };
  });
  app.setNotFoundHandler((req, reply) => reply.code(404).send({ errors: `Not Found: ${req.method} ${req.url}` }));

  const server = await listenSim(app, opts.port ?? SHOPIFY_SIM_DEFAULTS.port, opts.host ?? '127.0.0.1', webhooks);
  origin = server.url;
  return { ...server, shops, faults, webhooks, settings };
}


/**
 * The JSONL file as byte chunks of about 64 KiB. Piping an object-mode stream of one string per line
 * into the response stalled now and then for good on a busy machine (4 of about 35 runs: the server
 * stopped writing mid-file with every socket drained, client and server waiting on each other); byte
 * chunks have not stalled since (0 in 90 repro runs and every suite run), and cost far fewer writes.
 */
function* jsonlChunks(lines: string[]): Generator<Buffer> {
  let buf = '';
  for (const l of lines) {
    buf += `${l}\n`;
    if (buf.length >= 65_536) {
      yield Buffer.from(buf);
      buf = '';
    }
  }
  if (buf) yield Buffer.from(buf);
}

function serviceView(s: SimFulfillmentService) {
  return {
    id: s.id,
    serviceName: s.serviceName,
    handle: s.handle,
    callbackUrl: s.callbackUrl,
    location: { id: s.locationId, name: s.serviceName },
    trackingSupport: s.trackingSupport,
    inventoryManagement: s.inventoryManagement,
    permitsSkuSharing: true,
    fulfillmentOrdersOptIn: true,
    requiresShippingMethod: true,
    type: 'THIRD_PARTY',
  };
}

function mapConnection<T, U>(c: ReturnType<typeof connection<T>>, f: (t: T) => U) {
  return { ...c, nodes: c.nodes.map(f), edges: c.edges.map((e) => ({ ...e, node: f(e.node) })) };
}

/** JSONL as Shopify writes it: the object, then each nested connection's nodes as lines with __parentId. */
function flattenJsonl(node: Record<string, unknown>, parentId?: string): string[] {
  const own: Record<string, unknown> = {};
  const children: string[] = [];
  for (const [k, v] of Object.entries(node)) {
    if (v && typeof v === 'object' && !Array.isArray(v) && ('edges' in v || 'nodes' in v)) {
      for (const child of connectionNodes(v as never) as Array<Record<string, unknown>>) children.push(...flattenJsonl(child, node.id as string));
    } else own[k] = v;
  }
  if (parentId) own.__parentId = parentId;
  return [JSON.stringify(own), ...children];
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

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
