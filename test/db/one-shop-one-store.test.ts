import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { addLedgerStore, installStore, type LedgerStoreSettings } from '../../src/db/ledger-stores.ts';
import { migrateToLatest } from '../../src/db/migrate.ts';
import { Keyring } from '../../src/util/secret-box.ts';
import { freshDb } from '../helpers/db.ts';

/**
 * One shop, one store, in the ledger (issue 34, item 3): a store removed for good no longer has its
 * shop, so `store add` may give the shop a new store, and a reinstall of the shop renews the store
 * that has it now, not the removed one. Judged from the stores table.
 */
const { db } = await freshDb();
await migrateToLatest(db);
const keyring = new Keyring(randomBytes(32));
const SHOP = 'twice.myshopify.com';
const settings = (id: string): LedgerStoreSettings => ({ id, shopDomain: SHOP, merchantId: 'm-1', auth: { type: 'accessToken' } });
const storesOfShop = async () => (await db.selectFrom('stores').select(['id', 'enabled', 'paused_reason']).where('shop_domain', '=', SHOP).orderBy('id').execute());

describe('one shop, one store: the ledger', () => {
  it('a store removed for good no longer has its shop; a reinstall renews the store that has it now', async () => {
    await addLedgerStore(db, keyring, settings('a-removed'), { shopifyToken: 'shpat_a' }, 'test');
    // What `store remove` leaves of a store with orders.
    await db.updateTable('stores').set({ enabled: false, paused_reason: 'REMOVED', secrets_sealed: null }).where('id', '=', 'a-removed').execute();
    await addLedgerStore(db, keyring, settings('b-current'), { shopifyToken: 'shpat_b' }, 'test');
    const r = await installStore(db, keyring, { shop: SHOP, accessToken: 'shpat_new', webhookSecret: 'app-secret', merchantId: 'm-1', defaults: {} }, 'test');
    expect(r).toEqual({ storeId: 'b-current', outcome: 'reinstalled' });
    expect(await storesOfShop()).toEqual([
      { id: 'a-removed', enabled: false, paused_reason: 'REMOVED' },
      { id: 'b-current', enabled: true, paused_reason: null },
    ]);
  });
});
