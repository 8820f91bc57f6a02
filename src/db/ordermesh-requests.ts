import { sql, type Kysely, type Selectable } from 'kysely';
import { recordEvent } from './orders.ts';
import type { Database, OrderMeshRequestKind, OrderMeshRequestsTable } from './schema.ts';

export type RequestRow = Selectable<OrderMeshRequestsTable>;

/**
 * Records a request before it is sent (state `requested`), once per external id: a repeat of the same
 * request finds the row it made. Returns the row and whether it is new. `asked`: what is sent (a
 * refund's AddRefundModel and the matching refunds seen before it), kept in the request's event so a
 * request never answered is sent again as it was first asked (askedOf).
 */
export async function recordRequest(
  db: Kysely<Database>,
  r: { orderId: string; storeId: string; kind: OrderMeshRequestKind; externalId: string; items: unknown; reason: string; actor: string; asked?: unknown },
): Promise<{ row: RequestRow; created: boolean }> {
  return db.transaction().execute(async (trx) => {
    const inserted = await trx
      .insertInto('ordermesh_requests')
      .values({ order_id: r.orderId, store_id: r.storeId, kind: r.kind, external_id: r.externalId, items: r.items ? JSON.stringify(r.items) : null, reason: r.reason, actor: r.actor })
      .onConflict((oc) => oc.column('external_id').doNothing())
      .returningAll()
      .executeTakeFirst();
    if (inserted) {
      await recordEvent(trx, { orderId: r.orderId, storeId: r.storeId, kind: `${r.kind}_requested`, reason: `${r.kind.toUpperCase()}_REQUESTED`, message: r.reason, actor: r.actor, data: { externalId: r.externalId, items: r.items, ...(r.asked === undefined ? {} : { asked: r.asked }) } });
      return { row: inserted, created: true };
    }
    return { row: await trx.selectFrom('ordermesh_requests').selectAll().where('external_id', '=', r.externalId).executeTakeFirstOrThrow(), created: false };
  });
}

/** The request made under this external id, if any. */
export async function requestByExternalId(db: Kysely<Database>, externalId: string): Promise<RequestRow | undefined> {
  return db.selectFrom('ordermesh_requests').selectAll().where('external_id', '=', externalId).executeTakeFirst();
}

/** What a request was recorded as sending (recordRequest's `asked`), null where its event does not say. */
export async function askedOf(db: Kysely<Database>, r: Pick<RequestRow, 'order_id' | 'kind' | 'external_id'>): Promise<unknown> {
  const e = await db
    .selectFrom('events')
    .select(sql<unknown>`data->'asked'`.as('asked'))
    .where('order_id', '=', r.order_id)
    .where('kind', '=', `${r.kind}_requested`)
    .where(sql<string>`data->>'externalId'`, '=', r.external_id)
    .orderBy('id')
    .executeTakeFirst();
  return e?.asked ?? null;
}

export async function settleRequest(db: Kysely<Database>, id: string, s: { state: 'sent' | 'failed'; ref?: string | null; status?: string | null; error?: string | null }): Promise<RequestRow> {
  return db
    .updateTable('ordermesh_requests')
    .set({ state: s.state, ordermesh_ref: s.ref ?? null, ordermesh_status: s.status ?? null, error: s.error ?? null, updated_at: new Date() })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function noteStatus(db: Kysely<Database>, id: string, status: string): Promise<void> {
  await db.updateTable('ordermesh_requests').set({ ordermesh_status: status, updated_at: new Date() }).where('id', '=', id).where('ordermesh_status', 'is distinct from', status).execute();
}

export async function requestsOf(db: Kysely<Database>, orderId: string): Promise<RequestRow[]> {
  return db.selectFrom('ordermesh_requests').selectAll().where('order_id', '=', orderId).orderBy('id').execute();
}
