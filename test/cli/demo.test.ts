import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.ts';

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
  }, 180_000);
});
