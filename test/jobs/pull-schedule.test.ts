import { describe, expect, it } from 'vitest';
import { pullIsDue, pullOrders } from '../../src/jobs/pull-orders.ts';
import { Q } from '../../src/jobs/queues.ts';
import { freshDb } from '../helpers/db.ts';
import { ordermeshSim } from '../helpers/ordermesh.ts';
import { config, eventually, pipelineConfigObject, startPipeline, STORE_ID } from '../helpers/pipeline.ts';
import { seedOrders, shopifySim, shopState } from '../helpers/shopify.ts';

const at = (iso: string) => new Date(iso);

describe('the pull schedule', () => {
  it('is due once the configured interval has passed since the last slot, whatever its length', () => {
    const slot = at('2026-12-02T12:00:00Z');
    expect(pullIsDue(null, slot, 7200)).toBe(true);
    expect(pullIsDue(at('2026-12-02T11:00:00Z'), slot, 7200)).toBe(false); // an hour of two
    expect(pullIsDue(at('2026-12-02T10:00:25Z'), slot, 7200)).toBe(true); // the tick after two hours, a sweep 25 s late included
    expect(pullIsDue(at('2026-12-02T10:01:00Z'), slot, 7200)).toBe(false);
    expect(pullIsDue(at('2026-12-02T11:59:10Z'), slot, 60)).toBe(true); // every minute
    expect(pullIsDue(at('2026-12-02T11:59:40Z'), slot, 60)).toBe(false);
    expect(pullIsDue(at('2026-12-02T11:53:05Z'), slot, 420)).toBe(true); // every 7 minutes
  });

  it('reads the store when a scheduled pull runs, however soon after the last one finished: the sweep alone judges what is due', async () => {
    const { url } = await freshDb();
    const om = await ordermeshSim();
    const shop = await shopifySim({ restoreRate: 1000 });
    const service = await startPipeline(config(pipelineConfigObject(om, shop)), url);
    await seedOrders(shop, { count: 3, seed: 5 });
    const pulls = async () => ((await shopState(shop, true)).operations as Record<string, { requests: number }>).OrdersUpdatedSince?.requests ?? 0;
    // The last interval's pull, which waited in the lanes and finished just now.
    await pullOrders(service.deps, STORE_ID);
    const before = await pulls();
    // This interval's, queued by the sweep at its slot: it must read the store, not judge itself early.
    const id = await service.boss.send(Q.pullOrders, { storeId: STORE_ID, scheduled: true }, { singletonKey: STORE_ID });
    expect(id).toBeTruthy();
    await eventually(async () => (await service.boss.getJobById(Q.pullOrders, id!))?.state === 'completed', async () => JSON.stringify(await service.boss.getJobById(Q.pullOrders, id!)));
    expect(await pulls()).toBeGreaterThan(before);
  });
});
