import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, waitForHttp, watchOutput } from '../helpers/cli.ts';
import { unlessExited } from '../helpers/early-exit.ts';
import { ordermeshSim } from '../helpers/ordermesh.ts';
import { pipelineConfigObject, writePipelineConfig } from '../helpers/pipeline.ts';
import { freePort, refused } from '../helpers/ports.ts';
import { shopifySim } from '../helpers/shopify.ts';
import { tempDir } from '../helpers/temp.ts';

const om = await ordermeshSim();
const shop = await shopifySim();

/** The README's command: the launcher, which must leave nothing between a supervisor and the worker. */
const LAUNCHER = path.join(ROOT, 'bin/ordersync');

/** A newcomer's shell: the system's (older) Node first on PATH, no npm variables, no DATABASE_URL. */
function newcomerEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(npm_|NODE_OPTIONS$|DATABASE_URL$|ORDERSYNC_CONFIG$)/.test(k)));
  return { ...env, PATH: '/usr/local/bin:/usr/bin:/bin', ...extra };
}

interface Proc {
  pid: number;
  ppid: number;
  group: number;
}

/** The live processes (a zombie is dead), from /proc/<pid>/stat. */
function processes(): Proc[] {
  const found: Proc[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // gone while we looked
    }
    // After "pid (comm) ": state, ppid, pgrp. comm may hold spaces and parentheses.
    const [state, ppid, group] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (state !== 'Z') found.push({ pid: Number(entry), ppid: Number(ppid), group: Number(group) });
  }
  return found;
}

const inGroup = (group: number) => processes().filter((p) => p.group === group).map((p) => p.pid);
const stillAlive = (pids: number[]) => processes().filter((p) => pids.includes(p.pid)).map((p) => p.pid);

/** The exit code once the process has ended. */
function exitOf(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

/** Once its output is all read. */
function ended(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => child.once('close', () => resolve()));
}

describe('bin/ordersync, the launcher', () => {
  it('start: SIGTERM to the launcher, as a supervisor sends it, stops the worker and its embedded PostgreSQL; nothing is left', async () => {
    const dir = tempDir('ordersync-launcher-');
    // PostgreSQL runs as the "postgres" user when the tests run as root: it must enter the folder.
    chmodSync(dir, 0o755);
    const [port, pgPort] = [await freePort(), await freePort()];
    const dataDir = path.join(dir, 'pg');
    const file = writePipelineConfig(pipelineConfigObject(om, shop, { database: { embedded: { dataDir, port: pgPort } }, log: { level: 'info' } }));
    // In a group of its own, so that whatever it leaves in the group can be found after it exits.
    const child = spawn(LAUNCHER, ['start', '--config', file], { cwd: ROOT, env: newcomerEnv({ PORT: String(port) }), stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    const { out } = watchOutput(child);
    const pid = child.pid!;
    let postgres: number[] = [];
    try {
      await unlessExited(child, waitForHttp(`http://127.0.0.1:${port}/readyz`), () => out.stdout + out.stderr);
      // PostgreSQL runs in a session of its own (a terminal's Ctrl-C is the worker's to handle), and each of
      // its processes in one of their own: they are found as the postmaster and its children.
      const postmaster = Number(readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
      postgres = [postmaster, ...processes().filter((p) => p.ppid === postmaster).map((p) => p.pid)];
      expect(postgres.length).toBeGreaterThan(1);
      // exec: the launcher's pid is now the worker's (the pinned Node on bin/ordersync.js), no shell or npm above it.
      const [exe, ...args] = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
      expect(path.resolve(exe!)).toBe(path.join(ROOT, 'node_modules/node/bin/node'));
      expect(args).toEqual([path.join(ROOT, 'bin/ordersync.js'), 'start', '--config', file]);

      const [exit, end] = [exitOf(child), ended(child)];
      process.kill(pid, 'SIGTERM');
      const code = await exit;

      expect(inGroup(pid)).toEqual([]);
      expect(stillAlive(postgres)).toEqual([]);
      expect(await refused(port)).toBe(true);
      expect(await refused(pgPort)).toBe(true);
      // Its output ends once nothing holds its pipes any more (a worker left behind would hold them).
      await end;
      expect(code, out.stdout + out.stderr).toBe(0);
      expect(out.stdout + out.stderr).toContain('"msg":"stopped"');
    } finally {
      // A failed run leaves nothing running either.
      for (const p of [...inGroup(pid), ...stillAlive(postgres)]) process.kill(p, 'SIGKILL');
    }
  }, 240_000);

  it('--version: the pinned Node, with an older Node first on PATH, and not a line of npm', async () => {
    const child = spawn(LAUNCHER, ['--version'], { cwd: ROOT, env: newcomerEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    const { out } = watchOutput(child);
    const [code] = await Promise.all([exitOf(child), ended(child)]);
    const { version } = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string };
    expect({ code, stdout: out.stdout, stderr: out.stderr }).toEqual({ code: 0, stdout: `${version}\n`, stderr: '' });
  });
});
