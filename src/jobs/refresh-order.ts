import { fetchOrders } from '../connectors/shopify/pull-orders.ts';
import type { JobDeps } from './deps.ts';
import { ingestAndEnqueue } from './pull-orders.ts';
import { refreshRequestsOf } from './scan-fulfillment-requests.ts';
import { storeOf } from './deps.ts';
import { Q, enqueue } from './queues.ts';
import { mapInFlight } from '../util/in-flight.ts';

/** Stores whose orders one batch reads at once: a burst across many stores waits for the slowest read, not their sum. */
const STORES_IN_FLIGHT = 8;

/**
 * Re-reads the orders store webhooks named (the webhook body is only a trigger) and records them:
 * all the jobs of a fetched batch together, one `nodes` read per store for up to 50 orders, so a burst
 * of webhooks costs about what a page of the pull costs; several stores at once. An order the store no
 * longer returns changes nothing. Returns each job's failure (its store's), so one store's failure
 * retries its own jobs and not the whole batch.
 */
export async function refreshOrders(deps: JobDeps, jobs: Array<{ storeId: string; storeOrderId: string }>): Promise<Array<unknown | undefined>> {
  const byStore = new Map<string, Set<string>>();
  for (const j of jobs) byStore.set(j.storeId, (byStore.get(j.storeId) ?? new Set()).add(j.storeOrderId));
  const failures = new Map<string, unknown>();
  await mapInFlight([...byStore], STORES_IN_FLIGHT, ([storeId, ids]) => refreshStore(deps, storeId, [...ids]).catch((err: unknown) => void failures.set(storeId, err)));
  return jobs.map((j) => failures.get(j.storeId));
}

async function refreshStore(deps: JobDeps, storeId: string, ids: string[]): Promise<void> {
  if (storeOf(deps, storeId).cfg.mode === 'fulfillment-service') {
    // Its work is requests: the scan looks for new ones and cancellations, and the requests of these orders are read again.
    await enqueue(deps.boss, Q.scanFulfillmentRequests, { storeId }, { singletonKey: storeId });
    await refreshRequestsOf(deps, storeId, ids);
    return;
  }
  const onInvalid = (why: string) => deps.log.warn({ store: storeId, why }, 'Shopify returned an order without a usable id: skipped');
  const orders = await fetchOrders(storeOf(deps, storeId).shopify, ids, onInvalid);
  const found = new Set(orders.map((o) => o.id));
  const missing = ids.filter((id) => !found.has(id));
  if (missing.length) deps.log.warn({ store: storeId, orders: missing.slice(0, 20), count: missing.length }, 'webhooks named orders the store does not return');
  await ingestAndEnqueue(deps, storeId, orders);
}
