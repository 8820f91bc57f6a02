import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { FIXES, fixesMarkdown, fixFor } from '../../src/fixes.ts';

describe('the fix table', () => {
  it('is the README\'s "Reading status" table, word for word (npm run readme:fixes rewrites it)', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const table = /<!-- fixes:start[^\n]*-->\n([\s\S]*?)\n<!-- fixes:end -->/.exec(readme)?.[1];
    expect(table).toBe(fixesMarkdown());
  });

  it('names each code once, and every reason code the code base records', () => {
    const codes = FIXES.flatMap((f) => f.codes);
    expect(new Set(codes).size).toBe(codes.length);
    for (const code of ['ORDERMESH_CREATION_FAILED', 'MISSING_SKU', 'MISSING_ARTWORK', 'MONEY_MISMATCH', 'CURRENCY_PRECISION', 'INVALID_TEXT', 'CHANGE_NOT_MAPPED', 'JOB_FAILED', 'TRANSIENT_EXHAUSTED', 'ORDERMESH_VALIDATION', 'NO_FULFILLMENT_ORDER']) {
      expect(fixFor(code), code).toBeTruthy();
    }
    expect(fixFor('NOT_A_CODE')).toBeUndefined();
  });
});
