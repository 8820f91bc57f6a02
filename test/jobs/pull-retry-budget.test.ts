import { TestClock } from 'pg-boss';
import { afterAll, describe, expect, it } from 'vitest';
import { createBoss, registerJobs } from '../../src/jobs/boss.ts';
import { jobDefinitions } from '../../src/jobs/index.ts';
import { Q } from '../../src/jobs/queues.ts';
import { createLogger } from '../../src/log.ts';
import { createMetrics } from '../../src/metrics.ts';
import { freshDb } from '../helpers/db.ts';
import { STORE_ID, config, eventually, pipelineConfigObject, startPipeline } from '../helpers/pipeline.ts';
import { post, shopifySim, shopState } from '../helpers/shopify.ts';

/**
 * One retry layer per upstream call (issue 35): a pull against a Shopify that answers 500 to every
 * Admin call is tried twice by the client in each of the job's runs, and pg-boss owns the retries
 * across minutes (retryLimit 5: six runs). Before, the client's six attempts inside each of those runs
 * made 36 calls. pg-boss's time is its TestClock, moved past each retry's backoff by hand; the calls
 * are counted by the Shopify simulator.
 */
const CALL_BUDGET = 12;
const { url: dbUrl } = await freshDb();
const shop = await shopifySim();
const cfg = config(pipelineConfigObject({ url: 'http://127.0.0.1:9' }, shop));
// The service's own workers stay off: the pull runs on a boss whose time the test moves.
const service = await startPipeline(cfg, dbUrl, { workers: false });
const log = createLogger({ level: 'error', destination: process.stderr as never });
const clock = new TestClock(new Date());
const boss = createBoss(dbUrl, log, { clock });
await boss.start();
afterAll(() => boss.stop({ graceful: false }));

/** Longer than pg-boss's longest wait between two runs of a job (retryDelayMax, src/jobs/index.ts). */
const PAST_ANY_BACKOFF_MS = 320_000;

describe('retry budget: a pull against a Shopify that answers 500', () => {
  it(`makes at most ${CALL_BUDGET} Admin calls in all of its job's runs, then the job is failed for good`, async () => {
    const defs = jobDefinitions(service.deps, { heartbeatSeconds: cfg.jobs.heartbeatSeconds, refreshCoalesceMs: cfg.jobs.refreshCoalesceMs }).filter((d) => d.name === Q.pullOrders);
    await registerJobs(boss, defs, createMetrics(), log, { storeConcurrency: 1 });
    await post(`${shop.url}/_sim/faults`, { '*': { status500: 1 } });
    const before = (await shopState(shop)).requests as number;
    const id = await boss.send(Q.pullOrders, { storeId: STORE_ID }, { singletonKey: STORE_ID });
    expect(id).toBeTruthy();
    const job = () => boss.getJobById(Q.pullOrders, id!);
    let runs = 0;
    for (;;) {
      // Each run ends in `retry` (pg-boss counts the runs before it), or, out of retries, `failed`.
      const settled = await eventually(async () => {
        const j = await job();
        return j && (j.state === 'failed' || (j.state === 'retry' && j.retryCount === runs)) ? j : false;
      }, async () => `job ${JSON.stringify(await job())} after ${runs} run(s)`, 60_000);
      runs++;
      if (settled.state === 'failed') break;
      // Past the backoff at once, then the lane's poll that the jump passed: one run per turn.
      await clock.setTime(clock.now() + PAST_ANY_BACKOFF_MS);
      await clock.tick(1);
    }
    const calls = ((await shopState(shop)).requests as number) - before;
    expect([runs, (await job())!.retryCount]).toEqual([6, 5]);
    expect(calls).toBeLessThanOrEqual(CALL_BUDGET);
    expect(calls).toBeGreaterThanOrEqual(runs);
  }, 240_000);
});
