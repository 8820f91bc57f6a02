import { describe, expect, it } from 'vitest';
import { MAX_FUNCTION_LINES, measureHouse } from '../scripts/house.ts';

/** The house's shape (issue 35), measured by scripts/house.ts over src/: what holds now must keep holding. */
describe('the house', () => {
  const house = measureHouse();

  it(`has no function in src/ longer than ${MAX_FUNCTION_LINES} lines`, () => {
    expect(house.longFunctions).toEqual([]);
  });

  it('has no import circle in src/ (type-only and dynamic imports counted)', () => {
    expect(house.importCircles).toEqual([]);
  });

  it('has no query-builder or raw SQL outside src/db/ (src/db/ owns every table)', () => {
    expect(house.queriesOutsideDb).toEqual([]);
  });

  it('lists order states only in src/db/order-states.ts (code, SQL and the console alike)', () => {
    expect(house.stateLists).toEqual([]);
  });

  it('measures what it claims: a long function, a circle and a query outside src/db/ are each found', async () => {
    const { mkdirSync, writeFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tempDir } = await import('./helpers/temp.ts');
    const root = tempDir('ordersync-house-');
    mkdirSync(join(root, 'src', 'jobs'), { recursive: true });
    writeFileSync(join(root, 'src', 'jobs', 'a.ts'), `import type { B } from './b.ts';\nexport const q = (db: any) => db.selectFrom('orders');\nexport function long() {\n${'  void 0;\n'.repeat(MAX_FUNCTION_LINES)}}\n`);
    writeFileSync(join(root, 'src', 'jobs', 'b.ts'), `export type B = 1;\nexport const a = () => import('./a.ts');\n`);
    const m = measureHouse(root);
    expect(m.queriesOutsideDb).toEqual(['src/jobs/a.ts']);
    expect(m.longFunctions).toEqual([expect.objectContaining({ file: 'src/jobs/a.ts', name: 'long', lines: MAX_FUNCTION_LINES + 2 })]);
    expect(m.importCircles).toEqual([['src/jobs/a.ts', 'src/jobs/b.ts']]);
    writeFileSync(join(root, 'src', 'jobs', 'c.ts'), "export const due = (db: any) => sql<number>`select 1 from orders where state in ('pending', 'submitting')`;\nexport const one = ['on_hold'];\n");
    writeFileSync(join(root, 'src', 'jobs', 'd.js'), "const S = [\n  'failed',\n  'rejected',\n];\n");
    const n = measureHouse(root);
    expect(n.queriesOutsideDb).toEqual(['src/jobs/a.ts', 'src/jobs/c.ts']);
    expect(n.stateLists.map((l) => `${l.file}:${l.line}`)).toEqual(['src/jobs/c.ts:1', 'src/jobs/d.js:1']);
  });
});
