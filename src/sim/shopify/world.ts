import { randomUUID } from 'node:crypto';
import type { GraphQLSchema } from 'graphql';
import { adminSchema } from '../../connectors/shopify/schema.ts';
import type { ShopifyOrder } from '../../connectors/shopify/types.ts';
import { FaultInjector, seededRandom } from '../faults.ts';
import { WebhookSender } from '../webhook-sender.ts';
import { SHOPIFY_SIM_DEFAULTS } from '../defaults.ts';
import type { Declared } from './seed.ts';
import { ShopState, type RequestKind, type ShopWebhookTopic, type SimFulfillmentOrder, type SimFulfillmentService } from './shop.ts';

/**
 * What the Shopify simulator holds, shared by its parts (auth, the Admin GraphQL endpoint, bulk
 * operations, control routes): the shops with their state, throttle buckets and counters, the tokens
 * issued, the settings a test may change, and the webhooks it sends.
 */
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

export interface SimShopEntry {
  cfg: SimShop;
  state: ShopState;
  bucket: { available: number; at: number };
  stats: Record<string, number>;
  /** What each named operation really cost, for benchmarks to compute what the bucket allows. */
  operations: Record<string, { requests: number; actualCost: number }>;
  /** Requests per root field, whatever the client named its operation: what tests count to tell a mutation was not sent twice. */
  rootFields: Record<string, number>;
}

export interface BulkOp {
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

export interface ShopifySimWorld {
  schema: GraphQLSchema;
  throttle: { maximumAvailable: number; restoreRate: number };
  settings: { webhookUrl: string | undefined; bulkDelayMs: number; tokenTtlSeconds: number; scopes: string[] };
  faults: FaultInjector;
  webhooks: WebhookSender;
  shops: Map<string, SimShopEntry>;
  tokens: Map<string, { shop: string; expiresAt: number }>;
  bulkOps: Map<string, BulkOp>;
  /** What must become of each generated order (seed.ts): what tests judge the pipeline by. */
  declared: Map<string, Declared>;
  counters: { unauthorized: number; orderSeq: number };
  /** Fulfilment-service notifications: sent, and lost on the way (a fault on route FulfillmentOrderNotification). */
  notifications: { sent: number; lost: number };
  /** The simulator's own origin, once it listens (bulk operations' file URLs). */
  origin: string;
  /** The shop by domain, or the first configured one. */
  shopOf(domain?: string): SimShopEntry;
}

export function createWorld(opts: ShopifySimOptions): ShopifySimWorld {
  const shopsConfig = opts.shops ?? [SHOPIFY_SIM_DEFAULTS.shop];
  const world: ShopifySimWorld = {
    schema: adminSchema(),
    throttle: { maximumAvailable: opts.maximumAvailable ?? 2000, restoreRate: opts.restoreRate ?? 100 },
    settings: { webhookUrl: opts.webhookUrl, bulkDelayMs: opts.bulkDelayMs ?? 100, tokenTtlSeconds: opts.tokenTtlSeconds ?? 86_399, scopes: [...SHOPIFY_SIM_DEFAULTS.scopes] as string[] },
    faults: new FaultInjector(opts.seed !== undefined ? seededRandom(opts.seed) : Math.random),
    webhooks: new WebhookSender(),
    shops: new Map(),
    tokens: new Map(),
    bulkOps: new Map(),
    declared: new Map(),
    counters: { unauthorized: 0, orderSeq: 0 },
    notifications: { sent: 0, lost: 0 },
    origin: '',
    shopOf(domain) {
      const s = world.shops.get(domain ?? shopsConfig[0]!.domain);
      if (!s) throw new Error(`unknown shop ${domain}`);
      return s;
    },
  };
  for (const cfg of shopsConfig) {
    world.shops.set(cfg.domain, {
      cfg,
      state: new ShopState(cfg.domain, orderWebhooks(world, cfg), requestNotifications(world, cfg)),
      bucket: { available: world.throttle.maximumAvailable, at: Date.now() },
      stats: { requests: 0, throttled: 0, rateLimited: 0, actualCost: 0 },
      operations: {},
      rootFields: {},
    });
    world.tokens.set(cfg.accessToken, { shop: cfg.domain, expiresAt: Infinity });
  }
  return world;
}

/** Shopify's POST to `<callbackUrl>/fulfillment_order_notification`: only the kind, signed like a webhook; it can be lost. */
function requestNotifications(world: ShopifySimWorld, cfg: SimShop) {
  return (service: SimFulfillmentService, kind: RequestKind) => {
    if (world.faults.decide('FulfillmentOrderNotification').kind) {
      world.notifications.lost++;
      return;
    }
    world.notifications.sent++;
    world.webhooks.send({
      url: `${service.callbackUrl!.replace(/\/$/, '')}/fulfillment_order_notification`,
      body: { kind },
      secret: cfg.appSecret,
      signatureHeader: 'x-shopify-hmac-sha256',
      headers: { 'x-shopify-shop-domain': cfg.domain, 'x-shopify-api-version': SHOPIFY_SIM_DEFAULTS.apiVersions[0] },
    });
  };
}

function orderWebhooks(world: ShopifySimWorld, cfg: SimShop) {
  return (topic: ShopWebhookTopic, order: ShopifyOrder, fo?: SimFulfillmentOrder) => {
    const url = world.settings.webhookUrl;
    if (!url) return;
    const numericId = order.id.split('/').pop()!;
    // Shopify's REST-style webhook body: the numeric id is a JSON integer above 2^53. A fulfilment
    // order's topic names the fulfilment order alone, not its order.
    const body = fo
      ? JSON.stringify({ fulfillment_order: { id: fo.id, status: fo.status.toLowerCase(), fulfillment_holds: fo.holds.map((h) => ({ reason: h.reason.toLowerCase(), reason_notes: h.reasonNotes })) } })
      : `{"id":${numericId},"admin_graphql_api_id":${JSON.stringify(order.id)},"name":${JSON.stringify(order.name)},"updated_at":${JSON.stringify(order.updatedAt)},"cancelled_at":${JSON.stringify(order.cancelledAt)}}`;
    world.webhooks.send({
      url,
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
}
