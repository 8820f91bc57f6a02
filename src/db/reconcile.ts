import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database, OrderRow, OrderState } from './schema.ts';
import { transition } from './orders.ts';

type Db = Kysely<Database> | Transaction<Database>;

/** The ledger's orders of a store with these safeIds. */
export async function ordersBySafeId(db: Db, storeId: string, safeIds: string[]): Promise<Map<string, OrderRow>> {
  const out = new Map<string, OrderRow>();
  for (let i = 0; i < safeIds.length; i += 1_000) {
    const rows = await db.selectFrom('orders').selectAll().where('store_id', '=', storeId).where('safe_id', 'in', safeIds.slice(i, i + 1_000)).execute();
    for (const r of rows) out.set(r.safe_id, r);
  }
  return out;
}

/** The ledger's orders of a store it believes OrderMesh has (created in the store since `since`), by safeId. */
export async function linkedOrders(db: Db, storeId: string, since: Date | undefined): Promise<Array<Pick<OrderRow, 'id' | 'store_id' | 'safe_id' | 'state' | 'ordermesh_order_id'>>> {
  let q = db.selectFrom('orders').select(['id', 'store_id', 'safe_id', 'state', 'ordermesh_order_id']).where('store_id', '=', storeId).where('ordermesh_order_id', 'is not', null);
  if (since) q = q.where(sql<string>`coalesce((store_payload->>'createdAt')::timestamptz, created_at)`, '>=', since as never);
  return q.execute();
}

/** Ledger orders of a store per state (created in the store since `since`). */
export async function ledgerCounts(db: Db, storeId: string, since: Date | undefined): Promise<Record<string, number>> {
  let q = db.selectFrom('orders').select(['state', (eb) => eb.fn.countAll<string>().as('n')]).where('store_id', '=', storeId);
  if (since) q = q.where(sql<string>`coalesce((store_payload->>'createdAt')::timestamptz, created_at)`, '>=', since as never);
  const rows = await q.groupBy('state').execute();
  return Object.fromEntries(rows.map((r) => [r.state, Number(r.n)]));
}

export interface Link {
  row: Pick<OrderRow, 'id' | 'store_id' | 'state'>;
  ordermeshOrderId: string;
  to: OrderState;
  createdAt: Date;
  /** What the order was sent as, when the ledger lost it: the store order mapped now. */
  mapped: { payload: unknown; hash: string | null } | null;
  hold: boolean;
  message: string;
}

/**
 * Records that OrderMesh has the order (re-linking safeId → orderId) instead of submitting it again,
 * in the state OrderMesh's status implies, polled at once so its shipments follow. Only from a state
 * in which the ledger did not know it (or knew another id), so a run beside live workers moves nothing twice.
 */
export async function linkToOrderMesh(db: Db, link: Link, actor: string): Promise<boolean> {
  return transition(db, link.row, [link.row.state], link.to, {
    actor,
    reason: 'RELINKED_BY_RECONCILE',
    message: link.message,
    set: {
      ordermesh_order_id: link.ordermeshOrderId,
      submitted_at: link.createdAt,
      next_poll_at: new Date(),
      next_attempt_at: null,
      last_error_code: null,
      last_error_message: null,
      ...(link.hold ? { hold_source: 'ordermesh', hold_reason: 'on Customer Care Hold in OrderMesh' } : {}),
      ...(link.mapped ? { mapped_payload: JSON.stringify(link.mapped.payload), mapped_hash: link.mapped.hash } : {}),
    },
  });
}

/** OrderMesh has no order by this safeId: the ledger's link was wrong, so the order is submitted again (safe: by safeId). */
export async function unlink(db: Db, row: Pick<OrderRow, 'id' | 'store_id' | 'state'>, actor: string, message: string): Promise<boolean> {
  return transition(db, row, [row.state], 'pending', { actor, reason: 'NOT_IN_ORDERMESH', message, set: { ordermesh_order_id: null, submitted_at: null, next_poll_at: null, next_attempt_at: null } });
}

/** Shipments due for a poll now (OrderMesh is further along than the ledger). */
export async function pollNow(db: Db, ids: string[]): Promise<void> {
  if (ids.length) await db.updateTable('orders').set({ next_poll_at: new Date() }).where('id', 'in', ids).execute();
}
