import { sql, type Kysely } from 'kysely';

// `status` shows the warnings of the last days per store (orders sent with something left out): a
// small partial index keeps that read off the whole audit trail. `access_retries` counts the
// submissions OrderMesh refused us access for (401/403), so their retries back off to the cap while
// the order's own attempts stay untouched.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`create index events_warnings_idx on events (store_id, at) where kind = 'warning'`.execute(db);
  await db.schema.alterTable('orders').addColumn('access_retries', 'integer', (c) => c.notNull().defaultTo(0)).execute();
}
