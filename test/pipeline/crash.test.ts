import { describe, expect, it } from 'vitest';
import { Q } from '../../src/jobs/queues.ts';
import { freshDb } from '../helpers/db.ts';
import { ordermeshSim, setFaults, simState } from '../helpers/ordermesh.ts';
import { declaredFinalStates, declaredOutcomes, judgeOrderMesh, pipelineConfigObject, stateCounts, STORE_ID, untilShipped, untilSubmitted, writePipelineConfig } from '../helpers/pipeline.ts';
import { post, seedOrders, shopifySim, shopState } from '../helpers/shopify.ts';
import { WorkerFleet } from '../helpers/workers.ts';

const { url: dbUrl, db } = await freshDb();
const om = await ordermeshSim({ seed: 7 });
const shop = await shopifySim({ restoreRate: 1000, seed: 7 });
const configFile = writePipelineConfig(
  pipelineConfigObject(om, shop, {
    jobs: { submitBatchSize: 10, retryBaseSeconds: 1, stuckSubmittingSeconds: 2, firstPollDelaySeconds: 0, pollRecentSeconds: 1, pollOldSeconds: 1, shutdownTimeoutSeconds: 5, heartbeatSeconds: 10, superviseIntervalSeconds: 1, concurrency: 2 },
  }),
);
const fleet = new WorkerFleet(configFile, dbUrl);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Kills a random worker with SIGKILL and starts a new one, `times` times, `everyMs` apart. */
async function chaos(times: number, everyMs: number, nudge: () => Promise<void>) {
  for (let i = 0; i < times; i++) {
    await sleep(everyMs);
    const alive = fleet.alive;
    if (alive.length) await fleet.kill(alive[Math.floor(Math.random() * alive.length)]!);
    fleet.start();
    await nudge();
  }
}

describe('crashes during submission and write-back', () => {
  it('end in the same state as a run without crashes: one OrderMesh order and one fulfilment per package each', async () => {
    // `npm run chaos` runs the same test bigger: CHAOS_ORDERS orders, CHAOS_KILLS kills per phase.
    const total = Number(process.env.CHAOS_ORDERS ?? 150);
    const kills = Number(process.env.CHAOS_KILLS ?? 6);
    const ids = await seedOrders(shop, { count: total, seed: 77, spreadSeconds: 300 });
    const declared = await declaredOutcomes(shop, ids);
    const expected = declaredFinalStates(declared);
    // Slow calls widen the windows a kill can land in; some bulk responses are lost after being applied.
    await setFaults(om, { createOrdersBulk: { latencyMs: 250, lostResponse: 0.15 } });
    await post(`${shop.url}/_sim/faults`, { FulfillmentCreate: { latencyMs: 150, lostResponse: 0.1 } });

    const boss = await fleet.launch(2);
    // The schedules run every minute; the test nudges the same jobs every second instead.
    const nudge = async () => {
      await boss.send(Q.submitOrders, { storeId: STORE_ID }, { singletonKey: STORE_ID });
      await boss.send(Q.reconcileSubmitting, {}, { singletonKey: 'all' });
      await boss.send(Q.pollShipments, {}, { singletonKey: 'sweep' });
    };
    await boss.send(Q.pullOrders, { storeId: STORE_ID }, { singletonKey: STORE_ID });

    await chaos(kills, 1_500, nudge);
    await untilSubmitted(db, total, nudge);

    for (let i = 0; i < 3; i++) await post(`${om.url}/_sim/advance`);
    await chaos(Math.max(1, kills - 1), 1_200, nudge);
    await untilShipped(db, nudge);

    expect(await stateCounts(db)).toEqual(expected);
    // Judged from OrderMesh: each order declared sent there once, with its declared total; nothing else;
    // no safeId asked for more often than its lost answers allow.
    expect(await judgeOrderMesh(om, declared)).toEqual([]);
    const st = await simState(om);
    expect(st.orders.length).toBe(expected.fulfilled);
    expect(st.counts.faultsInjected.createOrdersBulk?.lostResponse ?? 0).toBeGreaterThan(0);
    // The recovery paths really ran: orders found in OrderMesh by safeId after a lost response or a kill.
    const recovered = await db.selectFrom('events').select('reason_code').where('reason_code', 'in', ['ALREADY_IN_ORDERMESH', 'RESOLVED_BY_SAFE_ID']).execute();
    expect(recovered.length).toBeGreaterThan(0);

    const packages = await db.selectFrom('packages').select(['id', 'tracking_number', 'written_tracking_number']).execute();
    const shopOrders = (await shopState(shop)).orderList as Array<{ fulfillments: Array<{ tracking: { number: string } }> }>;
    const written = shopOrders.flatMap((o) => o.fulfillments.map((f) => f.tracking.number)).sort();
    expect(written).toEqual(packages.map((p) => p.tracking_number!).sort());
    for (const p of packages) expect(p.written_tracking_number).toBe(p.tracking_number);
  }, 1_800_000);
});
