import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve('src');
const files = (dir: string): string[] => readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(path.join(dir, e.name)) : e.name.endsWith('.ts') ? [path.join(dir, e.name)] : []));

/** Every module a file imports (static and dynamic), resolved to a path under src/. */
function imports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specs = [...text.matchAll(/(?:from\s+|import\s*\(\s*|import\s+)['"]([^'"]+)['"]/g)].map((m) => m[1]!);
  return specs.filter((s) => s.startsWith('.')).map((s) => path.relative(root, path.resolve(path.dirname(file), s)));
}

describe('the simulators', () => {
  it('import nothing from the code they judge (mapping, jobs, db), directly or through another module', () => {
    const seen = new Set<string>();
    const borrowed: string[] = [];
    const walk = (rel: string, via: string[]) => {
      if (seen.has(rel)) return;
      seen.add(rel);
      if (/^(mapping|jobs|db)\//.test(rel)) return void borrowed.push([...via, rel].join(' → '));
      for (const dep of imports(path.join(root, rel))) walk(dep, [...via, rel]);
    };
    const sims = files(path.join(root, 'sim')).map((f) => path.relative(root, f));
    expect(sims.length).toBeGreaterThan(5);
    for (const f of sims) walk(f, []);
    expect(borrowed).toEqual([]);
  });
});
