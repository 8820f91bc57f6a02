import { fetchOrders } from '../connectors/shopify/pull-orders.ts';
import type { JobDeps } from './deps.ts';
import { ingestAndEnqueue } from './pull-orders.ts';
import { refreshRequestsOf } from './scan-fulfillment-requests.ts';
import { storeOf } from './deps.ts';
import { Q, enqueue } from './queues.ts';

/**
 * Re-reads the orders store webhooks named (the webhook body is only a trigger) and records them:
 * all the jobs of a fetched batch together, one `nodes` read per store for up to 50 orders, so a burst
 * of webhooks costs about what a page of the pull costs. An order the store no longer returns changes
 * nothing.
 */
export async function refreshOrders(deps: JobDeps, jobs: Array<{ storeId: string; storeOrderId: string }>): Promise<void> {
  const byStore = new Map<string, Set<string>>();
  for (const j of jobs) byStore.set(j.storeId, (byStore.get(j.storeId) ?? new Set()).add(j.storeOrderId));
  for (const [storeId, ids] of byStore) {
    if (storeOf(deps, storeId).cfg.mode === 'fulfillment-service') {
      // Its work is requests: the scan looks for new ones and cancellations, and the requests of these orders are read again.
      await enqueue(deps.boss, Q.scanFulfillmentRequests, { storeId }, { singletonKey: storeId });
      await refreshRequestsOf(deps, storeId, [...ids]);
      continue;
    }
    const onInvalid = (why: string) => deps.log.warn({ store: storeId, why }, 'Shopify returned an order without a usable id: skipped');
    const orders = await fetchOrders(storeOf(deps, storeId).shopify, [...ids], onInvalid);
    const found = new Set(orders.map((o) => o.id));
    const missing = [...ids].filter((id) => !found.has(id));
    if (missing.length) deps.log.warn({ store: storeId, orders: missing.slice(0, 20), count: missing.length }, 'webhooks named orders the store does not return');
    await ingestAndEnqueue(deps, storeId, orders);
  }
}
