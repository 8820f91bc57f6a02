import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { createBoss } from '../../src/jobs/boss.ts';
import { Q } from '../../src/jobs/queues.ts';
import { createLogger } from '../../src/log.ts';
import { exited, runCli, spawnCli, waitForHttp } from '../helpers/cli.ts';
import { freshDb } from '../helpers/db.ts';
import { ordermeshSim, simState } from '../helpers/ordermesh.ts';
import { eventually, pipelineConfigObject, SIM_MAPPING, STORE_ID, writePipelineConfig } from '../helpers/pipeline.ts';
import { freePort } from '../helpers/ports.ts';
import { explicitOrder, seedOrders, shopifySim } from '../helpers/shopify.ts';

const { url: dbUrl, db } = await freshDb();
const om = await ordermeshSim();
const shop = await shopifySim({ restoreRate: 1000 });

/** `ordersync start` on the file, ready; its output collected; stopped with SIGTERM by `stop`. */
async function runningService(file: string) {
  const port = await freePort();
  const child = spawnCli(['start', '--config', file], { DATABASE_URL: dbUrl, PORT: String(port) });
  const out = { text: '' };
  child.stdout!.on('data', (d) => (out.text += d));
  child.stderr!.on('data', (d) => (out.text += d));
  const stop = async () => {
    child.kill('SIGTERM');
    await exited(child);
  };
  try {
    await waitForHttp(`http://127.0.0.1:${port}/readyz`);
  } catch (err) {
    await stop();
    throw new Error(`${(err as Error).message}\n${out.text.slice(-2000)}`);
  }
  return { child, out, stop };
}

const orderState = async (id: string) => (await db.selectFrom('orders').select(['state', 'last_error_code']).where('store_order_id', '=', id).executeTakeFirst()) ?? null;

describe('a running service and its configuration', () => {
  it('reloads on SIGHUP: a bad file is refused naming the key and the old one kept; a good one takes effect for the next orders, no restart', async () => {
    const base = pipelineConfigObject(om, shop, { log: { level: 'info' } }) as any;
    const file = writePipelineConfig(base);
    // status reads the ledger only; its own copy stays valid while the service's file is broken on purpose.
    const statusFile = writePipelineConfig(base);
    const withSku = (over: Record<string, unknown>) => ({ ...base, stores: [{ ...base.stores[0], ...over }] });
    const newSkuOrder = () => explicitOrder({}, [{ sku: 'NEW-SKU-1', variant: null }]);
    const [first] = await seedOrders(shop, { orders: [newSkuOrder()] });

    const { child, out, stop } = await runningService(file);
    const boss = createBoss(dbUrl, createLogger({ level: 'silent' }));
    const state = orderState;
    try {
      await eventually(async () => (await state(first!))?.last_error_code === 'MISSING_SKU', async () => `first order: ${JSON.stringify(await state(first!))} ${out.text.slice(-2000)}`);
      const workers = async () => {
        const res = await runCli(['status', '--json', '--config', statusFile], { DATABASE_URL: dbUrl });
        expect(res.code, res.stderr).toBe(0);
        return JSON.parse(res.stdout).summary.workers as Array<{ configHash: string }>;
      };
      const [before] = await workers();

      writeFileSync(file, stringify(withSku({ pull: { overlapSeconds: 5 } })));
      child.kill('SIGHUP');
      await eventually(async () => out.text.includes('configuration refused'), () => out.text.slice(-2000), 20_000);
      expect(out.text).toContain('stores[0].pull.overlapSeconds');
      // The operator's mistake, named by key: a line to read, not a stack trace.
      const refusal = out.text.split('\n').find((l) => l.includes('configuration refused'))!;
      expect(JSON.parse(refusal)).toMatchObject({ level: 50, problems: [expect.objectContaining({ key: 'stores[0].pull.overlapSeconds' })] });
      expect(refusal).not.toContain('stack');
      expect((await workers())[0]!.configHash).toBe(before!.configHash);
      expect(child.exitCode).toBeNull();

      writeFileSync(file, stringify(withSku({ mapping: { module: 'shopify-default', options: { ...SIM_MAPPING, skuMap: { ...SIM_MAPPING.skuMap, 'NEW-SKU-1': 'MUG-11OZ-WHITE' } } } })));
      child.kill('SIGHUP');
      await eventually(async () => out.text.includes('configuration reloaded'), () => out.text.slice(-2000), 20_000);
      const [after] = await workers();
      expect(after!.configHash).not.toBe(before!.configHash);

      // The next order with that SKU goes through, mapped by the reloaded configuration.
      const [second] = await seedOrders(shop, { orders: [newSkuOrder()] });
      await boss.start();
      await boss.send(Q.pullOrders, { storeId: STORE_ID }, { singletonKey: STORE_ID });
      await eventually(async () => (await state(second!))?.state === 'submitted', async () => `${JSON.stringify(await state(second!))} ${out.text.slice(-2000)}`, 30_000);
      expect((await simState(om)).orders.some((o: any) => o.items.some((i: any) => i.sku === 'MUG-11OZ-WHITE'))).toBe(true);

      // A one-shot command given another configuration than the service runs says so.
      const other = await runCli(['reprocess', '--dry-run', '--config', statusFile], { DATABASE_URL: dbUrl });
      expect(other.code, other.stderr).toBe(0);
      expect(other.stderr).toContain('running workers use another configuration');
    } finally {
      await boss.stop({ graceful: false, close: true }).catch(() => {});
      await stop();
    }
  }, 120_000);

  it('takes SKU maps set with `ordersync sku` within seconds, no restart; reprocess then submits what failed for them', async () => {
    const file = writePipelineConfig(pipelineConfigObject(om, shop, { log: { level: 'info' } }));
    const order = () => explicitOrder({}, [{ sku: 'NEW-SKU-2', variant: null }]);
    const [first] = await seedOrders(shop, { orders: [order()] });
    const { out, stop } = await runningService(file);
    const boss = createBoss(dbUrl, createLogger({ level: 'silent' }));
    const cli = (args: string[]) => runCli([...args, '--config', file], { DATABASE_URL: dbUrl });
    const state = orderState;
    try {
      await boss.start();
      await boss.send(Q.pullOrders, { storeId: STORE_ID }, { singletonKey: STORE_ID });
      await eventually(async () => (await state(first!))?.last_error_code === 'MISSING_SKU', async () => `${JSON.stringify(await state(first!))} ${out.text.slice(-2000)}`);

      const set = await cli(['sku', 'set', '--store', STORE_ID, 'NEW-SKU-2', 'MUG-11OZ-WHITE']);
      expect(set.code, set.stderr).toBe(0);
      const listed = JSON.parse((await cli(['sku', 'list', '--store', STORE_ID, '--json'])).stdout).items as Array<{ storeSku: string; source: string }>;
      expect(listed).toContainEqual(expect.objectContaining({ storeSku: 'NEW-SKU-2', ordermeshSku: 'MUG-11OZ-WHITE', source: 'ledger' }));
      expect(listed).toContainEqual(expect.objectContaining({ storeSku: 'MUG-11OZ-WHITE', source: 'config' }));

      // The running service takes it within seconds (it says so), and maps the next such order with it.
      await eventually(async () => out.text.includes('SKU maps from the ledger in effect'), () => out.text.slice(-2000), 20_000);
      const [second] = await seedOrders(shop, { orders: [order()] });
      await boss.send(Q.pullOrders, { storeId: STORE_ID }, { singletonKey: STORE_ID });
      await eventually(async () => (await state(second!))?.state === 'submitted', async () => `${JSON.stringify(await state(second!))} ${out.text.slice(-2000)}`, 30_000);
      // And reprocess sends the one that failed before.
      const re = await cli(['reprocess', '--store', STORE_ID, '--state', 'failed_mapping']);
      expect(re.code, re.stderr).toBe(0);
      expect((await state(first!))?.state).toBe('submitted');

      // Audited; a CSV import; a removal.
      const audit = await db.selectFrom('events').select(['kind', 'actor', 'message']).where('kind', 'in', ['sku_map_set', 'sku_map_removed']).execute();
      expect(audit).toContainEqual(expect.objectContaining({ kind: 'sku_map_set', message: 'NEW-SKU-2 → MUG-11OZ-WHITE' }));
      expect(audit[0]!.actor).toMatch(/^cli:sku:/);
      const csv = path.join(path.dirname(file), 'skus.csv');
      writeFileSync(csv, 'store_sku,ordermesh_sku\nA-1,MUG-11OZ-WHITE\nB-2 , POSTER-18X24-MATTE\n');
      expect((await cli(['sku', 'import', '--store', STORE_ID, csv])).code).toBe(0);
      const removed = await cli(['sku', 'remove', '--store', STORE_ID, 'A-1']);
      expect(removed.code).toBe(0);
      expect(removed.stdout).toBe(`${STORE_ID}: A-1 removed (the config has no entry for it: its items need a mapping again)\n`);
      const after = JSON.parse((await cli(['sku', 'list', '--store', STORE_ID, '--json'])).stdout).items as Array<{ storeSku: string; ordermeshSku: string }>;
      expect(after.map((e) => e.storeSku)).toContain('B-2');
      expect(after.map((e) => e.storeSku)).not.toContain('A-1');
      writeFileSync(csv, 'A-1,"quoted"\n');
      const bad = await cli(['sku', 'import', '--store', STORE_ID, csv]);
      // A malformed file is a usage error (README "Exit codes"), naming the line.
      expect(bad.code).toBe(2);
      expect(bad.stderr).toContain('line 1');
    } finally {
      await boss.stop({ graceful: false, close: true }).catch(() => {});
      await stop();
    }
  }, 120_000);
});
