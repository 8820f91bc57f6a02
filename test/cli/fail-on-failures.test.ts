import type { ChildProcess } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { runCli, spawnCli, watchOutput } from '../helpers/cli.ts';
import { freshDb } from '../helpers/db.ts';
import { ordermeshSim, simState } from '../helpers/ordermesh.ts';
import { eventually, pipelineConfigObject, STORE_ID, writePipelineConfig } from '../helpers/pipeline.ts';
import { explicitOrder, post, shopifySim } from '../helpers/shopify.ts';

/**
 * `backfill` and `run --once` for schedulers (issue 36): a finished run whose orders failed exits 3
 * with `--fail-on-failures` (0 without, as before), and a backfill stopped by Ctrl-C says how far it
 * got and the command that resumes it, which then finishes the rest.
 */
const { url: dbUrl, db } = await freshDb();
const om = await ordermeshSim();
const shop = await shopifySim({ restoreRate: 1000, bulkDelayMs: 20 });
const cfg = pipelineConfigObject(om, shop, { jobs: { ...pipelineConfigObject(om, shop).jobs, submitBatchSize: 5 } }) as any;
const file = writePipelineConfig(cfg);
const cli = (args: string[]) => runCli([...args, '--config', file], { DATABASE_URL: dbUrl });
const order = (sku: string) => explicitOrder({}, [{ sku, variant: { id: 'gid://shopify/ProductVariant/7', sku } as never, quantity: 1, currentQuantity: 1, unfulfilledQuantity: 1 }]);
const place = async (skus: string[]) => {
  const orders = skus.map(order);
  await post(`${shop.url}/_sim/orders`, { orders });
  return orders.map((o) => o.id);
};
const statesOf = async (ids: string[]) => (await db.selectFrom('orders').select('state').where('store_order_id', 'in', ids).execute()).map((r) => r.state).sort();

/** The exit code once the process has ended and its output is all read ('exit' can come before the last of it). */
const closed = (child: ChildProcess) => new Promise<number | null>((resolve) => (child.stderr!.readableEnded && child.exitCode !== null ? resolve(child.exitCode) : child.once('close', (code) => resolve(code))));

describe('--fail-on-failures', () => {
  it('backfill: a range with an order that fails mapping exits 3 with the flag, 0 without', async () => {
    const since = new Date(Date.now() - 2000).toISOString();
    const ids = await place(['MUG-11OZ-WHITE', 'NO-SUCH-SKU']);
    const strict = await cli(['backfill', '--store', STORE_ID, '--since', since, '--fail-on-failures']);
    expect(strict.code, strict.stdout + strict.stderr).toBe(3);
    expect(await statesOf(ids)).toEqual(['failed_mapping', 'submitted']);
    const plain = await cli(['backfill', '--store', STORE_ID, '--since', since]);
    expect(plain.code, plain.stdout + plain.stderr).toBe(0);
  }, 120_000);

  it('run --once: a cycle whose new order fails mapping exits 3 with the flag; a cycle with no new failure exits 0 with it', async () => {
    const ids = await place(['NO-SUCH-SKU']);
    const strict = await cli(['run', '--once', '--fail-on-failures', '--json']);
    expect(strict.code, strict.stdout + strict.stderr).toBe(3);
    expect(JSON.parse(strict.stdout).summary.ordersFailed).toBe(1);
    expect(await statesOf(ids)).toEqual(['failed_mapping']);
    // The failure is old news to the next cycle: it handled no order that failed.
    const next = await cli(['run', '--once', '--fail-on-failures']);
    expect(next.code, next.stdout + next.stderr).toBe(0);
    const another = await place(['NO-SUCH-SKU']);
    const plain = await cli(['run', '--once']);
    expect(plain.code, plain.stdout + plain.stderr).toBe(0);
    expect(await statesOf(another)).toEqual(['failed_mapping']);
  }, 120_000);
});

describe('backfill interrupted', () => {
  it('Ctrl-C once orders are being submitted: says how far it got and to run the same command again; that command finishes the rest', async () => {
    const since = new Date(Date.now() - 2000).toISOString();
    const ids = await place(Array.from({ length: 30 }, () => 'MUG-11OZ-WHITE'));
    await post(`${om.url}/_sim/settings`, { slowMerchants: { [cfg.stores[0].merchantId]: 400 } });
    const child = spawnCli(['backfill', '--store', STORE_ID, '--since', since, '--config', file], { DATABASE_URL: dbUrl }, undefined, { group: true });
    const { out } = watchOutput(child);
    // Work has visibly begun: orders of the range submitted.
    await eventually(async () => (await statesOf(ids)).includes('submitted') || (child.exitCode !== null ? 'ended' : false), () => out.stderr, 60_000);
    expect(child.exitCode, out.stdout).toBeNull();
    process.kill(-child.pid!, 'SIGINT');
    expect(await closed(child), out.stderr).toBe(130);
    await post(`${om.url}/_sim/settings`, { slowMerchants: {} });

    expect(out.stderr).toMatch(/backfill interrupted: 30 order\(s\) read of the 30 Shopify counts in the range; \d+ of 30 settled, [1-9]\d* still to submit/);
    const [, line] = /run the same command again to resume \(it repeats nothing\): ordersync (.+)$/m.exec(out.stderr) ?? [];
    expect(line, out.stderr).toBeDefined();
    const res = await runCli(line!.split(' '), { DATABASE_URL: dbUrl });
    expect(res.code, res.stdout + res.stderr).toBe(0);
    expect(await statesOf(ids)).toEqual(ids.map(() => 'submitted'));
    const sent = (await simState(om)).orders.filter((o: any) => ids.includes(o.meta?.shopifyOrderId));
    expect(sent).toHaveLength(30);
    expect(sent.every((o: any) => o.createRequests === 1)).toBe(true);
  }, 180_000);
});
