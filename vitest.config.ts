import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/helpers/global-setup.ts'],
    // Two cores: files run in parallel forks, each on its own database.
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
