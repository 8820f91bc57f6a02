import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { Database } from './schema.ts';

// bigint (int8) and numeric come back as strings by default; ids stay strings on purpose (no 2^53 loss).
export function createDb(connectionString: string, max = 10): Kysely<Database> {
  // JIT off: our statements are short and indexed; PostgreSQL's JIT, triggered by cost estimates on a big
  // ledger, spent 400 ms compiling a 20 ms status query (bench/console.ts).
  const pool = new pg.Pool({ connectionString, max, application_name: 'ordersync', options: '-c jit=off' });
  // An idle client losing its connection must not crash the process; the next query reconnects.
  pool.on('error', () => {});
  // Nor may a checked-out one (a transaction between two statements when the server ends the
  // connection): pg-pool listens only while a client is idle, and an 'error' event with no listener
  // kills the process. The transaction's next statement fails instead, and its job is retried.
  pool.on('connect', (client) => client.on('error', () => {}));
  return new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
}

/** pg-boss does not retry its own start-up, and a database may still be booting: wait for it, bounded. */
export async function waitForDatabase(url: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let delay = 200;
  for (;;) {
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
    // A server that goes away between connect and the query (a restart while a worker boots) emits
    // 'error' on the client, which unheard ends the process; the call rejects anyway and is tried again.
    client.on('error', () => {});
    try {
      await client.connect();
      await client.query('select 1');
      return;
    } catch (err) {
      if (Date.now() + delay > deadline) {
        throw new Error(`database not reachable within ${timeoutMs} ms: ${(err as Error).message}`, { cause: err });
      }
      await new Promise((r) => setTimeout(r, delay));
      delay = Math.min(delay * 2, 3_000);
    } finally {
      await client.end().catch(() => {});
    }
  }
}
