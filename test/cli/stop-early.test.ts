import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { exited, spawnCli, waitForHttp, watchOutput } from '../helpers/cli.ts';
import { freePort } from '../helpers/ports.ts';
import { ordermeshSim } from '../helpers/ordermesh.ts';
import { seedOrders, shopifySim } from '../helpers/shopify.ts';
import { pipelineConfigObject, STORE_ID } from '../helpers/pipeline.ts';
import { tempDir } from '../helpers/temp.ts';
import { unlessExited } from '../helpers/early-exit.ts';

/**
 * A command stopped before it ends (Ctrl-C in a terminal, SIGTERM from a scheduler, a reader that
 * closed the pipe) leaves nothing running and nothing behind. Judged from the machine: the
 * PostgreSQL that held a data dir is gone (its postmaster.pid removed or its pid dead), a temp
 * folder is gone.
 */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function postmasterPid(dataDir: string): number | undefined {
  const file = path.join(dataDir, 'postmaster.pid');
  return existsSync(file) ? Number(readFileSync(file, 'utf8').split('\n')[0]) : undefined;
}

async function noPostgresOn(dataDir: string, timeoutMs = 10_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const pid = postmasterPid(dataDir);
    if (pid === undefined || !alive(pid)) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

const demoDir = (stdout: string) => /embedded PostgreSQL in (\S+)/.exec(stdout)?.[1];
const stackTrace = /\n\s+at .+:\d+:\d+/;

describe('ordersync demo stopped early', () => {
  it('a reader that closes the pipe (`demo | head -2`) ends it quietly, exit 0, with its PostgreSQL stopped and temp folder removed', async () => {
    const child = spawnCli(['demo', '--orders', '20']);
    const { out, seen } = watchOutput(child);
    await unlessExited(child, seen('1. pulling'), () => out.stdout + out.stderr);
    const dir = demoDir(out.stdout)!;
    expect(existsSync(dir)).toBe(true);
    expect(await new Promise<number | undefined>((r) => setTimeout(() => r(postmasterPid(path.join(dir, 'pg'))), 0))).toBeGreaterThan(0);
    child.stdout!.destroy();
    const code = await exited(child);
    expect(code, out.stderr).toBe(0);
    expect(out.stderr).not.toMatch(stackTrace);
    expect(out.stderr).not.toContain('EPIPE');
    expect(existsSync(dir)).toBe(false);
  }, 120_000);

  it('Ctrl-C (SIGINT to the whole process group, as a terminal sends it) stops it: exit 130, PostgreSQL stopped, temp folder removed', async () => {
    const child = spawnCli(['demo', '--orders', '20'], {}, undefined, { group: true });
    const { out, seen } = watchOutput(child);
    await unlessExited(child, seen('1. pulling'), () => out.stdout + out.stderr);
    const dir = demoDir(out.stdout)!;
    const pgPid = postmasterPid(path.join(dir, 'pg'));
    expect(pgPid).toBeGreaterThan(0);
    process.kill(-child.pid!, 'SIGINT');
    const code = await exited(child);
    expect(code, out.stderr).toBe(130);
    expect(out.stderr).toContain('interrupted');
    expect(out.stderr).not.toMatch(stackTrace);
    expect(alive(pgPid!)).toBe(false);
    expect(existsSync(dir)).toBe(false);
  }, 120_000);
});

function embeddedConfig(obj: Record<string, unknown>, pgPort: number) {
  const dir = tempDir('ordersync-stop-');
  chmodSync(dir, 0o755);
  const dataDir = path.join(dir, 'pg');
  const file = path.join(dir, 'ordersync.yaml');
  writeFileSync(file, stringify({ ...obj, database: { embedded: { dataDir, port: pgPort } } }));
  return { file, dataDir };
}

describe('one-shot commands stopped early', () => {
  it('SIGTERM to a backfill waiting on Shopify stops its embedded PostgreSQL and exits 143', async () => {
    const om = await ordermeshSim();
    // The bulk export never finishes while the test runs: the backfill is mid-flight when stopped.
    const shop = await shopifySim({ bulkDelayMs: 600_000 });
    await seedOrders(shop, { count: 5, seed: 3 });
    const { file, dataDir } = embeddedConfig(pipelineConfigObject(om, shop, { log: { level: 'info' } }), await freePort());
    const child = spawnCli(['backfill', '--store', STORE_ID, '--since', '2020-01-01', '--config', file]);
    const { out, seen } = watchOutput(child);
    await unlessExited(child, seen('bulk operation'), () => out.stdout + out.stderr);
    const pgPid = postmasterPid(dataDir);
    expect(pgPid, out.stderr).toBeGreaterThan(0);
    child.kill('SIGTERM');
    expect(await exited(child), out.stderr).toBe(143);
    expect(out.stderr).toContain('terminated');
    expect(alive(pgPid!)).toBe(false);
    expect(await noPostgresOn(dataDir)).toBe(true);
  }, 120_000);
});

describe('ordersync start', () => {
  it('Ctrl-C in a terminal stops it as SIGTERM does: the workers first, then the embedded PostgreSQL, quietly, exit 0', async () => {
    const om = await ordermeshSim();
    const shop = await shopifySim();
    const { file, dataDir } = embeddedConfig(pipelineConfigObject(om, shop, { log: { level: 'info' } }), await freePort());
    const port = await freePort();
    const child = spawnCli(['start', '--config', file], { PORT: String(port) }, undefined, { group: true });
    const { out } = watchOutput(child);
    await unlessExited(child, waitForHttp(`http://127.0.0.1:${port}/readyz`), () => out.stdout + out.stderr);
    const pgPid = postmasterPid(dataDir);
    const before = out.stdout.length + out.stderr.length;
    process.kill(-child.pid!, 'SIGINT');
    expect(await exited(child), out.stdout + out.stderr).toBe(0);
    const after = (out.stdout + out.stderr).slice(before);
    const lines = after.trim().split('\n').map((l) => JSON.parse(l) as { level: number; msg: string });
    // Orderly and quiet: the service's own shutdown lines, and not the hundreds a database stopped under
    // the workers by the terminal's signal produced. (pg-boss may still report a connection of its own
    // ended during its stop: at most a few lines, all before "stopped".)
    const msgs = lines.map((l) => l.msg);
    expect(msgs[0]).toBe('signal received');
    expect(msgs.at(-1), after).toBe('stopped');
    expect(lines.length, after).toBeLessThan(10);
    expect(alive(pgPid!)).toBe(false);
  }, 120_000);

  it('a busy HTTP port is refused before anything starts: exit 2 naming server.port (or PORT)', async () => {
    const om = await ordermeshSim();
    const shop = await shopifySim();
    const busy = net.createServer();
    await new Promise<void>((r) => busy.listen(0, '127.0.0.1', () => r()));
    const port = (busy.address() as net.AddressInfo).port;
    try {
      const { file, dataDir } = embeddedConfig(pipelineConfigObject(om, shop, { server: { port, host: '127.0.0.1' } }), await freePort());
      for (const [env, key] of [[{}, 'server.port'], [{ PORT: String(port) }, 'PORT']] as const) {
        const child = spawnCli(['start', '--config', file], env);
        const { out } = watchOutput(child);
        expect(await exited(child), out.stderr).toBe(2);
        expect(out.stderr).toContain(`${key}: 127.0.0.1:${port} is in use`);
        // Nothing was started first: no data dir initialised, no pull from the store.
        expect(existsSync(dataDir)).toBe(false);
      }
    } finally {
      busy.close();
    }
  }, 60_000);

  it('a busy embedded-database port is refused the same way: exit 2 naming database.embedded.port', async () => {
    const om = await ordermeshSim();
    const shop = await shopifySim();
    const busy = net.createServer();
    await new Promise<void>((r) => busy.listen(0, '127.0.0.1', () => r()));
    const pgPort = (busy.address() as net.AddressInfo).port;
    try {
      const { file } = embeddedConfig(pipelineConfigObject(om, shop), pgPort);
      const child = spawnCli(['start', '--config', file], { PORT: String(await freePort()) });
      const { out } = watchOutput(child);
      expect(await exited(child), out.stderr).toBe(2);
      expect(out.stderr).toContain(`database.embedded.port: 127.0.0.1:${pgPort} is in use`);
    } finally {
      busy.close();
    }
  }, 60_000);
});
