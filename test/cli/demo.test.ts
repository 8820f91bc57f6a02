import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.ts';
import { unlessExited } from '../helpers/early-exit.ts';

describe('ordersync demo', () => {
  it('runs the whole loop on a throwaway machine and exits 0 with a readable summary', async () => {
    const res = await runCli(['demo', '--orders', '30']);
    expect(res.code, res.stderr).toBe(0);
    const submitted = Number(/submitted: (\d+)/.exec(res.stdout)?.[1]);
    const written = Number(/tracking written to the store: (\d+)/.exec(res.stdout)?.[1]);
    expect(submitted, res.stdout + res.stderr).toBeGreaterThan(15);
    expect(written).toBeGreaterThanOrEqual(submitted);
    expect(res.stdout).toContain('failures by reason');
    expect(res.stdout).toMatch(/MISSING_(SKU|ARTWORK)/);
    // The fix loop, shown working: the SKU mapped, the orders that failed for it submitted, none twice.
    expect(res.stdout).toContain('$ ordersync sku set --store sim-shop LEGACY-SKU-0042');
    const fixed = /(\d+) order\(s\) reprocessed: (\d+) submitted now/.exec(res.stdout);
    expect(fixed, res.stdout).not.toBeNull();
    expect(Number(fixed![2])).toBeGreaterThan(0);
    const [, before, after] = /failed mapping before: (\d+), after: (\d+)/.exec(res.stdout)!;
    expect(Number(after)).toBe(Number(before) - Number(fixed![2]));
    // It ends clean: the orders refused on purpose are warnings; no error (level 50 or above) at all,
    // its shutdown's included (pg-boss once reported its pool's connections cut under it).
    const logged = res.stderr.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { level: number; msg: string });
    expect(logged.length, res.stderr).toBeGreaterThan(0);
    expect(logged.filter((l) => l.level >= 50), res.stderr).toEqual([]);
    expect(res.stderr.split('\n').filter((l) => l && !l.startsWith('{')), res.stderr).toEqual([]);
  }, 180_000);
});

describe('ordersync demo --keep', () => {
  it('leaves its console running with a printed URL and token until Ctrl-C, then removes everything', async () => {
    const { spawnCli, watchOutput, exited } = await import('../helpers/cli.ts');
    const { existsSync } = await import('node:fs');
    const child = spawnCli(['demo', '--orders', '12', '--keep']);
    const { out, seen } = watchOutput(child);
    await unlessExited(child, seen('token (operator):', 150_000), () => out.stdout + out.stderr);
    const url = /the operator console: (\S+)/.exec(out.stdout)![1]!;
    const token = /token \(operator\): (\S+)/.exec(out.stdout)![1]!;
    const dir = /embedded PostgreSQL in (\S+)/.exec(out.stdout)![1]!;
    expect((await fetch(url)).status).toBe(200);
    const status = await fetch(url.replace('/console', '/api/v1/status'), { headers: { authorization: `Bearer ${token}` } });
    expect(status.status).toBe(200);
    expect(((await status.json()) as { stores: Array<{ total: number }> }).stores[0]!.total).toBe(12);
    expect((await fetch(url.replace('/console', '/api/v1/status'))).status).toBe(401);
    child.kill('SIGINT');
    expect(await exited(child)).toBe(130);
    expect(existsSync(dir)).toBe(false);
  }, 180_000);
});
