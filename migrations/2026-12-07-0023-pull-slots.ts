import { sql, type Kysely } from 'kysely';

// The store sweep judges whether a store's pull is due from the slot it last scheduled the pull for,
// not from when that pull finished (issue 34, item 16): measured from the finish, a pull that waited
// in the lanes pushed the next one past the tick, and at 1,000 stores a third of the intervals were
// skipped. Null (never scheduled): due at the next sweep.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table sync_cursors add column scheduled_at timestamptz`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`alter table sync_cursors drop column scheduled_at`.execute(db);
}
