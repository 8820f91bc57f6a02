import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/helpers/global-setup.ts'],
    // Forks, each file on its own database. vitest's default (cores - 1) runs one file at a time on this
    // 2-core machine; two at a time halved the suite's time but made the chaos run fail once in CI, so it
    // stays serial until that is understood.
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
