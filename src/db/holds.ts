import type { Kysely, Transaction } from 'kysely';
import type { Database, OrderState } from './schema.ts';

type Db = Kysely<Database> | Transaction<Database>;

/**
 * The state an order was in when it last went `on_hold`, read from its audit events (each hold is a
 * state event with its from state: see holdInLedger in jobs/sync-holds.ts), so a release gives back a
 * `needs_attention` or `in_production` order rather than `submitted` (issue 34, item 11; the store's
 * hold too, released in Shopify, item 10).
 * Only the states a hold may be placed from are returned; anything else (no event, a batch move that
 * recorded no from state) is null, and the caller picks its default.
 */
export async function stateBeforeHold(db: Db, orderId: string, from: readonly OrderState[]): Promise<OrderState | null> {
  const last = await db
    .selectFrom('events')
    .select('from_state')
    .where('order_id', '=', orderId)
    .where('kind', '=', 'state')
    .where('to_state', '=', 'on_hold')
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
  const state = last?.from_state as OrderState | null | undefined;
  return state && from.includes(state) ? state : null;
}
