import type { Config } from './config/schema.ts';
import type { Secrets } from './config/load.ts';
import type { OrderMeshClient } from './connectors/ordermesh/client.ts';
import { ordermeshClientFor } from './connectors/ordermesh/from-config.ts';
import { CatalogueCache } from './connectors/ordermesh/catalogue.ts';
import type { OpenedDatabase } from './db/open.ts';
import { openLedger } from './db/session.ts';
import { createBoss, registerJobs } from './jobs/boss.ts';
import type { JobDeps } from './jobs/deps.ts';
import { installSchedules, jobDefinitions } from './jobs/index.ts';
import type { Logger } from './log.ts';
import { createMetrics, type Metrics } from './metrics.ts';
import type { Kysely } from 'kysely';
import type { Database } from './db/schema.ts';
import { DriftRecorder } from './drift-recorder.ts';
import { recordDrift } from './db/ordermesh-drift.ts';
import { applySkuMaps, buildStores, loadMappers, mergeLedgerStores } from './stores.ts';
import type { Mapper } from './mapping/registry.ts';
import { ConfigError } from './config/load.ts';
import { ledgerStoresVersion } from './db/ledger-stores.ts';
import { Keyring, SECRET_KEY_ENV, SecretKeyError } from './util/secret-box.ts';
import { onShutdown } from './util/shutdown.ts';

/** How soon a worker sees a change made with `ordersync sku`. */
const SKU_MAP_REFRESH_MS = 5_000;

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
  /**
   * Puts a new, already validated configuration into effect for every job from now on: stores (clients,
   * mappers, settings), the OrderMesh client, job settings read per job, schedules. Database, server,
   * and queue-worker settings (concurrency, heartbeat) take effect at the next restart.
   */
  reload(next: { config: Config; secrets: Secrets; mappers: Map<string, Mapper> }): Promise<void>;
  /** Stops pg-boss (draining in-flight jobs, bounded), closes pools, stops an embedded PostgreSQL. */
  close(): Promise<void>;
}

/**
 * Everything but the HTTP server: the database (embedded if needed) migrated, stores in sync, pg-boss
 * with every queue, the OrderMesh and Shopify clients, the mappers. Shared by `start` and the one-shot
 * commands (backfill, reprocess, demo), so they all act through the same jobs and ledger functions.
 */
export async function openRuntime(opts: RuntimeOptions): Promise<Runtime> {
  const { log } = opts;
  const keyring = keyringFrom(opts.env ?? process.env);
  const fileMappers = await loadMappers(opts.config, opts.configPath);
  const { db, database, close: closeLedger } = await openLedger(opts.config, log, opts.env ?? process.env, opts.config.database.poolSize);
  const cleanup: Array<() => Promise<void>> = [closeLedger];
  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      for (const step of cleanup.splice(0).reverse()) await step().catch((err) => log.error({ err }, 'shutdown step failed'));
      off();
    })());
  const off = onShutdown(close);
  try {
    // The config file's stores and the ledger's, as one configuration (the file's stores first).
    let file = { config: opts.config, secrets: opts.secrets, mappers: fileMappers };
    const withLedgerStores = (f: typeof file, onProblem: (err: unknown, storeId: string) => void) => mergeLedgerStores(db, keyring, f, opts.configPath, onProblem);
    // At start a ledger store that cannot be read (no key to open its secrets, a setting refused) stops
    // the start, naming it; later, while running, it is logged and the store left out.
    const merged = await withLedgerStores(file, (err, storeId) => {
      throw err instanceof SecretKeyError ? new ConfigError(SECRET_KEY_ENV, `ledger store ${storeId}: ${err.message}`) : err;
    });
    const config = merged.config;
    const mappers = merged.mappers;
    opts = { ...opts, secrets: merged.secrets };
    const boss = createBoss(database.url, log, { superviseIntervalSeconds: config.jobs.superviseIntervalSeconds, max: config.database.jobsPoolSize });
    await boss.start();
    const metrics = createMetrics(db);
    const drift = startDriftRecorder(db, log, metrics);
    // Runs after the workers stopped (cleanup runs in reverse), before the ledger closes.
    cleanup.push(drift.stop);
    const ordermeshClient = (c: Config, secrets: Secrets) => ordermeshClientFor(c, secrets.ordermeshClientSecret, { log, drift: drift.recorder.drift, onCall: (_op, status) => metrics.upstreamCall('ordermesh', status) });
    const ordermesh = ordermeshClient(config, opts.secrets);
    const stores = buildStores(config, opts.secrets, mappers, { log, metrics });
    // What is in use now: a reload replaces the OrderMesh client and refills `stores`.
    const live = { ordermesh };
    const abortCalls = () => {
      live.ordermesh.close();
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
    const catalogueOf = (c: Config, client: OrderMeshClient) => new CatalogueCache(client, { ttlSeconds: c.ordermesh.catalogueTtlSeconds, log });
    const deps: JobDeps = { db, boss, log, metrics, config, ordermesh, catalogue: catalogueOf(config, ordermesh), stores, actor: opts.actor };
    await registerJobs(boss, jobDefinitions(deps, { heartbeatSeconds: config.jobs.heartbeatSeconds, refreshCoalesceMs: config.jobs.refreshCoalesceMs }), metrics, log, {
      concurrency: config.jobs.concurrency,
      storeConcurrency: config.jobs.storeConcurrency,
      work: opts.workers,
    });
    if (opts.schedules) await installSchedules(boss, deps);
    const skuSeen = new Map<string, string>();
    await applySkuMaps(db, deps.stores, skuSeen, log);
    const reload: Runtime['reload'] = async (nextFile) => {
      file = nextFile;
      await apply(await withLedgerStores(nextFile, (err, storeId) => log.error({ err, store: storeId }, 'a ledger store cannot be run: left out until fixed')));
    };
    if (opts.workers) {
      let storesSeen = await ledgerStoresVersion(db);
      // SKU maps and ledger stores (`ordersync store`) reach running workers within seconds.
      const refresh = async () => {
        const v = await ledgerStoresVersion(db);
        if (v !== storesSeen) {
          storesSeen = v;
          await reload(file);
          log.info({ stores: deps.stores.size }, 'ledger stores changed: in effect');
        }
        await applySkuMaps(db, deps.stores, skuSeen, log);
      };
      let refreshing = Promise.resolve();
      const skuTimer = setInterval(() => {
        refreshing = refresh().catch((err) => log.warn({ err }, 'reading the SKU maps or ledger stores failed'));
      }, SKU_MAP_REFRESH_MS);
      skuTimer.unref();
      // A refresh in flight (a reload rebuilds clients and schedules) finishes before pg-boss and the
      // pools it uses stop: clearing the timer alone left it running into closed pools.
      cleanup.push(async () => {
        clearInterval(skuTimer);
        await refreshing;
      });
    }
    const apply = async (next: { config: Config; secrets: Secrets; mappers: Map<string, Mapper> }) => {
      const previous = { ordermesh: deps.ordermesh, stores: new Map(deps.stores) };
      deps.config = next.config;
      deps.ordermesh = live.ordermesh = ordermeshClient(next.config, next.secrets);
      deps.catalogue = catalogueOf(next.config, deps.ordermesh);
      // The same Map, changed in place: the webhook receiver and every job hold it. Unchanged stores keep their runtime.
      const fresh = buildStores(next.config, next.secrets, next.mappers, { log, metrics }, previous.stores);
      deps.stores.clear();
      for (const [id, store] of fresh) deps.stores.set(id, store);
      const replaced = [...previous.stores].filter(([id, store]) => deps.stores.get(id) !== store);
      // A store kept as it was keeps the SKU maps put into its mapper; the others are read again.
      for (const [id] of replaced) skuSeen.delete(id);
      await applySkuMaps(db, deps.stores, skuSeen, log);
      if (opts.schedules) await installSchedules(boss, deps);
      // Calls in flight on the old clients finish; then their connections close.
      setTimeout(() => {
        previous.ordermesh.close();
        for (const [, store] of replaced) store.shopify.close();
      }, 60_000).unref();
    };
    return { deps, database, close, reload };
  } catch (err) {
    await close();
    throw err;
  }
}

/** The key that opens ledger stores' sealed secrets; a bad one is a config error naming its variable. */
function keyringFrom(env: NodeJS.ProcessEnv): Keyring {
  try {
    return Keyring.fromEnv(env);
  } catch (err) {
    throw err instanceof SecretKeyError ? new ConfigError(SECRET_KEY_ENV, err.message) : err;
  }
}

/**
 * One for the process, handed to every OrderMesh client it makes (a reload makes a new one), so each
 * operation and kind of drift is logged once: counted in /metrics, written to the ledger. `stop`
 * writes what is left.
 */
function startDriftRecorder(db: Kysely<Database>, log: Logger, metrics: Metrics) {
  const recorder = new DriftRecorder({ write: (entries) => recordDrift(db, entries), log, counter: metrics.ordermeshDrift });
  const stopFlush = recorder.start();
  return {
    recorder,
    stop: async () => {
      stopFlush();
      await recorder.flush();
      await recorder.flush();
    },
  };
}
