import { defineConfig } from 'vitest/config';

/**
 * The tests that judge the ledger rules and the write-back's package/fulfilment matching, on a real
 * PostgreSQL and the simulators: what Stryker runs per mutant of them.
 */
export default defineConfig({
  test: {
    root: new URL('..', import.meta.url).pathname,
    include: ['test/db/ledger.test.ts', 'test/shopify/write-fulfillment.test.ts'],
    globalSetup: ['test/helpers/global-setup.ts'],
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
