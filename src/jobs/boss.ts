import { PgBoss, type Job, type Queue } from 'pg-boss';
import type { Logger } from '../log.ts';
import type { Metrics } from '../metrics.ts';

export const BOSS_SCHEMA = 'pgboss';

export function createBoss(url: string, log: Logger): PgBoss {
  const boss = new PgBoss({ connectionString: url, schema: BOSS_SCHEMA, application_name: 'ordersync-jobs' });
  // pg-boss reports background failures (maintenance, lost connections) as events; unhandled they would crash.
  boss.on('error', (err) => log.error({ err }, 'pg-boss error'));
  return boss;
}

/** A queue with its handler. Handlers receive arrays of jobs and must be idempotent: pg-boss may run a job twice. */
export interface JobDefinition<T extends object = object> {
  name: string;
  queue?: Omit<Queue, 'name'>;
  batchSize?: number;
  handler: (jobs: Job<T>[]) => Promise<void>;
}

export async function registerJobs(boss: PgBoss, defs: JobDefinition<any>[], metrics: Metrics, log: Logger): Promise<void> {
  for (const def of defs) {
    await boss.createQueue(def.name, def.queue ?? {});
    await boss.work(def.name, { batchSize: def.batchSize ?? 1 }, async (jobs: Job<object>[]) => {
      try {
        await def.handler(jobs);
        metrics.jobs.inc({ queue: def.name, outcome: 'completed' }, jobs.length);
      } catch (err) {
        metrics.jobs.inc({ queue: def.name, outcome: 'failed' }, jobs.length);
        log.warn({ err, queue: def.name, jobIds: jobs.map((j) => j.id) }, 'job failed; pg-boss will retry it');
        throw err;
      }
    });
  }
}
