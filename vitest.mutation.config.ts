import { defineConfig } from 'vitest/config';

/**
 * The suite StrykerJS runs against each mutant (npm run mutation): the tests that judge the mutated
 * modules, on the same PostgreSQL provider as `npm test`. Slow whole-pipeline runs (chaos, CLI
 * processes, benches) are left out: they cannot tell a mutant apart faster than these do.
 */
export default defineConfig({
  test: {
    include: [
      'test/mapping/**/*.test.ts',
      'test/sim/**/*.test.ts',
      'test/jobs/**/*.test.ts',
      'test/db/ledger-*.test.ts',
      'test/pipeline/ledger-rules.test.ts',
      'test/shopify/write-fulfillment.test.ts',
    ],
    globalSetup: ['test/helpers/global-setup.ts'],
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
