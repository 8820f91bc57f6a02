import { randomBytes, randomUUID } from 'node:crypto';
import type { CancelOrderModel, CreateOrderItemModel, CreateOrderModel, OrderStatus, UpdateOrderModel } from './documented.ts';
import { SimRefusal } from './refusal.ts';

export { SimRefusal } from './refusal.ts';

/** A refund as OrderMesh keeps it on an order item (GetOrderItemRefundDataItemModel, public-facts.md #2). */
export interface RefundTx {
  transactionId: string;
  isShippingRefund: boolean;
  amount: number;
  reason: string;
  createdAt: string;
}

export interface SimItem {
  id: string;
  shortId: string;
  externalId: string | null;
  sku: string;
  quantity: number;
  /** The simulator's own truth; never on the wire (no documented field carries it). */
  cancelledQuantity: number;
  shippedQuantity: number;
  meta: Record<string, string> | null;
  model: CreateOrderItemModel;
  refunds: RefundTx[];
  createdAt: string;
  updatedAt: string;
  cancelledAt: string | null;
}

export interface SimOrder {
  id: string;
  shortId: string;
  safeId: string;
  externalId: string;
  merchantId: string;
  status: OrderStatus;
  model: CreateOrderModel;
  items: SimItem[];
  shipmentIds: string[];
  /** While on Customer Care Hold: the status a release returns to. */
  heldFrom: OrderStatus | null;
  createdAt: string;
  updatedAt: string;
}

export interface SimPackage {
  id: string;
  shortId: string;
  carrierName: string;
  carrierMethodName: string;
  shippedAt: string;
  fulfilledAt: string;
  trackingNumber: string;
  carrierLink: string;
  lines: Array<{ itemId: string; quantity: number }>;
}

export interface SimShipment {
  id: string;
  shortId: string;
  orderId: string;
  status: 'Fulfilled';
  createdAt: string;
  updatedAt: string;
  packages: SimPackage[];
}

const id24 = () => randomBytes(12).toString('hex');
const CHANGEABLE: ReadonlySet<OrderStatus> = new Set(['Open', 'ReadyForFulfillment', 'CustomerCareHold']);
const NEXT: Partial<Record<OrderStatus, OrderStatus>> = { Open: 'ReadyForFulfillment', ReadyForFulfillment: 'InProduction' };

/** What the `/_sim/orders/:id/ship` control asks OrderMesh's vendor to ship. */
export interface ShipRequest {
  /** Default: every item's remaining quantity. Not with `packages` as a list. */
  items?: Array<{ orderItemId: string; quantity: number }>;
  /**
   * A number: spread the lines over this many packages, each line whole in one (default 1). A list: each
   * package's own lines, so one item can be split over packages (then only `packageOrderItems`, when the
   * variant is on, tells how many went in which).
   */
  packages?: number | Array<{ items: Array<{ orderItemId: string; quantity: number }> }>;
  carrier?: string;
}

/** What OrderMesh announces, before it is written as a payload (webhooks.ts writes it). */
export type SimEvent =
  | { kind: 'OrderCreation'; order: SimOrder }
  | { kind: 'OrderCreationFailed'; safeId: string | null; externalId: string | null; merchantId: string; responseCode: number; description: string }
  | { kind: 'OrderUpdate'; order: SimOrder; oldStatus: OrderStatus; newStatus: OrderStatus; description: string }
  | { kind: 'ShipmentCreated'; order: SimOrder; shipment: SimShipment }
  | { kind: 'ShipmentUpdate'; order: SimOrder; shipment: SimShipment; oldStatus: string; newStatus: string; description: string };

/** OrderMesh's order book, in memory. Every change OrderMesh would announce is emitted as an event. */
export class OrderMeshState {
  readonly orders = new Map<string, SimOrder>();
  readonly #bySafeId = new Map<string, string>();
  readonly #byExternalId = new Map<string, string>();
  readonly #itemOrder = new Map<string, string>();
  readonly shipments = new Map<string, SimShipment>();
  /** Create requests that named each safeId (accepted or not): proves "one order, however many tries". */
  readonly createRequests = new Map<string, number>();
  /**
   * Create requests whose answer never reached the client (a lost response, a timeout, a client that
   * gave up or died): the only ones after which asking again is not a duplicate. A duplicate check
   * counts requests against these, instead of trusting whatever this simulator answers a second create.
   */
  readonly unansweredCreates = new Map<string, number>();
  #counter = 0;
  readonly #emit: (event: SimEvent) => void;

  constructor(emit: (event: SimEvent) => void) {
    this.#emit = emit;
  }

  #short(prefix: string): string {
    return `${prefix}${String(++this.#counter).padStart(8, '0')}`;
  }

  countCreateRequest(safeId: unknown): void {
    if (typeof safeId === 'string') this.createRequests.set(safeId, (this.createRequests.get(safeId) ?? 0) + 1);
  }

  countUnanswered(safeIds: string[]): void {
    for (const s of safeIds) this.unansweredCreates.set(s, (this.unansweredCreates.get(s) ?? 0) + 1);
  }

  /**
   * A repeated safeId or externalId. No 409 is documented (public-facts.md #4): by default the answer
   * is a 400 validation list naming the field, `duplicateStatus` 409 as the variant.
   */
  create(model: CreateOrderModel, duplicateStatus: number): SimOrder {
    if (this.#bySafeId.has(model.safeId)) {
      throw new SimRefusal(duplicateStatus, `An order with SafeId ${model.safeId} already exists`, [{ propertyName: 'SafeId', errorMessage: 'An order with this SafeId already exists', attemptedValue: model.safeId }]);
    }
    const extKey = `${model.merchantId}\u0000${model.externalId}`;
    if (!model.allowExternalOrderIdDuplication && this.#byExternalId.has(extKey)) {
      throw new SimRefusal(duplicateStatus, `An order with ExternalId ${model.externalId} already exists for this merchant`, [{ propertyName: 'ExternalId', errorMessage: 'An order with this ExternalId already exists', attemptedValue: model.externalId }]);
    }
    const now = new Date().toISOString();
    const order: SimOrder = {
      id: id24(),
      shortId: this.#short('O'),
      safeId: model.safeId,
      externalId: model.externalId,
      merchantId: model.merchantId,
      status: 'Open',
      model,
      items: model.items.map((it) => ({
        id: id24(),
        shortId: this.#short('I'),
        externalId: it.externalId ?? null,
        sku: it.sku,
        quantity: it.quantity,
        cancelledQuantity: 0,
        shippedQuantity: 0,
        meta: it.meta ?? null,
        model: it,
        refunds: [],
        createdAt: now,
        updatedAt: now,
        cancelledAt: null,
      })),
      shipmentIds: [],
      heldFrom: null,
      createdAt: now,
      updatedAt: now,
    };
    this.orders.set(order.id, order);
    this.#bySafeId.set(order.safeId, order.id);
    this.#byExternalId.set(extKey, order.id);
    for (const it of order.items) this.#itemOrder.set(it.id, order.id);
    this.#emit({ kind: 'OrderCreation', order });
    return order;
  }

  get(orderId: string): SimOrder {
    const o = this.orders.get(orderId);
    if (!o) throw new SimRefusal(404, `Order ${orderId} not found`);
    return o;
  }

  getBySafeId(safeId: string): SimOrder {
    const id = this.#bySafeId.get(safeId);
    if (!id) throw new SimRefusal(404, `No order with SafeId ${safeId}`);
    return this.get(id);
  }

  getItem(orderItemId: string): { order: SimOrder; item: SimItem } {
    const order = this.orders.get(this.#itemOrder.get(orderItemId) ?? '');
    const item = order?.items.find((i) => i.id === orderItemId);
    if (!order || !item) throw new SimRefusal(404, `Order item ${orderItemId} not found`);
    return { order, item };
  }

  /** ASSUMED status for a change refused as too late: 409 (the client reads CONFLICT as "too late"); no refusal status is documented. */
  update(orderId: string, update: UpdateOrderModel): SimOrder {
    const o = this.get(orderId);
    if (!CHANGEABLE.has(o.status)) throw new SimRefusal(409, `Order ${orderId} is ${o.status} and can no longer be changed`);
    o.model = {
      ...o.model,
      ...(update.shippingAddress ? { shippingAddress: update.shippingAddress } : {}),
      ...(update.billingAddress ? { billingAddress: update.billingAddress } : {}),
      ...(update.customerShippingMethod ? { customerShippingMethod: update.customerShippingMethod } : {}),
      ...(update.meta ? { meta: { ...o.model.meta, ...update.meta } } : {}),
    };
    this.#touch(o, o.status, 'Order updated: order data changed');
    return o;
  }

  /** "Cancel Order or order items" (public-facts.md #8); 409 once too late, as `update`. */
  cancel(orderId: string, req: CancelOrderModel): SimOrder {
    const o = this.get(orderId);
    if (o.status === 'Cancelled') return o;
    if (!CHANGEABLE.has(o.status)) throw new SimRefusal(409, `Order ${orderId} is ${o.status} and can no longer be cancelled`);
    const now = new Date().toISOString();
    const wanted = req.items ?? o.items.map((i) => ({ orderItemId: i.id, quantity: i.quantity }));
    const lines = wanted.map((c, i) => {
      const it = o.items.find((x) => x.id === c.orderItemId);
      if (!it) throw new SimRefusal(400, 'One or more validation errors occurred.', [{ propertyName: `Items[${i}].OrderItemId`, errorMessage: `is not an item of order ${orderId}`, attemptedValue: c.orderItemId }]);
      return { it, quantity: c.quantity };
    });
    for (const { it, quantity } of lines) {
      it.cancelledQuantity = Math.min(it.quantity, it.cancelledQuantity + quantity);
      it.updatedAt = now;
      if (it.cancelledQuantity >= it.quantity) it.cancelledAt ??= now;
    }
    const allCancelled = o.items.every((i) => i.cancelledQuantity >= i.quantity);
    this.#touch(o, allCancelled ? 'Cancelled' : o.status, allCancelled ? 'Order cancelled' : 'Order updated: order items cancelled');
    return o;
  }

  hold(orderId: string): SimOrder {
    const o = this.get(orderId);
    if (o.status === 'CustomerCareHold') return o;
    if (!CHANGEABLE.has(o.status)) throw new SimRefusal(409, `Order ${orderId} is ${o.status} and cannot be put on hold`);
    o.heldFrom = o.status;
    this.#touch(o, 'CustomerCareHold', 'Order put on customer care hold');
    return o;
  }

  release(orderId: string): SimOrder {
    const o = this.get(orderId);
    if (o.status !== 'CustomerCareHold') return o;
    const back = o.heldFrom ?? 'Open';
    o.heldFrom = null;
    this.#touch(o, back, 'Order released from customer care hold');
    return o;
  }

  /** Moves one order a lifecycle step (into production, say), as OrderMesh's own work does. */
  advanceOne(orderId: string): SimOrder {
    const o = this.get(orderId);
    const next = NEXT[o.status];
    if (!next) throw new SimRefusal(409, `Order ${orderId} is ${o.status}: no next step`);
    this.#touch(o, next, `Order updated: status updated from ${o.status} to ${next}`);
    return o;
  }

  /** Moves every open order one lifecycle step; an order in production ships all it has left. */
  advance(): number {
    let moved = 0;
    for (const o of this.orders.values()) {
      const next = NEXT[o.status];
      if (next) {
        this.#touch(o, next, `Order updated: status updated from ${o.status} to ${next}`);
        moved++;
      } else if (o.status === 'InProduction' || o.status === 'PartiallyShipped') {
        this.ship(o.id, {});
        moved++;
      }
    }
    return moved;
  }

  ship(orderId: string, req: ShipRequest): SimShipment {
    const o = this.get(orderId);
    if (o.status === 'Cancelled' || o.status === 'Shipped' || o.status === 'CustomerCareHold') throw new SimRefusal(409, `Order ${orderId} is ${o.status}`);
    const left = (i: SimItem) => i.quantity - i.cancelledQuantity - i.shippedQuantity;
    const find = (orderItemId: string) => {
      const it = o.items.find((i) => i.id === orderItemId);
      if (!it) throw new SimRefusal(400, `order item ${orderItemId} is not in order ${orderId}`);
      return it;
    };
    let packed: Array<Array<{ it: SimItem; quantity: number }>>;
    if (Array.isArray(req.packages)) {
      if (req.items) throw new SimRefusal(400, 'give items either at the top or per package, not both');
      packed = req.packages.map((p) => p.items.map((l) => ({ it: find(l.orderItemId), quantity: l.quantity })));
    } else {
      const wanted = req.items ?? o.items.filter((i) => left(i) > 0).map((i) => ({ orderItemId: i.id, quantity: left(i) }));
      const lines = wanted.map((w) => ({ it: find(w.orderItemId), quantity: w.quantity }));
      const count = Math.max(1, Math.min(req.packages ?? 1, lines.length));
      packed = Array.from({ length: count }, (_, p) => lines.filter((_, i) => i % count === p));
    }
    const total = new Map<SimItem, number>();
    for (const { it, quantity } of packed.flat()) total.set(it, (total.get(it) ?? 0) + quantity);
    if (total.size === 0) throw new SimRefusal(409, `Order ${orderId} has nothing left to ship`);
    for (const [it, quantity] of total) if (quantity > left(it)) throw new SimRefusal(400, `order item ${it.id} has fewer than ${quantity} left to ship`);

    const now = new Date().toISOString();
    const carrier = req.carrier ?? 'USPS';
    const shipment: SimShipment = { id: randomUUID(), shortId: this.#short('S'), orderId, status: 'Fulfilled', createdAt: now, updatedAt: now, packages: [] };
    shipment.packages = packed.filter((lines) => lines.length > 0).map((lines) => {
      const tracking = `9400${String(++this.#counter).padStart(18, '0')}`;
      return {
        id: randomUUID(),
        shortId: this.#short('P'),
        carrierName: carrier,
        carrierMethodName: `${carrier} Ground Advantage`,
        shippedAt: now,
        fulfilledAt: now,
        trackingNumber: tracking,
        carrierLink: `https://tools.usps.com/go/TrackConfirmAction.action?tLabels=${tracking}`,
        lines: lines.map(({ it, quantity }) => ({ itemId: it.id, quantity })),
      };
    });
    for (const [it, quantity] of total) {
      it.shippedQuantity += quantity;
      it.updatedAt = now;
    }
    this.shipments.set(shipment.id, shipment);
    o.shipmentIds.push(shipment.id);
    const done = o.items.every((i) => left(i) <= 0);
    this.#touch(o, done ? 'Shipped' : 'PartiallyShipped', 'Order shipped');
    this.#emit({ kind: 'ShipmentCreated', order: o, shipment });
    this.#emit({ kind: 'ShipmentUpdate', order: o, shipment, oldStatus: 'InProduction', newStatus: 'Fulfilled', description: 'Package was successfully updated with tracking information' });
    return shipment;
  }

  #touch(o: SimOrder, status: OrderStatus, description: string): void {
    const old = o.status;
    o.status = status;
    o.updatedAt = new Date().toISOString();
    this.#emit({ kind: 'OrderUpdate', order: o, oldStatus: old, newStatus: status, description });
  }
}
