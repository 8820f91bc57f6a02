import Fastify, { LogController } from 'fastify';
import { sql, type Kysely } from 'kysely';
import type { PgBoss } from 'pg-boss';
import type { Database } from '../db/schema.ts';
import type { Logger } from '../log.ts';
import type { Metrics } from '../metrics.ts';

export interface ServerDeps {
  db: Kysely<Database>;
  boss: PgBoss;
  metrics: Metrics;
  log: Logger;
  /** False once shutdown begins, so a load balancer stops sending work before the drain. */
  isAccepting: () => boolean;
}

export function buildServer(deps: ServerDeps) {
  const app = Fastify({
    loggerInstance: deps.log.child({ component: 'http' }),
    // Probes and scrapes every few seconds would drown the log.
    logController: new LogController({ disableRequestLogging: true }),
  });

  app.get('/healthz', async () => ({ status: 'ok' }));

  app.get('/readyz', async (_req, reply) => {
    const checks: Record<string, string> = {};
    try {
      await sql`select 1`.execute(deps.db);
      checks.database = 'ok';
    } catch (err) {
      checks.database = (err as Error).message;
    }
    try {
      checks.jobs = (await deps.boss.isInstalled()) ? 'ok' : 'pg-boss schema not installed';
    } catch (err) {
      checks.jobs = (err as Error).message;
    }
    if (!deps.isAccepting()) checks.shutdown = 'shutting down';
    const ready = Object.values(checks).every((v) => v === 'ok');
    return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not ready', checks });
  });

  app.get('/metrics', async (_req, reply) => {
    reply.header('content-type', deps.metrics.registry.contentType);
    return deps.metrics.registry.metrics();
  });

  return app;
}
