import { ConfigError, loadConfig, resolveSecrets, type Secrets } from '../config/load.ts';
import { startService, type Service } from '../service.ts';
import { loadMappers } from '../stores.ts';
import type { CliContext } from './context.ts';
import { portIsFree } from '../util/port.ts';

/** Start-up attempts through transient failures (a database still booting, a connection cut). */
const START_ATTEMPTS = 5;

export async function runStart(ctx: CliContext, secrets: Secrets): Promise<void> {
  // A long-running worker must not die of one stray rejected promise (a library's background work, a
  // connection lost at a bad moment): it is logged in full, as a bug to report, and the worker goes on.
  process.on('unhandledRejection', (err) => ctx.log.error({ err }, 'unhandled promise rejection (a bug: please report it); the worker goes on'));
  // PostgreSQL ending a connection (a failover, pg_terminate_backend, a restart) can reach a pg client
  // after its owner stopped listening (pg-boss's LISTEN client between connect and LISTEN): an 'error'
  // event nobody hears. The connection is gone either way and its owner reconnects; anything else
  // uncaught still ends the process, as it would without this handler.
  process.on('uncaughtException', (err) => {
    const code = (err as { code?: unknown; severity?: unknown }).code;
    if ((err as { severity?: unknown }).severity === 'FATAL' && (code === '57P01' || code === '57P02' || code === '57P03')) {
      ctx.log.warn({ err }, 'PostgreSQL ended a connection nobody was listening on; it reconnects');
      return;
    }
    ctx.log.fatal({ err }, 'uncaught exception: exiting');
    process.exit(1);
  });
  // Before anything starts: a busy port is a setting to change, not a transient failure to retry
  // (which would restart the database and pull from every store on each try).
  const port = process.env.PORT !== undefined ? Number(process.env.PORT) : ctx.config.server.port;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ConfigError('PORT', `"${process.env.PORT}" is not a port number (0 to 65535)`);
  if (!(await portIsFree(ctx.config.server.host, port))) {
    const key = process.env.PORT !== undefined ? 'PORT' : 'server.port';
    throw new ConfigError(key, `${ctx.config.server.host}:${port} is in use by another process: choose another ${key}`);
  }
  const service = await startWithRetries(ctx, secrets);
  process.on('SIGHUP', () => void reloadConfig(ctx, service));
  await new Promise<void>((resolve, reject) => {
    const onSignal = (signal: NodeJS.Signals) => {
      ctx.log.info({ signal }, 'signal received');
      process.removeListener('SIGTERM', onSignal);
      process.removeListener('SIGINT', onSignal);
      // Bounded: a drain that hangs past the job timeout must not keep the process alive forever, and
      // neither may a handle left open after a clean stop (it is named in the log, for a bug report).
      const exitNow = (code: number, why: string) => {
        ctx.log.error({ openHandles: process.getActiveResourcesInfo() }, why);
        process.exit(code);
      };
      const drainSeconds = ctx.config.server.drainSeconds;
      const guard = setTimeout(() => exitNow(1, 'shutdown did not finish in time: exiting'), (drainSeconds + ctx.config.jobs.shutdownTimeoutSeconds + 15) * 1000);
      guard.unref();
      service.stop({ drainMs: drainSeconds * 1000 }).then(() => {
        clearTimeout(guard);
        setTimeout(() => exitNow(0, 'stopped, but something kept the process alive: exiting'), 5_000).unref();
        resolve();
      }, reject);
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  });
}

/**
 * Several workers starting at once on a busy machine can meet a transient failure (a connection
 * refused or reset while the database is busy or restarting): that is retried with backoff, never a
 * reason to exit. A configuration error is final at once.
 */
async function startWithRetries(ctx: CliContext, secrets: Secrets) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startService({ config: ctx.config, secrets, configPath: ctx.configPath, log: ctx.log });
    } catch (err) {
      if (err instanceof ConfigError || attempt >= START_ATTEMPTS) throw err;
      const delay = Math.min(30_000, 1_000 * 2 ** (attempt - 1));
      ctx.log.warn({ err, attempt, retryInMs: delay }, 'start-up failed; retrying');
      await new Promise((r) => setTimeout(r, delay));
    }
  }
}

/**
 * SIGHUP: the config file is read and validated again, mapping modules and secrets included, before
 * anything changes. A bad file is refused naming the key, and the running configuration is kept.
 */
async function reloadConfig(ctx: CliContext, service: Service): Promise<void> {
  ctx.log.info({ config: ctx.configPath }, 'SIGHUP: reloading the configuration');
  try {
    const config = loadConfig(ctx.configPath);
    const secrets = resolveSecrets(config);
    const mappers = await loadMappers(config, ctx.configPath);
    await service.reload({ config, secrets, mappers });
    ctx.config = config;
  } catch (err) {
    // A refused file is the operator's to fix, named by key: no stack trace. Anything else is ours.
    if (err instanceof ConfigError) ctx.log.error({ problems: err.problems, configHash: service.configHash() }, `configuration refused, the running one is kept: ${err.message}`);
    else ctx.log.error({ err, configHash: service.configHash() }, `configuration refused, the running one is kept: ${(err as Error).message}`);
  }
}
