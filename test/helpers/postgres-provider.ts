import { mkdtempSync, chmodSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { startEmbeddedPostgres } from '../../src/db/embedded.ts';
import { createLogger } from '../../src/log.ts';

export interface ProvidedPostgres {
  /** A superuser URL; each test file creates its own database from it. */
  adminUrl: string;
  source: 'TEST_DATABASE_URL' | 'local server' | 'testcontainers' | 'embedded';
  stop(): Promise<void>;
}

async function answers(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1_500 });
  try {
    await client.connect();
    await client.query('select 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

/** TEST_DATABASE_URL, else a server on 127.0.0.1:5432, else testcontainers, else an embedded PostgreSQL. */
export async function providePostgres(env = process.env): Promise<ProvidedPostgres> {
  if (env.TEST_DATABASE_URL) return { adminUrl: env.TEST_DATABASE_URL, source: 'TEST_DATABASE_URL', stop: async () => {} };

  const local = 'postgres://postgres@127.0.0.1:5432/postgres';
  if (await answers(local)) return { adminUrl: local, source: 'local server', stop: async () => {} };

  try {
    const { PostgreSqlContainer } = await import('@testcontainers/postgresql');
    const container = await new PostgreSqlContainer('postgres:18-alpine').start();
    return { adminUrl: container.getConnectionUri(), source: 'testcontainers', stop: async () => void (await container.stop()) };
  } catch {
    // No container runtime: fails within milliseconds, so falling through costs nothing.
  }

  const dir = mkdtempSync(path.join(os.tmpdir(), 'ordersync-test-pg-'));
  chmodSync(dir, 0o755); // the postgres OS user must enter it when we run as root
  const server = await startEmbeddedPostgres({
    dataDir: path.join(dir, 'data'),
    port: 20_000 + Math.floor(Math.random() * 20_000),
    log: createLogger({ level: 'warn' }),
  }).catch((err: unknown) => {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  });
  return {
    adminUrl: server.url,
    source: 'embedded',
    // The data dir goes once its PostgreSQL has stopped (global teardown: no afterAll here, so no tempDir()).
    stop: async () => {
      await server.stop();
      rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
    },
  };
}
