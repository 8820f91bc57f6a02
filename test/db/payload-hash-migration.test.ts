import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { migrateToLatest } from '../../src/db/migrate.ts';
import { ingestOrders, payloadHash } from '../../src/db/orders.ts';
import { redactOrders } from '../../src/db/privacy.ts';
import { canonicalJson } from '../../src/util/canonical-json.ts';
import { up } from '../../migrations/2026-12-07-0017-payload-hash-unfulfilled.ts';
import { order } from '../mapping/cases.ts';
import { freshDb } from '../helpers/db.ts';

/**
 * Migration 0017 gives every stored order the fingerprint payloadHash now gives the same copy (issue 34
 * added unfulfilledQuantity to it): re-reading an unchanged order after the upgrade changes nothing,
 * and an order OrderMesh was sent keeps mapped_hash equal to payload_hash (no recheck).
 */
const { db } = await freshDb();
await migrateToLatest(db);
const STORE = 'hash-store';
await db.insertInto('stores').values({ id: STORE, platform: 'shopify', shop_domain: 'h.myshopify.com', merchant_id: 'm', mapping_module: 'shopify-default', enabled: true, credentials_ref: 'env' }).execute();

/** payloadHash as it was before issue 34: without unfulfilledQuantity. */
function oldHash(o: ReturnType<typeof order>): string {
  const { updatedAt: _u, ...rest } = o;
  return createHash('sha256').update(canonicalJson({ ...rest, lineItems: rest.lineItems.map((li) => ({ ...li, unfulfilledQuantity: undefined })) })).digest('base64url');
}
const ingest = (orders: ReturnType<typeof order>[]) => db.transaction().execute((trx) => ingestOrders(trx, { id: STORE, holdMinutes: 0 }, orders, 'test'));
const row = (id: string) => db.selectFrom('orders').selectAll().where('store_order_id', '=', id).executeTakeFirstOrThrow();

describe('migration 0017: fingerprints with unfulfilledQuantity', () => {
  it('re-fingerprints stored orders, redacted ones too, so that the same copy read again is unchanged', async () => {
    const base = { createdAt: '2026-11-20T10:00:00Z', updatedAt: '2026-11-20T10:05:00Z' };
    const sent = order({ ...base, id: 'gid://shopify/Order/1701', name: '#H1' });
    const rejected = order({ ...base, id: 'gid://shopify/Order/1702', name: '#H2' });
    const redacted = order({ ...base, id: 'gid://shopify/Order/1703', name: '#H3' });
    const stale = order({ ...base, id: 'gid://shopify/Order/1704', name: '#H4' });
    await ingest([sent, rejected, redacted, stale]);
    // As a database from before the upgrade holds them.
    for (const o of [sent, rejected, redacted, stale]) await db.updateTable('orders').set({ payload_hash: oldHash(o) }).where('store_order_id', '=', o.id).execute();
    await db.updateTable('orders').set({ state: 'submitted', ordermesh_order_id: 'om-1', mapped_hash: oldHash(sent) }).where('store_order_id', '=', sent.id).execute();
    await db.updateTable('orders').set({ state: 'rejected' }).where('store_order_id', '=', rejected.id).execute();
    // Mapped from an earlier copy: still differs after the migration.
    await db.updateTable('orders').set({ state: 'submitted', ordermesh_order_id: 'om-4', mapped_hash: 'an-earlier-copy' }).where('store_order_id', '=', stale.id).execute();
    await redactOrders(db as never, [(await row(redacted.id)).id], { actor: 'test', reason: 'test' });

    await up(db);

    for (const o of [sent, rejected, redacted, stale]) expect((await row(o.id)).payload_hash).toBe(payloadHash(o));
    expect((await row(sent.id)).mapped_hash).toBe(payloadHash(sent));
    expect((await row(stale.id)).mapped_hash).toBe('an-earlier-copy');
    expect(await ingest([sent, rejected, redacted, stale])).toEqual({ inserted: 0, updated: 0, unchanged: 4, changes: [] });
    expect((await row(rejected.id)).state).toBe('rejected');
    expect((await row(redacted.id)).redacted_at).not.toBeNull();
  });
});
