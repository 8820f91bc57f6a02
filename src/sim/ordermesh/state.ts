import { randomBytes } from 'node:crypto';
import type {
  CancelOrderModel,
  CreateOrderModel,
  OrderMeshOrder,
  OrderStatus,
  ShipmentModel,
  UpdateOrderModel,
  WebhookPayload,
} from '../../connectors/ordermesh/contract.ts';

/** Why the simulator refuses a request; the server turns it into the contract's error response. */
export class SimRefusal extends Error {
  readonly status: number;
  /** Field path → messages, for a 400. */
  errors: Record<string, string[]> | undefined;
  constructor(status: number, message: string, errors?: Record<string, string[]>) {
    super(message);
    this.status = status;
    this.errors = errors;
  }
}

interface SimItem {
  id: string;
  externalId: string | null;
  sku: string;
  quantity: number;
  cancelledQuantity: number;
  shippedQuantity: number;
  meta: Record<string, string> | null;
}

interface SimOrder {
  id: string;
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

const id24 = () => randomBytes(12).toString('hex');
const CHANGEABLE: ReadonlySet<OrderStatus> = new Set(['Open', 'ReadyForFulfillment', 'CustomerCareHold']);
const NEXT: Partial<Record<OrderStatus, OrderStatus>> = { Open: 'ReadyForFulfillment', ReadyForFulfillment: 'InProduction' };

export interface ShipRequest {
  /** Default: every item's remaining quantity. */
  items?: Array<{ orderItemId: string; quantity: number }>;
  /** Split the shipped items over this many packages (default 1). */
  packages?: number;
  carrier?: string;
}

/** OrderMesh's order book, in memory. Every change that OrderMesh would announce emits a webhook payload. */
export class OrderMeshState {
  readonly orders = new Map<string, SimOrder>();
  readonly #bySafeId = new Map<string, string>();
  readonly #byExternalId = new Map<string, string>();
  readonly shipments = new Map<string, ShipmentModel>();
  /** Create requests that named each safeId (accepted or not): proves "one order, however many tries". */
  readonly createRequests = new Map<string, number>();
  #tracking = 0;

  readonly #emit: (payload: WebhookPayload) => void;

  constructor(emit: (payload: WebhookPayload) => void) {
    this.#emit = emit;
  }

  /**
   * Create requests whose answer never reached the client (a lost response, a timeout, a client that
   * gave up or died): the only ones after which asking again is not a duplicate. A duplicate check
   * counts requests against these, instead of trusting the 409 this simulator answers a second create.
   */
  readonly unansweredCreates = new Map<string, number>();

  countCreateRequest(safeId: unknown): void {
    if (typeof safeId === 'string') this.createRequests.set(safeId, (this.createRequests.get(safeId) ?? 0) + 1);
  }

  countUnanswered(safeIds: string[]): void {
    for (const s of safeIds) this.unansweredCreates.set(s, (this.unansweredCreates.get(s) ?? 0) + 1);
  }

  create(model: CreateOrderModel): SimOrder {
    if (this.#bySafeId.has(model.safeId)) throw new SimRefusal(409, `an order with safeId ${model.safeId} already exists`);
    const extKey = `${model.merchantId}\u0000${model.externalId}`;
    if (!model.allowExternalOrderIdDuplication && this.#byExternalId.has(extKey)) {
      throw new SimRefusal(409, `an order with externalId ${model.externalId} already exists for this merchant`);
    }
    const now = new Date().toISOString();
    const order: SimOrder = {
      id: id24(),
      safeId: model.safeId,
      externalId: model.externalId,
      merchantId: model.merchantId,
      status: 'Open',
      model,
      items: model.items.map((it) => ({
        id: id24(),
        externalId: it.externalId ?? null,
        sku: it.sku,
        quantity: it.quantity,
        cancelledQuantity: 0,
        shippedQuantity: 0,
        meta: it.meta ?? null,
      })),
      shipmentIds: [],
      heldFrom: null,
      createdAt: now,
      updatedAt: now,
    };
    this.orders.set(order.id, order);
    this.#bySafeId.set(order.safeId, order.id);
    this.#byExternalId.set(extKey, order.id);
    this.#emit({ ...this.#refs(order), EventType: 'OrderCreation', IsSuccessful: true, Description: 'Order created' });
    return order;
  }

  get(orderId: string): SimOrder {
    const o = this.orders.get(orderId);
    if (!o) throw new SimRefusal(404, `order ${orderId} not found`);
    return o;
  }

  getBySafeId(safeId: string): SimOrder {
    const id = this.#bySafeId.get(safeId);
    if (!id) throw new SimRefusal(404, `no order with safeId ${safeId}`);
    return this.get(id);
  }

  update(orderId: string, update: UpdateOrderModel): SimOrder {
    const o = this.get(orderId);
    if (!CHANGEABLE.has(o.status)) throw new SimRefusal(409, `order ${orderId} is ${o.status} and can no longer be changed`);
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

  cancel(orderId: string, req: CancelOrderModel): SimOrder {
    const o = this.get(orderId);
    if (o.status === 'Cancelled') return o;
    if (!CHANGEABLE.has(o.status)) throw new SimRefusal(409, `order ${orderId} is ${o.status} and can no longer be cancelled`);
    if (!req.items?.length) {
      for (const it of o.items) it.cancelledQuantity = it.quantity;
    } else {
      for (const c of req.items) {
        const it = o.items.find((i) => i.id === c.orderItemId);
        if (!it) throw new SimRefusal(400, `order item ${c.orderItemId} is not in order ${orderId}`);
        it.cancelledQuantity = Math.min(it.quantity, it.cancelledQuantity + c.quantity);
      }
    }
    const allCancelled = o.items.every((i) => i.cancelledQuantity >= i.quantity);
    this.#touch(o, allCancelled ? 'Cancelled' : o.status, allCancelled ? 'Order cancelled' : 'Order items cancelled');
    return o;
  }

  hold(orderId: string): SimOrder {
    const o = this.get(orderId);
    if (o.status === 'CustomerCareHold') return o;
    if (!CHANGEABLE.has(o.status)) throw new SimRefusal(409, `order ${orderId} is ${o.status} and cannot be put on hold`);
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
    if (!next) throw new SimRefusal(409, `order ${orderId} is ${o.status}: no next step`);
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

  ship(orderId: string, req: ShipRequest): ShipmentModel {
    const o = this.get(orderId);
    if (o.status === 'Cancelled' || o.status === 'Shipped' || o.status === 'CustomerCareHold') throw new SimRefusal(409, `order ${orderId} is ${o.status}`);
    const wanted =
      req.items ??
      o.items
        .map((i) => ({ orderItemId: i.id, quantity: i.quantity - i.cancelledQuantity - i.shippedQuantity }))
        .filter((i) => i.quantity > 0);
    if (wanted.length === 0) throw new SimRefusal(409, `order ${orderId} has nothing left to ship`);
    const lines = wanted.map((w) => {
      const it = o.items.find((i) => i.id === w.orderItemId);
      if (!it) throw new SimRefusal(400, `order item ${w.orderItemId} is not in order ${orderId}`);
      if (w.quantity > it.quantity - it.cancelledQuantity - it.shippedQuantity) {
        throw new SimRefusal(400, `order item ${w.orderItemId} has fewer than ${w.quantity} left to ship`);
      }
      return { it, quantity: w.quantity };
    });
    const packageCount = Math.max(1, Math.min(req.packages ?? 1, lines.length));
    const now = new Date().toISOString();
    const carrier = req.carrier ?? 'USPS';
    const packages = Array.from({ length: packageCount }, (_, p) => {
      const tracking = `9400${String(++this.#tracking).padStart(18, '0')}`;
      return {
        packageId: id24(),
        shortId: `P${String(this.#tracking).padStart(8, '0')}`,
        carrierName: carrier,
        carrierMethodName: `${carrier} Ground Advantage`,
        shippedDate: now,
        fulfilledDate: now,
        carrierTrackingNumber: tracking,
        carrierLink: `https://tools.usps.com/go/TrackConfirmAction.action?tLabels=${tracking}`,
        packageOrderItems: lines
          .filter((_, i) => i % packageCount === p)
          .map(({ it, quantity }) => ({ orderItemId: it.id, externalId: it.externalId, quantity, itemMeta: it.meta })),
      };
    });
    for (const { it, quantity } of lines) it.shippedQuantity += quantity;
    const shipment: ShipmentModel = { shipmentId: id24(), orderId, status: 'Fulfilled', packages, createdAt: now, updatedAt: now };
    this.shipments.set(shipment.shipmentId, shipment);
    o.shipmentIds.push(shipment.shipmentId);
    const done = o.items.every((i) => i.shippedQuantity + i.cancelledQuantity >= i.quantity);
    this.#touch(o, done ? 'Shipped' : 'PartiallyShipped', 'Order shipped');
    const refs = this.#refs(o);
    this.#emit({ ...refs, EventType: 'ShipmentCreated', ShipmentId: shipment.shipmentId, ResponseCode: 200, Description: 'OK' });
    this.#emit({
      ...refs,
      EventType: 'ShipmentUpdate',
      ShipmentId: shipment.shipmentId,
      OldStatus: 'InProduction',
      NewStatus: 'Fulfilled',
      OrderMeta: o.model.meta ?? {},
      Description: 'Package was successfully updated with tracking information',
      Packages: packages.map((p) => ({
        PackageId: p.packageId,
        ShortId: p.shortId,
        CarrierName: p.carrierName,
        CarrierMethodName: p.carrierMethodName,
        ShippedDate: p.shippedDate,
        FulfilledDate: p.fulfilledDate,
        CarrierTrackingNumber: p.carrierTrackingNumber,
        CarrierLink: p.carrierLink,
        CarrierAccount: false,
        OrderItemIDs: p.packageOrderItems.map((i) => i.orderItemId),
        PackageOrderItems: p.packageOrderItems.map((i) => ({
          OrderItemId: i.orderItemId,
          ExternalId: i.externalId,
          Quantity: i.quantity,
          ItemMeta: i.itemMeta,
        })),
        PackingSlipId: null,
      })),
    });
    return shipment;
  }

  view(o: SimOrder): OrderMeshOrder {
    return {
      id: o.id,
      safeId: o.safeId,
      externalId: o.externalId,
      merchantId: o.merchantId,
      status: o.status,
      shippingAddress: o.model.shippingAddress as Record<string, unknown>,
      items: o.items.map((i) => ({
        id: i.id,
        externalId: i.externalId,
        sku: i.sku,
        quantity: i.quantity,
        cancelledQuantity: i.cancelledQuantity,
        status: i.cancelledQuantity >= i.quantity ? 'Cancelled' : i.shippedQuantity > 0 ? 'Shipped' : o.status,
        meta: i.meta,
      })),
      meta: o.model.meta ?? null,
      createdAt: o.createdAt,
      updatedAt: o.updatedAt,
    };
  }

  #refs(o: SimOrder) {
    return { OrderId: o.id, ExternalOrderId: o.externalId, SafeId: o.safeId, RequestId: `sim-${id24()}`, SubscriberId: o.merchantId };
  }

  #touch(o: SimOrder, status: OrderStatus, description: string): void {
    const old = o.status;
    o.status = status;
    o.updatedAt = new Date().toISOString();
    this.#emit({ ...this.#refs(o), EventType: 'OrderUpdate', OldStatus: old, NewStatus: status, Description: description });
  }
}
