import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { ROOT } from '../helpers/cli.ts';
import { tempDir } from '../helpers/temp.ts';

/** `npm run bench:console` in a tiny form, so the harness cannot rot; its timings mean nothing here and are not asserted. */
describe('npm run bench:console, tiny', () => {
  it('seeds a ledger, times every console call and writes its results', async () => {
    const dir = tempDir('ordersync-console-bench-');
    const env = { ...process.env, TEST_DATABASE_URL: inject('pgAdminUrl'), CONSOLE_BENCH_STORES: '12', CONSOLE_BENCH_ORDERS: '3000', CONSOLE_BENCH_RUNS: '2', CONSOLE_BENCH_RESULTS_DIR: dir };
    const child = spawn(process.execPath, ['bench/console.ts'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    const code = await new Promise((resolve) => child.on('close', resolve));
    expect(code, output.slice(-3000)).toBe(0);
    const r = JSON.parse(readFileSync(path.join(dir, readdirSync(dir).find((f) => f.endsWith('-tiny.json'))!), 'utf8'));
    expect(r.ledger).toEqual({ stores: 12, orders: 3000, runsPerCall: 2 });
    expect(r.results.map((x: { call: string }) => x.call)).toContain('failures: one store and reason');
    for (const x of r.results) expect(x.p50).toBeGreaterThan(0);
  }, 120_000);
});
