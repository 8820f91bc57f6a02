import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve('src');
const files = (dir: string): string[] => readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(path.join(dir, e.name)) : e.name.endsWith('.ts') ? [path.join(dir, e.name)] : []));

/** Every module a file imports (static and dynamic, types too), resolved to a path under src/. */
function imports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specs = [...text.matchAll(/(?:from\s+|import\s*\(\s*|import\s+)['"]([^'"]+)['"]/g)].map((m) => m[1]!);
  return specs.filter((s) => s.startsWith('.')).map((s) => path.relative(root, path.resolve(path.dirname(file), s)));
}

/** Every chain from a simulator file to a module matching `forbidden`, as "a → b → c". */
function borrowed(forbidden: RegExp, allowed: (edge: string) => boolean = () => false): string[] {
  const found: string[] = [];
  const seen = new Set<string>();
  const walk = (rel: string, via: string[]) => {
    if (seen.has(rel)) return;
    seen.add(rel);
    for (const dep of imports(path.join(root, rel))) {
      if (forbidden.test(dep) && !allowed(`${rel} → ${dep}`)) found.push([...via, rel, dep].join(' → '));
      else if (!forbidden.test(dep)) walk(dep, [...via, rel]);
    }
  };
  const sims = files(path.join(root, 'sim')).map((f) => path.relative(root, f));
  expect(sims.length).toBeGreaterThan(5);
  for (const f of sims) walk(f, []);
  return found;
}

/**
 * The Shopify simulator still reads the Admin schema and Shopify's payload types from the Shopify
 * connector: known debt (the same two modules since the simulator was split into modules), listed edge by edge so no new one slips in. Nothing may reach the OrderMesh
 * connector, and the OrderMesh simulator nothing in src/connectors at all.
 */
const SHOPIFY_SIM_DEBT = new Set([
  'sim/shopify/world.ts → connectors/shopify/schema.ts',
  'sim/shopify/world.ts → connectors/shopify/types.ts',
  'sim/shopify/control.ts → connectors/shopify/schema.ts',
  'sim/shopify/control.ts → connectors/shopify/types.ts',
  'sim/shopify/bulk.ts → connectors/shopify/types.ts',
  'sim/shopify/shop.ts → connectors/shopify/types.ts',
  'sim/shopify/seed.ts → connectors/shopify/types.ts',
]);

describe('the simulators', () => {
  it('import nothing from the code they judge (mapping, jobs, db), directly or through another module', () => {
    expect(borrowed(/^(mapping|jobs|db)\//)).toEqual([]);
  });

  it('import nothing from the connectors (the clients they judge), directly or through another module', () => {
    expect(borrowed(/^connectors\//, (edge) => SHOPIFY_SIM_DEBT.has(edge))).toEqual([]);
  });

  it('the OrderMesh simulator speaks from the docs alone: nothing it reaches names src/connectors', () => {
    const reached = new Set<string>();
    const walk = (rel: string) => {
      if (reached.has(rel)) return;
      reached.add(rel);
      for (const dep of imports(path.join(root, rel))) walk(dep);
    };
    for (const f of files(path.join(root, 'sim/ordermesh'))) walk(path.relative(root, f));
    expect([...reached].filter((r) => r.startsWith('connectors/'))).toEqual([]);
    expect(reached.has('sim/ordermesh/documented.ts')).toBe(true);
  });
});
