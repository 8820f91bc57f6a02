import { fetchOrder } from '../connectors/shopify/pull-orders.ts';
import { storeOf, type JobDeps } from './deps.ts';
import { ingestAndEnqueue } from './pull-orders.ts';

/**
 * Re-reads one order from the store (a webhook said it changed; the webhook body is only a trigger)
 * and records it. An order that no longer exists or is out of scope changes nothing.
 */
export async function refreshOrder(deps: JobDeps, storeId: string, storeOrderId: string): Promise<void> {
  const order = await fetchOrder(storeOf(deps, storeId).shopify, storeOrderId);
  if (!order) {
    deps.log.warn({ store: storeId, order: storeOrderId }, 'webhook named an order the store does not return');
    return;
  }
  await ingestAndEnqueue(deps, storeId, [order]);
}
