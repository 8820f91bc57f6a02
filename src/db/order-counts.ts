import type { Kysely, Transaction } from 'kysely';
import type { OrderState } from './order-states.ts';
import type { Database } from './schema.ts';

type Db = Kysely<Database> | Transaction<Database>;

/** How many orders the ledger holds, all of them or only those in `states`. */
export async function countOrders(db: Db, states?: readonly OrderState[]): Promise<number> {
  const row = await db
    .selectFrom('orders')
    .select(db.fn.countAll<string>().as('n'))
    .$if(states !== undefined, (q) => q.where('state', 'in', states as never))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Orders per store and state, every store's (the metrics' orders gauge, read at scrape time). */
export async function ordersByStoreAndState(db: Db): Promise<Array<{ store_id: string; state: OrderState; n: number }>> {
  const rows = await db
    .selectFrom('orders')
    .select(['store_id', 'state', (eb) => eb.fn.countAll<string>().as('n')])
    .groupBy(['store_id', 'state'])
    .execute();
  return rows.map((r) => ({ store_id: r.store_id, state: r.state, n: Number(r.n) }));
}
