import { defineConfig } from 'vitest/config';

/** The tests that judge the mapping and the store-order input (no database): what Stryker runs per mutant of them. */
export default defineConfig({
  test: {
    root: new URL('..', import.meta.url).pathname,
    include: ['test/mapping/**/*.test.ts', 'test/sim/**/*.test.ts', 'test/jobs/outcome.test.ts'],
    pool: 'forks',
    testTimeout: 60_000,
  },
});
