import type { Kysely } from 'kysely';
import type { PgBoss } from 'pg-boss';
import type { Database } from './db/schema.ts';
import type { JobDeps } from './jobs/deps.ts';
import type { Metrics } from './metrics.ts';
import { onShutdown } from './util/shutdown.ts';
import { registerAdmin } from './server/admin.ts';
import { openRuntime, type RuntimeOptions } from './runtime.ts';
import { buildServer, LISTEN_BACKLOG } from './server/http.ts';
import { registerWebhooks } from './server/webhooks.ts';
import { registerInstall } from './server/install.ts';
import { configStoresByShop } from './server/config-shops.ts';
import { warnUnknownSkus } from './ops/sku-check.ts';
import { Keyring } from './util/secret-box.ts';
import type { Config } from './config/schema.ts';
import type { Secrets } from './config/load.ts';
import { configHash } from './config/hash.ts';
import { forgetWorker, HEARTBEAT_SECONDS, recordWorker } from './db/workers.ts';
import type { Mapper } from './mapping/registry.ts';

export interface Service {
  db: Kysely<Database>;
  /** The configuration in effect (a hash of it, as `status` shows). */
  configHash(): string;
  /** Puts a validated configuration into effect without a restart (see Runtime.reload). */
  reload(next: { config: Config; secrets: Secrets; mappers: Map<string, Mapper> }): Promise<void>;
  boss: PgBoss;
  metrics: Metrics;
  deps: JobDeps;
  port: number;
  /**
   * Graceful: readiness 503 at once; with `drainMs`, the HTTP server keeps answering that long (so a
   * load balancer sees it leave instead of a refused connection), then closes; jobs stop taking work
   * and in-flight ones finish (bounded); pools close; an embedded PostgreSQL stops.
   */
  stop(opts?: { drainMs?: number }): Promise<void>;
}

export type StartOptions = Omit<RuntimeOptions, 'workers' | 'schedules' | 'actor'> & {
  /** Install the cron schedules (default true; tests and the demo drive the loop themselves). */
  schedules?: boolean;
  /** Run workers in this process (default true). */
  workers?: boolean;
};

/** `ordersync start`: the runtime plus the HTTP server (health, metrics, webhook receivers). */
export async function startService(opts: StartOptions): Promise<Service> {
  const { config, log } = opts;
  const env = opts.env ?? process.env;
  const runtime = await openRuntime({ ...opts, workers: opts.workers !== false, schedules: opts.schedules !== false, actor: `worker:${process.pid}` });
  const { deps, database } = runtime;
  let accepting = true;
  const app = buildServer({ db: deps.db, boss: deps.boss, metrics: deps.metrics, log, isAccepting: () => accepting });
  registerAdmin(app, deps, opts.secrets.adminTokens);
  if (config.server.install && opts.secrets.installSecret) registerInstall(app, { db: deps.db, log, config, installSecret: opts.secrets.installSecret, keyring: Keyring.fromEnv(env) });
  // The file's stores (disabled ones too) by shop, for compliance webhooks: replaced on a reload.
  let fileShops = configStoresByShop(config, opts.secrets);
  registerWebhooks(app, { db: deps.db, boss: deps.boss, log, metrics: deps.metrics, stores: deps.stores, ordermeshSecret: opts.secrets.ordermeshWebhookSecret, maxAgeSeconds: config.server.webhookMaxAgeSeconds, appSecret: opts.secrets.installSecret, keyring: Keyring.fromEnv(env), configStoresOfShop: (domain) => fileShops.get(domain.toLowerCase()) ?? [] });
  const port = env.PORT !== undefined ? Number(env.PORT) : config.server.port;
  try {
    await app.listen({ port, host: config.server.host, backlog: LISTEN_BACKLOG });
  } catch (err) {
    await runtime.close();
    throw err;
  }
  let hash = configHash(config);
  const actor = deps.actor;
  await recordWorker(deps.db, actor, hash);
  const heartbeat = setInterval(() => void recordWorker(deps.db, actor, hash).catch((err) => log.warn({ err }, 'recording this worker failed')), HEARTBEAT_SECONDS * 1000);
  heartbeat.unref();
  const address = app.server.address();
  const boundPort = typeof address === 'object' && address ? address.port : port;
  log.info({ port: boundPort, embeddedDatabase: database.embedded, stores: config.stores.length }, 'ordersync started');
  // Once per start, once started (no OrderMesh call before the service is up): a mapped SKU
  // OrderMesh's catalogue lacks would fail every order that uses it.
  if (opts.workers !== false) void warnUnknownSkus(deps);

  let stopping: Promise<void> | undefined;
  // An early stop (a signal to a command that runs a service, as the demo does) stops it in order.
  const off = onShutdown(() => service.stop());
  const service: Service = {
    db: deps.db,
    boss: deps.boss,
    metrics: deps.metrics,
    deps,
    port: boundPort,
    configHash: () => hash,
    async reload(next) {
      const before = deps.config;
      await runtime.reload(next);
      fileShops = configStoresByShop(next.config, next.secrets);
      hash = configHash(next.config);
      await recordWorker(deps.db, actor, hash);
      const restartOnly = (['database', 'server'] as const).filter((k) => JSON.stringify(before[k]) !== JSON.stringify(next.config[k]));
      for (const k of ['concurrency', 'heartbeatSeconds', 'superviseIntervalSeconds', 'refreshCoalesceMs'] as const) if (before.jobs[k] !== next.config.jobs[k]) restartOnly.push(`jobs.${k}` as never);
      log.info({ configHash: hash, ...(restartOnly.length ? { takesEffectAtRestart: restartOnly } : {}) }, 'configuration reloaded');
    },
    stop(opts = {}) {
      stopping ??= (async () => {
        accepting = false;
        clearInterval(heartbeat);
        await forgetWorker(deps.db, actor).catch((err) => log.warn({ err }, 'removing this worker from the registry failed'));
        if (opts.drainMs) {
          log.info({ drainMs: opts.drainMs }, 'shutting down: /readyz answers 503 while load balancers take this worker out');
          await new Promise((resolve) => setTimeout(resolve, opts.drainMs));
        }
        log.info('shutting down: no new jobs, draining in-flight ones');
        await app.close().catch((err) => log.error({ err }, 'closing the HTTP server failed'));
        await runtime.close();
        off();
        log.info('stopped');
      })();
      return stopping;
    },
  };
  return service;
}
