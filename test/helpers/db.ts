import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject, afterAll } from 'vitest';
import type { Kysely } from 'kysely';
import { createDb } from '../../src/db/connect.ts';
import type { Database } from '../../src/db/schema.ts';

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

async function admin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: inject('pgAdminUrl') });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/**
 * A fresh, empty database for one test file, dropped after the file. Returns its URL; the databases of
 * files running in parallel never see each other.
 */
export async function freshDatabaseUrl(): Promise<string> {
  const name = `ordersync_t_${randomBytes(6).toString('hex')}`;
  await admin((c) => c.query(`create database ${name}`));
  afterAll(async () => {
    await admin((c) => c.query(`drop database if exists ${name} with (force)`));
  });
  return withDatabase(inject('pgAdminUrl'), name);
}

/** A kysely handle on a fresh database, destroyed after the file. */
export async function freshDb(): Promise<{ url: string; db: Kysely<Database> }> {
  const url = await freshDatabaseUrl();
  const db = createDb(url, 4);
  afterAll(() => db.destroy());
  return { url, db };
}
