import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database } from './schema.ts';

type Db = Kysely<Database> | Transaction<Database>;

/** Orders counted per state and reason code, split by whether they are due (or being submitted) now, with the latest hold or retry time of the pending ones. */
export interface SettleRow {
  state: string;
  reason: string | null;
  due: boolean;
  held_until: Date | null;
  n: number;
}

/** Where a store's orders (optionally only these store order ids) stand, for a one-shot command waiting for them to settle. */
export async function settleCounts(db: Db, storeId: string, storeOrderIds: string[] | undefined): Promise<SettleRow[]> {
  const rows = await sql<SettleRow>`
    select state, last_error_code as reason,
      (state = 'submitting' or (state = 'pending' and coalesce(hold_until, '-infinity') <= now() and coalesce(next_attempt_at, '-infinity') <= now())) as due,
      max(greatest(hold_until, next_attempt_at)) filter (where state = 'pending') as held_until,
      count(*)::int as n
    from orders
    where store_id = ${storeId} ${storeOrderIds ? sql`and store_order_id = any(${storeOrderIds})` : sql``}
    group by 1, 2, 3
  `.execute(db);
  return rows.rows;
}

/** The safeIds of a store's inbound orders (optionally only these store order ids) sent through the Transformation and still waiting on OrderMesh's verdict. */
export async function awaitingInboundVerdict(db: Db, storeId: string, storeOrderIds: string[] | undefined): Promise<string[]> {
  let q = db.selectFrom('orders').select('safe_id').where('store_id', '=', storeId).where('state', '=', 'submitting').where('inbound_sent_at', 'is not', null);
  if (storeOrderIds) q = q.where('store_order_id', 'in', storeOrderIds.length ? storeOrderIds : ['']);
  return (await q.orderBy('id').execute()).map((r) => r.safe_id);
}
