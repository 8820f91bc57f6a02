import { promises as fs } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Kysely } from 'kysely';
import { FileMigrationProvider, Migrator, type MigrationResult } from 'kysely/migration';
import type { Database } from './schema.ts';

export const MIGRATIONS_DIR = fileURLToPath(new URL('../../migrations', import.meta.url));

export class MigrationError extends Error {
  readonly code = 'MIGRATION_FAILED';
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'MigrationError';
  }
}

/**
 * Applies every pending migration. kysely's migrator takes a lock table, so several `ordersync start`
 * processes booting at once apply each migration exactly once.
 */
const migratorFor = (db: Kysely<Database>) => new Migrator({ db, provider: new FileMigrationProvider({ fs, path, migrationFolder: MIGRATIONS_DIR }) });

/** The migrations this database has not applied yet (read only: nothing is applied). */
export async function pendingMigrations(db: Kysely<Database>): Promise<string[]> {
  return (await migratorFor(db).getMigrations()).filter((m) => !m.executedAt).map((m) => m.name);
}

export async function migrateToLatest(db: Kysely<Database>): Promise<MigrationResult[]> {
  const migrator = migratorFor(db);
  const { error, results = [] } = await migrator.migrateToLatest();
  if (error) {
    const failed = results.find((r) => r.status === 'Error');
    throw new MigrationError(`migration ${failed?.migrationName ?? '(unknown)'} failed: ${(error as Error).message}`, { cause: error });
  }
  return results;
}
