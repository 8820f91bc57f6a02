import { chmodSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { exited, runCli, spawnCli, waitForHttp } from '../helpers/cli.ts';
import { freePort } from '../helpers/ports.ts';
import { tempDir } from '../helpers/temp.ts';
import { unlessExited } from '../helpers/early-exit.ts';

function writeConfig(dir: string, pgPort: number, extra: Record<string, unknown> = {}): string {
  const file = path.join(dir, 'ordersync.yaml');
  writeFileSync(
    file,
    stringify({
      ordermesh: { baseUrl: 'http://127.0.0.1:4010', clientId: 'sim-client', clientSecret: { env: 'T_OM_SECRET', default: 'sim-secret' } },
      stores: [
        {
          id: 'boot-shop',
          shopDomain: 'boot-shop.myshopify.com',
          // start pulls at once: nothing listens here, so the test never reaches a real shop.
          apiOrigin: 'http://127.0.0.1:9',
          auth: { type: 'accessToken', accessToken: { env: 'T_SHOP_TOKEN', default: 'shpat_boot_token' } },
          merchantId: 'm-boot',
        },
      ],
      database: { embedded: { dataDir: path.join(dir, 'pg'), port: pgPort } },
      jobs: { shutdownTimeoutSeconds: 5 },
      ...extra,
    }),
  );
  return file;
}

async function bootAndStop(config: string) {
  const port = await freePort();
  const child = spawnCli(['start', '--config', config], { PORT: String(port) });
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  try {
    await unlessExited(child, waitForHttp(`http://127.0.0.1:${port}/healthz`), () => output);
    const ready = await waitForHttp(`http://127.0.0.1:${port}/readyz`);
    expect(await ready.json()).toMatchObject({ status: 'ready', checks: { database: 'ok', jobs: 'ok' } });
    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    expect(metrics).toContain('ordersync_orders');
    expect(metrics).toContain('ordersync_jobs_total');
  } catch (err) {
    child.kill('SIGKILL');
    throw new Error(`${(err as Error).message}\n--- service output ---\n${output}`);
  }
  child.kill('SIGTERM');
  const code = await exited(child);
  return { code, output };
}

describe('ordersync start on the embedded database', () => {
  it('boots, answers health and readiness, stops cleanly on SIGTERM, and reuses its data on the next start', async () => {
    const dir = tempDir('ordersync-start-');
    chmodSync(dir, 0o755);
    const pgPort = await freePort();
    const config = writeConfig(dir, pgPort);

    const first = await bootAndStop(config);
    expect(first.code, first.output).toBe(0);
    expect(first.output).toContain('migrations applied');
    expect(first.output).toContain('"msg":"stopped"');

    const second = await bootAndStop(config);
    expect(second.code, second.output).toBe(0);
    expect(second.output).not.toContain('initialising embedded PostgreSQL');
    expect(second.output).not.toContain('migrations applied');

    // The ledger survived both runs: status reads the store the first start recorded.
    const status = await runCli(['status', '--json', '--config', config]);
    expect(status.code, status.stderr).toBe(0);
    // It says which config and which database it read.
    expect(JSON.parse(status.stdout).summary).toMatchObject({ config, database: `embedded PostgreSQL, data dir ${path.join(dir, 'pg')}, port ${pgPort}` });
    const text = await runCli(['status', '--config', config]);
    expect(text.stdout.split('\n').slice(0, 2)).toEqual([expect.stringMatching(new RegExp(`^config: ${config} \\([0-9a-f]{12}\\)$`)), `database: embedded PostgreSQL, data dir ${path.join(dir, 'pg')}, port ${pgPort}`]);
    expect(JSON.parse(status.stdout).items).toMatchObject([{ store: 'boot-shop', enabled: true, total: 0, states: {}, failures: [], lastPullAt: null }]);
  }, 240_000);
});

/** /readyz until it answers 503; a refused connection first (the port closed at once) fails. */
async function until503(url: string, timeoutMs = 30_000): Promise<Record<string, any>> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const res = await fetch(url).catch((err: Error) => {
      throw new Error(`/readyz refused before it answered 503: ${err.cause ?? err.message}`);
    });
    if (res.status === 503) return (await res.json()) as Record<string, any>;
    await res.arrayBuffer();
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('/readyz never answered 503');
}

describe('ordersync start stopped by SIGTERM behind a load balancer', () => {
  it('answers /readyz 503 at once and keeps answering during the drain, then exits 0', async () => {
    const dir = tempDir('ordersync-drain-');
    chmodSync(dir, 0o755);
    const config = writeConfig(dir, await freePort(), { server: { drainSeconds: 3 } });
    const port = await freePort();
    const child = spawnCli(['start', '--config', config], { PORT: String(port) });
    let output = '';
    child.stdout!.on('data', (d) => (output += d));
    child.stderr!.on('data', (d) => (output += d));
    const base = `http://127.0.0.1:${port}`;
    try {
      await unlessExited(child, waitForHttp(`${base}/readyz`), () => output);
      child.kill('SIGTERM');
      const draining = await until503(`${base}/readyz`);
      expect(draining).toMatchObject({ status: 'not ready', checks: { shutdown: 'shutting down' } });
      // Still answering: liveness stays 200, and readiness stays 503 a second later, inside the drain.
      expect((await fetch(`${base}/healthz`)).status).toBe(200);
      await new Promise((r) => setTimeout(r, 1_000));
      expect((await fetch(`${base}/readyz`)).status).toBe(503);
    } catch (err) {
      child.kill('SIGKILL');
      throw new Error(`${(err as Error).message}\n--- service output ---\n${output}`);
    }
    expect(await exited(child), output).toBe(0);
    expect(output).toContain('"msg":"stopped"');
  }, 180_000);
});

describe('ordersync with a bad config', () => {
  it('exits 2 and names the offending key', async () => {
    const dir = tempDir('ordersync-badcfg-');
    const config = writeConfig(dir, 1, { server: { port: 'eighty' } });
    const res = await runCli(['start', '--config', config]);
    expect(res.code).toBe(2);
    expect(res.stderr).toContain('server.port');
  });

  it('exits 2 naming the key for a bad mapping module or option, before connecting to any database', async () => {
    const dir = tempDir('ordersync-badmap-');
    const store = { id: 'boot-shop', shopDomain: 'boot-shop.myshopify.com', auth: { type: 'accessToken', accessToken: { env: 'T_SHOP_TOKEN', default: 'shpat_boot_token' } }, merchantId: 'm-boot' };
    const cases: Array<[unknown, string]> = [
      [{ module: './no-such-module.ts' }, 'stores[0].mapping.module'],
      [{ module: 'shopify-default', options: { skuMapp: {} } }, 'stores[0].mapping.options'],
      [{ module: 'shopify-default', options: { skuMap: ['MUG'] } }, 'stores[0].mapping.options'],
    ];
    for (const [mapping, key] of cases) {
      const config = writeConfig(dir, 1, { stores: [{ ...store, mapping }] });
      // Nothing listens on this port: a start that tried the database first would fail on it (exit 1).
      const res = await runCli(['start', '--config', config], { DATABASE_URL: 'postgres://postgres@127.0.0.1:9/none' });
      expect(res.code, res.stderr).toBe(2);
      expect(res.stderr).toContain(key);
      expect(res.stderr).not.toContain('database');
    }
  });

  it('exits 2 when a named secret is missing from the environment', async () => {
    const dir = tempDir('ordersync-nosecret-');
    const file = path.join(dir, 'c.json');
    writeFileSync(
      file,
      JSON.stringify({ ordermesh: { baseUrl: 'http://127.0.0.1:4010', clientId: 'x', clientSecret: { env: 'SURELY_UNSET_OM_SECRET' } } }),
    );
    const res = await runCli(['start', '--config', file]);
    expect(res.code).toBe(2);
    expect(res.stderr).toContain('ordermesh.clientSecret: environment variable SURELY_UNSET_OM_SECRET is not set');
  });

  it('exits 2 on an unknown command and 0 on --help and --version', async () => {
    expect((await runCli(['frobnicate'])).code).toBe(2);
    const help = await runCli(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('start');
    const version = await runCli(['--version']);
    expect(version.code).toBe(0);
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });
});
