/**
 * Webhooks out, as docs/merchant-notifications.txt shows them: PascalCase, one event per delivery, the
 * fields of its examples and nothing more (public-facts.md "Webhooks").
 */
import { randomBytes } from 'node:crypto';
import type { SimEvent, SimOrder } from './state.ts';
import { shipmentDate } from './wire.ts';
import type { Variants } from './variants.ts';

/** The order's references as every example carries them; SubscriberId is the merchant (one older example). */
function refs(o: SimOrder) {
  return { Reprint: null, OrderId: o.id, ExternalOrderId: o.externalId, SafeId: o.safeId };
}
function tail(merchantId: string, requestId: string) {
  return { SubscriberId: merchantId, ChildSubscriberId: null, RequestId: requestId };
}

/** One package of ShipmentUpdate: the documented object, always with its PackageOrderItems quantities. */
function webhookPackage(e: Extract<SimEvent, { kind: 'ShipmentUpdate' }>, v: Variants) {
  return e.shipment.packages.map((p) => {
    const q = new Map<string, number>();
    for (const l of p.lines) q.set(l.itemId, (q.get(l.itemId) ?? 0) + l.quantity);
    return {
      PackageId: p.id,
      ShortId: p.shortId,
      CarrierName: p.carrierName,
      CarrierMethodName: p.carrierMethodName,
      ShippedDate: shipmentDate(p.shippedAt, v),
      FulfilledDate: shipmentDate(p.fulfilledAt, v),
      CarrierTrackingNumber: p.trackingNumber,
      CarrierLink: p.carrierLink,
      CarrierAccount: false,
      OrderItemIDs: [...q.keys()],
      PackageOrderItems: [...q].map(([itemId, quantity]) => {
        const it = e.order.items.find((i) => i.id === itemId)!;
        return { OrderItemId: itemId, ExternalId: it.externalId, Quantity: quantity, ItemMeta: it.meta };
      }),
      PackingSlipId: null,
    };
  });
}

/** The payload of one event, field order as in the docs' examples. */
export function webhookPayload(e: SimEvent, requestId: string, v: Variants): Record<string, unknown> {
  switch (e.kind) {
    case 'OrderCreation':
      return { IsSuccessful: true, ...refs(e.order), Description: 'Order created', ...tail(e.order.merchantId, requestId), EventType: 'OrderCreation' };
    case 'OrderCreationFailed':
      // A failed creation has no OrderId (the docs' second example).
      return { IsSuccessful: false, Reprint: null, ResponseCode: e.responseCode, ExternalOrderId: e.externalId, SafeId: e.safeId, Description: e.description, ...tail(e.merchantId, requestId), EventType: 'OrderCreation' };
    case 'OrderUpdate':
      return { NewStatus: e.newStatus, OldStatus: e.oldStatus, ...refs(e.order), Description: e.description, ...tail(e.order.merchantId, requestId), EventType: 'OrderUpdate' };
    case 'ShipmentCreated':
      return { ShipmentId: e.shipment.id, ResponseCode: 200, OrderId: e.order.id, ExternalOrderId: e.order.externalId, SafeId: e.order.safeId, Description: 'OK', ...tail(e.order.merchantId, requestId), EventType: 'ShipmentCreated' };
    case 'ShipmentUpdate': {
      const packages = webhookPackage(e, v);
      return {
        ShipmentId: e.shipment.id,
        NewStatus: e.newStatus,
        OldStatus: e.oldStatus,
        // `[]` or ONE object in the docs; an array by default, the documented single object with the variant.
        Packages: v.webhookPackagesAsObject && packages.length === 1 ? packages[0] : packages,
        OrderMeta: e.order.model.meta ?? {},
        OrderId: e.order.id,
        ExternalOrderId: e.order.externalId,
        SafeId: e.order.safeId,
        Description: e.description,
        ...tail(e.order.merchantId, requestId),
        EventType: 'ShipmentUpdate',
      };
    }
  }
}

/**
 * RequestId identifies a delivery request, not an event: the docs' examples share one across events of
 * different orders. Harshest reading: every event emitted in the same tick shares one, so a receiver that
 * dedupes on it loses events.
 */
export class RequestIds {
  #current: string | undefined;

  next(): string {
    if (this.#current === undefined) {
      const stamp = new Date().toISOString().replace(/[-:]/g, '').slice(0, 15);
      this.#current = `${stamp}Z-${randomBytes(16).toString('hex')}`;
      queueMicrotask(() => (this.#current = undefined));
    }
    return this.#current;
  }
}
