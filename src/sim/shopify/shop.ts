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

interface SimFulfillmentOrder {
  id: string;
  status: 'OPEN' | 'IN_PROGRESS' | 'CLOSED' | 'ON_HOLD' | 'CANCELLED';
  locationId: string;
  lines: SimFulfillmentOrderLine[];
}

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

export type ShopWebhookTopic = 'orders/create' | 'orders/updated' | 'orders/cancelled';

let counter = 0;
const nextId = (kind: string) => `gid://shopify/${kind}/${Date.now()}${String(++counter).padStart(6, '0')}`;
/** Shopify timestamps have second resolution. */
export const shopifyTime = (ms: number) => new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');

/** One shop's orders, fulfilment orders and fulfilments, in memory. */
export class ShopState {
  readonly domain: string;
  readonly orders = new Map<string, SimOrder>();
  /** Bumped whenever an order is added or its updatedAt moves: what a cached, sorted listing depends on. */
  version = 0;
  readonly #emit: (topic: ShopWebhookTopic, order: ShopifyOrder) => void;

  constructor(domain: string, emit: (topic: ShopWebhookTopic, order: ShopifyOrder) => void) {
    this.domain = domain;
    this.#emit = emit;
  }

  add(order: ShopifyOrder, notify: boolean): SimOrder {
    const location = 'gid://shopify/Location/1';
    const shippable = order.lineItems.filter((l) => l.requiresShipping);
    const sim: SimOrder = {
      order,
      fulfillmentOrders: shippable.length
        ? [
            {
              id: nextId('FulfillmentOrder'),
              status: order.cancelledAt ? 'CLOSED' : 'OPEN',
              locationId: location,
              // Refunded, removed and elsewhere-fulfilled units are not the app's to fulfil.
              lines: shippable.map((l) => {
                const open = Math.max(0, Math.min(l.currentQuantity, l.unfulfilledQuantity));
                return { id: nextId('FulfillmentOrderLineItem'), lineItemId: l.id, totalQuantity: open, remainingQuantity: open };
              }),
            },
          ]
        : [],
      fulfillments: [],
    };
    this.orders.set(order.id, sim);
    this.version++;
    if (notify) this.#emit('orders/create', order);
    return sim;
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
    for (const fo of sim.fulfillmentOrders) if (fo.status !== 'CLOSED') fo.status = 'CLOSED';
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

  hold(id: string): SimOrder | undefined {
    const sim = this.find(id);
    for (const fo of sim?.fulfillmentOrders ?? []) if (fo.status === 'OPEN') fo.status = 'ON_HOLD';
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
      const wanted = g.fulfillmentOrderLineItems ?? fo.lines.map((l) => ({ id: l.id, quantity: l.remainingQuantity }));
      for (const w of wanted) {
        const line = fo.lines.find((l) => l.id === w.id);
        if (!line) return fail(`Fulfillment order line item ${w.id} does not belong to fulfillment order ${fo.id}`);
        if (w.quantity <= 0 || w.quantity > line.remainingQuantity) return fail(`Invalid quantity ${w.quantity} for fulfillment order line item ${w.id}`);
        plan.push({ line, quantity: w.quantity });
      }
    }
    for (const p of plan) p.line.remainingQuantity -= p.quantity;
    for (const fo of fos) fo.status = fo.lines.every((l) => l.remainingQuantity === 0) ? 'CLOSED' : 'IN_PROGRESS';
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
