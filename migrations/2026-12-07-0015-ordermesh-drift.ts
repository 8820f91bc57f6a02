import { sql, type Kysely } from 'kysely';

// What OrderMesh sent that needed the tolerant reader (another envelope, an integer status, another
// field name, a missing field: src/connectors/ordermesh/reader.ts), per operation and kind, so that
// `status`, `doctor` and the console of any process show what one worker saw (issue 33). One row per
// operation and kind: the count grows, path/expected/seen are the latest example.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('ordermesh_drift')
    .addColumn('operation', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('path', 'text', (c) => c.notNull())
    .addColumn('expected', 'text', (c) => c.notNull())
    .addColumn('seen', 'text', (c) => c.notNull())
    .addColumn('count', 'bigint', (c) => c.notNull())
    .addColumn('first_seen', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('last_seen', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('ordermesh_drift_pkey', ['operation', 'kind'])
    .execute();
}
