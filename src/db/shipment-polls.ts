import { sql, type Kysely, type Transaction } from 'kysely';
import { AWAITING_SHIPMENT } from './order-states.ts';
import type { Database, OrderRow } from './schema.ts';

type Db = Kysely<Database> | Transaction<Database>;

/** How often an order's shipments are read: recent orders (submitted within `recentOrderHours`) more often than older ones. */
export interface PollCadence {
  pollRecentSeconds: number;
  pollOldSeconds: number;
  recentOrderHours: number;
}

/**
 * Claims up to `limit` orders OrderMesh has whose next poll is due and pushes their next poll out:
 * recent orders (submitted within jobs.recentOrderHours) every pollRecentSeconds, older ones every
 * pollOldSeconds, so 100,000 open orders do not mean 100,000 calls a minute. Specific orders
 * (`orderIds`: an OrderMesh webhook named them) are polled at once.
 */
export async function claimOrdersToPoll(db: Db, cadence: PollCadence, orderIds: string[] | undefined, limit: number): Promise<OrderRow[]> {
  const { pollRecentSeconds, pollOldSeconds, recentOrderHours } = cadence;
  const next = sql<Date>`now() + case when submitted_at > now() - make_interval(hours => ${recentOrderHours}) then make_interval(secs => ${pollRecentSeconds}) else make_interval(secs => ${pollOldSeconds}) end`;
  return db
    .updateTable('orders')
    .set({ next_poll_at: next as never, last_polled_at: new Date() })
    .where('id', 'in', (eb) => {
      // needs_attention included: an order parked for a person (a change OrderMesh refused, a failed
      // job) is still being made, and what ships for it must still reach the store.
      const q = eb.selectFrom('orders').select('id').where('state', 'in', AWAITING_SHIPMENT).where('ordermesh_order_id', 'is not', null);
      // Orders a webhook named wait for a row lock another statement holds (a notes run, a transition)
      // instead of skipping it: skipped, the webhook's poll read nothing and no other came (seen under
      // load). The sweep skips locked rows: another worker is on them.
      if (orderIds?.length) return q.where('id', 'in', orderIds).orderBy('id').limit(limit).forUpdate();
      return q.where('next_poll_at', '<=', new Date()).orderBy('next_poll_at').limit(limit).forUpdate().skipLocked();
    })
    .returningAll()
    .execute();
}
