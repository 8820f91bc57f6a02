import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadMapper, mapOrder } from '../../src/mapping/registry.ts';
import { safeIdFor } from '../../src/mapping/safe-id.ts';
import { CASES } from './cases.ts';

// Expected outputs live in test/fixtures/mapping/<case>.json, reviewed by hand. A test run never writes
// them (a missing one fails): after a deliberate change to the mapping, `npm run golden:update` writes
// them, and the diff is reviewed before it is committed.
const dir = new URL('../fixtures/mapping/', import.meta.url);

describe('shopify-default mapping: golden outputs', () => {
  it.each(CASES.map((c) => [c.name, c] as const))('%s', async (name, c) => {
    const mapper = await loadMapper('shopify-default', c.options ?? {}, 'stores[0].mapping', '.');
    const result = mapOrder(mapper, c.order, { storeId: 'acme', merchantId: 'merchant-1', safeId: safeIdFor('acme', c.order.id) });
    const file = new URL(`${name}.json`, dir);
    if (process.env.UPDATE_GOLDEN === '1' && !process.env.CI) writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
    if (!existsSync(file)) throw new Error(`golden file ${name}.json is missing: write it with npm run golden:update and review it`);
    expect(result).toEqual(JSON.parse(readFileSync(file, 'utf8')));
  });

  it('covers at least 15 varied orders', () => {
    expect(CASES.length).toBeGreaterThanOrEqual(15);
  });
});
