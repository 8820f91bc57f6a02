import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { line, order } from '../mapping/cases.ts';
import { runCli } from '../helpers/cli.ts';

describe('ordersync map', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ordersync-map-'));

  it('prints the mapped OrderMesh order for an order file in the Admin GraphQL shape', async () => {
    const o = order();
    const file = path.join(dir, 'ok.json');
    writeFileSync(file, JSON.stringify({ data: { order: { ...o, lineItems: { nodes: o.lineItems }, shippingLines: { edges: o.shippingLines.map((node) => ({ node })) } } } }));
    const res = await runCli(['map', '--store', 'sim-shop', '--input', file, '--config', 'config/sim.yaml']);
    expect(res.code, res.stderr).toBe(0);
    const out = JSON.parse(res.stdout);
    expect(out.kind).toBe('mapped');
    expect(out.model.safeId).toBe('sim-shop-9007199254741993');
    expect(out.model.items[0].sku).toBe('MUG-11OZ-WHITE');
  });

  it('prints the mapping errors and exits 1 for an order that cannot be mapped', async () => {
    const file = path.join(dir, 'bad.json');
    writeFileSync(file, JSON.stringify(order({ lineItems: [line({ sku: null, variant: null })] })));
    const res = await runCli(['map', '--store', 'sim-shop', '--input', file, '--config', 'config/sim.yaml']);
    expect(res.code).toBe(1);
    expect(JSON.parse(res.stdout).errors[0].code).toBe('MISSING_SKU');
  });
});
