import type { Kysely } from 'kysely';
import type { PgBoss } from 'pg-boss';
import type { Config } from './config/schema.ts';
import type { Secrets } from './config/load.ts';
import { createDb } from './db/connect.ts';
import { migrateToLatest } from './db/migrate.ts';
import { openDatabase } from './db/open.ts';
import type { Database } from './db/schema.ts';
import { syncStores } from './db/stores.ts';
import { OrderMeshClient } from './connectors/ordermesh/client.ts';
import { createBoss, registerJobs } from './jobs/boss.ts';
import type { JobDeps } from './jobs/deps.ts';
import { installSchedules, jobDefinitions } from './jobs/index.ts';
import { registerWebhooks } from './server/webhooks.ts';
import { buildStores } from './stores.ts';
import type { Logger } from './log.ts';
import { createMetrics, type Metrics } from './metrics.ts';
import { buildServer } from './server/http.ts';

export interface Service {
  db: Kysely<Database>;
  boss: PgBoss;
  metrics: Metrics;
  deps: JobDeps;
  port: number;
  /** Graceful: stop taking jobs, let in-flight ones finish (bounded), close pools, stop embedded PostgreSQL. */
  stop(): Promise<void>;
}

export interface StartOptions {
  config: Config;
  secrets: Secrets;
  /** Relative mapping-module paths are resolved against this file's folder. */
  configPath: string;
  log: Logger;
  env?: NodeJS.ProcessEnv;
  /** Install the cron schedules (default true; the demo drives the loop itself). */
  schedules?: boolean;
  /** Run workers in this process (default true). */
  workers?: boolean;
}

export async function startService(opts: StartOptions): Promise<Service> {
  const { config, log } = opts;
  const env = opts.env ?? process.env;
  const database = await openDatabase(config, log, env);
  const db = createDb(database.url);
  const cleanup: Array<() => Promise<void>> = [() => database.close(), () => db.destroy()];
  const runCleanup = async () => {
    for (const step of cleanup.reverse()) await step().catch((err) => log.error({ err }, 'shutdown step failed'));
  };
  try {
    const applied = await migrateToLatest(db);
    if (applied.length > 0) log.info({ migrations: applied.map((r) => r.migrationName) }, 'migrations applied');
    await syncStores(db, config);

    const boss = createBoss(database.url, log, { superviseIntervalSeconds: config.jobs.superviseIntervalSeconds });
    await boss.start();
    let accepting = true;
    cleanup.push(() => boss.stop({ graceful: true, timeout: config.jobs.shutdownTimeoutSeconds * 1000 }));

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
    const stores = await buildStores(config, opts.secrets, opts.configPath, { log, metrics });
    const deps: JobDeps = { db, boss, log, metrics, config, ordermesh, stores, actor: `worker:${process.pid}` };
    const defs = jobDefinitions(deps, { heartbeatSeconds: config.jobs.heartbeatSeconds });
    await registerJobs(boss, defs, metrics, log, { concurrency: config.jobs.concurrency, work: opts.workers !== false });
    if (opts.schedules !== false) await installSchedules(boss, deps);

    const app = buildServer({ db, boss, metrics, log, isAccepting: () => accepting });
    registerWebhooks(app, { db, boss, log, stores, ordermeshSecret: opts.secrets.ordermeshWebhookSecret });
    const port = env.PORT !== undefined ? Number(env.PORT) : config.server.port;
    await app.listen({ port, host: config.server.host });
    cleanup.push(() => app.close());
    const address = app.server.address();
    const boundPort = typeof address === 'object' && address ? address.port : port;
    log.info({ port: boundPort, embeddedDatabase: database.embedded, stores: config.stores.length }, 'ordersync started');

    let stopping: Promise<void> | undefined;
    return {
      db,
      boss,
      metrics,
      deps,
      port: boundPort,
      stop() {
        stopping ??= (async () => {
          accepting = false;
          log.info('shutting down: no new jobs, draining in-flight ones');
          await runCleanup();
          log.info('stopped');
        })();
        return stopping;
      },
    };
  } catch (err) {
    await runCleanup();
    throw err;
  }
}
