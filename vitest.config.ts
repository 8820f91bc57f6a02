import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/helpers/global-setup.ts'],
    // Forks, each file on its own database, two at a time (vitest's default, cores - 1, runs one at a
    // time on a 2-core machine). Two at a time had once made the chaos run send a batch twice: a live
    // submission, slowed down, was taken for a dead one. Claims are leases renewed while a batch is in
    // flight since (test/pipeline/submit-lease.test.ts).
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
