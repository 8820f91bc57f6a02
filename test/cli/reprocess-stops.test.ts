import type { ChildProcess } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { runCli, spawnCli, watchOutput } from '../helpers/cli.ts';
import { freshDb } from '../helpers/db.ts';
import { ordermeshSim, simState } from '../helpers/ordermesh.ts';
import { eventually, pipelineConfigObject, SIM_MAPPING, writePipelineConfig } from '../helpers/pipeline.ts';
import { explicitOrder, post, shopifySim } from '../helpers/shopify.ts';

/**
 * `reprocess` never stops silently (issue 36): cut at its limit it says how many it left, stopped by
 * Ctrl-C it says what it did, what is left and the command that carries on, and with
 * `--fail-on-failures` a run whose orders failed again exits 3.
 */
const ORDERS = 40;
const { url: dbUrl, db } = await freshDb();
const om = await ordermeshSim();
const shop = await shopifySim({ restoreRate: 1000 });
// Small submission batches, so a reprocess has visibly begun long before it ends.
const cfg = pipelineConfigObject(om, shop, { jobs: { ...(pipelineConfigObject(om, shop).jobs), submitBatchSize: 5 } }) as any;
const file = writePipelineConfig(cfg);
const fixed = writePipelineConfig({ ...cfg, stores: [{ ...cfg.stores[0], mapping: { module: 'shopify-default', options: { ...SIM_MAPPING, skuMap: { ...SIM_MAPPING.skuMap, 'LEGACY-SKU-0042': 'POSTER-18X24-MATTE' } } } }] });
const cli = (args: string[], config = file) => runCli([...args, '--config', config], { DATABASE_URL: dbUrl });
const states = async () => Object.fromEntries((await db.selectFrom('orders').select(['state', (eb) => eb.fn.countAll<string>().as('n')]).groupBy('state').execute()).map((r) => [r.state, Number(r.n)]));

// Orders that fail mapping for one SKU the config does not map: what a fix then reprocesses.
const sku = 'LEGACY-SKU-0042';
const orders = Array.from({ length: ORDERS }, () => explicitOrder({}, [{ sku, variant: { id: 'gid://shopify/ProductVariant/42', sku } as never, quantity: 1, currentQuantity: 1, unfulfilledQuantity: 1 }]));
await post(`${shop.url}/_sim/orders`, { orders });
const first = await cli(['run', '--once']);
expect(first.code, first.stderr).toBe(0);
expect(await states()).toEqual({ failed_mapping: ORDERS });

/** A printed command line (`ordersync …`, words plain or single-quoted, commands joined by `; `) as argument lists. */
function commands(line: string): string[][] {
  return line.split('; ').map((cmd) => [...cmd.matchAll(/'((?:[^']|'\\'')*)'|(\S+)/g)].map(([, quoted, plain]) => quoted?.replace(/'\\''/g, "'") ?? plain!).slice(1));
}

/** The exit code once the process has ended and its output is all read ('exit' can come before the last of it). */
const closed = (child: ChildProcess) => new Promise<number | null>((resolve) => (child.stderr!.readableEnded && child.exitCode !== null ? resolve(child.exitCode) : child.once('close', (code) => resolve(code))));

describe('reprocess says what it leaves', () => {
  it('cut at --limit: says "5 of 40 reprocessed; run again or raise --limit", and --json has the matched total and the cut', async () => {
    const text = await cli(['reprocess', '--state', 'failed_mapping', '--limit', '5']);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toContain(`5 of ${ORDERS} reprocessed; run again or raise --limit`);

    const json = await cli(['reprocess', '--state', 'failed_mapping', '--limit', '5', '--json']);
    expect(json.code, json.stderr).toBe(0);
    const out = JSON.parse(json.stdout);
    expect(out.summary).toMatchObject({ matched: ORDERS, reprocessed: 5, limit: 5, cut: true });
    expect(out.items).toHaveLength(5);

    // Not cut: nothing said of a limit.
    const all = await cli(['reprocess', '--state', 'failed_mapping', '--dry-run', '--json']);
    expect(JSON.parse(all.stdout).summary).toMatchObject({ matched: ORDERS, cut: false });
  }, 120_000);

  it('--fail-on-failures: the orders failed again, exit 3; without it, exit 0 as before', async () => {
    const plain = await cli(['reprocess', '--state', 'failed_mapping', '--limit', '3']);
    expect(plain.code, plain.stderr).toBe(0);
    const strict = await cli(['reprocess', '--state', 'failed_mapping', '--limit', '3', '--fail-on-failures']);
    expect(strict.code, strict.stdout + strict.stderr).toBe(3);
    expect(strict.stdout).toMatch(/3 order\(s\) reprocessed/);
  }, 120_000);

  it('Ctrl-C once orders are being submitted: says what was done, what is left and the command that continues; that command finishes the rest', async () => {
    // Each create takes a while: the interrupt lands while submission is under way.
    await post(`${om.url}/_sim/settings`, { slowMerchants: { [cfg.stores[0].merchantId]: 400 } });
    const child = spawnCli(['reprocess', '--state', 'failed_mapping', '--config', fixed], { DATABASE_URL: dbUrl }, undefined, { group: true });
    const { out } = watchOutput(child);
    // Work has visibly begun: the ledger has orders submitted by it.
    await eventually(async () => ((await states()).submitted ?? 0) > 0 || (child.exitCode !== null ? 'ended' : false), () => out.stderr, 60_000);
    expect(child.exitCode, out.stdout).toBeNull();
    process.kill(-child.pid!, 'SIGINT');
    expect(await closed(child), out.stderr).toBe(130);
    await post(`${om.url}/_sim/settings`, { slowMerchants: {} });

    const [, read, matched, left] = /reprocess interrupted: (\d+) of (\d+) order\(s\) re-read, \d+ done; (\d+) left/.exec(out.stderr) ?? [];
    expect(Number(matched), out.stderr).toBe(ORDERS);
    expect(Number(read)).toBeGreaterThan(0);
    expect(Number(left)).toBeGreaterThan(0);
    const [, line] = /^to continue: (.+)$/m.exec(out.stderr) ?? [];
    expect(line, out.stderr).toBeDefined();
    for (const args of commands(line!)) {
      const res = await runCli(args, { DATABASE_URL: dbUrl });
      expect(res.code, `${args.join(' ')}\n${res.stdout}${res.stderr}`).toBe(0);
    }
    // Judged from the ledger and OrderMesh: every order is in, each created once.
    expect(await states()).toEqual({ submitted: ORDERS });
    const sent = (await simState(om)).createRequestsBySafeId as Record<string, number>;
    expect(Object.keys(sent)).toHaveLength(ORDERS);
    expect(Object.values(sent).every((n) => n === 1)).toBe(true);
  }, 180_000);

  it('Ctrl-C while still re-reading: the orders it had queued count as left, and the printed commands submit them and re-read the rest', async () => {
    const more = Array.from({ length: 110 }, () => explicitOrder({}, [{ sku, variant: { id: 'gid://shopify/ProductVariant/42', sku } as never, quantity: 1, currentQuantity: 1, unfulfilledQuantity: 1 }]));
    await post(`${shop.url}/_sim/orders`, { orders: more });
    const ids = more.map((o) => o.id);
    const statesOfMore = async () => (await db.selectFrom('orders').select('state').where('store_order_id', 'in', ids).execute()).map((r) => r.state);
    expect((await cli(['run', '--once'])).code).toBe(0);
    expect(new Set(await statesOfMore())).toEqual(new Set(['failed_mapping']));
    // Each re-read of 50 takes a while: the interrupt lands between two.
    await post(`${shop.url}/_sim/faults`, { OrdersByIds: { latencyMs: 2_000 } });
    try {
      const child = spawnCli(['reprocess', '--state', 'failed_mapping', '--config', fixed], { DATABASE_URL: dbUrl }, undefined, { group: true });
      const { out } = watchOutput(child);
      // Work has visibly begun: the first batch re-read and queued (no longer failed_mapping).
      await eventually(async () => (await statesOfMore()).some((s) => s !== 'failed_mapping') || (child.exitCode !== null ? 'ended' : false), () => out.stderr, 60_000);
      expect(child.exitCode, out.stdout).toBeNull();
      process.kill(-child.pid!, 'SIGINT');
      expect(await closed(child), out.stderr).toBe(130);
      const [, notRead, queuedLeft] = /\((\d+) not re-read, (\d+) queued for submission, not yet settled\)/.exec(out.stderr) ?? [];
      expect(Number(notRead), out.stderr).toBeGreaterThan(0);
      expect(Number(queuedLeft), out.stderr).toBeGreaterThan(0);
      const [, line] = /^to continue: (.+)$/m.exec(out.stderr) ?? [];
      expect(line, out.stderr).toContain('; ordersync run --once');
      await post(`${shop.url}/_sim/faults`, {});
      for (const args of commands(line!)) {
        const res = await runCli(args, { DATABASE_URL: dbUrl });
        expect(res.code, `${args.join(' ')}\n${res.stdout}${res.stderr}`).toBe(0);
      }
    } finally {
      await post(`${shop.url}/_sim/faults`, {});
    }
    expect(new Set(await statesOfMore())).toEqual(new Set(['submitted']));
    const sent = (await simState(om)).createRequestsBySafeId as Record<string, number>;
    const safeIds = (await db.selectFrom('orders').select('safe_id').where('store_order_id', 'in', ids).execute()).map((r) => r.safe_id);
    expect(safeIds.map((id) => sent[id])).toEqual(safeIds.map(() => 1));
    expect(Object.values(sent).every((n) => n === 1)).toBe(true);
  }, 240_000);
});
