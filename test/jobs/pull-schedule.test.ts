import { describe, expect, it } from 'vitest';
import { pullIsDue, pullOrders } from '../../src/jobs/pull-orders.ts';
import { freshDb } from '../helpers/db.ts';
import { ordermeshSim } from '../helpers/ordermesh.ts';
import { config, pipelineConfigObject, startPipeline, STORE_ID } from '../helpers/pipeline.ts';
import { seedOrders, shopifySim, shopState } from '../helpers/shopify.ts';

const at = (iso: string) => new Date(iso);

describe('the pull schedule', () => {
  it('is due once the configured interval has passed since the last pull, whatever its length', () => {
    const now = at('2026-12-02T12:00:00Z');
    expect(pullIsDue(null, now, 7200)).toBe(true);
    expect(pullIsDue(at('2026-12-02T11:00:00Z'), now, 7200)).toBe(false); // an hour of two
    expect(pullIsDue(at('2026-12-02T10:00:25Z'), now, 7200)).toBe(true); // the tick after two hours, a pull of 25 s included
    expect(pullIsDue(at('2026-12-02T10:01:00Z'), now, 7200)).toBe(false);
    expect(pullIsDue(at('2026-12-02T11:59:10Z'), now, 60)).toBe(true); // every minute
    expect(pullIsDue(at('2026-12-02T11:59:40Z'), now, 60)).toBe(false);
    expect(pullIsDue(at('2026-12-02T11:53:05Z'), now, 420)).toBe(true); // every 7 minutes
  });

  it('reads nothing from the store on a scheduled tick before the interval is up, and pulls when it is', async () => {
    const { url, db } = await freshDb();
    const om = await ordermeshSim();
    const shop = await shopifySim({ restoreRate: 1000 });
    const raw = pipelineConfigObject(om, shop) as any;
    raw.stores[0].pull = { intervalSeconds: 7200 };
    const service = await startPipeline(config(raw), url, { workers: false });
    await seedOrders(shop, { count: 3, seed: 5 });
    const calls = async () => Object.values((await shopState(shop, true)).operations as Record<string, { requests: number }>).reduce((a, o) => a + o.requests, 0);
    expect((await pullOrders(service.deps, STORE_ID, { onlyIfDue: true })).orders).toBe(3);
    const after = await calls();
    expect(await pullOrders(service.deps, STORE_ID, { onlyIfDue: true })).toEqual({ pages: 0, orders: 0 });
    expect(await calls()).toBe(after);
    await db.updateTable('sync_cursors').set({ last_success_at: new Date(Date.now() - 7200_000) }).where('store_id', '=', STORE_ID).execute();
    await pullOrders(service.deps, STORE_ID, { onlyIfDue: true });
    expect(await calls()).toBeGreaterThan(after);
  });
});
