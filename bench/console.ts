/**
 * `npm run bench:console`: how fast the operator console's API answers over a big ledger. Seeds
 * CONSOLE_BENCH_STORES stores (300) and CONSOLE_BENCH_ORDERS orders (1,000,000) in every state, with
 * their audit events and packages, in a fresh database (set-based SQL: generate_series), starts the
 * service in this process (no workers, no schedules: nothing but the HTTP server reads the ledger),
 * then times each page's API calls CONSOLE_BENCH_RUNS times (20) and writes
 * bench/results/console-<commit>.json with p50, p95 and max per call. CONSOLE_BENCH_RESULTS_DIR moves
 * the output (the suite runs a tiny form so the harness cannot rot; its figures mean nothing).
 */
import { execSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { parseConfig, resolveSecrets } from '../src/config/load.ts';
import { createLogger } from '../src/log.ts';
import { startService } from '../src/service.ts';
import { SIM_MAPPING } from '../test/helpers/pipeline.ts';
import { providePostgres } from '../test/helpers/postgres-provider.ts';
import { ROOT, percentile } from './procs.ts';

const env = process.env;
const STORES = Number(env.CONSOLE_BENCH_STORES ?? 300);
const ORDERS = Number(env.CONSOLE_BENCH_ORDERS ?? 1_000_000);
const RUNS = Number(env.CONSOLE_BENCH_RUNS ?? 20);
const TOKEN = randomBytes(24).toString('hex');

const commit = (() => {
  try {
    return execSync('git rev-parse --short HEAD', { cwd: ROOT }).toString().trim();
  } catch {
    return 'unknown';
  }
})();

async function seed(url: string): Promise<void> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const t0 = Date.now();
    await c.query(`insert into stores (id, platform, shop_domain, merchant_id, mapping_module, enabled, credentials_ref)
      select 'store-' || lpad(s::text, 4, '0'), 'shopify', 'store-' || lpad(s::text, 4, '0') || '.myshopify.com', 'm-' || s, 'shopify-default', true, 'env'
      from generate_series(1, $1) s on conflict (id) do nothing`, [STORES]);
    // Orders spread over the stores and the last 90 days; states in roughly a live ledger's proportions,
    // the same in every store (k counts a store's own orders: i / stores).
    await c.query(`insert into orders (store_id, store_order_id, store_order_name, safe_id, state, store_payload, payload_hash, ordermesh_order_id,
        last_error_code, last_error_message, attempts, created_at, updated_at, state_changed_at, submitted_at, last_polled_at)
      select 'store-' || lpad((1 + i % $2)::text, 4, '0'),
        'gid://shopify/Order/' || (9007199254741000 + i),
        '#' || (1000 + i / $2),
        'store-' || lpad((1 + i % $2)::text, 4, '0') || '-' || (9007199254741000 + i),
        st.state,
        jsonb_build_object('id', 'gid://shopify/Order/' || (9007199254741000 + i), 'name', '#' || (1000 + i / $2), 'email', 'customer' || i || '@example.com'),
        md5(i::text),
        case when st.state in ('submitted', 'in_production', 'fulfilled') then (100000000 + i)::text end,
        st.code, case when st.code is not null then st.code || ': seeded failure of order ' || i end,
        1, at, at, at,
        case when st.state in ('submitted', 'in_production', 'fulfilled') then at end,
        case when st.state in ('submitted', 'in_production', 'fulfilled') then at end
      from generate_series(1, $1) i
      cross join lateral (select now() - (i % 7776000) * interval '1 second' as at, (i / $2) % 100 as k) t
      cross join lateral (select case
          when k < 70 then 'fulfilled' when k < 78 then 'submitted' when k < 81 then 'in_production'
          when k < 86 then 'failed_mapping' when k < 88 then 'rejected' when k < 89 then 'needs_attention'
          when k < 93 then 'skipped' when k < 95 then 'cancelled' when k < 99 then 'pending' else 'failed' end as state,
        case when k between 81 and 82 then 'MISSING_SKU' when k = 83 then 'MISSING_ARTWORK' when k = 84 then 'INVALID_ADDRESS' when k = 85 then 'MONEY_MISMATCH'
          when k between 86 and 87 then 'ORDERMESH_VALIDATION' when k = 88 then 'CHANGE_NOT_MAPPED' when k = 99 then 'TRANSIENT_EXHAUSTED' end as code) st`, [ORDERS, STORES]);
    // Two audit events per order (ingested, its latest state change), a package for each shipped one.
    await c.query(`insert into events (at, store_id, order_id, kind, from_state, to_state, reason_code, message, actor)
      select created_at, store_id, id, 'ingested', null, 'pending', null, null, 'worker:bench' from orders`);
    await c.query(`insert into events (at, store_id, order_id, kind, from_state, to_state, reason_code, message, actor)
      select state_changed_at + interval '1 second', store_id, id, 'state', 'submitting', state, last_error_code, last_error_message, 'worker:bench' from orders`);
    await c.query(`insert into shipments (id, order_id, status) select 'sh-' || id, id, 'Fulfilled' from orders where state = 'fulfilled'`);
    await c.query(`insert into packages (id, shipment_id, order_id, carrier, tracking_number, items, shipped_at, written_back_at, written_tracking_number, store_fulfillment_id)
      select 'p-' || id, 'sh-' || id, id, 'USPS', '9400' || lpad(id::text, 18, '0'), '[]'::jsonb, created_at + interval '1 hour', created_at + interval '61 minutes', '9400' || lpad(id::text, 18, '0'), 'gid://shopify/Fulfillment/' || id
      from orders where state = 'fulfilled'`);
    await c.query('vacuum analyze');
    process.stdout.write(`seeded ${STORES} stores, ${ORDERS} orders with events and packages in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
  } finally {
    await c.end();
  }
}

async function main(): Promise<void> {
  const provided = await providePostgres();
  // CONSOLE_BENCH_KEEP=NAME: seed a database of that name once and keep it (for EXPLAIN, or reruns).
  const keep = env.CONSOLE_BENCH_KEEP;
  const name = keep ?? `ordersync_console_bench_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: provided.adminUrl });
  await admin.connect();
  const exists = (await admin.query('select 1 from pg_database where datname = $1', [name])).rowCount === 1;
  if (!exists) await admin.query(`create database ${name}`);
  const u = new URL(provided.adminUrl);
  u.pathname = `/${name}`;
  const url = u.toString();
  const config = parseConfig({
    ordermesh: { baseUrl: 'http://127.0.0.1:9', clientId: 'bench', clientSecret: { env: 'BENCH_OM', default: 'bench-secret' } },
    stores: Array.from({ length: STORES }, (_, i) => {
      const id = `store-${String(i + 1).padStart(4, '0')}`;
      return { id, shopDomain: `${id}.myshopify.com`, apiOrigin: 'http://127.0.0.1:9', auth: { type: 'accessToken', accessToken: { env: 'BENCH_SHOP', default: 'shpat_bench' } }, merchantId: `m-${i + 1}`, mapping: { module: 'shopify-default', options: SIM_MAPPING } };
    }),
    server: { port: 0, host: '127.0.0.1', admin: { tokens: [{ name: 'bench', role: 'operator', token: { env: 'BENCH_TOKEN', default: TOKEN } }] } },
    log: { level: 'warn' },
  });
  // Migrations and the stores first (the service does both), then the rows, then the timings.
  const boot = await startService({ config, secrets: resolveSecrets(config, {}), configPath: path.join(ROOT, 'config/sim.yaml'), log: createLogger({ level: 'warn' }), env: { DATABASE_URL: url }, schedules: false, workers: false });
  await boot.stop();
  if (!exists) await seed(url);
  const service = await startService({ config, secrets: resolveSecrets(config, {}), configPath: path.join(ROOT, 'config/sim.yaml'), log: createLogger({ level: 'warn' }), env: { DATABASE_URL: url }, schedules: false, workers: false });
  const base = `http://127.0.0.1:${service.port}`;
  const some = await service.db.selectFrom('orders').select(['id', 'store_order_name', 'safe_id', 'store_id']).where('state', '=', 'failed_mapping').orderBy('id', 'desc').limit(1).executeTakeFirstOrThrow();
  const email = `customer${Number(some.safe_id.split('-').pop()) - 9007199254741000}@example.com`;
  const calls: Array<[string, string, unknown?]> = [
    ['overview: status, all stores', '/api/v1/status'],
    ['overview: status, one store', `/api/v1/status?store=${some.store_id}`],
    ['overview: activity chart, all stores', '/api/v1/activity'],
    ['overview: activity chart, one store', `/api/v1/activity?store=${some.store_id}`],
    ['failures: all failures, first page', '/api/v1/orders?failures=true&pageSize=50'],
    ['failures: one store and reason', `/api/v1/orders?store=${some.store_id}&reason=MISSING_SKU&state=failed_mapping`],
    ['failures: page 20 of all failures', '/api/v1/orders?failures=true&pageSize=50&page=20'],
    ['failures: first seen last week', `/api/v1/orders?failures=true&since=${new Date(Date.now() - 7 * 86_400_000).toISOString()}`],
    ['search: by order name', `/api/v1/orders?q=${encodeURIComponent(some.store_order_name!)}&store=${some.store_id}`],
    ['search: by safeId', `/api/v1/orders?q=${some.safe_id}`],
    ['search: by e-mail (POST)', '/api/v1/orders/search', { q: email }],
    ['order page', `/api/v1/orders/${some.id}`],
    ['workers', '/api/v1/workers'],
    ['console page (HTML)', '/console'],
  ];
  const results: Array<{ call: string; path: string; p50: number; p95: number; max: number; bytes: number }> = [];
  for (const [call, p, body] of calls) {
    const ms: number[] = [];
    let bytes = 0;
    for (let i = 0; i < RUNS + 2; i++) {
      const t = performance.now();
      const res = await fetch(`${base}${p}`, { method: body ? 'POST' : 'GET', headers: { authorization: `Bearer ${TOKEN}`, ...(body ? { 'content-type': 'application/json' } : {}) }, body: body ? JSON.stringify(body) : undefined });
      const text = await res.text();
      if (!res.ok) throw new Error(`${p}: HTTP ${res.status} ${text.slice(0, 200)}`);
      bytes = text.length;
      // The first two warm the caches and the plan.
      if (i >= 2) ms.push(performance.now() - t);
    }
    ms.sort((a, b) => a - b);
    results.push({ call, path: p.replace(/\d{6,}/g, 'N'), p50: round(percentile(ms, 50) ?? 0), p95: round(percentile(ms, 95) ?? 0), max: round(ms.at(-1)!), bytes });
  }
  await service.stop();
  if (!keep) await admin.query(`drop database ${name} with (force)`);
  await admin.end();
  await provided.stop();

  const width = Math.max(...results.map((r) => r.call.length));
  process.stdout.write(`\n${'call'.padEnd(width)}    p50 ms   p95 ms   max ms\n`);
  for (const r of results) process.stdout.write(`${r.call.padEnd(width)}  ${String(r.p50).padStart(7)}  ${String(r.p95).padStart(7)}  ${String(r.max).padStart(7)}\n`);
  const out = {
    what: 'operator console API over a seeded ledger (bench/console.ts)',
    command: `CONSOLE_BENCH_STORES=${STORES} CONSOLE_BENCH_ORDERS=${ORDERS} npm run bench:console`,
    commit,
    at: new Date().toISOString(),
    machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, memoryGiB: Math.round(os.totalmem() / 2 ** 30), node: process.version },
    ledger: { stores: STORES, orders: ORDERS, runsPerCall: RUNS },
    results,
  };
  const dir = env.CONSOLE_BENCH_RESULTS_DIR ?? path.join(ROOT, 'bench/results');
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `console-${commit}${ORDERS < 100_000 ? '-tiny' : ''}.json`);
  writeFileSync(file, `${JSON.stringify(out, null, 2)}\n`);
  process.stdout.write(`\nwritten ${path.relative(ROOT, file)}\n`);
}

const round = (n: number) => Math.round(n * 10) / 10;

await main();
