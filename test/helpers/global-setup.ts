import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';
import { providePostgres } from './postgres-provider.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    pgAdminUrl: string;
  }
}

/**
 * Every Node process of the run (vitest's forks, and the CLIs, workers, simulators and benches the tests
 * spawn, which inherit the environment) keeps its compiled modules in one cache: a CLI process spends
 * most of its start compiling the same sources (about 2 s of CPU cold, 1.2 s cached), and the suite
 * starts hundreds. Node keys entries by source hash and version, so a stale entry is never used. Kept
 * under node_modules/.cache, beside vite's own cache, not in the temp dir, which tests leave empty.
 */
function shareCompileCache(): void {
  process.env.NODE_COMPILE_CACHE ??= fileURLToPath(new URL('../../node_modules/.cache/node-compile', import.meta.url));
}

export default async function setup(project: TestProject) {
  shareCompileCache();
  const pg = await providePostgres();
  console.log(`tests use PostgreSQL from: ${pg.source}`);
  project.provide('pgAdminUrl', pg.adminUrl);
  return () => pg.stop();
}
