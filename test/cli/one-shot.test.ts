import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.ts';
import { freshDb } from '../helpers/db.ts';
import { ordermeshSim, simState } from '../helpers/ordermesh.ts';
import { declaredFinalStates, declaredOutcomes, judgeOrderMesh, pipelineConfigObject, SIM_MAPPING, stateCounts, STORE_ID, writePipelineConfig } from '../helpers/pipeline.ts';
import { explicitOrder, post, seedOrders, shopState, shopifySim } from '../helpers/shopify.ts';

/** The one-shot ways of running, each a CLI process on its own with no service beside it. */
const { url: dbUrl, db } = await freshDb();
const om = await ordermeshSim();
const shop = await shopifySim({ restoreRate: 1000, bulkDelayMs: 20 });
const cfg = pipelineConfigObject(om, shop, { log: { level: 'warn' } }) as any;
const file = writePipelineConfig(cfg);
const cli = (args: string[]) => runCli([...args, '--config', file], { DATABASE_URL: dbUrl });
const createRequests = async () => Object.values((await simState(om)).createRequestsBySafeId as Record<string, number>);

describe('one-shot commands carry their work through themselves', () => {
  it('backfill with no service running reads, maps and submits the range, and exits 0 once every order is settled', async () => {
    const ids = await seedOrders(shop, { count: 60, seed: 71, spreadSeconds: 3600 });
    const res = await cli(['backfill', '--store', STORE_ID, '--since', new Date(Date.now() - 2 * 3600_000).toISOString(), '--json']);
    expect(res.code, res.stderr).toBe(0);
    const out = JSON.parse(res.stdout);
    expect(out.summary.read.orders).toBe(60);
    expect(out.summary.settled).toMatchObject({ total: 60, busy: 0 });
    // Judged from the simulators: every order declared sent is in OrderMesh once, with its total.
    const declared = await declaredOutcomes(shop, ids);
    const expected = declaredFinalStates(declared);
    expect(await judgeOrderMesh(om, declared)).toEqual([]);
    expect((await simState(om)).orders.length).toBe(expected.fulfilled);
    expect((await createRequests()).every((n) => n === 1)).toBe(true);
    expect(out.summary.settled.submitted).toBe(expected.fulfilled);
    expect((await stateCounts(db)).pending ?? 0).toBe(0);
  });

  it('backfill flags a range it could not read: unusable answers counted by reason, fewer orders than Shopify counts, exit 1', async () => {
    const since = new Date(Date.now() - 1000).toISOString();
    const ids = await seedOrders(shop, { count: 30, seed: 73 });
    await post(`${shop.url}/_sim/faults`, { BulkExport: { brokenIds: 1 } });
    try {
      const res = await cli(['backfill', '--store', STORE_ID, '--since', since]);
      expect(res.code, res.stdout + res.stderr).toBe(1);
      expect(res.stdout).toContain('0 order(s) read of the 30 Shopify counts in the range');
      expect(res.stdout).toMatch(/unusable, not recorded: 30 \(id: must be an Order GID\)/);
      expect(res.stdout).toContain('INCOMPLETE: 30 order(s) of the range were not read');
      expect(await db.selectFrom('orders').select('id').where('store_order_id', 'in', ids).execute()).toEqual([]);
    } finally {
      await post(`${shop.url}/_sim/faults`, {});
    }
  });

  it('reprocess submits what failed with the configuration it is given, and prints where each order ended', async () => {
    const legacy = () => db.selectFrom('orders').select('id').where('last_error_message', 'like', '%LEGACY-SKU-0042%').execute();
    expect((await legacy()).length).toBeGreaterThan(0);
    // The fix: the missing SKU mapped, in the file reprocess is run with (no service to restart).
    const fixed = writePipelineConfig({ ...cfg, stores: [{ ...cfg.stores[0], mapping: { module: 'shopify-default', options: { ...SIM_MAPPING, skuMap: { ...SIM_MAPPING.skuMap, 'LEGACY-SKU-0042': 'POSTER-18X24-MATTE' } } } }] });
    const held = (await simState(om)).orders.length;
    const res = await runCli(['reprocess', '--state', 'failed_mapping', '--config', fixed], { DATABASE_URL: dbUrl });
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toMatch(/queued for submission → submitted/);
    expect(await legacy()).toEqual([]);
    // Every order that failed only for that SKU is in OrderMesh now.
    expect((await simState(om)).orders.length).toBeGreaterThan(held);
    expect((await createRequests()).every((n) => n === 1)).toBe(true);
  });

  it('run --once does one whole cycle and exits; the next run carries on from the ledger and repeats nothing', async () => {
    await seedOrders(shop, { count: 20, seed: 72 });
    const first = await cli(['run', '--once', '--json']);
    expect(first.code, first.stderr).toBe(0);
    expect(JSON.parse(first.stdout).items.find((s: any) => s.storeId === STORE_ID).settled.busy).toBe(0);
    const afterFirst = await simState(om);
    expect(await stateCounts(db)).not.toHaveProperty('pending');

    // OrderMesh ships one order; the next run writes its tracking back, and submits nothing again.
    const shipped = afterFirst.orders.find((o: any) => o.status !== 'Cancelled')!;
    await post(`${om.url}/_sim/orders/${shipped.orderId}/ship`, {});
    const second = await cli(['run', '--once', '--json']);
    expect(second.code, second.stderr).toBe(0);
    expect(JSON.parse(second.stdout).summary.thisRun).toMatchObject({ tracking_written: 1 });
    expect(JSON.parse(second.stdout).summary.thisRun.submitted).toBeUndefined();
    expect((await simState(om)).orders.length).toBe(afterFirst.orders.length);
    const fulfilments = async () => (await shopState(shop)).orderList.reduce((a: number, o: any) => a + o.fulfillments.length, 0);
    expect(await fulfilments()).toBe(1);

    const third = await cli(['run', '--once', '--json']);
    expect(third.code, third.stderr).toBe(0);
    expect(JSON.parse(third.stdout).summary.thisRun).toEqual({});
    expect(await fulfilments()).toBe(1);
    expect((await createRequests()).every((n) => n === 1)).toBe(true);
  });
  it('run --once carries a merchant\'s hold and its release: held, the order stays out of OrderMesh; released, the next run sends it once', async () => {
    const o = explicitOrder({}, [{ sku: 'MUG-11OZ-WHITE', variant: { id: 'gid://shopify/ProductVariant/1', sku: 'MUG-11OZ-WHITE' } as never, quantity: 1, currentQuantity: 1, unfulfilledQuantity: 1 }]);
    await post(`${shop.url}/_sim/orders`, { orders: [o] });
    await post(`${shop.url}/_sim/orders/${encodeURIComponent(o.id)}/hold`, { reason: 'HIGH_RISK_OF_FRAUD', reasonNotes: 'checking the card' });
    const row = () => db.selectFrom('orders').select(['state', 'hold_source', 'ordermesh_order_id']).where('store_order_id', '=', o.id).executeTakeFirst();
    const omOrders = async () => (await simState(om)).orders.filter((x: any) => x.meta?.shopifyOrderId === o.id);

    const held = await cli(['run', '--once', '--json']);
    expect(held.code, held.stdout + held.stderr).toBe(0);
    expect(await row()).toMatchObject({ state: 'on_hold', hold_source: 'store', ordermesh_order_id: null });
    expect(await omOrders()).toEqual([]);

    // Released in Shopify: no service, no webhook; the next scheduled run alone must carry it.
    await post(`${shop.url}/_sim/orders/${encodeURIComponent(o.id)}/release`, {});
    const released = await cli(['run', '--once', '--json']);
    expect(released.code, released.stdout + released.stderr).toBe(0);
    expect(await row()).toMatchObject({ state: 'submitted', hold_source: null });
    const sent = await omOrders();
    expect(sent).toHaveLength(1);
    expect(sent[0].createRequests).toBe(1);
  });
});
