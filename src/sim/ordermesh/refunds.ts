import { randomBytes } from 'node:crypto';
import type { AddRefundModel } from './documented.ts';
import { SimRefusal, type ValidationError } from './refusal.ts';
import type { RefundTx, SimItem, SimOrder } from './state.ts';

const cents = (n: number) => Math.round(n * 100);

/**
 * What can still be refunded of an item, in cents. ASSUMED (the docs show the two balances, not their
 * rule): the price balance starts at the item's customerSubtotal (else price × quantity), the shipping
 * balance at its customerShippingPrice; an item sent without amounts has nothing to refund.
 */
function balances(item: SimItem): { price: number; shipping: number } {
  const m = item.model;
  const price = m.customerSubtotal ?? (m.customerPrice != null ? m.customerPrice * item.quantity : 0);
  let p = cents(price);
  let s = cents(m.customerShippingPrice ?? 0);
  for (const r of item.refunds) {
    if (r.isShippingRefund) s -= cents(r.amount);
    else p -= cents(r.amount);
  }
  return { price: p, shipping: s };
}

/** GetOrderItemRefundDataModel (public-facts.md #2); null until the item has a refund, as the docs' order example shows. */
export function refundData(item: SimItem) {
  if (item.refunds.length === 0) return null;
  const b = balances(item);
  return {
    refunds: item.refunds.map((r) => ({ transactionId: r.transactionId, isShippingRefund: r.isShippingRefund, amount: r.amount, reason: r.reason })),
    remainingShippingBalance: b.shipping / 100,
    remainingPriceBalance: b.price / 100,
  };
}

/**
 * "Add a Refund Request" with AddRefundModel (public-facts.md #5): amounts per item, no key. A repeat is
 * a second refund, as it would be at OrderMesh; every refund asked for is counted by (order, item,
 * amount, reason), so a test sees a double refund.
 */
export class SimRefunds {
  readonly requests = new Map<string, number>();

  static key(orderId: string, itemId: string, amount: number, reason: string): string {
    return `${orderId}|${itemId}|${amount}|${reason}`;
  }

  /** Every refund of the request, or none: an item not in the order or an amount over its balance refuses the whole request. */
  add(order: SimOrder, pathOrderId: string, body: AddRefundModel): Array<RefundTx & { itemId: string }> {
    for (const r of body.refunds) {
      const k = SimRefunds.key(pathOrderId, r.itemId, r.amount, r.reason);
      this.requests.set(k, (this.requests.get(k) ?? 0) + 1);
    }
    return this.#refund(order, pathOrderId, body);
  }

  /** OrderMesh's customer care refunding on its own (what the client then reads in refundData); not counted as a request. */
  issue(order: SimOrder, refunds: AddRefundModel['refunds']): Array<RefundTx & { itemId: string }> {
    return this.#refund(order, order.id, { orderId: order.id, refunds });
  }

  #refund(order: SimOrder, pathOrderId: string, body: AddRefundModel): Array<RefundTx & { itemId: string }> {
    const errors: ValidationError[] = [];
    if (body.orderId !== pathOrderId) errors.push({ propertyName: 'OrderId', errorMessage: 'must be the order of the path', attemptedValue: body.orderId });
    const taken = new Map<SimItem, { price: number; shipping: number }>();
    const lines = body.refunds.map((r, i) => {
      const item = order.items.find((x) => x.id === r.itemId);
      if (!item) {
        errors.push({ propertyName: `Refunds[${i}].ItemId`, errorMessage: `is not an item of order ${order.id}`, attemptedValue: r.itemId });
        return undefined;
      }
      const left = taken.get(item) ?? balances(item);
      const which = r.isShippingRefund ? 'shipping' : 'price';
      if (cents(r.amount) > left[which]) errors.push({ propertyName: `Refunds[${i}].Amount`, errorMessage: `exceeds the remaining ${which} balance of ${left[which] / 100}`, attemptedValue: r.amount });
      else left[which] -= cents(r.amount);
      taken.set(item, left);
      return { item, r };
    });
    if (errors.length) throw new SimRefusal(400, 'One or more validation errors occurred.', errors);
    return lines.map((l) => this.#apply(l!.item, l!.r));
  }

  #apply(item: SimItem, r: AddRefundModel['refunds'][number]): RefundTx & { itemId: string } {
    const tx: RefundTx = { transactionId: randomBytes(6).toString('hex'), isShippingRefund: r.isShippingRefund, amount: r.amount, reason: r.reason, createdAt: new Date().toISOString() };
    item.refunds.push(tx);
    item.updatedAt = tx.createdAt;
    return { itemId: item.id, ...tx };
  }
}
