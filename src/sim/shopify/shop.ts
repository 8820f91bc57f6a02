import { randomBytes } from 'node:crypto';
import type { ShopifyAddress, ShopifyOrder } from '../../connectors/shopify/types.ts';

/** A GraphQL userError, as mutations answer it. */
export interface UserError {
  field: string[] | null;
  message: string;
}

interface SimFulfillmentOrderLine {
  id: string;
  lineItemId: string;
  totalQuantity: number;
  remainingQuantity: number;
}

export type RequestStatus = 'UNSUBMITTED' | 'SUBMITTED' | 'ACCEPTED' | 'REJECTED' | 'CANCELLATION_REQUESTED' | 'CANCELLATION_ACCEPTED' | 'CANCELLATION_REJECTED' | 'CLOSED';

export interface SimHold {
  id: string;
  reason: string;
  reasonNotes: string | null;
  handle: string;
  /** Placed by the app (true) or by the merchant in the admin (false). */
  byApp: boolean;
}

export interface SimFulfillmentOrder {
  id: string;
  orderId: string;
  status: 'OPEN' | 'IN_PROGRESS' | 'CLOSED' | 'ON_HOLD' | 'CANCELLED' | 'INCOMPLETE';
  /** Only a fulfilment service's fulfilment orders leave UNSUBMITTED. */
  requestStatus: RequestStatus;
  locationId: string;
  lines: SimFulfillmentOrderLine[];
  holds: SimHold[];
  /** What the service said when it answered the request, and when it expects to ship. */
  requestMessage: string | null;
  estimatedShippedAt: string | null;
  updatedAt: string;
}

/** A fulfilment service registered by the app, with the location Shopify made for it. */
export interface SimFulfillmentService {
  id: string;
  serviceName: string;
  handle: string;
  callbackUrl: string | null;
  locationId: string;
  trackingSupport: boolean;
  inventoryManagement: boolean;
}

/** The merchant-managed location every shop starts with. */
export const SHOP_LOCATION = 'gid://shopify/Location/1';

export interface SimFulfillment {
  id: string;
  status: 'SUCCESS' | 'CANCELLED';
  createdAt: string;
  tracking: { number: string | null; url: string | null; company: string | null };
  lines: Array<{ lineItemId: string; quantity: number }>;
}

export interface SimOrder {
  order: ShopifyOrder;
  fulfillmentOrders: SimFulfillmentOrder[];
  fulfillments: SimFulfillment[];
}

export type ShopWebhookTopic = 'orders/create' | 'orders/updated' | 'orders/cancelled' | 'fulfillment_orders/placed_on_hold' | 'fulfillment_orders/hold_released';
export type RequestKind = 'FULFILLMENT_REQUEST' | 'CANCELLATION_REQUEST';

let counter = 0;
export const nextId = (kind: string) => `gid://shopify/${kind}/${Date.now()}${String(++counter).padStart(6, '0')}`;
/** Shopify timestamps have second resolution. */
export const shopifyTime = (ms: number) => new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');

/** One shop's orders, fulfilment orders and fulfilments, in memory. */
export class ShopState {
  readonly domain: string;
  readonly orders = new Map<string, SimOrder>();
  /** Bumped whenever an order is added or its updatedAt moves: what a cached, sorted listing depends on. */
  version = 0;
  /** The app's fulfilment services, by id. */
  readonly services = new Map<string, SimFulfillmentService>();
  /** Which location stocks a SKU (the merchant assigned the product to a fulfilment service); the shop's own otherwise. */
  readonly stockedAt = new Map<string, string>();
  /** Whether the merchant's fulfilment requests go out when an order is placed (Shopify's automatic fulfilment request). */
  autoRequest = true;
  /** `fo`: the fulfilment order a fulfillment_orders/* topic is about. */
  readonly #emit: (topic: ShopWebhookTopic, order: ShopifyOrder, fo?: SimFulfillmentOrder) => void;
  readonly #notify: (service: SimFulfillmentService, kind: RequestKind) => void;

  constructor(domain: string, emit: (topic: ShopWebhookTopic, order: ShopifyOrder, fo?: SimFulfillmentOrder) => void, notify: (service: SimFulfillmentService, kind: RequestKind) => void = () => {}) {
    this.domain = domain;
    this.#emit = emit;
    this.#notify = notify;
  }

  serviceAt(locationId: string): SimFulfillmentService | undefined {
    return [...this.services.values()].find((s) => s.locationId === locationId);
  }

  /** Tells a service's callback URL there is work (a hint with no ids, as Shopify sends it). */
  notify(fo: SimFulfillmentOrder, kind: RequestKind): void {
    const service = this.serviceAt(fo.locationId);
    if (service?.callbackUrl) this.#notify(service, kind);
  }

  add(order: ShopifyOrder, notify: boolean): SimOrder {
    const shippable = order.lineItems.filter((l) => l.requiresShipping);
    // One fulfilment order per location that stocks the items, as Shopify splits an order at checkout.
    const byLocation = new Map<string, typeof shippable>();
    for (const l of shippable) {
      const at = this.stockedAt.get(l.sku ?? l.variant?.sku ?? '') ?? SHOP_LOCATION;
      byLocation.set(at, [...(byLocation.get(at) ?? []), l]);
    }
    const now = shopifyTime(Date.now());
    const sim: SimOrder = {
      order,
      fulfillmentOrders: [...byLocation.entries()].map(([locationId, lines]) => {
        const requested = !order.cancelledAt && this.autoRequest && this.serviceAt(locationId) !== undefined;
        return {
          id: nextId('FulfillmentOrder'),
          orderId: order.id,
          status: order.cancelledAt ? 'CLOSED' : 'OPEN',
          requestStatus: requested ? 'SUBMITTED' : 'UNSUBMITTED',
          locationId,
          // Refunded, removed and elsewhere-fulfilled units are not the app's to fulfil.
          lines: lines.map((l) => {
            const open = Math.max(0, Math.min(l.currentQuantity, l.unfulfilledQuantity));
            return { id: nextId('FulfillmentOrderLineItem'), lineItemId: l.id, totalQuantity: open, remainingQuantity: open };
          }),
          holds: [],
          requestMessage: null,
          estimatedShippedAt: null,
          updatedAt: now,
        };
      }),
      fulfillments: [],
    };
    this.orders.set(order.id, sim);
    this.version++;
    if (notify) this.#emit('orders/create', order);
    for (const fo of sim.fulfillmentOrders) if (fo.requestStatus === 'SUBMITTED') this.notify(fo, 'FULFILLMENT_REQUEST');
    return sim;
  }

  /** The fulfilment order with this id, and the order it belongs to. */
  findFulfillmentOrder(id: string): { sim: SimOrder; fo: SimFulfillmentOrder } | undefined {
    for (const sim of this.orders.values()) {
      const fo = sim.fulfillmentOrders.find((f) => f.id === id);
      if (fo) return { sim, fo };
    }
    return undefined;
  }

  find(id: string): SimOrder | undefined {
    return this.orders.get(id.startsWith('gid://') ? id : `gid://shopify/Order/${id}`);
  }

  #touch(sim: SimOrder, topic: ShopWebhookTopic): void {
    // Strictly later than before, even within one second, so updated_at filters see the change.
    const prev = Date.parse(sim.order.updatedAt);
    sim.order.updatedAt = shopifyTime(Math.max(Date.now(), prev + 1000));
    this.version++;
    this.#emit(topic, sim.order);
    if (topic === 'orders/cancelled') this.#emit('orders/updated', sim.order);
  }

  cancel(id: string): SimOrder | undefined {
    const sim = this.find(id);
    if (!sim || sim.order.cancelledAt) return sim;
    sim.order.cancelledAt = shopifyTime(Date.now());
    sim.order.cancelReason = 'CUSTOMER';
    for (const fo of sim.fulfillmentOrders) {
      if (fo.status === 'CLOSED' || fo.status === 'CANCELLED') continue;
      fo.updatedAt = shopifyTime(Date.now());
      if (fo.requestStatus === 'ACCEPTED' || fo.requestStatus === 'CANCELLATION_REJECTED') {
        // The service may be making it already: Shopify asks, and the fulfilment order stays the service's until it answers.
        fo.requestStatus = 'CANCELLATION_REQUESTED';
        this.notify(fo, 'CANCELLATION_REQUEST');
      } else {
        // Not accepted yet: withdrawn at once (fulfillmentOrderCancel on a SUBMITTED fulfilment order).
        fo.status = 'CLOSED';
        if (fo.requestStatus === 'SUBMITTED') fo.requestStatus = 'CLOSED';
      }
    }
    this.#touch(sim, 'orders/cancelled');
    return sim;
  }

  update(id: string, patch: { shippingAddress?: Partial<ShopifyAddress>; note?: string | null; tags?: string[] }): SimOrder | undefined {
    const sim = this.find(id);
    if (!sim) return undefined;
    if (patch.shippingAddress) sim.order.shippingAddress = { ...(sim.order.shippingAddress as ShopifyAddress), ...patch.shippingAddress };
    if (patch.note !== undefined) sim.order.note = patch.note;
    if (patch.tags) sim.order.tags = patch.tags;
    this.#touch(sim, 'orders/updated');
    return sim;
  }

  /** The merchant holds the order's open fulfilment orders in the admin (the app did not place these holds). */
  hold(id: string, reason = 'OTHER', reasonNotes: string | null = null): SimOrder | undefined {
    const sim = this.find(id);
    for (const fo of sim?.fulfillmentOrders ?? []) {
      if (fo.status !== 'OPEN' && fo.status !== 'ON_HOLD') continue;
      fo.holds.push({ id: nextId('FulfillmentHold'), reason, reasonNotes, handle: '', byApp: false });
      fo.status = 'ON_HOLD';
      fo.updatedAt = shopifyTime(Date.now());
      // The order's own updatedAt is left alone: a hold is the fulfilment order's change, not the order's.
      this.#emit('fulfillment_orders/placed_on_hold', sim!.order, fo);
    }
    return sim;
  }

  /** The merchant releases every hold on the order's fulfilment orders. */
  release(id: string): SimOrder | undefined {
    const sim = this.find(id);
    for (const fo of sim?.fulfillmentOrders ?? []) {
      if (fo.status !== 'ON_HOLD') continue;
      fo.holds = [];
      fo.status = fo.lines.some((l) => l.remainingQuantity < l.totalQuantity) ? 'IN_PROGRESS' : 'OPEN';
      fo.updatedAt = shopifyTime(Date.now());
      this.#emit('fulfillment_orders/hold_released', sim!.order, fo);
    }
    return sim;
  }

  /** fulfillmentCreate: checks what Shopify checks (same order, same location, open, enough left). */
  createFulfillment(input: {
    lineItemsByFulfillmentOrder: Array<{ fulfillmentOrderId: string; fulfillmentOrderLineItems?: Array<{ id: string; quantity: number }> | null }>;
    trackingInfo?: { number?: string | null; url?: string | null; company?: string | null } | null;
  }): { fulfillment: SimFulfillment | null; userErrors: UserError[] } {
    const fail = (message: string) => ({ fulfillment: null, userErrors: [{ field: ['fulfillment'], message }] });
    const groups = input.lineItemsByFulfillmentOrder;
    if (!groups.length) return fail('lineItemsByFulfillmentOrder must not be empty');
    const owners = groups.map((g) => [...this.orders.values()].find((o) => o.fulfillmentOrders.some((fo) => fo.id === g.fulfillmentOrderId)));
    const sim = owners[0];
    if (!sim || owners.some((o) => o !== sim)) return fail('All fulfillment orders must belong to the same order');
    const fos = groups.map((g) => sim.fulfillmentOrders.find((fo) => fo.id === g.fulfillmentOrderId)!);
    if (new Set(fos.map((fo) => fo.locationId)).size > 1) return fail('All fulfillment orders must be assigned to the same location');
    const plan: Array<{ line: SimFulfillmentOrderLine; quantity: number }> = [];
    for (const [i, g] of groups.entries()) {
      const fo = fos[i]!;
      if (fo.status === 'ON_HOLD') return fail(`Fulfillment order ${fo.id} is on hold`);
      if (fo.status !== 'OPEN' && fo.status !== 'IN_PROGRESS') return fail(`Fulfillment order ${fo.id} has an unfulfillable status= ${fo.status.toLowerCase()}`);
      if (this.serviceAt(fo.locationId) && fo.requestStatus !== 'ACCEPTED' && fo.requestStatus !== 'CANCELLATION_REJECTED') {
        return fail(`Fulfillment order ${fo.id} has not been accepted by the fulfillment service (request status ${fo.requestStatus.toLowerCase()})`);
      }
      const wanted = g.fulfillmentOrderLineItems ?? fo.lines.map((l) => ({ id: l.id, quantity: l.remainingQuantity }));
      for (const w of wanted) {
        const line = fo.lines.find((l) => l.id === w.id);
        if (!line) return fail(`Fulfillment order line item ${w.id} does not belong to fulfillment order ${fo.id}`);
        if (w.quantity <= 0 || w.quantity > line.remainingQuantity) return fail(`Invalid quantity ${w.quantity} for fulfillment order line item ${w.id}`);
        plan.push({ line, quantity: w.quantity });
      }
    }
    for (const p of plan) p.line.remainingQuantity -= p.quantity;
    for (const fo of fos) {
      fo.status = fo.lines.every((l) => l.remainingQuantity === 0) ? 'CLOSED' : 'IN_PROGRESS';
      fo.updatedAt = shopifyTime(Date.now());
    }
    const fulfillment: SimFulfillment = {
      id: nextId('Fulfillment'),
      status: 'SUCCESS',
      createdAt: new Date().toISOString(),
      tracking: { number: input.trackingInfo?.number ?? null, url: input.trackingInfo?.url ?? null, company: input.trackingInfo?.company ?? null },
      lines: plan.map((p) => ({ lineItemId: p.line.lineItemId, quantity: p.quantity })),
    };
    sim.fulfillments.push(fulfillment);
    return { fulfillment, userErrors: [] };
  }

  updateTracking(fulfillmentId: string, tracking: { number?: string | null; url?: string | null; company?: string | null }) {
    for (const sim of this.orders.values()) {
      const f = sim.fulfillments.find((x) => x.id === fulfillmentId);
      if (f) {
        f.tracking = { number: tracking.number ?? f.tracking.number, url: tracking.url ?? f.tracking.url, company: tracking.company ?? f.tracking.company };
        return { fulfillment: f, userErrors: [] as UserError[] };
      }
    }
    return { fulfillment: null, userErrors: [{ field: ['fulfillmentId'], message: 'Fulfillment does not exist.' }] };
  }

  /** Line-item quantities not yet covered by a fulfilment (of the units still ordered and not fulfilled elsewhere). */
  unfulfilled(sim: SimOrder, lineItemId: string): number {
    const item = sim.order.lineItems.find((l) => l.id === lineItemId);
    const done = sim.fulfillments.filter((f) => f.status === 'SUCCESS').flatMap((f) => f.lines).filter((l) => l.lineItemId === lineItemId).reduce((a, l) => a + l.quantity, 0);
    return Math.max(0, Math.min(item?.currentQuantity ?? 0, item?.unfulfilledQuantity ?? 0) - done);
  }
}

export const randomToken = (prefix: string) => `${prefix}_${randomBytes(16).toString('hex')}`;
