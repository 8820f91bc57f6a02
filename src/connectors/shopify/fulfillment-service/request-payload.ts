import type { StoreOrderPayload } from '../types.ts';
import type { AssignedFulfillmentOrder } from './requests.ts';

/**
 * The order as one fulfilment request asks for it: each line item's unfulfilled units cut to what the
 * fulfilment order asks for (none for a line it does not hold). What the merchant fulfils from another
 * location, or another request of the same order, is then left out like units fulfilled elsewhere: the
 * mapping sends what is asked, and accounts for the money of what it leaves out, as for any partly
 * sent order. The lines stay, so Shopify's total still reconciles.
 */
export function requestPayload(order: StoreOrderPayload, fo: AssignedFulfillmentOrder): StoreOrderPayload {
  const asked = new Map<string, number>();
  for (const l of fo.lineItems.nodes) asked.set(l.lineItem.id, (asked.get(l.lineItem.id) ?? 0) + l.remainingQuantity);
  const lineItems = (Array.isArray(order.lineItems) ? order.lineItems : []) as Array<Record<string, unknown>>;
  return {
    ...order,
    lineItems: lineItems.map((li) => ({ ...li, unfulfilledQuantity: Math.min(Number(li.unfulfilledQuantity), asked.get(li.id as string) ?? 0) })),
  } as StoreOrderPayload;
}
