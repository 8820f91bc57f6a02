import { TestClock } from 'pg-boss';
import { afterAll, describe, expect, it } from 'vitest';
import { createBoss, registerJobs } from '../../src/jobs/boss.ts';
import { jobDefinitions } from '../../src/jobs/index.ts';
import { Q, enqueueMany } from '../../src/jobs/queues.ts';
import { createLogger } from '../../src/log.ts';
import { createMetrics } from '../../src/metrics.ts';
import { simShops } from '../../src/sim/defaults.ts';
import { freshDb } from '../helpers/db.ts';
import { config, eventually, pipelineConfigObject, startPipeline } from '../helpers/pipeline.ts';
import { shopifySim } from '../helpers/shopify.ts';

/**
 * A store's lane takes the next job as soon as one ends, until a fetch comes back empty: more stores
 * due than lanes are all pulled in one go, not one per lane per polling interval. pg-boss's timers run
 * on its TestClock, which the test never moves: a lane that waited for its next poll would never poll
 * again, so only the lanes' own fetching can pull every store. Judged from the Shopify simulator's
 * requests, shop by shop.
 */
const STORES = 6;
const LANES = 2;
const { url: dbUrl } = await freshDb();
const shops = simShops(STORES);
const sim = await shopifySim({ shops });
const base = pipelineConfigObject({ url: 'http://127.0.0.1:9' }, sim);
const stores = shops.map((s, i) => ({ ...base.stores[0]!, id: `store-${i}`, shopDomain: s.domain, auth: { type: 'accessToken', accessToken: { env: `T_SHOP_TOKEN_${i}`, default: s.accessToken } }, webhookSecret: { env: `T_SHOP_SECRET_${i}`, default: s.appSecret } }));
const cfg = config({ ...base, stores });
// The service's own workers stay off: the lanes under test run on a boss whose time stands still.
const service = await startPipeline(cfg, dbUrl, { workers: false });
const log = createLogger({ level: 'warn', destination: process.stderr as never });
const clock = new TestClock(new Date());
const boss = createBoss(dbUrl, log, { clock });
await boss.start();
afterAll(() => boss.stop({ graceful: false }));

const pullsPerShop = async () => {
  const state = (await (await fetch(`${sim.url}/_sim/state?summary`)).json()) as { shops: Record<string, { operations: Record<string, { requests: number }> }> };
  return shops.map((s) => state.shops[s.domain]?.operations.OrdersUpdatedSince?.requests ?? 0);
};

describe('store lanes', () => {
  it('with more stores due than lanes, each lane fetches again as soon as its pull ends and every store is pulled once', async () => {
    const defs = jobDefinitions(service.deps, { heartbeatSeconds: cfg.jobs.heartbeatSeconds, refreshCoalesceMs: cfg.jobs.refreshCoalesceMs }).filter((d) => d.name === Q.pullOrders);
    await registerJobs(boss, defs, createMetrics(), log, { storeConcurrency: LANES });
    // Sent on the boss whose clock stands still, so the jobs are ready at its time.
    await enqueueMany(boss, Q.pullOrders, stores.map((s) => ({ data: { storeId: s.id }, singletonKey: s.id })));
    const pulls = await eventually(
      async () => {
        const p = await pullsPerShop();
        return p.every((n) => n > 0) ? p : false;
      },
      async () => `pulls per shop ${JSON.stringify(await pullsPerShop())} (a lane that waits for its next poll pulls ${LANES} stores and stops)`,
      30_000,
    );
    expect(pulls).toEqual(Array(STORES).fill(1));
  });
});
