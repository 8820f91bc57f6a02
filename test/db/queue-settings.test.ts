import { describe, expect, it } from 'vitest';
import { createBoss, registerJobs } from '../../src/jobs/boss.ts';
import { jobDefinitions } from '../../src/jobs/index.ts';
import { createLogger } from '../../src/log.ts';
import { createMetrics } from '../../src/metrics.ts';
import { freshDb } from '../helpers/db.ts';

const { url, db } = await freshDb();

describe('queue settings', () => {
  it('take effect on a database whose queues exist already', async () => {
    const log = createLogger({ level: 'silent' });
    const metrics = createMetrics(db);
    const start = async (heartbeatSeconds: number) => {
      const boss = createBoss(url, log);
      await boss.start();
      // No workers run here: the handlers never see these deps.
      await registerJobs(boss, jobDefinitions({} as never, { heartbeatSeconds, refreshCoalesceMs: 2_000 }), metrics, log, { work: false });
      const queue = await boss.getQueue('pull-orders');
      await boss.stop({ graceful: false, close: true });
      return queue;
    };
    expect((await start(30))!.heartbeatSeconds).toBe(30);
    expect((await start(12))!.heartbeatSeconds).toBe(12);
  });
});
