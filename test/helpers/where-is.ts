import { sql, type Kysely } from 'kysely';
import type { Database } from '../../src/db/schema.ts';

/**
 * Where in the database each value is, as "schema.table.column" (a value found nowhere maps to []):
 * a scan of every text, json, array and bytea column of every table, pg-boss's included, one query
 * per column for all the values. The judge of "nothing of it remains", independent of what the code
 * under test thinks it removed.
 */
export async function whereAre(db: Kysely<Database>, values: string[]): Promise<Record<string, string[]>> {
  const cols = await sql<{ s: string; t: string; c: string }>`
    select table_schema as s, table_name as t, column_name as c from information_schema.columns
    where table_schema in ('public', 'pgboss') and data_type in ('text', 'character varying', 'jsonb', 'json', 'ARRAY', 'bytea')
      and table_name in (select table_name from information_schema.tables where table_type = 'BASE TABLE' and table_schema in ('public', 'pgboss'))`.execute(db);
  const found: Record<string, string[]> = Object.fromEntries(values.map((v) => [v, []]));
  const patterns = values.map((v) => `%${v.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
  for (const { s, t, c } of cols.rows) {
    const hits = await sql<{ i: number }>`
      select p.i::int as i from unnest(${patterns}::text[]) with ordinality as p(pattern, i)
      where exists (select 1 from ${sql.table(`${s}.${t}`)} where ${sql.ref(c)}::text ilike p.pattern)`.execute(db);
    for (const { i } of hits.rows) found[values[i - 1]!]!.push(`${s}.${t}.${c}`);
  }
  return found;
}
