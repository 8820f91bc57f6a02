import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { ROOT } from '../helpers/cli.ts';
import { tempDir } from '../helpers/temp.ts';

/**
 * `npm run bench` in a tiny form, so the harness cannot rot. Its figures mean nothing at this size and
 * are not asserted; what is asserted is what must hold at any size: ordersync submits exactly the
 * orders the naive loop could map, with no duplicate across worker processes or in write-back.
 */
describe('npm run bench, tiny', () => {
  it('runs every scenario for ordersync and the naive loop and writes its results', async () => {
    const dir = tempDir('ordersync-bench-');
    const env = {
      ...process.env,
      TEST_DATABASE_URL: inject('pgAdminUrl'),
      BENCH_TINY: '1',
      BENCH_RESULTS_DIR: dir,
      BENCH_OVERHEAD_SIZES: '150',
      BENCH_STANDARD_ORDERS: '150',
      BENCH_NAIVE_STANDARD_ORDERS: '40',
      BENCH_WEBHOOK_SECONDS: '4',
      BENCH_WRITEBACK_SECONDS: '4',
      BENCH_PROCESS_ORDERS: '30',
      BENCH_MANY_STORES: '12',
      BENCH_MANY_BIG_ORDERS: '200',
      BENCH_MANY_FEW_ORDERS: '30',
      BENCH_MANY_FEED_SECONDS: '3',
    };
    const child = spawn(process.execPath, ['bench/run.ts'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    const code = await new Promise((resolve) => child.on('close', resolve));
    expect(code, output.slice(-4000)).toBe(0);
    const file = readdirSync(dir).find((f) => f.endsWith('-tiny.json'));
    const r = JSON.parse(readFileSync(path.join(dir, file!), 'utf8'));
    expect(r.machine.cpus).toBeGreaterThan(0);

    const [overhead] = r.overhead;
    expect(overhead.ordersync.ordermeshHolds).toBe(overhead.ordersync.ledger.submitted);
    expect(overhead.ordersync.ordermeshHolds).toBe(overhead.naive.created);
    expect(overhead.ordersync.ordermeshHolds).toBeGreaterThan(0);
    for (const k of ['workerCpuMsPerOrder', 'transactionsPerOrder', 'peakRssMb', 'ordersPerSecond']) expect(overhead.ordersync[k]).toBeGreaterThan(0);

    expect(r.standard.ordersync.ordermeshHolds).toBe(r.standard.ordersync.ledger.submitted);
    expect(r.standard.naive.created).toBeGreaterThan(0);

    expect(r.webhooks.ordersFed).toBeGreaterThan(0);
    expect(r.webhooks.inOrderMesh).toBeGreaterThan(0);
    expect(r.webhooks.shopify.operations.OrdersByIds.requests).toBeGreaterThan(0);
    expect(r.writeback.inOrderMesh).toBeGreaterThan(0);
    expect(r.writeback.fulfilmentsInStore).toBeLessThanOrEqual(r.writeback.packagesShipped);

    expect(r.processes.map((p: any) => p.processes)).toEqual([1, 2]);
    for (const p of r.processes) expect(p.ordermeshHolds).toBe(p.ledger.submitted);

    // Idle stores: every one is pulled (Shopify asked), and pg-boss's schedules do not grow with them.
    expect(r.idleStores.runs.map((x: any) => x.stores)).toEqual([1, 20]);
    for (const x of r.idleStores.runs) expect(x.pgBossSchedules).toBe(4);

    // Many stores: every order the simulator declared sendable reaches OrderMesh once, with and without the backfill.
    const runs = [r.manyStores.withoutBackfill, ...r.manyStores.withBackfill];
    expect(runs.map((x: any) => x.backfillOrders)).toEqual([0, 200]);
    for (const x of runs) {
      expect(x.fed).toBeGreaterThan(0);
      expect(x.ordermeshOrders).toBe(x.mustReachOrderMesh);
      expect(x.ordersCreatedMoreThanOnce).toBe(0);
      expect(x.inLedger).toBe(x.orders);
      expect(x.orderToOrderMeshMs.p95).toBeGreaterThan(0);
    }
  }, 400_000);
});
