import { describe, expect, it } from 'vitest';
import { Q } from '../../src/jobs/queues.ts';
import { freshDb } from '../helpers/db.ts';
import { ordermeshSim, simState } from '../helpers/ordermesh.ts';
import { expectedFinalStates, pipelineConfigObject, stateCounts, STORE_ID, untilShipped, untilSubmitted, writePipelineConfig } from '../helpers/pipeline.ts';
import { post, readOrder, seedOrders, shopifyClientFor, shopifySim, shopState } from '../helpers/shopify.ts';
import { WorkerFleet } from '../helpers/workers.ts';

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
    const client = shopifyClientFor(shop);
    const storeOrders = await Promise.all(ids.map((id) => readOrder(client, id)));
    const expected = await expectedFinalStates(storeOrders);

    const boss = await fleet.launch(3);
    await boss.send(Q.pullOrders, { storeId: STORE_ID });
    // Every worker gets a submit trigger at once, to make them compete for the same orders.
    for (let i = 0; i < 6; i++) await boss.send(Q.submitOrders, { storeId: STORE_ID });

    await untilSubmitted(db, 300);
    for (let i = 0; i < 3; i++) await post(`${om.url}/_sim/advance`);
    await untilShipped(db, async () => void (await boss.send(Q.pollShipments, {}, { singletonKey: 'sweep' })));

    expect(await stateCounts(db)).toEqual(expected);
    const st = await simState(om);
    expect(st.orders.length).toBe(expected.fulfilled);
    expect(new Set(st.orders.map((o: any) => o.safeId)).size).toBe(st.orders.length);
    const shopOrders = (await shopState(shop)).orderList as Array<{ fulfillmentsCreated: number }>;
    const packages = await db.selectFrom('packages').select('id').execute();
    expect(shopOrders.reduce((a, o) => a + o.fulfillmentsCreated, 0)).toBe(packages.length);
    expect(fleet.unexpectedExits).toEqual([]);
    expect(fleet.alive.length).toBe(3);
  }, 300_000);
});
