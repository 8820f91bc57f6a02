import { sql, type Kysely } from 'kysely';
import { recordEvent } from './orders.ts';
import type { Database } from './schema.ts';

export interface SkuMapEntry {
  storeSku: string;
  ordermeshSku: string;
  updatedBy: string;
  updatedAt: string;
}

export async function listSkuMaps(db: Kysely<Database>, storeId: string): Promise<SkuMapEntry[]> {
  const rows = await db.selectFrom('sku_maps').selectAll().where('store_id', '=', storeId).orderBy('store_sku').execute();
  return rows.map((r) => ({ storeSku: r.store_sku, ordermeshSku: r.ordermesh_sku, updatedBy: r.updated_by, updatedAt: r.updated_at.toISOString() }));
}

/** Sets many entries at once (one transaction, one audit event each). */
export async function setSkuMaps(db: Kysely<Database>, storeId: string, entries: Array<{ storeSku: string; ordermeshSku: string }>, actor: string): Promise<void> {
  if (entries.length === 0) return;
  await db.transaction().execute(async (trx) => {
    await trx
      .insertInto('sku_maps')
      .values(entries.map((e) => ({ store_id: storeId, store_sku: e.storeSku, ordermesh_sku: e.ordermeshSku, updated_by: actor })))
      .onConflict((oc) => oc.columns(['store_id', 'store_sku']).doUpdateSet({ ordermesh_sku: sql.ref('excluded.ordermesh_sku'), updated_by: actor, updated_at: sql`now()` }))
      .execute();
    for (const e of entries) await recordEvent(trx, { storeId, kind: 'sku_map_set', message: `${e.storeSku} → ${e.ordermeshSku}`, actor, data: e });
  });
}

export async function removeSkuMap(db: Kysely<Database>, storeId: string, storeSku: string, actor: string): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const gone = await trx.deleteFrom('sku_maps').where('store_id', '=', storeId).where('store_sku', '=', storeSku).returning('store_sku').executeTakeFirst();
    if (gone) await recordEvent(trx, { storeId, kind: 'sku_map_removed', message: storeSku, actor });
    return Boolean(gone);
  });
}

/** Per store: a version of its entries (count and last change), so a worker rebuilds a mapper only when they changed. */
export async function skuMapVersions(db: Kysely<Database>): Promise<Map<string, string>> {
  const rows = await sql<{ store_id: string; v: string }>`select store_id, count(*) || '@' || max(updated_at)::text as v from sku_maps group by store_id`.execute(db);
  return new Map(rows.rows.map((r) => [r.store_id, r.v]));
}

export async function skuMapOf(db: Kysely<Database>, storeId: string): Promise<Record<string, string>> {
  return Object.fromEntries((await listSkuMaps(db, storeId)).map((e) => [e.storeSku, e.ordermeshSku]));
}
