import type { Kysely, Transaction } from 'kysely';
import type { Database, OrderRow } from './schema.ts';

type Db = Kysely<Database> | Transaction<Database>;

/**
 * An item cancel's record in the order's history, written BEFORE the request goes out: an item cancel
 * is not idempotent (each request cancels more units), so a run that does not know how the last one
 * ended (a lost answer, a timeout, a 5xx, a crash before its outcome was written) must find out what
 * OrderMesh did instead of sending it again (apply-order-change.ts).
 */
export const ITEM_CANCEL_SENT = 'ITEM_CANCEL_SENT';
/** Closes an intent: OrderMesh refused the request, or it never left (a 4xx, a 429, no connection). */
export const ITEM_CANCEL_NOT_APPLIED = 'ITEM_CANCEL_NOT_APPLIED';
/** The order parked because OrderMesh does not show whether an intent went through. */
export const ITEM_CANCEL_UNCONFIRMED = 'ITEM_CANCEL_UNCONFIRMED';
/** Closes an intent: the cancel went through (the reduced payload is recorded with it). */
const ITEMS_CANCELLED = 'ITEMS_CANCELLED';
/** reprocess.ts's event when it takes an order out of needs_attention: after an UNCONFIRMED park, the operator's word. */
const REPROCESS = 'REPROCESS';

export interface OpenItemCancel<T> {
  id: string;
  data: T;
  /** The order was parked ITEM_CANCEL_UNCONFIRMED for it, then reprocessed by a person who checked OrderMesh. */
  operatorResolved: boolean;
}

/** The order's last item cancel intent, if nothing after it says how it ended; null otherwise. */
export async function openItemCancel<T>(db: Db, orderId: string): Promise<OpenItemCancel<T> | null> {
  const intent = await db.selectFrom('events').select(['id', 'data']).where('order_id', '=', orderId).where('reason_code', '=', ITEM_CANCEL_SENT).orderBy('id', 'desc').limit(1).executeTakeFirst();
  if (!intent) return null;
  const after = await db
    .selectFrom('events')
    .select(['id', 'reason_code'])
    .where('order_id', '=', orderId)
    .where('id', '>', intent.id)
    .where('reason_code', 'in', [ITEMS_CANCELLED, ITEM_CANCEL_NOT_APPLIED, ITEM_CANCEL_UNCONFIRMED, REPROCESS])
    .orderBy('id')
    .execute();
  if (after.some((e) => e.reason_code === ITEMS_CANCELLED || e.reason_code === ITEM_CANCEL_NOT_APPLIED)) return null;
  const parked = after.findIndex((e) => e.reason_code === ITEM_CANCEL_UNCONFIRMED);
  return { id: intent.id, data: intent.data as T, operatorResolved: parked >= 0 && after.slice(parked + 1).some((e) => e.reason_code === REPROCESS) };
}

/**
 * Records an item cancel about to be sent, unless one is open already (another run's, whose outcome
 * must be settled first: null). The order row is locked meanwhile, so two runs cannot both begin one.
 */
export async function beginItemCancel<T>(db: Kysely<Database>, order: Pick<OrderRow, 'id' | 'store_id'>, e: { actor: string; message: string; data: T }): Promise<{ id: string } | null> {
  return db.transaction().execute(async (trx) => {
    await trx.selectFrom('orders').select('id').where('id', '=', order.id).forUpdate().executeTakeFirst();
    if (await openItemCancel(trx, order.id)) return null;
    return trx
      .insertInto('events')
      .values({ order_id: order.id, store_id: order.store_id, kind: 'ordermesh_request', reason_code: ITEM_CANCEL_SENT, message: e.message, actor: e.actor, data: JSON.stringify(e.data) })
      .returning('id')
      .executeTakeFirstOrThrow();
  });
}

/** Closes an intent OrderMesh cannot have applied: the next run plans and sends afresh. */
export async function itemCancelNotApplied(db: Db, order: Pick<OrderRow, 'id' | 'store_id'>, e: { actor: string; intentId: string; message: string }): Promise<void> {
  await db
    .insertInto('events')
    .values({ order_id: order.id, store_id: order.store_id, kind: 'ordermesh_request', reason_code: ITEM_CANCEL_NOT_APPLIED, message: e.message, actor: e.actor, data: JSON.stringify({ intent: e.intentId }) })
    .execute();
}
