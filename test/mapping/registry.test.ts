import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/load.ts';
import { loadMapper, mapOrder } from '../../src/mapping/registry.ts';
import { safeIdFor } from '../../src/mapping/safe-id.ts';
import { line, order } from './cases.ts';

const ctx = (id: string) => ({ storeId: 'acme', merchantId: 'm-1', safeId: safeIdFor('acme', id) });

describe('mapping registry', () => {
  it('loads the documented custom module from a path and uses its options', async () => {
    const mapper = await loadMapper('../examples/custom-mapping.ts', { sizeSuffix: true }, 'stores[0].mapping', new URL('../../config', import.meta.url).pathname);
    expect(mapper.module.name).toBe('example-size-suffix');
    const o = order({ lineItems: [line({ sku: 'TEE-BELLA3001', variantTitle: 'M / Black' })] });
    const result = mapOrder(mapper, o, ctx(o.id));
    expect(result.kind === 'mapped' && result.model.items[0]!.sku).toBe('TEE-BELLA3001-M');
  });

  it('refuses a module file that does not exist, naming the config key', async () => {
    await expect(loadMapper('./nope.ts', {}, 'stores[2].mapping', '/tmp')).rejects.toThrowError(/stores\[2\]\.mapping\.module: cannot load/);
  });

  it('refuses bad options for the default module, naming the config key', async () => {
    const err = await loadMapper('shopify-default', { externalId: 'uuid' }, 'stores[0].mapping', '.').catch((e) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.key).toBe('stores[0].mapping.options');
  });

  it('turns a throwing module into MODULE_ERROR and an invalid model into INVALID_MODEL', async () => {
    const o = order();
    const throwing = { module: { name: 'boom', parseOptions: (x: unknown) => x, map: () => { throw new Error('kaboom'); } }, options: {} };
    expect(mapOrder(throwing, o, ctx(o.id))).toMatchObject({ kind: 'failed', errors: [{ code: 'MODULE_ERROR' }] });
    const sloppy = { module: { name: 'sloppy', parseOptions: (x: unknown) => x, map: () => ({ kind: 'mapped', model: { safeId: 'x' } }) as never }, options: {} };
    const r = mapOrder(sloppy, o, ctx(o.id));
    expect(r.kind).toBe('failed');
    expect(r.kind === 'failed' && r.errors.every((e) => e.code === 'INVALID_MODEL')).toBe(true);
    expect(r.kind === 'failed' && r.errors.map((e) => e.path)).toContain('merchantId');
  });

  it('derives a stable, URL-safe safeId per store order', () => {
    expect(safeIdFor('acme', 'gid://shopify/Order/9007199254741993')).toBe('acme-9007199254741993');
    expect(safeIdFor('acme', 'gid://shopify/Order/1')).not.toBe(safeIdFor('other', 'gid://shopify/Order/1'));
    expect(safeIdFor('acme', 'weird id/with spaces?')).toMatch(/^acme-[A-Za-z0-9_-]{22}$/);
  });
});
