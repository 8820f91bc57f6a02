import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/helpers/global-setup.ts'],
    // Two cores: two files at a time, in forks, each on its own database. Most files wait on processes,
    // servers and PostgreSQL rather than compute; vitest's default (cores - 1) ran them one by one.
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
