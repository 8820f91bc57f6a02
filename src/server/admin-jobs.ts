import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { failedJobs, FAILED_JOBS_SHOWN, isFailedJob } from '../db/failed-jobs.ts';
import type { JobDeps } from '../jobs/deps.ts';
import { callerOf } from './admin-auth.ts';
import { bad, problems, type Guards } from './admin-common.ts';

const queueName = z.string().regex(/^[a-z][a-z0-9-]{0,63}$/, 'must be a queue name such as write-tracking');
const listQuery = z.strictObject({ queue: queueName.optional(), store: z.string().min(1).max(100).optional() });
const jobParams = z.strictObject({ queue: queueName, id: z.uuid('must be a job id (a UUID)') });

/**
 * The failed jobs (pg-boss's dead set: a pull, a tracking write-back, … out of retries) with their
 * errors; an operator retries one (pg-boss `retry`: it runs again with its payload) or dismisses it
 * (pg-boss `deleteJob`), each an audit line in the log naming the token.
 */
export function registerJobs(app: FastifyInstance<any, any, any, any>, deps: JobDeps, { view, act }: Guards): void {
  app.get('/api/v1/jobs/failed', view, async (req, reply) => {
    const q = listQuery.safeParse(req.query);
    if (!q.success) return bad(reply, problems(q.error));
    return { ...(await failedJobs(deps.db, { queue: q.data.queue, storeId: q.data.store })), shown: FAILED_JOBS_SHOWN };
  });

  const action = (verb: 'retry' | 'dismiss') =>
    app.post(`/api/v1/jobs/:queue/:id/${verb}`, act, async (req, reply) => {
      const p = jobParams.safeParse(req.params);
      if (!p.success) return bad(reply, problems(p.error));
      const { queue, id } = p.data;
      if (!(await isFailedJob(deps.db, queue, id))) return reply.code(404).send({ message: `no failed job ${id} in ${queue}` });
      if (verb === 'retry') await deps.boss.retry(queue, id);
      else await deps.boss.deleteJob(queue, id);
      req.log.info({ actor: callerOf(req).name, queue, job: id }, verb === 'retry' ? 'console: failed job retried' : 'console: failed job dismissed');
      return { queue, id, done: verb };
    });
  action('retry');
  action('dismiss');
}
