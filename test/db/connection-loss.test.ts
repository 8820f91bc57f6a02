import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { createDb } from '../../src/db/connect.ts';
import { freshDb } from '../helpers/db.ts';

const { url, db: admin } = await freshDb();

describe('a connection the server ends', () => {
  it('between two statements of a transaction fails that transaction and crashes nothing; the pool goes on', async () => {
    const db = createDb(url, 2);
    let seen: unknown;
    await db
      .transaction()
      .execute(async (trx) => {
        const { rows } = await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(trx);
        // The server ends this connection while the transaction holds it between statements (as
        // pg_terminate_backend, a failover or a restart would).
        await sql`select pg_terminate_backend(${rows[0]!.pid})`.execute(admin);
        await new Promise((r) => setTimeout(r, 300));
        await sql`select 1`.execute(trx);
      })
      .catch((err) => (seen = err));
    expect(seen).toBeInstanceOf(Error);
    // The next query gets a fresh connection.
    expect((await sql<{ one: number }>`select 1 as one`.execute(db)).rows[0]!.one).toBe(1);
    await db.destroy();
  });
});
