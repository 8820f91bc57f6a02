import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.ts';
import { freshDb } from '../helpers/db.ts';
import { ordermeshSim, simState } from '../helpers/ordermesh.ts';
import { pipelineConfigObject, stateCounts, STORE_ID, writePipelineConfig } from '../helpers/pipeline.ts';
import { seedOrders, shopState, shopifySim } from '../helpers/shopify.ts';

/** `ordersync reprocess` at the size operators run it: batched re-reads, a summary, and a store that does not answer. */
const { url: dbUrl, db } = await freshDb();
const om = await ordermeshSim();
const shop = await shopifySim({ restoreRate: 1000, bulkDelayMs: 20 });
const cfg = pipelineConfigObject(om, shop) as any;
const file = writePipelineConfig(cfg);
const cli = (args: string[], config = file) => runCli([...args, '--config', config], { DATABASE_URL: dbUrl });
const operations = async () => (await shopState(shop)).operations as Record<string, { requests: number }>;
const ALL = ['failed_mapping', 'submitted', 'skipped', 'cancelled'];

describe('ordersync reprocess', () => {
  it('re-reads the selected orders in batches through nodes(ids:), never one by one, and ends with a summary by outcome', async () => {
    await seedOrders(shop, { count: 130, seed: 17 });
    const first = await cli(['run', '--once']);
    expect(first.code, first.stderr).toBe(0);
    const before = await operations();
    const omBefore = (await simState(om)).orders.length;
    const counts = await stateCounts(db);
    const n = ALL.reduce((a, s) => a + (counts[s] ?? 0), 0);
    expect(n).toBe(130);

    const res = await cli(['reprocess', '--store', STORE_ID, '--state', ...ALL]);
    expect(res.code, res.stderr).toBe(0);
    const after = await operations();
    const delta = (op: string) => (after[op]?.requests ?? 0) - (before[op]?.requests ?? 0);
    expect(delta('OrderById')).toBe(0);
    // 130 orders in reads of at most 50 ids (a read Shopify calls too costly is halved, never per order).
    expect(delta('OrdersByIds')).toBeGreaterThanOrEqual(3);
    expect(delta('OrdersByIds')).toBeLessThanOrEqual(12);

    const [, total] = /summary: (\d+) order\(s\) reprocessed/.exec(res.stdout) ?? [];
    expect(Number(total), res.stdout.slice(-2000)).toBe(130);
    const rows = [...res.stdout.slice(res.stdout.indexOf('summary:')).matchAll(/^\s+(\d+)\s{2}(\S+)(?: (\S+))?$/gm)].map(([, k, state, reason]) => ({ n: Number(k), state, reason }));
    expect(rows.reduce((a, r) => a + r.n, 0)).toBe(130);
    // Nothing went to OrderMesh twice: the submitted ones were re-checked, the failed ones failed again.
    expect((await simState(om)).orders.length).toBe(omBefore);
    expect(rows.find((r) => r.state === 'submitted')?.n).toBe(counts.submitted);
    expect(rows.filter((r) => r.state === 'failed_mapping').reduce((a, r) => a + r.n, 0)).toBe(counts.failed_mapping);
  }, 180_000);

  it('with the store unreachable, gives up within the retry bound and says why, exits 1 saying what was not re-read, and changes nothing', async () => {
    const down = writePipelineConfig({ ...cfg, stores: [{ ...cfg.stores[0], apiOrigin: 'http://127.0.0.1:9' }] });
    const states = await db.selectFrom('orders').select(['id', 'state', 'updated_at']).orderBy('id').execute();
    const started = Date.now();
    for (const dryRun of [true, false]) {
      const res = await cli(['reprocess', '--store', STORE_ID, '--state', 'failed_mapping', ...(dryRun ? ['--dry-run'] : [])], down);
      expect(res.code, res.stderr).toBe(1);
      // Each call is tried twice within a second (the client's short budget): the operator hears of the
      // outage when it gives up, with its reason.
      const gaveUp = res.stderr.trim().split('\n').map((l) => JSON.parse(l)).filter((l) => l.level >= 40 && l.err?.code === 'NETWORK');
      expect(gaveUp.length, res.stderr).toBeGreaterThan(0);
      const failed = (await stateCounts(db)).failed_mapping;
      expect(res.stdout).toContain(`INCOMPLETE: ${failed} order(s) not re-read, left as they were: store ${STORE_ID} could not be read`);
      // No stale copy presented as the store's current order.
      expect(res.stdout).not.toMatch(/would (submit|fail again|skip)|queued for submission/);
    }
    // Bounded: two attempts each, not ten minutes.
    expect(Date.now() - started).toBeLessThan(120_000);
    expect(await db.selectFrom('orders').select(['id', 'state', 'updated_at']).orderBy('id').execute()).toEqual(states);
  }, 180_000);
});
