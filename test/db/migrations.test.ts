import { sql } from 'kysely';
import { beforeAll, describe, expect, it } from 'vitest';
import { migrateToLatest } from '../../src/db/migrate.ts';
import { freshDb } from '../helpers/db.ts';

const { db } = await freshDb();

async function insertStore(id: string) {
  await db
    .insertInto('stores')
    .values({ id, platform: 'shopify', shop_domain: `${id}.myshopify.com`, merchant_id: 'm', mapping_module: 'shopify-default', enabled: true, credentials_ref: 'env:X' })
    .execute();
}

describe('migrations', () => {
  beforeAll(async () => {
    const first = await migrateToLatest(db);
    expect(first.length).toBeGreaterThan(0);
    expect(first.every((r) => r.status === 'Success')).toBe(true);
  });

  it('create the ledger tables on an empty database', async () => {
    const tables = await sql<{ table_name: string }>`
      select table_name from information_schema.tables where table_schema = 'public' order by table_name`.execute(db);
    expect(tables.rows.map((r) => r.table_name)).toEqual(
      expect.arrayContaining(['events', 'orders', 'packages', 'shipments', 'stores', 'sync_cursors', 'webhook_receipts']),
    );
  });

  it('are re-runnable: a second run applies nothing and changes nothing', async () => {
    expect(await migrateToLatest(db)).toEqual([]);
  });

  it('reject a second row for the same store order', async () => {
    await insertStore('dup-store');
    await db.insertInto('orders').values({ store_id: 'dup-store', store_order_id: '1001', safe_id: 'dup-store-1001' }).execute();
    await expect(
      db.insertInto('orders').values({ store_id: 'dup-store', store_order_id: '1001', safe_id: 'other-safe-id' }).execute(),
    ).rejects.toThrow(/orders_store_order_uq/);
  });

  it('reject a duplicate safeId, even across stores', async () => {
    await insertStore('safe-a');
    await insertStore('safe-b');
    await db.insertInto('orders').values({ store_id: 'safe-a', store_order_id: '1', safe_id: 'same-safe-id' }).execute();
    await expect(
      db.insertInto('orders').values({ store_id: 'safe-b', store_order_id: '2', safe_id: 'same-safe-id' }).execute(),
    ).rejects.toThrow(/orders_safe_id_uq/);
  });

  it('reject two ledger orders claiming the same OrderMesh order', async () => {
    await insertStore('om-dup');
    await db.insertInto('orders').values({ store_id: 'om-dup', store_order_id: '1', safe_id: 'om-dup-1', ordermesh_order_id: 'OM1' }).execute();
    await expect(
      db.insertInto('orders').values({ store_id: 'om-dup', store_order_id: '2', safe_id: 'om-dup-2', ordermesh_order_id: 'OM1' }).execute(),
    ).rejects.toThrow(/orders_ordermesh_order_id_uq/);
  });

  it('reject an unknown order state', async () => {
    await insertStore('state-store');
    await expect(
      sql`insert into orders (store_id, store_order_id, safe_id, state) values ('state-store', '1', 'state-1', 'lost')`.execute(db),
    ).rejects.toThrow(/orders_state_ck/);
  });

  it('run exactly once when several processes migrate at the same time', async () => {
    const { db: other } = await freshDb();
    const results = await Promise.all([migrateToLatest(other), migrateToLatest(other), migrateToLatest(other)]);
    const applied = results.flat().map((r) => r.migrationName);
    expect(new Set(applied).size).toBe(applied.length);
    const recorded = await sql<{ n: number }>`select count(*)::int as n from kysely_migration`.execute(other);
    expect(applied.length).toBe(recorded.rows[0]!.n);
  });
});
