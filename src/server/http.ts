import Fastify, { LogController } from 'fastify';
import type { Kysely } from 'kysely';
import type { PgBoss } from 'pg-boss';
import { pingDatabase } from '../db/database-server.ts';
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

/**
 * Connections kept open for another request. A burst from one sender opens a socket per concurrent
 * delivery; past this many open, each answer closes its socket (Connection: close), so the burst's
 * sockets end with it instead of idling for the keep-alive time (issue 34, item 15: 6,171 sockets
 * left open after a burst of 8,000 OrderMesh webhooks).
 */
export const KEEP_ALIVE_CONNECTIONS = 64;

/**
 * Connections the kernel queues before they are accepted (Node's default: 511). A burst's connections
 * beyond the queue have their SYN dropped and retried by the sender's kernel 1, 3, 7 s later, which
 * a 10 s delivery timeout does not survive. Linux caps it at net.core.somaxconn (4096 by default).
 */
export const LISTEN_BACKLOG = 4096;

export function buildServer(deps: ServerDeps) {
  const app = Fastify({
    loggerInstance: deps.log.child({ component: 'http' }),
    // Probes and scrapes every few seconds would drown the log.
    logController: new LogController({ disableRequestLogging: true }),
    // Node's 5 s, not Fastify's 72 s: senders (the OrderMesh simulator's fetch among them) keep an idle
    // socket as long as the server's Keep-Alive header allows.
    keepAliveTimeout: 5_000,
    // A sender that trickles its request holds a socket and its buffers: the whole request within 30 s.
    requestTimeout: 30_000,
  });
  app.server.headersTimeout = 10_000;

  let open = 0;
  app.server.on('connection', (socket) => {
    open++;
    deps.metrics.httpOpenConnections.inc();
    socket.once('close', () => {
      open--;
      deps.metrics.httpOpenConnections.dec();
    });
  });
  app.addHook('onSend', async (_req, reply, payload) => {
    if (open > KEEP_ALIVE_CONNECTIONS) reply.header('connection', 'close');
    return payload;
  });

  app.get('/healthz', async () => ({ status: 'ok' }));

  app.get('/readyz', async (_req, reply) => {
    const checks: Record<string, string> = {};
    try {
      await pingDatabase(deps.db);
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
