import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { Kysely } from 'kysely';
import type { Database } from './db/schema.ts';

export interface Metrics {
  registry: Registry;
  jobs: Counter<'queue' | 'outcome'>;
  httpCalls: Counter<'upstream' | 'status'>;
}

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
  if (db) {
    new Gauge({
      name: 'ordersync_orders',
      help: 'Orders in the ledger, by store and state.',
      labelNames: ['store', 'state'] as const,
      registers: [registry],
      async collect() {
        const rows = await db
          .selectFrom('orders')
          .select(['store_id', 'state', (eb) => eb.fn.countAll<string>().as('n')])
          .groupBy(['store_id', 'state'])
          .execute();
        this.reset();
        for (const r of rows) this.set({ store: r.store_id, state: r.state }, Number(r.n));
      },
    });
  }
  return { registry, jobs, httpCalls };
}
