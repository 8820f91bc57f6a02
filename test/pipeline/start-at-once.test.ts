import { describe, expect, it } from 'vitest';
import { Q } from '../../src/jobs/queues.ts';
import { freshDb } from '../helpers/db.ts';
import { ordermeshSim, simState } from '../helpers/ordermesh.ts';
import { config, eventually, pipelineConfigObject, startPipeline, stateCounts, STORE_ID } from '../helpers/pipeline.ts';
import { seedOrders, shopifySim } from '../helpers/shopify.ts';

const { url: dbUrl, db } = await freshDb();
const om = await ordermeshSim();
const shop = await shopifySim({ restoreRate: 1000 });

describe('a service that starts', () => {
  it('pulls and submits each store at once instead of waiting for the next minute of its schedule', async () => {
    await seedOrders(shop, { count: 30, seed: 31 });
    const service = await startPipeline(config(pipelineConfigObject(om, shop)), dbUrl, { schedules: true });
    // The start's own sweep is there the moment start returns; it reads every store at once: a pull
    // not marked `scheduled` (the schedule's ticks are) and not put off within the minute as they are.
    expect((await service.boss.findJobs<{ start?: boolean }>(Q.storeSweep)).filter((j) => j.data.start)).toHaveLength(1);
    const pull = await eventually(async () => (await service.boss.findJobs<{ storeId: string; scheduled?: boolean }>(Q.pullOrders)).find((j) => j.data.storeId === STORE_ID && !j.data.scheduled) ?? false, () => 'the start pull', 30_000);
    expect(new Date(pull.startAfter).getTime() - new Date(pull.createdOn).getTime()).toBeLessThan(1_000);
    const settled = async () => {
      const c = await stateCounts(db);
      return Object.values(c).reduce((a, n) => a + n, 0) === 30 && !c.pending && !c.submitting;
    };
    await eventually(settled, async () => JSON.stringify(await stateCounts(db)));
    expect((await simState(om)).orders.length).toBe((await stateCounts(db)).submitted);
    expect((await stateCounts(db)).submitted).toBeGreaterThan(0);
  });
});
