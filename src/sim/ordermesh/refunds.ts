import { randomBytes } from 'node:crypto';
import type { AddRefundModel, RefundModel } from '../../connectors/ordermesh/contract.ts';
import { SimRefusal } from './state.ts';

/** Refund requests per order; each request counted by its externalId, whatever the answer. */
export class SimRefunds {
  readonly byOrder = new Map<string, RefundModel[]>();
  readonly requests = new Map<string, number>();

  add(orderId: string, req: AddRefundModel, items: Array<{ id: string; quantity: number }>): RefundModel {
    this.requests.set(req.externalId, (this.requests.get(req.externalId) ?? 0) + 1);
    const list = this.byOrder.get(orderId) ?? [];
    if (list.some((r) => r.externalId === req.externalId)) throw new SimRefusal(409, `a refund request ${req.externalId} already exists for order ${orderId}`);
    for (const [i, it] of (req.items ?? []).entries()) {
      const item = items.find((x) => x.id === it.orderItemId);
      if (!item) throw new SimRefusal(400, 'validation failed', { [`items[${i}].orderItemId`]: [`order item ${it.orderItemId} is not in order ${orderId}`] });
      if (it.quantity > item.quantity) throw new SimRefusal(400, 'validation failed', { [`items[${i}].quantity`]: [`at most ${item.quantity}`] });
    }
    const refund: RefundModel = { refundId: randomBytes(12).toString('hex'), externalId: req.externalId, status: 'Requested', reason: req.reason, items: req.items ?? null, createdAt: new Date().toISOString() };
    list.push(refund);
    this.byOrder.set(orderId, list);
    return refund;
  }

  /** OrderMesh's customer care deciding on a request. */
  decide(refundId: string, status: RefundModel['status']): RefundModel {
    for (const list of this.byOrder.values()) {
      const r = list.find((x) => x.refundId === refundId);
      if (r) {
        r.status = status;
        return r;
      }
    }
    throw new SimRefusal(404, `refund ${refundId} not found`);
  }
}
