import type { TestProject } from 'vitest/node';
import { providePostgres } from './postgres-provider.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    pgAdminUrl: string;
  }
}

export default async function setup(project: TestProject) {
  const pg = await providePostgres();
  console.log(`tests use PostgreSQL from: ${pg.source}`);
  project.provide('pgAdminUrl', pg.adminUrl);
  return () => pg.stop();
}
