import { PgBoss, type Clock, type Job, type JobResult, type Queue } from 'pg-boss';
import type { Logger } from '../log.ts';
import type { Metrics } from '../metrics.ts';
import { runInCallScope } from '../util/call-scope.ts';
import { errorOutcome } from './outcome.ts';

export const BOSS_SCHEMA = 'pgboss';
const BATCH = 10;

export function createBoss(url: string, log: Logger, opts: { superviseIntervalSeconds?: number; max?: number; clock?: Clock } = {}): PgBoss {
  // LISTEN/NOTIFY wakes workers the moment a job is sent, instead of after a polling interval.
  const boss = new PgBoss({
    connectionString: url,
    schema: BOSS_SCHEMA,
    application_name: 'ordersync-jobs',
    useListenNotify: true,
    ...(opts.max ? { max: opts.max } : {}),
    // Tests drive pg-boss's timers (polling, maintenance) by hand with its TestClock.
    ...(opts.clock ? { clock: opts.clock } : {}),
    ...(opts.superviseIntervalSeconds ? { superviseIntervalSeconds: opts.superviseIntervalSeconds, monitorIntervalSeconds: opts.superviseIntervalSeconds } : {}),
  });
  // pg-boss reports background failures (maintenance, lost connections) as events; unhandled they would crash.
  boss.on('error', (err) => log.error({ err }, 'pg-boss error'));
  return boss;
}

/** A queue with its handler. Handlers must be idempotent: pg-boss may run a job twice. */
export interface JobDefinition<T extends object = object> {
  name: string;
  queue?: Omit<Queue, 'name'>;
  run: (data: T, job: Job<T>) => Promise<unknown>;
  /**
   * When given, used instead of `run`: every job of a fetched batch at once (coalesced reads). It may
   * return an error (or undefined) per job; if it throws, every job of the batch shares the failure.
   */
  runBatch?: (data: T[]) => Promise<Array<unknown | undefined> | void>;
  /** Jobs fetched at once, and the polling interval (a delayed job is seen by polling, not NOTIFY). */
  fetch?: { batchSize: number; pollingIntervalSeconds: number; notifyPollingIntervalSeconds: number };
  /** Records a failure retries cannot fix (see outcome.ts); the job then completes. */
  record?: (data: T, reason: string, message: string) => Promise<void>;
  /**
   * One job per store (a singleton per store id): the queue runs `storeConcurrency` stores at once in
   * this process, each job fetched alone, so a slow store holds one lane and never the jobs of others
   * that a shared batch would queue behind it. Its upstream calls share one scope (call-scope.ts): once
   * one times out, none waits or retries in the lane, so a hung store holds it for one call's timeout.
   */
  perStore?: boolean;
  /** A per-store queue whose jobs must start promptly (submission): polled every 2 s like the rest, not every 10. */
  prompt?: boolean;
}


/** Creates every queue (needed before anything is sent) and, unless `work` is false, runs workers on them. */
export async function registerJobs(
  boss: PgBoss,
  defs: JobDefinition<any>[],
  metrics: Metrics,
  log: Logger,
  opts: { concurrency?: number; storeConcurrency?: number; work?: boolean } = {},
): Promise<void> {
  // Dead-letter targets first: a queue naming one that does not exist yet is refused.
  const ordered = [...defs].sort((a, b) => Number(Boolean(a.queue?.deadLetter)) - Number(Boolean(b.queue?.deadLetter)));
  for (const def of ordered) {
    const { policy: _policy, ...settings } = def.queue ?? {};
    const existing = await boss.getQueue(def.name);
    if (!existing) {
      try {
        await boss.createQueue(def.name, def.queue ?? {});
        continue;
      } catch (err) {
        // Another process starting at the same moment created it first.
        if (!(await boss.getQueue(def.name))) throw err;
      }
    }
    // pg-boss applies queue options only at creation: without this, a changed heartbeat, retry or
    // expiry setting would never reach a database that already has the queue. (The policy cannot
    // change after creation.)
    await boss.updateQueue(def.name, settings);
  }
  if (opts.work === false) return;
  for (const def of defs) {
    const options = {
      batchSize: BATCH,
      // Keep fetching while batches come back full; otherwise poll. A job sent inside one of our
      // transactions can wake a worker (NOTIFY) before that transaction commits, and the worker then
      // finds nothing: polling every 2 s bounds that miss (pg-boss's backstop with NOTIFY is 30 s).
      burstWhenBatchFull: true,
      pollingIntervalSeconds: 2,
      notifyPollingIntervalSeconds: 2,
      localConcurrency: opts.concurrency ?? 1,
      // One job failing must not fail (and re-run) the rest of its batch.
      perJobResults: true,
    } as const;
    // A store's lane: fetched alone. Its jobs are sent with NOTIFY and the store sweep sends every
    // minute what is due, so lanes poll every 10 s (their idle cost near that of two workers), but
    // submission's, whose latency is the user's.
    const every = def.prompt ? 2 : 10;
    if (def.perStore) {
      // Each lane is a worker of its own, so that a lane that got a job can wake itself
      // (boss.notifyWorker) and fetch again as soon as the job ends, until a fetch comes back empty.
      // Polling alone caps a lane at one job per interval: pulls queued with their offsets into the
      // minute wake no one when they come due. pg-boss's own burst (burstWhenReadyExceeds) follows
      // the queue's ready count, which it recomputes every superviseIntervalSeconds (30 s): lanes
      // took one job per poll for stretches, pulls waited 25-30 s, and a quarter of the stores'
      // intervals were skipped at 1,000 stores.
      const lanes = opts.storeConcurrency ?? opts.concurrency ?? 1;
      for (let i = 0; i < lanes; i++) {
        let lane: string | undefined;
        const handler = handlerFor(def, metrics, log);
        lane = await boss.work(
          def.name,
          { ...options, batchSize: 1, localConcurrency: 1, pollingIntervalSeconds: every, notifyPollingIntervalSeconds: every, ...(def.fetch ?? {}) },
          async (jobs: Job<object>[]) => {
            // Set while the job runs: the lane skips its polling delay once, after this job.
            if (lane) boss.notifyWorker(lane);
            return handler(jobs);
          },
        );
      }
      continue;
    }
    await boss.work(def.name, { ...options, ...(def.fetch ?? {}) }, handlerFor(def, metrics, log));
  }
}

/** Runs a fetched batch: each job's outcome (perJobResults), failures settled as outcome.ts decides. */
function handlerFor(def: JobDefinition<any>, metrics: Metrics, log: Logger): (jobs: Job<object>[]) => Promise<JobResult[]> {
  return async (jobs: Job<object>[]): Promise<JobResult[]> => {
    if (def.runBatch) {
      let errors: Array<unknown | undefined> | void;
      try {
        errors = await def.runBatch(jobs.map((j) => j.data));
      } catch (err) {
        return Promise.all(jobs.map((job) => settleFailure(def, job, err, metrics, log)));
      }
      return Promise.all(
        jobs.map(async (job, i) => {
          const err = errors?.[i];
          if (err !== undefined) return settleFailure(def, job, err, metrics, log);
          metrics.jobs.inc({ queue: def.name, outcome: 'completed' });
          return { id: job.id, status: 'completed' as const };
        }),
      );
    }
    const results: JobResult[] = [];
    for (const job of jobs) {
      try {
        await (def.perStore ? runInCallScope(() => def.run(job.data, job)) : def.run(job.data, job));
        metrics.jobs.inc({ queue: def.name, outcome: 'completed' });
        results.push({ id: job.id, status: 'completed' });
      } catch (err) {
        results.push(await settleFailure(def, job, err, metrics, log));
      }
    }
    return results;
  };
}

/** A failed job: recorded and completed when retries cannot fix it (outcome.ts), else failed for pg-boss to retry. */
async function settleFailure(def: JobDefinition<any>, job: Job<object>, err: unknown, metrics: Metrics, log: Logger): Promise<JobResult> {
  const outcome = errorOutcome(err);
  if (outcome.kind === 'record' && def.record) {
    try {
      await def.record(job.data, outcome.reason, outcome.message);
      metrics.jobs.inc({ queue: def.name, outcome: 'recorded' });
      log.warn({ err, queue: def.name, jobId: job.id, data: job.data, reason: outcome.reason }, 'job failed for a reason retries cannot fix; recorded');
      return { id: job.id, status: 'completed' };
    } catch (recordErr) {
      log.error({ err: recordErr, queue: def.name, jobId: job.id }, 'recording a job failure failed; pg-boss will retry the job');
    }
  }
  metrics.jobs.inc({ queue: def.name, outcome: 'failed' });
  log.warn({ err, queue: def.name, jobId: job.id, data: job.data }, 'job failed; pg-boss will retry it');
  return { id: job.id, status: 'failed', output: { message: (err as Error).message } };
}
