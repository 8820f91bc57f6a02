import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { addLedgerStore, installStore, loadLedgerStores } from '../../src/db/ledger-stores.ts';
import { Q } from '../../src/jobs/queues.ts';
import { SHOPIFY_SIM_DEFAULTS } from '../../src/sim/shopify/server.ts';
import { Keyring } from '../../src/util/secret-box.ts';
import { freshDb } from '../helpers/db.ts';
import { ordermeshSim, simState } from '../helpers/ordermesh.ts';
import { config, eventually, pipelineConfigObject, SIM_MAPPING, startPipeline } from '../helpers/pipeline.ts';
import { explicitOrder, post, shopifySim } from '../helpers/shopify.ts';

/**
 * Installing the app on a shop, end to end through @shopify/shopify-api's OAuth and the Shopify
 * simulator's consent and code exchange: the merchant's browser is played by following the redirects.
 * The shop becomes a ledger store whose orders reach OrderMesh; forged, replayed and cookie-less
 * callbacks are refused.
 */
const { url: dbUrl, db } = await freshDb();
const om = await ordermeshSim();
const shop = await shopifySim({ restoreRate: 1000 });
const KEY = randomBytes(32).toString('base64');
const SHOP = SHOPIFY_SIM_DEFAULTS.shop.domain;
const base = pipelineConfigObject(om, shop);
const service = await startPipeline(
  config({
    ...base,
    stores: [],
    server: {
      ...base.server,
      publicUrl: 'http://127.0.0.1:1',
      install: { apiKey: SHOPIFY_SIM_DEFAULTS.shop.clientId, apiSecret: { env: 'T_APP_SECRET', default: SHOPIFY_SIM_DEFAULTS.shop.appSecret }, merchantId: 'merchant-e2e', storeDefaults: { holdMinutes: 0, mapping: { module: 'shopify-default', options: SIM_MAPPING } }, apiOrigin: shop.url },
    },
  }),
  dbUrl,
  { env: { ORDERSYNC_SECRET_KEY: KEY } },
);
const ours = `http://127.0.0.1:${service.port}`;
// A merchant's browser: the library turns away what looks like a bot (fetch's own user agent does).
const BROWSER = { 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0 Safari/537.36' };
const to = (location: string, origin: string) => {
  const u = new URL(location);
  return `${origin}${u.pathname}${u.search}`;
};

/** The merchant's browser: /install, Shopify's consent page, back to the callback (whose URL is returned unvisited with the cookies). */
async function consent(): Promise<{ callback: string; cookie: string }> {
  const begin = await fetch(`${ours}/install?shop=${SHOP}`, { redirect: 'manual', headers: BROWSER });
  expect(begin.status).toBe(302);
  const authorize = begin.headers.get('location')!;
  expect(authorize).toMatch(new RegExp(`^https://${SHOP}/admin/oauth/authorize\\?`));
  // The configured scopes, as the library sends them (a write scope stands for its read one).
  expect(new URL(authorize).searchParams.get('scope')).toBe('read_orders,read_all_orders,write_merchant_managed_fulfillment_orders');
  const cookie = begin.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
  const approved = await fetch(to(authorize, shop.url), { redirect: 'manual', headers: BROWSER });
  expect(approved.status).toBe(302);
  return { callback: to(approved.headers.get('location')!, ours), cookie };
}
const opened = async () => (await loadLedgerStores(db, new Keyring(Buffer.from(KEY, 'base64')), (err) => { throw err; })).secrets.get('sim-shop');

describe('installing the app on a shop', () => {
  it('creates a ledger store with its offline token, sealed; its orders reach OrderMesh', async () => {
    const { callback, cookie } = await consent();
    const done = await fetch(callback, { headers: { ...BROWSER, cookie } });
    expect(done.status, await done.clone().text()).toBe(200);
    expect(await done.text()).toBe('Installed: store sim-shop runs within seconds.');
    const token = (await opened())!.shopifyToken!;
    expect(token).toMatch(/^shpat/);
    const dump = (await sql<{ r: string }>`select row_to_json(s)::text as r from stores s`.execute(db)).rows.map((r) => r.r).join('\n');
    expect(dump).not.toContain(token);
    expect(dump).not.toContain(SHOPIFY_SIM_DEFAULTS.shop.appSecret);

    await eventually(async () => service.deps.stores.has('sim-shop'), () => 'store taken up', 20_000);
    const o = explicitOrder({}, [{ sku: 'MUG-11OZ-WHITE', variant: { id: 'gid://shopify/ProductVariant/1', sku: 'MUG-11OZ-WHITE' } as never, quantity: 1, currentQuantity: 1, unfulfilledQuantity: 1 }]);
    await post(`${shop.url}/_sim/orders`, { orders: [o] });
    await eventually(async () => (await simState(om)).orders.some((x: any) => x.meta?.shopifyOrderId === o.id) || (await service.boss.send(Q.pullOrders, { storeId: 'sim-shop' }, { singletonKey: 'sim-shop' }), false), () => 'order in OrderMesh', 30_000);
  });

  it('refuses a replayed callback, a forged one and one without its state cookie, changing nothing', async () => {
    const before = await opened();
    const first = await consent();
    expect((await fetch(first.callback, { headers: { ...BROWSER, cookie: first.cookie } })).status).toBe(200);
    // The same callback again: its code is spent and its state cookie was for one use.
    expect((await fetch(first.callback, { headers: { ...BROWSER, cookie: first.cookie } })).status).toBe(400);
    const forged = await consent();
    const u = new URL(forged.callback);
    u.searchParams.set('shop', 'other-shop.myshopify.com');
    expect((await fetch(u, { headers: { ...BROWSER, cookie: forged.cookie } })).status).toBe(400);
    const bare = await consent();
    const res = await fetch(bare.callback, { headers: BROWSER });
    expect(res.status).toBe(400);
    expect(await res.text()).not.toMatch(/at .*\.ts:\d+/);
    // Installed once more (the first of these), never twice: one store, its token the latest.
    expect((await db.selectFrom('stores').select('id').execute()).map((s) => s.id)).toEqual(['sim-shop']);
    expect((await opened())!.shopifyToken).not.toBe(before!.shopifyToken);
  });

  it('gives a shop whose derived id another store holds an id of its own, never that store\'s row', async () => {
    const keyring = new Keyring(Buffer.from(KEY, 'base64'));
    const stores = async () => Object.fromEntries((await db.selectFrom('stores').select(['id', 'shop_domain', 'secrets_sealed']).execute()).map((r) => [r.id, r]));
    const tokenOf = (row: { secrets_sealed: unknown }) => keyring.open((row.secrets_sealed as Record<string, string>).shopifyToken!);
    // As the callback records an install; without a merchant, so the workers leave these stores be.
    const install = (shop: string, accessToken: string) => installStore(db, keyring, { shop, accessToken, webhookSecret: 'app-secret', defaults: { mapping: { module: 'shopify-default', options: SIM_MAPPING } } }, 'test');

    // A store added by hand under the id the shop acme.myshopify.com would derive.
    await addLedgerStore(db, keyring, { id: 'acme', shopDomain: 'acme-eu.myshopify.com', merchantId: 'm-eu', mapping: { module: 'shopify-default', options: SIM_MAPPING }, auth: { type: 'accessToken' } }, { shopifyToken: 'shpat_acme_eu' }, 'test');
    // Two shops whose names agree in the 63 characters an id keeps.
    const long = `${'a-very-long-shop-name-'.repeat(3)}`;
    const shops = [['acme.myshopify.com', 'shpat_acme'], [`${long}eu.myshopify.com`, 'shpat_long_eu'], [`${long}us.myshopify.com`, 'shpat_long_us']] as const;
    const before = await stores();
    const ids: string[] = [];
    for (const [shop, token] of shops) ids.push((await install(shop, token)).storeId);
    expect(new Set(ids).size).toBe(3);
    expect(ids[0]).not.toBe('acme');
    expect(ids[2]).not.toBe(ids[1]);

    const after = await stores();
    expect(Object.keys(after)).toHaveLength(Object.keys(before).length + 3);
    // Each store its own shop and token; the ones there before untouched.
    expect(after.acme!.secrets_sealed).toEqual(before.acme!.secrets_sealed);
    expect(after.acme!.shop_domain).toBe('acme-eu.myshopify.com');
    expect(tokenOf(after.acme!)).toBe('shpat_acme_eu');
    expect(after['sim-shop']!.secrets_sealed).toEqual(before['sim-shop']!.secrets_sealed);
    shops.forEach(([shop, token], n) => {
      expect(after[ids[n]!]!.shop_domain).toBe(shop);
      expect(tokenOf(after[ids[n]!]!)).toBe(token);
      expect(ids[n]).toMatch(/^[a-z0-9][a-z0-9-]{0,62}$/);
    });

    // Installed again, a shop finds its own store by its domain: the first of the long ones keeps the id it took.
    expect((await install(shops[1][0], 'shpat_long_eu_2')).storeId).toBe(ids[1]);
    const again = await stores();
    expect(tokenOf(again[ids[1]!]!)).toBe('shpat_long_eu_2');
    expect(again[ids[2]!]!.secrets_sealed).toEqual(after[ids[2]!]!.secrets_sealed);
    expect(Object.keys(again)).toHaveLength(Object.keys(after).length);
  });
});
