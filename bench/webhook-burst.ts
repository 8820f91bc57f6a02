/**
 * `node bench/webhook-burst.ts`: a burst of OrderMesh webhooks at one worker process (issue 34, item 15).
 * BENCH_BURST_ORDERS store orders (default 3,600; about three quarters map and reach OrderMesh) are
 * pulled and submitted with no webhook address set; OrderMesh's simulator then moves them into
 * production and ships every one at once, now announcing it: an OrderUpdate, a ShipmentCreated and a
 * ShipmentUpdate per order, about 8,000 deliveries sent the same moment by the simulator's sender (10 s
 * timeout, three attempts), each in its own process. Measured: the deliveries that failed, the worker's
 * open HTTP connections and RSS while the burst lasts (sampled every 100 ms from /metrics and /proc),
 * its webhook counters, and whether every shipment reached the ledger through the polls the webhooks
 * asked for (polling itself an hour away). BENCH_BURST_ROOT runs the worker from another checkout (the
 * code before the change, for comparison; BENCH_BURST_LABEL names its results); BENCH_TINY=1 runs it small. Writes
 * bench/results/webhook-burst-<commit>.json.
 */
import { execSync } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { SIM_DEFAULTS } from '../src/sim/defaults.ts';
import { post } from '../test/helpers/shopify.ts';
import { freePort } from '../test/helpers/ports.ts';
import { admin, closeHarness, configFile, freshDatabase, num, ordermeshSim, pgAdmin, round, shopifySim, tiny, UNTHROTTLED, untilSettled } from './harness.ts';
import { getJson, ROOT, run, sleep, until } from './procs.ts';

const ORDERS = num('BENCH_BURST_ORDERS', 3_600, 120);
const workerRoot = process.env.BENCH_BURST_ROOT ?? ROOT;

const shop = await shopifySim(UNTHROTTLED, ORDERS, 34);
const om = await ordermeshSim(0);
const db = await freshDatabase();
// Polling an hour away: what reaches the ledger after the burst came through the webhooks.
const config = configFile(om, [shop], { jobs: { firstPollDelaySeconds: 3_600, pollRecentSeconds: 3_600, pollOldSeconds: 3_600 } });
const port = await freePort();
const worker = run([path.join(workerRoot, 'bin/ordersync.js'), 'start', '--config', config], { DATABASE_URL: db.url, PORT: String(port) });
const base = `http://127.0.0.1:${port}`;
const result: Record<string, unknown> = {};
try {
  await until(async () => (await fetch(`${base}/healthz`)).ok, `the worker (output: ${worker.output().slice(-2000)})`, 120_000, 100);
  await untilSettled(db.url, ORDERS, 1_800_000);
  await post(`${om.url}/_sim/advance`);
  await post(`${om.url}/_sim/advance`);
  await post(`${om.url}/_sim/settings`, { webhookUrl: `${base}/webhooks/ordermesh/${SIM_DEFAULTS.webhookSecret}` });
  const rssMb = () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${worker.pid}/status`, 'utf8'))![1]) / 1024;
  // Sockets of the worker in all (HTTP and its database pools), from /proc: needs no request to the worker.
  const sockets = () => {
    let n = 0;
    for (const fd of readdirSync(`/proc/${worker.pid}/fd`)) {
      try {
        if (readlinkSync(`/proc/${worker.pid}/fd/${fd}`).startsWith('socket:')) n++;
      } catch {
        // closed since the listing
      }
    }
    return n;
  };
  const before = { rssMb: round(rssMb()), sockets: sockets() };
  let peak = { rssMb: 0, sockets: 0 };
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      peak = { rssMb: Math.max(peak.rssMb, rssMb()), sockets: Math.max(peak.sockets, sockets()) };
      await sleep(100);
    }
  })();
  const t0 = performance.now();
  const shipped = (await post(`${om.url}/_sim/advance`)).moved as number;
  const sent = await post(`${om.url}/_sim/webhooks/drain`);
  const burstSeconds = (performance.now() - t0) / 1000;
  // Idle sockets the sender keeps as long as the server lets it: how many are still open 10 s later.
  await sleep(10_000);
  const after10s = { sockets: sockets(), rssMb: round(rssMb()) };
  sampling = false;
  await sampler;
  const c = new pg.Client({ connectionString: db.url });
  await c.connect();
  await until(async () => (await c.query(`select count(*)::int as n from pgboss.job where name = 'poll-shipments' and state in ('created','retry','active')`)).rows[0].n === 0 || false, 'the polls to run', 600_000);
  const packages = (await c.query('select count(*)::int as n from packages')).rows[0].n as number;
  await c.end();
  const truth = (await getJson(`${om.url}/_sim/state?summary`)).counts;
  const metrics = (await (await fetch(`${base}/metrics`)).text()).split('\n').filter((l) => l.startsWith('ordersync_webhook_') || l.startsWith('ordersync_http_open'));
  Object.assign(result, {
    orders: ORDERS,
    shippedOrders: shipped,
    webhooksSent: sent.delivered + sent.failed,
    delivered: sent.delivered,
    failedDeliveries: sent.failed,
    burstSeconds: round(burstSeconds),
    worker: { before, peak: { rssMb: round(peak.rssMb), sockets: peak.sockets }, after10s },
    shipmentsInOrderMesh: truth.shipments,
    packagesInLedger: packages,
    workerMetrics: metrics,
  });
} finally {
  await worker.stop();
  await Promise.all([shop.stop(), om.stop()]);
  await admin.query(`drop database ${db.name} with (force)`).catch(() => {});
  await closeHarness();
}
const commit = workerRoot === ROOT ? execSync('git rev-parse --short HEAD', { cwd: ROOT }).toString().trim() : (process.env.BENCH_BURST_LABEL ?? 'other');
const machine = { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, memoryGb: round(os.totalmem() / 2 ** 30), loadAverage: os.loadavg().map((l) => round(l, 1)), node: process.version, postgres: pgAdmin.source };
const out = { commit, workerRoot: workerRoot === ROOT ? 'this checkout' : workerRoot, date: new Date().toISOString(), machine, tiny, ...result };
console.log(JSON.stringify(out, null, 1));
const file = path.join(process.env.BENCH_RESULTS_DIR ?? path.join(ROOT, 'bench/results'), `webhook-burst-${commit}${tiny ? '-tiny' : ''}.json`);
writeFileSync(file, `${JSON.stringify(out, null, 2)}\n`);
console.error(`bench: results in ${file}`);
