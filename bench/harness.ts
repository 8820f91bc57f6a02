/**
 * What the benchmark scenarios share: a PostgreSQL to make throwaway databases on, simulators and
 * workers in their own processes, a config file for N stores, and waiting until the ledger settles.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { stringify } from 'yaml';
import { SHOPIFY_SIM_DEFAULTS } from '../src/sim/defaults.ts';
import { SIM_MAPPING } from '../test/helpers/pipeline.ts';
import { providePostgres } from '../test/helpers/postgres-provider.ts';
import { post } from '../test/helpers/shopify.ts';
import { freePort } from '../test/helpers/ports.ts';
import { getJson, run, simProcess, sleep, until, type Proc } from './procs.ts';

const env = process.env;
/** BENCH_TINY=1: every scenario small (the suite's run; its figures mean nothing). */
export const tiny = env.BENCH_TINY === '1';
/** A size from the environment, else its normal or tiny default. */
export const num = (name: string, normal: number, small: number) => Number(env[name] ?? (tiny ? small : normal));
export const UNTHROTTLED = { bucket: 1_000_000_000, restoreRate: 1_000_000_000 };
export const round = (n: number, d = 1) => Math.round(n * 10 ** d) / 10 ** d;

export const pgAdmin = await providePostgres();
export const admin = new pg.Client({ connectionString: pgAdmin.adminUrl });
await admin.connect();

export async function closeHarness(): Promise<void> {
  await admin.end();
  await pgAdmin.stop();
}

export async function freshDatabase(): Promise<{ name: string; url: string }> {
  const name = `ordersync_bench_${Date.now()}_${Math.floor(Math.random() * 1e6)}`;
  await admin.query(`create database ${name}`);
  const u = new URL(pgAdmin.adminUrl);
  u.pathname = `/${name}`;
  return { name, url: u.toString() };
}

/** Transactions the database has committed or rolled back (each autocommit statement is one). */
export async function transactions(db: string): Promise<number> {
  await admin.query('select pg_stat_clear_snapshot()');
  const r = await admin.query('select xact_commit + xact_rollback as n from pg_stat_database where datname = $1', [db]);
  return Number(r.rows[0].n);
}

/** A Shopify simulator whose first shop holds `orders` orders (and `shops` shops in all). */
export async function shopifySim(throttle: { bucket: number; restoreRate: number }, orders: number, seed: number, shops = 1) {
  const sim = await simProcess('shopify', ['--bucket', String(throttle.bucket), '--restore-rate', String(throttle.restoreRate), '--orders', String(orders), '--seed', String(seed), '--shops', String(shops)]);
  // It answers while it seeds: the clock starts once every order is there.
  await until(async () => (await shopOps(sim.url)).orders === orders, `${orders} orders seeded`, 600_000);
  return sim;
}

export async function ordermeshSim(latencyMs: number) {
  const om = await simProcess('ordermesh');
  if (latencyMs) await post(`${om.url}/_sim/faults`, { '*': { latencyMs } });
  return om;
}

export const shopOps = async (url: string) => (await getJson(`${url}/_sim/state?summary`)).shops[SHOPIFY_SIM_DEFAULTS.shop.domain];

/** A store on a simulator: its first shop unless another is named. */
export interface BenchStore {
  url: string;
  shop?: { domain: string; accessToken: string; appSecret: string };
}

export function configFile(om: { url: string }, shops: BenchStore[], extra: Record<string, unknown> = {}): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ordersync-bench-'));
  const file = path.join(dir, 'ordersync.yaml');
  writeFileSync(
    file,
    stringify({
      ordermesh: { baseUrl: om.url, clientId: 'sim-client', clientSecret: { env: 'BENCH_OM_SECRET', default: 'sim-secret' }, webhookSecret: { env: 'BENCH_OM_WEBHOOK', default: 'sim-ordermesh-webhook-secret' } },
      stores: shops.map((s, i) => ({
        id: `bench-${i}`,
        shopDomain: (s.shop ?? SHOPIFY_SIM_DEFAULTS.shop).domain,
        apiOrigin: s.url,
        auth: { type: 'accessToken', accessToken: { env: 'BENCH_SHOP_TOKEN', default: (s.shop ?? SHOPIFY_SIM_DEFAULTS.shop).accessToken } },
        webhookSecret: { env: 'BENCH_SHOP_SECRET', default: (s.shop ?? SHOPIFY_SIM_DEFAULTS.shop).appSecret },
        merchantId: `merchant-bench-${i}`,
        holdMinutes: 0,
        mapping: { module: 'shopify-default', options: SIM_MAPPING },
      })),
      server: { host: '127.0.0.1' },
      log: { level: 'warn' },
      ...extra,
    }, { aliasDuplicateObjects: false }),
  );
  return file;
}

export interface Workers {
  procs: Proc[];
  ports: number[];
  readyMs: number;
}

/**
 * `memoryLimitMb`: each worker starts as the container image starts it (bin/entrypoint.sh), told that
 * its container may use this much memory, so the launcher caps the V8 heap from it.
 */
export async function startWorkers(config: string, dbUrl: string, count: number, { memoryLimitMb }: { memoryLimitMb?: number } = {}): Promise<Workers> {
  const t0 = performance.now();
  let limit: Record<string, string> = {};
  if (memoryLimitMb) {
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'ordersync-bench-limit-')), 'memory.max');
    writeFileSync(file, `${memoryLimitMb * 2 ** 20}\n`);
    // The launcher runs `node` from PATH: this one, as in the image.
    limit = { ORDERSYNC_MEMORY_LIMIT_FILE: file, PATH: `${path.dirname(process.execPath)}:${env.PATH}` };
  }
  const ports: number[] = [];
  const procs: Proc[] = [];
  for (let i = 0; i < count; i++) {
    const port = await freePort();
    ports.push(port);
    // BENCH_CPU_PROF=DIR: each worker writes a V8 CPU profile there when it stops (open it in Chrome DevTools).
    const profile: Record<string, string> = env.BENCH_CPU_PROF ? { NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${env.BENCH_CPU_PROF}` } : {};
    const args = ['start', '--config', config];
    const vars = { DATABASE_URL: dbUrl, PORT: String(port), ...profile, ...limit };
    procs.push(memoryLimitMb ? run(['bin/entrypoint.sh', ...args], vars, '/bin/sh') : run(['bin/ordersync.js', ...args], vars));
  }
  for (const [i, port] of ports.entries()) {
    await until(async () => (await fetch(`http://127.0.0.1:${port}/healthz`)).ok, () => `worker ${i} to answer (output: ${procs[i]!.output().slice(-2000)})`, 120_000, 100);
  }
  return { procs, ports, readyMs: performance.now() - t0 };
}

/** Polls the ledger until `total` orders are in it and none is waiting or being submitted. Returns the polls made (they count as transactions). */
export async function untilSettled(dbUrl: string, total: number, timeoutMs: number): Promise<number> {
  const c = new pg.Client({ connectionString: dbUrl });
  await c.connect();
  let polls = 0;
  try {
    await until(
      async () => {
        polls++;
        const r = await c.query(`select count(*)::int as total, count(*) filter (where state in ('pending','submitting'))::int as busy from orders`);
        return r.rows[0].total === total && r.rows[0].busy === 0;
      },
      `${total} orders settled`,
      timeoutMs,
    );
    return polls;
  } finally {
    await c.end();
  }
}

export async function ledgerCounts(dbUrl: string): Promise<Record<string, number>> {
  const c = new pg.Client({ connectionString: dbUrl });
  await c.connect();
  const r = await c.query('select state, count(*)::int as n from orders group by state');
  await c.end();
  return Object.fromEntries(r.rows.map((x) => [x.state, x.n]));
}

/** ordersync: boot workers on a fresh database, wait until every order is settled, measure, stop. */
export async function ordersyncRun(om: { url: string }, shops: BenchStore[], orders: number, processes = 1) {
  const db = await freshDatabase();
  const before = await transactions(db.name);
  const t0 = performance.now();
  const workers = await startWorkers(configFile(om, shops), db.url, processes);
  const polls = await untilSettled(db.url, orders, 1_800_000);
  const seconds = (performance.now() - t0) / 1000;
  const cpuMs = workers.procs.reduce((a, p) => a + p.cpuMs(), 0);
  const peakRssMb = Math.max(...workers.procs.map((p) => p.peakRssMb()));
  for (const p of workers.procs) await p.stop();
  await sleep(500);
  const xacts = (await transactions(db.name)) - before - polls;
  const ledger = await ledgerCounts(db.url);
  const omHolds = (await getJson(`${om.url}/_sim/state?summary`)).counts.orders;
  await admin.query(`drop database ${db.name} with (force)`);
  const work = seconds - workers.readyMs / 1000;
  return {
    orders,
    processes,
    seconds: round(seconds),
    bootSeconds: round(workers.readyMs / 1000),
    ordersPerSecond: Math.round(orders / seconds),
    ordersPerSecondAfterBoot: Math.round(orders / Math.max(work, 0.001)),
    workerCpuMsPerOrder: round(cpuMs / orders, 3),
    transactionsPerOrder: round(xacts / orders, 2),
    peakRssMb: Math.round(peakRssMb),
    ledger,
    ordermeshHolds: omHolds,
  };
}

