/**
 * `npm run bench`: ordersync against the simulators and a naive loop (bench/naive.ts) against the same
 * simulators, in one run, each in its own process so CPU and memory are each process's own. Prints a
 * table and writes bench/results/bench-<commit>.json (machine, commit, every figure).
 *
 * Scenarios: own overhead (no latency, no throttle; each size of BENCH_OVERHEAD_SIZES), a standard store
 * (2000-point bucket, 100 points/s) with an 80 ms OrderMesh, webhook orders arriving at BENCH_WEBHOOK_RATE
 * per second for BENCH_WEBHOOK_SECONDS on that store, orders arriving and shipping at BENCH_WRITEBACK_RATE
 * per second for BENCH_WRITEBACK_SECONDS (tracking write-back under sustained load), and 4 stores on 1, 2
 * and 4 worker processes, what idle stores cost (BENCH_IDLE_STORES=1,1000 for BENCH_IDLE_SECONDS),
 * and many stores with one store's large backfill among them (bench/many-stores.ts).
 * BENCH_ONLY=overhead,standard,webhooks,writeback,processes,idleStores,manyStores picks some; BENCH_TINY=1 runs every scenario small
 * (the suite does, so the harness cannot rot; its figures mean nothing). BENCH_RESULTS_DIR moves the output;
 * BENCH_CPU_PROF=DIR writes each worker's CPU profile there.
 */
import { execSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { safeIdFor } from '../src/mapping/safe-id.ts';
import { SHOPIFY_SIM_DEFAULTS, SIM_DEFAULTS, simShops } from '../src/sim/defaults.ts';
import { post } from '../test/helpers/shopify.ts';
import { admin, closeHarness, configFile, freshDatabase, ledgerCounts, ordermeshSim, ordersyncRun, pgAdmin, num, round, shopifySim, tiny, UNTHROTTLED, shopOps, startWorkers, transactions } from './harness.ts';
import { manyStores } from './many-stores.ts';
import { getJson, percentile, ROOT, run, sleep } from './procs.ts';

const env = process.env;
const sizes = (env.BENCH_OVERHEAD_SIZES ?? (tiny ? '200' : '10000,20000,100000')).split(',').map(Number);
const STANDARD_ORDERS = num('BENCH_STANDARD_ORDERS', 20_000, 300);
const NAIVE_STANDARD_ORDERS = num('BENCH_NAIVE_STANDARD_ORDERS', 2_000, 100);
const WEBHOOK_RATE = num('BENCH_WEBHOOK_RATE', 20, 5);
const WEBHOOK_SECONDS = num('BENCH_WEBHOOK_SECONDS', 120, 6);
const WRITEBACK_RATE = num('BENCH_WRITEBACK_RATE', 5, 5);
const WRITEBACK_SECONDS = num('BENCH_WRITEBACK_SECONDS', 600, 6);
const PER_STORE = num('BENCH_PROCESS_ORDERS', 5_000, 50);
const PROCESS_COUNTS = (env.BENCH_PROCESSES ?? (tiny ? '1,2' : '1,2,4')).split(',').map(Number);
const IDLE_STORES = (env.BENCH_IDLE_STORES ?? (tiny ? '1,20' : '1,1000')).split(',').map(Number);
// Tiny: a window long enough to sample twice; the suite asserts the schedules, not these rates.
const IDLE_SECONDS = num('BENCH_IDLE_SECONDS', 180, 2);
const only = env.BENCH_ONLY?.split(',');
const STANDARD = { bucket: 2000, restoreRate: 100 };

async function naiveRun(shop: { url: string }, om: { url: string }, orders: number) {
  const p = run(['bench/naive.ts', shop.url, om.url, 'naive', String(orders)]);
  let cpuMs = 0;
  let peakRssMb = 0;
  // Sampled while it runs: its /proc entry is gone once it exits.
  const sampler = setInterval(() => {
    try {
      cpuMs = p.cpuMs();
      peakRssMb = p.peakRssMb();
    } catch {}
  }, 200);
  const code = await p.exited;
  clearInterval(sampler);
  if (code !== 0) throw new Error(`naive loop failed: ${p.output().slice(-2000)}`);
  const r = JSON.parse(p.output().trim().split('\n').at(-1)!) as { orders: number; created: number; failed: number; seconds: number };
  return { ...r, seconds: round(r.seconds), ordersPerSecond: Math.round(r.orders / r.seconds), workerCpuMsPerOrder: round(cpuMs / r.orders, 3), peakRssMb: Math.round(peakRssMb) };
}

async function overhead() {
  const out: unknown[] = [];
  for (const n of sizes) {
    const shop = await shopifySim(UNTHROTTLED, n, 11);
    const om = await ordermeshSim(0);
    const ours = await ordersyncRun(om, [shop], n);
    const simCpuMsPerOrder = { shopify: round(shop.cpuMs() / n, 3), ordermesh: round(om.cpuMs() / n, 3) };
    await om.stop();
    const om2 = await ordermeshSim(0);
    const naive = await naiveRun(shop, om2, n);
    out.push({ orders: n, ordersync: { ...ours, simCpuMsPerOrder }, naive, ratio: round(ours.ordersPerSecond / naive.ordersPerSecond, 2) });
    await Promise.all([shop.stop(), om2.stop()]);
  }
  return out;
}

async function standard() {
  const shop = await shopifySim(STANDARD, STANDARD_ORDERS, 12);
  const om = await ordermeshSim(80);
  const ours = await ordersyncRun(om, [shop], STANDARD_ORDERS);
  const ops = await shopOps(shop.url);
  const pull = ops.operations.OrdersUpdatedSince;
  // The ceiling: the bucket's burst, then the restore rate, at the pull's own observed cost per order.
  const costPerOrder = pull.actualCost / STANDARD_ORDERS;
  const ceilingSeconds = Math.max(0, STANDARD_ORDERS * costPerOrder - STANDARD.bucket) / STANDARD.restoreRate;
  const ceiling = ceilingSeconds > 0 ? STANDARD_ORDERS / ceilingSeconds : null;
  await Promise.all([shop.stop(), om.stop()]);
  const shop2 = await shopifySim(STANDARD, NAIVE_STANDARD_ORDERS, 12);
  const om2 = await ordermeshSim(80);
  const naive = await naiveRun(shop2, om2, NAIVE_STANDARD_ORDERS);
  await Promise.all([shop2.stop(), om2.stop()]);
  return {
    ordersync: { ...ours, shopify: { requests: ops.requests, throttled: ops.throttled, pullCostPerOrder: round(costPerOrder, 3) } },
    ceilingOrdersPerSecond: ceiling && Math.round(ceiling),
    achievedOfCeiling: ceiling && round(ours.ordersPerSecond / ceiling, 3),
    naive,
    ratio: round(ours.ordersPerSecond / naive.ordersPerSecond, 1),
  };
}

async function webhookFeed(rate: number, seconds: number, ship: boolean) {
  const shop = await shopifySim(STANDARD, 0, 13);
  const om = await ordermeshSim(80);
  const db = await freshDatabase();
  const workers = await startWorkers(configFile(om, [shop]), db.url, 1);
  const base = `http://127.0.0.1:${workers.ports[0]}`;
  await post(`${shop.url}/_sim/settings`, { webhookUrl: `${base}/webhooks/shopify` });
  await post(`${om.url}/_sim/settings`, { webhookUrl: `${base}/webhooks/ordermesh/${SIM_DEFAULTS.webhookSecret}` });
  const createdAt = new Map<string, number>(); // safeId → when the store order was created
  const shipped = new Set<string>();
  const tick = 100;
  const perTick = (rate * tick) / 1000;
  let owed = 0;
  const end = Date.now() + seconds * 1000;
  // Ship in OrderMesh what it holds, once a second, as production would (later, in reality).
  const shipLoop = async () => {
    if (!ship) return;
    const state = await getJson(`${om.url}/_sim/state`);
    for (const o of state.orders) {
      if (shipped.has(o.orderId) || o.status === 'Cancelled') continue;
      shipped.add(o.orderId);
      await post(`${om.url}/_sim/orders/${o.orderId}/ship`, {}).catch(() => shipped.delete(o.orderId));
    }
  };
  let lastShip = 0;
  while (Date.now() < end) {
    const t = Date.now();
    owed += perTick;
    const count = Math.floor(owed);
    owed -= count;
    if (count > 0) {
      const { ids } = await post(`${shop.url}/_sim/orders`, { count, seed: t % 1_000_000, spreadSeconds: 0, notify: true });
      for (const id of ids as string[]) createdAt.set(safeIdFor('bench-0', id), t);
    }
    if (t - lastShip > 1000) {
      lastShip = t;
      await shipLoop();
    }
    await sleep(Math.max(0, tick - (Date.now() - t)));
  }
  const fed = createdAt.size;
  // Settle: everything fed reaches OrderMesh, is shipped, and its tracking reaches the store (60 s at most).
  const settleUntil = Date.now() + 60_000;
  let omState: any;
  let shopState: any;
  for (;;) {
    await shipLoop();
    omState = await getJson(`${om.url}/_sim/state`);
    shopState = (await getJson(`${shop.url}/_sim/state`)).shops[SHOPIFY_SIM_DEFAULTS.shop.domain];
    const withTracking = shopState.orderList.filter((o: any) => o.fulfillments.length > 0).length;
    const c = await ledgerCounts(db.url);
    const inLedger = Object.values(c).reduce((a, n) => a + n, 0);
    const settled = inLedger === fed && !c.pending && !c.submitting && withTracking >= omState.orders.filter((o: any) => o.shipments.length > 0).length;
    if (settled || Date.now() > settleUntil) break;
    await sleep(1000);
  }
  const toOrderMesh = omState.orders.filter((o: any) => createdAt.has(o.safeId)).map((o: any) => Date.parse(o.createdAt) - createdAt.get(o.safeId)!).sort((a: number, b: number) => a - b);
  const shopBySafeId = new Map<string, any>(shopState.orderList.map((o: any) => [safeIdFor('bench-0', o.id), o]));
  const toTracking: number[] = [];
  let packages = 0;
  for (const o of omState.orders) {
    for (const s of o.shipments) {
      packages += s.packages.length;
      const f = shopBySafeId.get(o.safeId)?.fulfillments ?? [];
      const first = f.map((x: any) => Date.parse(x.createdAt)).sort((a: number, b: number) => a - b)[0];
      if (first !== undefined) toTracking.push(first - Date.parse(s.createdAt));
    }
  }
  toTracking.sort((a, b) => a - b);
  const ops = shopState.operations;
  const ledger = await ledgerCounts(db.url);
  for (const p of workers.procs) await p.stop();
  await Promise.all([shop.stop(), om.stop()]);
  await admin.query(`drop database ${db.name} with (force)`);
  const ms = (xs: number[], p: number) => percentile(xs, p);
  return {
    ratePerSecond: rate,
    seconds,
    shipping: ship,
    ordersFed: fed,
    inOrderMesh: toOrderMesh.length,
    orderToOrderMeshMs: { p50: ms(toOrderMesh, 50), p95: ms(toOrderMesh, 95), p99: ms(toOrderMesh, 99) },
    packagesShipped: packages,
    fulfilmentsInStore: shopState.fulfillments,
    shipmentToTrackingMs: { p50: ms(toTracking, 50), p95: ms(toTracking, 95), p99: ms(toTracking, 99) },
    shopify: { requests: shopState.requests, throttled: shopState.throttled, operations: ops },
    ledger,
  };
}

/** Orders arriving by webhook on a standard store: how soon each reaches OrderMesh, and whether a burst throttles. */
const webhooks = () => webhookFeed(WEBHOOK_RATE, WEBHOOK_SECONDS, false);
/** Orders arriving and shipping at once, sustained: does tracking write-back keep up with the bucket? */
const writeback = () => webhookFeed(WRITEBACK_RATE, WRITEBACK_SECONDS, true);

async function processes() {
  const out: Array<Awaited<ReturnType<typeof ordersyncRun>>> = [];
  for (const count of PROCESS_COUNTS) {
    const shops = await Promise.all([0, 1, 2, 3].map((i) => shopifySim(UNTHROTTLED, PER_STORE, 20 + i)));
    const om = await ordermeshSim(0);
    // One shop, one store: each simulator serves the default shop, so each store names its own domain
    // (the simulator answers by token, whatever the domain).
    const stores = shops.map((s, i) => ({ url: s.url, shop: { ...SHOPIFY_SIM_DEFAULTS.shop, domain: `sim-shop-p${i}.myshopify.com` } }));
    const r = await ordersyncRun(om, stores, PER_STORE * 4, count);
    out.push(r);
    await Promise.all([...shops.map((s) => s.stop()), om.stop()]);
  }
  return out.map((r) => ({ ...r, speedupOverOne: round(r.ordersPerSecond / out[0]!.ordersPerSecond, 2) }));
}

/**
 * What a store costs while it has nothing to do: N stores with no orders on one worker process, measured
 * after the first minute (whose start-up work is not idle), against one store. Per idle store per minute:
 * database transactions, worker CPU and Shopify requests; and pg-boss's schedule rows,
 * which the store sweep keeps to a handful however many stores there are. Pulls per store per minute
 * are counted by the simulator, shop by shop (an empty store's pull reads one page of OrdersUpdatedSince):
 * at the default 60 s interval, each store pulled every interval is 1; and the fewest pulls of one store
 * in the measured window.
 */
async function idleStores() {
  const out: Array<Record<string, number>> = [];
  for (const n of IDLE_STORES) {
    // A shop per store (one shop, one store), all on one simulator.
    const shop = await shopifySim(UNTHROTTLED, 0, 1, n);
    const om = await ordermeshSim(0);
    const db = await freshDatabase();
    const workers = await startWorkers(configFile(om, simShops(n).map((s) => ({ url: shop.url, shop: s }))), db.url, 1);
    const c = new pg.Client({ connectionString: db.url });
    await c.connect();
    // Tiny's figures mean nothing, and the schedules it counts are installed before a worker answers /healthz.
    await sleep(tiny ? 1_000 : 65_000);
    const sample = async () => {
      const shops = Object.values((await getJson(`${shop.url}/_sim/state?summary`)).shops) as Array<{ requests: number; operations: Record<string, { requests: number }> }>;
      const pulls = shops.map((s) => s.operations.OrdersUpdatedSince?.requests ?? 0);
      return { tx: await transactions(db.name), cpu: workers.procs[0]!.cpuMs(), shopify: shops.reduce((a, s) => a + s.requests, 0), pulls };
    };
    const before = await sample();
    await sleep(IDLE_SECONDS * 1000);
    const minutes = IDLE_SECONDS / 60;
    const after = await sample();
    const pulls = after.pulls.map((p, i) => p - before.pulls[i]!);
    const schedules = Number((await c.query(`select count(*)::int as n from pgboss.schedule`)).rows[0].n);
    await c.end();
    out.push({
      stores: n,
      seconds: IDLE_SECONDS,
      transactionsPerMinute: round((after.tx - before.tx) / minutes, 1),
      workerCpuMsPerMinute: round((after.cpu - before.cpu) / minutes, 1),
      shopifyRequestsPerMinute: round((after.shopify - before.shopify) / minutes, 1),
      pullsPerStorePerMinute: round(pulls.reduce((a, p) => a + p, 0) / n / minutes, 3),
      fewestPullsOfAStore: Math.min(...pulls),
      pgBossSchedules: schedules,
      peakRssMb: round(workers.procs[0]!.peakRssMb()),
    });
    await Promise.all([...workers.procs.map((p) => p.stop()), shop.stop(), om.stop()]);
  }
  const [one, many] = [out[0]!, out[out.length - 1]!];
  const per = (k: string) => round((many[k]! - one[k]!) / Math.max(1, many.stores! - one.stores!), 3);
  return { runs: out, perIdleStorePerMinute: { transactions: per('transactionsPerMinute'), workerCpuMs: per('workerCpuMsPerMinute'), shopifyRequests: per('shopifyRequestsPerMinute') } };
}

const commit = execSync('git rev-parse --short HEAD', { cwd: ROOT }).toString().trim();
const machine = { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, memoryGb: round(os.totalmem() / 2 ** 30), node: process.version, postgres: pgAdmin.source };
const results: Record<string, unknown> = { commit, date: new Date().toISOString(), machine, tiny };
const scenarios = { overhead, standard, webhooks, writeback, processes, idleStores, manyStores };
try {
  for (const [name, scenario] of Object.entries(scenarios)) {
    if (only && !only.includes(name)) continue;
    console.error(`bench: ${name}…`);
    results[name] = await scenario();
    console.log(JSON.stringify({ [name]: results[name] }, null, 1));
  }
} finally {
  await closeHarness();
}
const dir = env.BENCH_RESULTS_DIR ?? path.join(ROOT, 'bench/results');
mkdirSync(dir, { recursive: true });
const file = path.join(dir, `bench-${commit}${tiny ? '-tiny' : ''}.json`);
writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
console.error(`bench: results in ${file}`);
