import { describe, expect, it } from 'vitest';
import { Q } from '../../src/jobs/queues.ts';
import { freshDb } from '../helpers/db.ts';
import { ordermeshSim, simState } from '../helpers/ordermesh.ts';
import { declaredFinalStates, declaredOutcomes, duplicateCreates, judgeOrderMesh, pipelineConfigObject, SIM_MAPPING, stateCounts, STORE_ID, untilShipped, untilSubmitted, writePipelineConfig } from '../helpers/pipeline.ts';
import { runCli } from '../helpers/cli.ts';
import { post, seedOrders, shopifySim, shopState } from '../helpers/shopify.ts';
import { testBoss, WorkerFleet } from '../helpers/workers.ts';

const { url: dbUrl, db } = await freshDb();
const om = await ordermeshSim();
const shop = await shopifySim({ restoreRate: 1000 });
const configFile = writePipelineConfig(
  pipelineConfigObject(om, shop, {
    jobs: { submitBatchSize: 25, retryBaseSeconds: 1, stuckSubmittingSeconds: 3, firstPollDelaySeconds: 0, pollRecentSeconds: 1, pollOldSeconds: 1, shutdownTimeoutSeconds: 5, heartbeatSeconds: 10, superviseIntervalSeconds: 2, concurrency: 2 },
  }),
);
const fleet = new WorkerFleet(configFile, dbUrl);

describe('three worker processes on one database', () => {
  it('share the work without a duplicate or a loss', async () => {
    const ids = await seedOrders(shop, { count: 300, seed: 303, spreadSeconds: 300 });
    const declared = await declaredOutcomes(shop, ids);
    const expected = declaredFinalStates(declared);

    const boss = await fleet.launch(3);
    await boss.send(Q.pullOrders, { storeId: STORE_ID });
    // Every worker gets a submit trigger at once, to make them compete for the same orders.
    for (let i = 0; i < 6; i++) await boss.send(Q.submitOrders, { storeId: STORE_ID });

    await untilSubmitted(db, 300);
    for (let i = 0; i < 3; i++) await post(`${om.url}/_sim/advance`);
    await untilShipped(db, async () => void (await boss.send(Q.pollShipments, {}, { singletonKey: 'sweep' })));

    expect(await stateCounts(db)).toEqual(expected);
    // No faults here: every safeId must have been asked for exactly once.
    expect(await judgeOrderMesh(om, declared)).toEqual([]);
    const st = await simState(om);
    expect(st.orders.length).toBe(expected.fulfilled);
    expect(Object.values(st.createRequestsBySafeId as Record<string, number>).every((n) => n === 1)).toBe(true);
    const shopOrders = (await shopState(shop)).orderList as Array<{ fulfillmentsCreated: number }>;
    const packages = await db.selectFrom('packages').select('id').execute();
    expect(shopOrders.reduce((a, o) => a + o.fulfillmentsCreated, 0)).toBe(packages.length);
    expect(fleet.unexpectedExits).toEqual([]);
    expect(fleet.alive.length).toBe(3);
  }, 300_000);

  it('a backfill and a reprocess run beside them, each carrying its work through, create no duplicate', async () => {
    const more = await seedOrders(shop, { count: 150, seed: 304, spreadSeconds: 300 });
    const declaredMore = await declaredOutcomes(shop, more);
    const before = (await simState(om)).orders.length;
    // The reprocess is given a fix the workers do not have: the unmapped SKU mapped.
    const base = pipelineConfigObject(om, shop) as any;
    const fixed = writePipelineConfig({ ...base, stores: [{ ...base.stores[0], mapping: { module: 'shopify-default', options: { ...SIM_MAPPING, skuMap: { ...SIM_MAPPING.skuMap, 'LEGACY-SKU-0042': 'POSTER-18X24-MATTE' } } } }] });
    const boss = await testBoss(dbUrl);
    const since = new Date(Date.now() - 3600_000).toISOString();
    const [backfill, reprocess] = await Promise.all([
      runCli(['backfill', '--store', STORE_ID, '--since', since, '--config', configFile, '--json'], { DATABASE_URL: dbUrl }),
      runCli(['reprocess', '--store', STORE_ID, '--state', 'failed_mapping', '--config', fixed], { DATABASE_URL: dbUrl }),
      // The workers compete for the same orders meanwhile.
      (async () => {
        await boss.send(Q.pullOrders, { storeId: STORE_ID });
        for (let i = 0; i < 6; i++) await boss.send(Q.submitOrders, { storeId: STORE_ID });
      })(),
    ]);
    expect(backfill.code, backfill.stderr.slice(-3000)).toBe(0);
    expect(reprocess.code, reprocess.stderr.slice(-3000)).toBe(0);
    expect(JSON.parse(backfill.stdout).summary.settled.busy).toBe(0);
    await untilSubmitted(db, 450);

    const st = await simState(om);
    // Judged from OrderMesh: every order declared sent arrived with its total; the reprocess's fix may
    // also send what failed only for the unmapped SKU (only the legacy item lacks a mapping there); no
    // safeId asked for twice.
    const legacyOnly = (d: { kind: string; codes?: string[] }) => d.kind === 'failed' && d.codes!.join() === 'MISSING_SKU';
    expect(await judgeOrderMesh(om, declaredMore, { mayBeSent: legacyOnly })).toEqual([]);
    expect(duplicateCreates(st)).toEqual([]);
    expect(st.orders.length).toBeGreaterThanOrEqual(before + [...declaredMore.values()].filter((d) => d.kind === 'sent').length);
    const ledger = await db.selectFrom('orders').select(['ordermesh_order_id']).where('ordermesh_order_id', 'is not', null).execute();
    expect(new Set(ledger.map((r) => r.ordermesh_order_id)).size).toBe(st.orders.length);
    expect(fleet.unexpectedExits).toEqual([]);
  }, 300_000);
});
