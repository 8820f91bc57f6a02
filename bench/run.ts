/**
 * `npm run bench`: throughput and memory of the hot paths, against the simulators and a real
 * PostgreSQL (TEST_DATABASE_URL, else 127.0.0.1:5432, else an embedded one). Prints numbers; asserts
 * nothing. Sizes: BENCH_ORDERS (default 100000 for mapping and bulk streaming, a fifth of it for the
 * paged pull and the pipeline); BENCH_ONLY=mapping,pull,bulk,pipeline picks some.
 */
import { spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { parseConfig, resolveSecrets } from '../src/config/load.ts';
import { startBulkExport, streamBulkOrders, waitForBulkOperation } from '../src/connectors/shopify/bulk-export.ts';
import { pullUpdatedOrders } from '../src/connectors/shopify/pull-orders.ts';
import { Q } from '../src/jobs/queues.ts';
import { createLogger } from '../src/log.ts';
import { loadMapper, mapOrder } from '../src/mapping/registry.ts';
import { safeIdFor } from '../src/mapping/safe-id.ts';
import { startService } from '../src/service.ts';
import { startOrderMeshSim } from '../src/sim/ordermesh/server.ts';
import { seededOrder } from '../src/sim/shopify/seed.ts';
import { startShopifySim } from '../src/sim/shopify/server.ts';
import { pipelineConfigObject, SIM_MAPPING } from '../test/helpers/pipeline.ts';
import { providePostgres } from '../test/helpers/postgres-provider.ts';
import { shopifyClientFor } from '../test/helpers/shopify.ts';

const N = Number(process.env.BENCH_ORDERS ?? 100_000);
const mb = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MB`;
const line = (name: string, value: string) => console.log(`${name.padEnd(44)} ${value}`);
const post = (url: string, body: unknown) => fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

async function benchMapping() {
  const mapper = await loadMapper('shopify-default', SIM_MAPPING, 'm', '.');
  const at = new Date();
  let mapped = 0;
  const t0 = performance.now();
  for (let i = 0; i < N; i++) {
    const o = seededOrder(1, i, at);
    if (mapOrder(mapper, o, { storeId: 'bench', merchantId: 'm', safeId: safeIdFor('bench', o.id) }).kind === 'mapped') mapped++;
  }
  const s = (performance.now() - t0) / 1000;
  line(`mapping: ${N} orders (incl. generating them)`, `${Math.round(N / s)} orders/s, ${((s / N) * 1e6).toFixed(1)} µs/order, ${mapped} mapped`);
}

async function benchPull() {
  const n = Math.round(N / 5);
  const shop = await startShopifySim({ port: 0 });
  await post(`${shop.url}/_sim/orders`, { count: n, seed: 2, spreadSeconds: 3600 });
  const client = shopifyClientFor(shop);
  const t0 = performance.now();
  let count = 0;
  for await (const page of pullUpdatedOrders(client, { since: null, until: new Date(Date.now() + 1000) })) count += page.length;
  const s = (performance.now() - t0) / 1000;
  const state = (await (await fetch(`${shop.url}/_sim/state?summary`)).json()) as any;
  line(`paged pull: ${count} orders, bucket 2000 / 100 per s`, `${Math.round(count / s)} orders/s, ${state.shops['sim-shop.myshopify.com'].requests} requests, THROTTLED ${client.throttledCount}`);
  await shop.close();
}

/** The simulator in its own process, so this process's heap holds only what our streaming keeps. */
async function shopifySimProcess(orders: number): Promise<{ url: string; stop: () => void }> {
  const port = 20_000 + Math.floor(Math.random() * 20_000);
  const child = spawn(process.execPath, ['bin/ordersync.js', 'sim', 'shopify', '--port', String(port), '--orders', String(orders)], { stdio: ['ignore', 'ignore', 'inherit'] });
  const url = `http://127.0.0.1:${port}`;
  for (;;) {
    const up = await fetch(`${url}/_sim/state?summary`).then((r) => r.json() as Promise<any>).catch(() => null);
    if (up?.shops?.['sim-shop.myshopify.com']?.orders === orders) break;
    await new Promise((r) => setTimeout(r, 500));
  }
  await post(`${url}/_sim/settings`, { bulkDelayMs: 10 });
  return { url, stop: () => child.kill('SIGTERM') };
}

async function benchBulkStream() {
  const shop = await shopifySimProcess(N);
  const client = shopifyClientFor(shop);
  const tExport = performance.now();
  const id = await startBulkExport(client, new Date(Date.now() - 7_200_000), new Date(Date.now() + 60_000));
  const op = await waitForBulkOperation(client, id, 100);
  line('bulk export in the simulator (not ours)', `${((performance.now() - tExport) / 1000).toFixed(1)} s`);
  global.gc?.();
  const base = process.memoryUsage().heapUsed;
  let peak = base;
  let count = 0;
  const samples: number[] = [];
  const t0 = performance.now();
  for await (const item of streamBulkOrders(op.url!)) {
    if ('order' in item) count++;
    if (count % 5_000 === 0) {
      global.gc?.(); // live objects only: what streaming keeps, not garbage awaiting collection
      const h = process.memoryUsage().heapUsed;
      peak = Math.max(peak, h);
      samples.push(h);
    }
  }
  const s = (performance.now() - t0) / 1000;
  line(`bulk JSONL streaming: ${count} orders`, `${Math.round(count / s)} orders/s`);
  line('  live heap growth while streaming (peak - start)', `${mb(peak - base)} (live heap every 5k orders: ${samples.filter((_, i) => i % Math.ceil(samples.length / 6) === 0).map(mb).join(', ')})`);
  shop.stop();
}

async function benchPipeline() {
  const n = Math.round(N / 5);
  const provided = await providePostgres();
  const admin = new pg.Client({ connectionString: provided.adminUrl });
  await admin.connect();
  const dbName = `ordersync_bench_${Date.now()}`;
  await admin.query(`create database ${dbName}`);
  const url = new URL(provided.adminUrl);
  url.pathname = `/${dbName}`;
  const om = await startOrderMeshSim({ port: 0 });
  const shop = await startShopifySim({ port: 0, restoreRate: 1000 });
  const config = parseConfig(pipelineConfigObject(om, shop, { log: { level: 'error' } }));
  const service = await startService({ config, secrets: resolveSecrets(config, {}), configPath: 'config/sim.yaml', log: createLogger({ level: 'error', stderr: true }), env: { DATABASE_URL: url.toString() }, schedules: false });
  await post(`${shop.url}/_sim/orders`, { count: n, seed: 4, spreadSeconds: 600 });
  const t0 = performance.now();
  await service.boss.send(Q.pullOrders, { storeId: 'sim-shop' });
  const db = service.db;
  for (;;) {
    const rows = await db.selectFrom('orders').select(['state', (eb) => eb.fn.countAll<string>().as('n')]).groupBy('state').execute();
    const total = rows.reduce((a, r) => a + Number(r.n), 0);
    const busy = rows.filter((r) => r.state === 'pending' || r.state === 'submitting').reduce((a, r) => a + Number(r.n), 0);
    if (total === n && busy === 0) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  const s = (performance.now() - t0) / 1000;
  line(`pipeline: ${n} orders pulled, mapped, submitted`, `${Math.round(n / s)} orders/s (${s.toFixed(1)} s, batch ${config.jobs.submitBatchSize}, 1 process)`);
  await service.stop();
  await om.close();
  await shop.close();
  await admin.query(`drop database ${dbName} with (force)`);
  await admin.end();
  await provided.stop();
}

console.log(`ordermesh-sync bench (node ${process.version}, BENCH_ORDERS=${N})`);
const benches = { mapping: benchMapping, pull: benchPull, bulk: benchBulkStream, pipeline: benchPipeline };
// BENCH_ONLY=bulk,pipeline runs a subset.
const only = process.env.BENCH_ONLY?.split(',');
for (const [name, run] of Object.entries(benches)) if (!only || only.includes(name)) await run();
