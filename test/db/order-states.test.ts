import { sql } from 'kysely';
import { beforeAll, describe, expect, it } from 'vitest';
import { migrateToLatest } from '../../src/db/migrate.ts';
import { FAILURES, FINAL, FOLLOWS_STORE, IN_FLIGHT, ORDER_STATES, SUBMISSION_QUEUE } from '../../src/db/order-states.ts';
import { freshDb } from '../helpers/db.ts';

/**
 * The partial indexes the migrations created name states in their predicates; the queries that use
 * them name the sets in src/db/order-states.ts. A set changed without a migration would quietly stop
 * matching its index (a scan of every order instead of a probe), so each predicate is read back from
 * PostgreSQL and compared with its set, and the check constraint with ORDER_STATES.
 */
const { db } = await freshDb();

function statesIn(definition: string): string[] {
  return [...definition.matchAll(/'([a-z_]+)'::text/g)].map((m) => m[1]!).sort();
}

describe('order-state sets and the partial indexes built on them', () => {
  beforeAll(async () => {
    await migrateToLatest(db);
  });

  it.each([
    ['orders_in_flight_idx', IN_FLIGHT],
    ['orders_failures_idx', FAILURES],
    ['orders_waiting_idx', SUBMISSION_QUEUE],
    ['orders_notes_due_idx', FOLLOWS_STORE],
    ['orders_retention_idx', FINAL],
  ] as const)('%s names the same states as its set', async (index, set) => {
    const row = (await sql<{ def: string }>`select pg_get_expr(indpred, indrelid) as def from pg_index where indexrelid = ${index}::regclass`.execute(db)).rows[0];
    expect(row, `${index} exists`).toBeDefined();
    expect(statesIn(row!.def)).toEqual([...set].sort());
  });

  it('the check constraint on orders.state allows exactly ORDER_STATES', async () => {
    const defs = (await sql<{ def: string }>`
      select pg_get_constraintdef(c.oid) as def from pg_constraint c
      where c.conrelid = 'orders'::regclass and c.contype = 'c' and pg_get_constraintdef(c.oid) like '%state%'`.execute(db)).rows.map((r) => r.def);
    const lists = defs.map(statesIn);
    expect(lists).toContainEqual([...ORDER_STATES].sort());
  });
});
