import { sql, type Kysely } from 'kysely';
import type { Database } from './schema.ts';

/** The cheapest round trip to the database: it throws when the database cannot answer (readiness probe). */
export async function pingDatabase(db: Kysely<Database>): Promise<void> {
  await sql`select 1`.execute(db);
}

/** The PostgreSQL server's version as it reports it (`ordersync doctor` shows it). */
export async function serverVersion(db: Kysely<Database>): Promise<string> {
  return (await sql<{ v: string }>`select current_setting('server_version') as v`.execute(db)).rows[0]!.v;
}
