/**
 * The many-stores scenario: BENCH_MANY_STORES stores (1,000) on one Shopify simulator, a few with
 * thousands of orders, the rest with a handful, and new orders arriving by webhook across all of them;
 * run once without and then with a 100,000-order backfill on one store, on 1, 2 and 4 worker
 * processes (BENCH_MANY_PROCESSES). Each worker starts as the container image starts it, with a memory
 * limit of BENCH_MANY_MEMORY_MB (256), so the launcher caps its heap.
 *
 * Reports, per run: how long a new order on another store takes to reach OrderMesh (p50/p95/p99 over
 * every order fed, and the slowest store's median), throughput over everything, peak RSS per process,
 * create requests per order (from the OrderMesh simulator: more than one is a duplicate), and the
 * ledger's size per order. The fairness figure is p95 with the backfill over p95 without.
 */
import pg from 'pg';
import { safeIdFor } from '../src/mapping/safe-id.ts';
import { simShops } from '../src/sim/defaults.ts';
import { post } from '../test/helpers/shopify.ts';
import { admin, configFile, freshDatabase, num, ordermeshSim, round, shopifySim, startWorkers, tiny, transactions, UNTHROTTLED } from './harness.ts';
import { getJson, percentile, sleep, until } from './procs.ts';

const env = process.env;
const STORES = num('BENCH_MANY_STORES', 1000, 20);
const BIG_ORDERS = num('BENCH_MANY_BIG_ORDERS', 100_000, 300);
const FEW = 4;
const FEW_ORDERS = num('BENCH_MANY_FEW_ORDERS', 2_000, 40);
const HANDFUL = num('BENCH_MANY_HANDFUL', 5, 2);
const FEED_RATE = num('BENCH_MANY_FEED_RATE', 5, 5);
const FEED_SECONDS = num('BENCH_MANY_FEED_SECONDS', 60, 5);
const MEMORY_MB = num('BENCH_MANY_MEMORY_MB', 256, 256);
const PROCESSES = (env.BENCH_MANY_PROCESSES ?? (tiny ? '1' : '1,2,4')).split(',').map(Number);

const storeId = (i: number) => `bench-${i}`;
const ordersOf = (i: number, big: boolean) => (i === 0 ? (big ? BIG_ORDERS : 0) : i <= FEW ? FEW_ORDERS : HANDFUL);

interface Brief {
  safeId: string;
  merchantId: string;
  createdAt: string;
  createRequests: number;
}

async function oneRun(big: boolean, processes: number) {
  const shops = simShops(STORES);
  // Shopify serves each shop on its own: the backfill's shop (store 0, its orders seeded as the
  // simulator starts) has a simulator process of its own, so its pages do not queue the other shops'
  // answers behind them in one single-threaded simulator. The others' orders are seeded one shop at a time.
  const backfillShop = await shopifySim(UNTHROTTLED, ordersOf(0, big), 31, 1);
  const shop = await shopifySim(UNTHROTTLED, 0, 31, STORES);
  for (let i = 1; i < STORES; i++) await post(`${shop.url}/_sim/orders`, { shop: shops[i]!.domain, count: ordersOf(i, big), seed: 31 + i, spreadSeconds: 3600 });
  const om = await ordermeshSim(0);
  const db = await freshDatabase();
  const before = await transactions(db.name);
  const t0 = performance.now();
  const workers = await startWorkers(configFile(om, shops.map((s, i) => ({ url: i === 0 ? backfillShop.url : shop.url, shop: s }))), db.url, processes, { memoryLimitMb: MEMORY_MB });
  await post(`${shop.url}/_sim/settings`, { webhookUrl: `http://127.0.0.1:${workers.ports[0]}/webhooks/shopify` });

  // New orders on the other stores, at FEED_RATE a second, while the workers take in what was there.
  const fedAt = new Map<string, { at: number; store: number }>();
  const feedEnd = Date.now() + FEED_SECONDS * 1000;
  let owed = 0;
  let n = 0;
  while (Date.now() < feedEnd) {
    const t = Date.now();
    owed += FEED_RATE / 10;
    for (; owed >= 1; owed--) {
      const i = 1 + (n++ % (STORES - 1));
      const { ids } = await post(`${shop.url}/_sim/orders`, { shop: shops[i]!.domain, count: 1, seed: 100_000 + n, spreadSeconds: 0, notify: true });
      for (const id of ids as string[]) fedAt.set(safeIdFor(storeId(i), id), { at: t, store: i });
    }
    await sleep(Math.max(0, 100 - (Date.now() - t)));
  }
  const total = Array.from({ length: STORES }, (_, i) => ordersOf(i, big)).reduce((a, b) => a + b, 0) + fedAt.size;

  // What must reach OrderMesh is what the Shopify simulator declared for the orders it generated.
  const declared = async (url: string) => Object.values((await getJson(`${url}/_sim/state?summary`)).shops as Record<string, { declared: { presentment: { sent: number } } }>);
  const mustSend = [...(await declared(backfillShop.url)), ...(await declared(shop.url))].reduce((a, x) => a + x.declared.presentment.sent, 0);
  // Settled when OrderMesh holds every order it must (judged from its own state) and the ledger has every order, none waiting.
  const c = new pg.Client({ connectionString: db.url });
  await c.connect();
  let brief: Brief[] = [];
  await until(
    async () => {
      const r = await c.query(`select count(*)::int as total, count(*) filter (where state in ('pending','submitting'))::int as busy from orders`);
      if (r.rows[0].total < total || r.rows[0].busy > 0) return false;
      brief = (await getJson(`${om.url}/_sim/state/brief`)).orders;
      return brief.length >= mustSend;
    },
    `${total} orders settled, ${mustSend} in OrderMesh`,
    3_600_000,
    1000,
  );
  const seconds = (performance.now() - t0) / 1000;
  const peakRssMb = workers.procs.map((p) => Math.round(p.peakRssMb()));
  const cpuMs = workers.procs.reduce((a, p) => a + p.cpuMs(), 0);

  const latencies: number[] = [];
  const byStore = new Map<number, number[]>();
  for (const o of brief) {
    const fed = fedAt.get(o.safeId);
    if (!fed) continue;
    const ms = Date.parse(o.createdAt) - fed.at;
    latencies.push(ms);
    byStore.set(fed.store, [...(byStore.get(fed.store) ?? []), ms]);
  }
  latencies.sort((a, b) => a - b);
  // Where the time goes: store → ledger (webhook, coalesced read) and ledger → OrderMesh (submission).
  const inLedgerAt = await c.query(`select safe_id, extract(epoch from created_at) * 1000 as at from orders where safe_id = any($1)`, [[...fedAt.keys()]]);
  const toLedger = inLedgerAt.rows.map((r) => Number(r.at) - fedAt.get(r.safe_id)!.at).sort((a, b) => a - b);
  const storeMedians = [...byStore.values()].map((xs) => percentile(xs.sort((a, b) => a - b), 50)!).sort((a, b) => a - b);
  const size = await c.query(`
    select coalesce(sum(pg_total_relation_size(c.oid)) filter (where n.nspname = 'public'), 0)::bigint as ledger,
           coalesce(sum(pg_total_relation_size(c.oid)) filter (where n.nspname = 'pgboss'), 0)::bigint as jobs
      from pg_class c join pg_namespace n on n.oid = c.relnamespace where c.relkind in ('r', 'm')`);
  const inLedger = Number((await c.query('select count(*)::int as n from orders')).rows[0].n);
  await c.end();
  for (const p of workers.procs) await p.stop();
  await sleep(500);
  const xacts = (await transactions(db.name)) - before;
  await Promise.all([shop.stop(), backfillShop.stop(), om.stop()]);
  await admin.query(`drop database ${db.name} with (force)`);
  return {
    backfillOrders: ordersOf(0, big),
    processes,
    orders: total,
    seconds: round(seconds),
    bootSeconds: round(workers.readyMs / 1000),
    ordersPerSecond: Math.round(total / seconds),
    workerCpuMsPerOrder: round(cpuMs / total, 3),
    transactionsPerOrder: round(xacts / total, 2),
    peakRssMb,
    fed: fedAt.size,
    orderToOrderMeshMs: { p50: percentile(latencies, 50), p95: percentile(latencies, 95), p99: percentile(latencies, 99), max: latencies.at(-1) ?? null },
    orderToLedgerMs: { p50: percentile(toLedger, 50), p95: percentile(toLedger, 95) },
    slowestStoreMedianMs: storeMedians.at(-1) ?? null,
    mustReachOrderMesh: mustSend,
    ordermeshOrders: brief.length,
    ordersCreatedMoreThanOnce: brief.filter((o) => o.createRequests > 1).length,
    inLedger,
    ledgerBytesPerOrder: Math.round(Number(size.rows[0].ledger) / inLedger),
    pgBossMb: round(Number(size.rows[0].jobs) / 2 ** 20),
  };
}

export async function manyStores() {
  const withoutBackfill = await oneRun(false, 1);
  const withBackfill = [];
  for (const p of PROCESSES) withBackfill.push(await oneRun(true, p));
  const one = withBackfill[0]!;
  return {
    stores: STORES,
    memoryLimitMb: MEMORY_MB,
    withoutBackfill,
    withBackfill: withBackfill.map((r) => ({ ...r, speedupOverOne: round(r.ordersPerSecond / one.ordersPerSecond, 2) })),
    fairness: {
      p50Ratio: one.orderToOrderMeshMs.p50 && withoutBackfill.orderToOrderMeshMs.p50 && round(one.orderToOrderMeshMs.p50 / withoutBackfill.orderToOrderMeshMs.p50, 2),
      p95Ratio: one.orderToOrderMeshMs.p95 && withoutBackfill.orderToOrderMeshMs.p95 && round(one.orderToOrderMeshMs.p95 / withoutBackfill.orderToOrderMeshMs.p95, 2),
    },
  };
}
