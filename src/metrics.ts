import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { Kysely } from 'kysely';
import type { Database } from './db/schema.ts';
import { ordersByStoreAndState } from './db/order-counts.ts';

export interface Metrics {
  registry: Registry;
  jobs: Counter<'queue' | 'outcome'>;
  httpCalls: Counter<'upstream' | 'status'>;
  /** OrderMesh answers read another way than documented, by operation and kind (src/drift-recorder.ts). */
  ordermeshDrift: Counter<'operation' | 'kind'>;
  /** Webhook deliveries answered, by source (ordermesh, shopify) and outcome (received, duplicate, ignored, refused, unavailable). */
  webhookDeliveries: Counter<'source' | 'outcome'>;
  /** Webhook deliveries not taken, by source and reason (over_capacity, timeout, database, internal, unauthorized, bad_request, too_large, aborted). */
  webhookFailures: Counter<'source' | 'reason'>;
  /** OrderMesh webhook events waiting for their batch to be written (src/server/ordermesh-intake.ts). */
  webhookIntakePending: Gauge;
  /** Connections open on the HTTP server now (src/server/http.ts keeps it). */
  httpOpenConnections: Gauge;
  /** Records one upstream HTTP call: the counter, and the last hour's window the console shows. */
  upstreamCall(upstream: string, status: number | string): void;
  /** This process's upstream calls over the last hour: calls, errors (5xx, 429, network) and their rate. */
  upstreams(): Record<string, { calls: number; errors: number; errorRate: number }>;
}

const WINDOW_MINUTES = 60;

/**
 * One registry per service instance (not prom-client's global one), so tests can build several.
 * Orders per state are read from the ledger at scrape time: the ledger is the truth, and any
 * number of processes share it.
 */
export function createMetrics(db?: Kysely<Database>): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'ordersync_' });
  const jobs = new Counter({
    name: 'ordersync_jobs_total',
    help: 'Jobs handled, by queue and outcome (completed, failed).',
    labelNames: ['queue', 'outcome'] as const,
    registers: [registry],
  });
  const httpCalls = new Counter({
    name: 'ordersync_upstream_http_requests_total',
    help: 'HTTP calls to upstream APIs, by upstream (ordermesh, shopify) and status code (or "error").',
    labelNames: ['upstream', 'status'] as const,
    registers: [registry],
  });
  const ordermeshDrift = new Counter({
    name: 'ordersync_ordermesh_drift_total',
    help: 'OrderMesh answers that needed the tolerant reader (a shape its documentation does not show), by operation and kind (envelope, field-name, integer-status, missing-field, …). `ordersync status` shows an example of each.',
    labelNames: ['operation', 'kind'] as const,
    registers: [registry],
  });
  const webhookDeliveries = new Counter({
    name: 'ordersync_webhook_deliveries_total',
    help: 'Webhook deliveries answered, by source (ordermesh, shopify) and outcome: received, duplicate (acknowledged, already had), ignored (acknowledged, nothing to do), refused (4xx), unavailable (503 with Retry-After: the sender retries).',
    labelNames: ['source', 'outcome'] as const,
    registers: [registry],
  });
  const webhookFailures = new Counter({
    name: 'ordersync_webhook_failures_total',
    help: 'Webhook deliveries not taken, by source and reason: over_capacity, timeout, database, internal (503 with Retry-After, retried by the sender), unauthorized, bad_request, too_large (4xx), aborted (the sender hung up first).',
    labelNames: ['source', 'reason'] as const,
    registers: [registry],
  });
  const webhookIntakePending = new Gauge({
    name: 'ordersync_webhook_intake_pending',
    help: 'OrderMesh webhook events received and waiting for their batch to be written to the ledger.',
    registers: [registry],
  });
  const httpOpenConnections = new Gauge({
    name: 'ordersync_http_open_connections',
    help: 'Connections open on the HTTP server (webhooks, admin API, probes).',
    registers: [registry],
  });
  if (db) {
    new Gauge({
      name: 'ordersync_orders',
      help: 'Orders in the ledger, by store and state.',
      labelNames: ['store', 'state'] as const,
      registers: [registry],
      async collect() {
        const rows = await ordersByStoreAndState(db);
        this.reset();
        for (const r of rows) this.set({ store: r.store_id, state: r.state }, r.n);
      },
    });
  }
  // Per upstream, per minute: [calls, errors]; minutes older than the window are dropped as new ones come.
  const recent = new Map<string, Map<number, [number, number]>>();
  const upstreamCall = (upstream: string, status: number | string) => {
    httpCalls.inc({ upstream, status: String(status) });
    const minute = Math.floor(Date.now() / 60_000);
    const byMinute = recent.get(upstream) ?? new Map<number, [number, number]>();
    recent.set(upstream, byMinute);
    const slot = byMinute.get(minute) ?? [0, 0];
    slot[0]++;
    if (typeof status !== 'number' || status >= 500 || status === 429) slot[1]++;
    byMinute.set(minute, slot);
    for (const m of byMinute.keys()) if (m <= minute - WINDOW_MINUTES) byMinute.delete(m);
  };
  const upstreams = () => {
    const since = Math.floor(Date.now() / 60_000) - WINDOW_MINUTES;
    const out: Record<string, { calls: number; errors: number; errorRate: number }> = {};
    for (const [name, byMinute] of recent) {
      let calls = 0;
      let errors = 0;
      for (const [m, [c, e]] of byMinute) if (m > since) (calls += c), (errors += e);
      out[name] = { calls, errors, errorRate: calls ? errors / calls : 0 };
    }
    return out;
  };
  return { registry, jobs, httpCalls, ordermeshDrift, webhookDeliveries, webhookFailures, webhookIntakePending, httpOpenConnections, upstreamCall, upstreams };
}
