import type { Config } from './config/schema.ts';
import type { Secrets } from './config/load.ts';
import { OrderMeshClient } from './connectors/ordermesh/client.ts';
import type { OpenedDatabase } from './db/open.ts';
import { openLedger } from './db/session.ts';
import { createBoss, registerJobs } from './jobs/boss.ts';
import type { JobDeps } from './jobs/deps.ts';
import { installSchedules, jobDefinitions } from './jobs/index.ts';
import type { Logger } from './log.ts';
import { createMetrics } from './metrics.ts';
import { buildStores, loadMappers } from './stores.ts';

export interface RuntimeOptions {
  config: Config;
  secrets: Secrets;
  /** Relative mapping-module paths are resolved against this file's folder. */
  configPath: string;
  log: Logger;
  env?: NodeJS.ProcessEnv;
  /** Run job workers in this process (`start`: yes; one-shot commands only send jobs). */
  workers: boolean;
  /** Install the cron schedules. */
  schedules: boolean;
  /** Who acts, for the audit trail. */
  actor: string;
}

export interface Runtime {
  deps: JobDeps;
  database: OpenedDatabase;
  /** Stops pg-boss (draining in-flight jobs, bounded), closes pools, stops an embedded PostgreSQL. */
  close(): Promise<void>;
}

/**
 * Everything but the HTTP server: the database (embedded if needed) migrated, stores in sync, pg-boss
 * with every queue, the OrderMesh and Shopify clients, the mappers. Shared by `start` and the one-shot
 * commands (backfill, reprocess, demo), so they all act through the same jobs and ledger functions.
 */
export async function openRuntime(opts: RuntimeOptions): Promise<Runtime> {
  const { config, log } = opts;
  const mappers = await loadMappers(config, opts.configPath);
  const { db, database, close: closeLedger } = await openLedger(config, log, opts.env ?? process.env);
  const cleanup: Array<() => Promise<void>> = [closeLedger];
  const close = async () => {
    for (const step of cleanup.splice(0).reverse()) await step().catch((err) => log.error({ err }, 'shutdown step failed'));
  };
  try {
    const boss = createBoss(database.url, log, { superviseIntervalSeconds: config.jobs.superviseIntervalSeconds });
    await boss.start();
    const metrics = createMetrics(db);
    const ordermesh = new OrderMeshClient({
      baseUrl: config.ordermesh.baseUrl,
      clientId: config.ordermesh.clientId,
      clientSecret: opts.secrets.ordermeshClientSecret,
      timeoutMs: config.ordermesh.timeoutMs,
      paths: config.ordermesh.paths,
      log,
      onCall: (_op, status) => metrics.httpCalls.inc({ upstream: 'ordermesh', status: String(status) }),
    });
    const stores = buildStores(config, opts.secrets, mappers, { log, metrics });
    const abortCalls = () => {
      ordermesh.close();
      for (const store of stores.values()) store.shopify.close();
    };
    cleanup.push(async () => abortCalls());
    cleanup.push(async () => {
      // In-flight jobs get the shutdown timeout to finish; then their upstream calls and retry waits
      // are cut (their jobs run again elsewhere), so a down upstream cannot hold the process open.
      const budgetMs = config.jobs.shutdownTimeoutSeconds * 1000;
      const cut = setTimeout(abortCalls, Math.max(0, budgetMs - 1000));
      try {
        await boss.stop({ graceful: true, timeout: budgetMs });
      } finally {
        clearTimeout(cut);
      }
    });
    const deps: JobDeps = { db, boss, log, metrics, config, ordermesh, stores, actor: opts.actor };
    await registerJobs(boss, jobDefinitions(deps, { heartbeatSeconds: config.jobs.heartbeatSeconds, refreshCoalesceMs: config.jobs.refreshCoalesceMs }), metrics, log, {
      concurrency: config.jobs.concurrency,
      work: opts.workers,
    });
    if (opts.schedules) await installSchedules(boss, deps);
    return { deps, database, close };
  } catch (err) {
    await close();
    throw err;
  }
}
