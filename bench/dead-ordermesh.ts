/**
 * `node bench/dead-ordermesh.ts`: what a dead OrderMesh costs per submission batch (issue 35, the retry
 * budget): the calls the client makes and the wall-clock seconds until the batch is handed back to its
 * orders' own next attempts. A service runs in this process on a fresh database (no workers: the
 * submission is called directly, as its job would); BENCH_DEAD_BATCH store orders (default 50, one
 * batch) are pulled, the OrderMesh token had, and then OrderMesh dies, in two ways, each measured over
 * BENCH_DEAD_ROUNDS batches of new orders (default 3):
 * - `http500`: every call answered 500 (the simulator counts the calls);
 * - `refused`: nothing listening (connection refused; seconds only).
 * Run it from another checkout (a `git worktree` of the code before) for the comparison. Writes
 * bench/results/dead-ordermesh-<commit>.json.
 */
import { execSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { parseConfig, resolveSecrets } from '../src/config/load.ts';
import { pullOrders } from '../src/jobs/pull-orders.ts';
import { submitOrders } from '../src/jobs/submit-orders.ts';
import { createLogger } from '../src/log.ts';
import { startService } from '../src/service.ts';
import { startOrderMeshSim } from '../src/sim/ordermesh/server.ts';
import { startShopifySim } from '../src/sim/shopify/server.ts';
import { pipelineConfigObject, STORE_ID } from '../test/helpers/pipeline.ts';
import { explicitOrder, post } from '../test/helpers/shopify.ts';
import { admin, closeHarness, freshDatabase, num, pgAdmin, round, tiny } from './harness.ts';
import { ROOT } from './procs.ts';

const BATCH = num('BENCH_DEAD_BATCH', 50, 5);
const ROUNDS = num('BENCH_DEAD_ROUNDS', 3, 1);

const om = await startOrderMeshSim({ port: 0 });
const shop = await startShopifySim({ port: 0, restoreRate: 1000 });
const db = await freshDatabase();
const base = pipelineConfigObject(om, shop);
// One lane, one batch per submission: the cost measured is one batch's. An order's next attempt an
// hour away: no batch claims the orders an earlier one handed back.
const config = parseConfig({ ...base, jobs: { ...base.jobs, submitBatchSize: BATCH, submitConcurrency: 1, retryBaseSeconds: 3_600 }, log: { level: 'error' } });
const service = await startService({
  config,
  secrets: resolveSecrets(config, {}),
  configPath: path.join(ROOT, 'config/sim.yaml'),
  log: createLogger({ level: 'error', destination: process.stderr as never }),
  env: { DATABASE_URL: db.url },
  schedules: false,
  workers: false,
});
const ledger = new pg.Client({ connectionString: db.url });
await ledger.connect();

let seq = 0;
/** A batch of new store orders, pulled: pending in the ledger and due. */
async function pendingBatch(): Promise<void> {
  const orders = Array.from({ length: BATCH }, () => explicitOrder({ name: `#DEAD${++seq}` }));
  await post(`${shop.url}/_sim/orders`, { orders });
  await pullOrders(service.deps, STORE_ID);
}

const omRequests = async (): Promise<Record<string, number>> => ((await (await fetch(`${om.url}/_sim/state?summary`)).json()) as { counts: { requests: Record<string, number> } }).counts.requests;

/** One batch submitted against the dead OrderMesh: its seconds, its calls (when counted), and where its orders were left. */
async function deadBatch(countCalls: boolean) {
  await pendingBatch();
  const before = countCalls ? await omRequests() : {};
  const t0 = performance.now();
  const { claimed, outcomes } = await submitOrders(service.deps, STORE_ID);
  const seconds = (performance.now() - t0) / 1000;
  const after = countCalls ? await omRequests() : {};
  const calls: Record<string, number> = Object.fromEntries(Object.keys(after).map((k) => [k, after[k]! - (before[k] ?? 0)] as const).filter(([, n]) => n));
  const totalCalls = Object.values(calls).reduce((a, n) => a + n, 0);
  return { claimed, seconds, ...(countCalls ? { calls, totalCalls } : {}), outcomes };
}

function summary(batches: Array<Awaited<ReturnType<typeof deadBatch>>>) {
  const secs = batches.map((b) => b.seconds);
  const calls = batches.flatMap((b) => (b.totalCalls !== undefined ? [b.totalCalls] : []));
  return {
    secondsPerBatch: { mean: round(secs.reduce((a, s) => a + s, 0) / secs.length, 2), max: round(Math.max(...secs), 2) },
    ...(calls.length ? { callsPerBatch: { mean: round(calls.reduce((a, n) => a + n, 0) / calls.length, 1), max: Math.max(...calls) } } : {}),
    batches: batches.map((b) => ({ ...b, seconds: round(b.seconds, 2) })),
  };
}

const result: Record<string, unknown> = { batchSize: BATCH, rounds: ROUNDS };
try {
  // The token is had while OrderMesh lives: what dies afterwards is every call a batch makes.
  await service.deps.ordermesh.getOrderBySafeId('bench-warm-up');
  await post(`${om.url}/_sim/faults`, { '*': { status500: 1 } });
  const http500 = [];
  for (let i = 0; i < ROUNDS; i++) http500.push(await deadBatch(true));
  result.http500 = summary(http500);
  await om.close();
  const refused = [];
  for (let i = 0; i < ROUNDS; i++) refused.push(await deadBatch(false));
  result.refused = summary(refused);
  const states = await ledger.query('select state, count(*)::int as n, min(attempts) as min_attempts, max(attempts) as max_attempts, count(next_attempt_at)::int as with_next_attempt from orders group by state');
  result.ledger = states.rows;
} finally {
  await ledger.end();
  await service.stop();
  await shop.close();
  await admin.query(`drop database ${db.name} with (force)`);
}

const commit = execSync('git rev-parse --short HEAD', { cwd: ROOT }).toString().trim();
const machine = { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, memoryGb: round(os.totalmem() / 2 ** 30), loadAverage: os.loadavg().map((l) => round(l, 1)), node: process.version, postgres: pgAdmin.source };
const out = { commit, date: new Date().toISOString(), machine, tiny, ...result };
console.log(JSON.stringify(out, null, 1));
const file = path.join(ROOT, 'bench/results', `dead-ordermesh-${commit}${tiny ? '-tiny' : ''}.json`);
writeFileSync(file, `${JSON.stringify(out, null, 2)}\n`);
console.error(`bench: results in ${file}`);
await closeHarness();
