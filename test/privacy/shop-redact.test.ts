import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { addLedgerStore, installStore, removeLedgerStore } from '../../src/db/ledger-stores.ts';
import { fetchExport, listRequests } from '../../src/db/privacy.ts';
import { RECEIPT_DAYS } from '../../src/db/receipts.ts';
import { retentionSweep } from '../../src/jobs/privacy.ts';
import { Q } from '../../src/jobs/queues.ts';
import { SHOPIFY_SIM_DEFAULTS } from '../../src/sim/shopify/server.ts';
import { hmacBase64 } from '../../src/util/hmac.ts';
import { Keyring } from '../../src/util/secret-box.ts';
import { freshDb } from '../helpers/db.ts';
import { ordermeshSim } from '../helpers/ordermesh.ts';
import { config, eventually, pipelineConfigObject, SIM_MAPPING, startPipeline } from '../helpers/pipeline.ts';
import { explicitOrder, post, shopifySim } from '../helpers/shopify.ts';
import { whereAre } from '../helpers/where-is.ts';

/**
 * shop/redact for an installed shop, the way Shopify sends it: 48 hours after app/uninstalled paused
 * the store (issue 34, item 7), signed with the app's client secret, deduplicated on
 * X-Shopify-Webhook-Id; and retention of what was kept for ever (item 8): unfetched exports and webhook
 * receipts. "Nothing of the shop remains" is judged by scanning every text, json and array column of
 * every table, pg-boss's included, for each value the test planted: the customer's data, the store's
 * sealed token and its settings.
 */
const { url: dbUrl, db } = await freshDb();
const om = await ordermeshSim();
const shop = await shopifySim({ restoreRate: 1000 });
const KEY = randomBytes(32).toString('base64');
const keyring = new Keyring(Buffer.from(KEY, 'base64'));
const APP_SECRET = SHOPIFY_SIM_DEFAULTS.shop.appSecret;
const SHOP = SHOPIFY_SIM_DEFAULTS.shop.domain;
const STORE = 'sim-shop';
// A setting only this store's row holds (an installed store's settings are its config entry).
const SETTING = 'PLANTED-SETTING-8812';
const defaults = { holdMinutes: 0, mapping: { module: 'shopify-default', options: { ...SIM_MAPPING, shippingMethods: { ...SIM_MAPPING.shippingMethods, [SETTING]: 'Standard' } } } };
const base = pipelineConfigObject(om, shop);
const cfgObject = {
  ...base,
  stores: [],
  server: { ...base.server, publicUrl: 'http://127.0.0.1:1', install: { apiKey: SHOPIFY_SIM_DEFAULTS.shop.clientId, apiSecret: { env: 'T_APP_SECRET', default: APP_SECRET }, merchantId: 'merchant-e2e', storeDefaults: defaults, apiOrigin: shop.url } },
};
const ENV = { ORDERSYNC_SECRET_KEY: KEY };
const service = await startPipeline(config(cfgObject), dbUrl, { env: ENV });
const url = `http://127.0.0.1:${service.port}`;
const whereIs = async (v: string) => (await whereAre(db, [v]))[v]!;
/** The values found somewhere, with where: {} when none is. */
const found = async (values: string[]) => Object.fromEntries(Object.entries(await whereAre(db, values)).filter(([, at]) => at.length));
const missing = async (values: string[]) => Object.entries(await whereAre(db, values)).filter(([, at]) => !at.length).map(([v]) => v);

// The customer, as the test declares them: every value must be gone after shop/redact.
const OTTO = { email: 'ottoline.vexley@example.net', phone: '+44 20 7946 0888', firstName: 'Ottoline', lastName: 'Vexleyworth', street: '12 Quillfeather Row', city: 'Upper Wobbleton', zip: 'QW1 2ZZ', note: 'Leave by the gnome, Ottoline' };
const address = { firstName: OTTO.firstName, lastName: OTTO.lastName, company: null, address1: OTTO.street, address2: null, city: OTTO.city, provinceCode: null, zip: OTTO.zip, countryCodeV2: 'GB', phone: OTTO.phone };
const line = { sku: 'MUG-11OZ-WHITE', variant: { id: 'gid://shopify/ProductVariant/MUG-11OZ-WHITE', sku: 'MUG-11OZ-WHITE' } as never, quantity: 1, currentQuantity: 1, unfulfilledQuantity: 1 };
const otto = explicitOrder({ email: OTTO.email, phone: OTTO.phone, note: OTTO.note, shippingAddress: address, billingAddress: address }, [line]);
await post(`${shop.url}/_sim/orders`, { orders: [otto] });

/** A webhook as Shopify sends it, signed with the app's client secret. */
function webhook(topic: string, body: string, o: { id?: string; domain?: string; secret?: string } = {}) {
  return fetch(`${url}/webhooks/shopify${PRIVACY.has(topic) ? '/compliance' : ''}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-shopify-topic': topic,
      'x-shopify-shop-domain': o.domain ?? SHOP,
      'x-shopify-hmac-sha256': hmacBase64(o.secret ?? APP_SECRET, body),
      'x-shopify-triggered-at': new Date().toISOString(),
      'x-shopify-webhook-id': o.id ?? randomUUID(),
    },
    body,
  });
}
const PRIVACY = new Set(['customers/data_request', 'customers/redact', 'shop/redact']);
const shopRedactBody = (domain: string = SHOP) => JSON.stringify({ shop_id: 548380009, shop_domain: domain });
const dataRequestBody = (request: number) => `{"shop_id":548380009,"shop_domain":"${SHOP}","orders_requested":[${otto.id.split('/').pop()}],"customer":{"id":7001,"email":"${OTTO.email}","phone":null},"data_request":{"id":${request}}}`;
const requests = () => db.selectFrom('privacy_requests').select(['id', 'topic', 'status', 'store_id', 'result', 'export_expired_at']).orderBy('id').execute();
const requestDone = (id: string) => eventually(async () => (await db.selectFrom('privacy_requests').select('status').where('id', '=', id).executeTakeFirst())?.status === 'done', async () => `request ${id}: ${JSON.stringify(await requests())}`, 30_000);
const privacyJobs = async () => Number((await sql<{ n: number }>`select count(*)::int as n from pgboss.job where name = ${Q.privacyRequest}`.execute(db)).rows[0]!.n);

/** Installs the shop (what the OAuth callback records) and waits until its order is in OrderMesh's hands. */
async function installAndSubmit(): Promise<void> {
  const r = await installStore(db, keyring, { shop: SHOP, accessToken: SHOPIFY_SIM_DEFAULTS.shop.accessToken, webhookSecret: APP_SECRET, merchantId: 'merchant-e2e', defaults, apiOrigin: shop.url }, 'test');
  expect(r.storeId).toBe(STORE);
  await eventually(async () => service.deps.stores.has(STORE), () => 'store taken up by the workers', 20_000);
  await eventually(
    async () => (await db.selectFrom('orders').select('state').where('store_order_id', '=', otto.id).executeTakeFirst())?.state === 'submitted' || (await service.boss.send(Q.pullOrders, { storeId: STORE }, { singletonKey: STORE }), false),
    async () => `order submitted: ${JSON.stringify(await db.selectFrom('orders').select(['state', 'last_error_code']).execute())}`,
    30_000,
  );
}

/** Shopify's app/uninstalled: the store is paused, and the workers let it go. */
async function uninstall(): Promise<void> {
  expect((await webhook('app/uninstalled', JSON.stringify({ id: 548380009, domain: SHOP }))).status).toBe(200);
  await eventually(async () => !service.deps.stores.has(STORE), () => 'store let go by the workers', 20_000);
}

/** What the shop left in the ledger that must go: the customer's values, the sealed token, a setting, the domain. */
async function planted(): Promise<string[]> {
  const row = await db.selectFrom('stores').select('secrets_sealed').where('id', '=', STORE).executeTakeFirst();
  const sealed = Object.values((row?.secrets_sealed as Record<string, string> | null) ?? {});
  return [...Object.values(OTTO), ...sealed, SETTING, SHOP];
}

await addLedgerStore(db, keyring, { id: 'bystander', shopDomain: 'bystander.myshopify.com', merchantId: 'm-bystander', enabled: false, mapping: { module: 'shopify-default', options: SIM_MAPPING }, auth: { type: 'accessToken' } }, { shopifyToken: 'shpat_bystander' }, 'test');
const bystander = await db.selectFrom('stores').selectAll().where('id', '=', 'bystander').executeTakeFirstOrThrow();
await installAndSubmit();

describe('shop/redact after an uninstall, and retention of exports and receipts', () => {
  it('drops a data-request export nobody fetched within privacy.exportDays; a recent one stays', async () => {
    // Two requests of the same customer: two webhooks, each with its own data_request.id.
    for (const request of [8001, 8002]) expect((await webhook('customers/data_request', dataRequestBody(request), { id: randomUUID() })).status).toBe(200);
    const [old, recent] = await requests();
    expect([old!.topic, recent!.topic]).toEqual(['customers/data_request', 'customers/data_request']);
    await requestDone(old!.id);
    await requestDone(recent!.id);
    // Time, not the code under test: the first export was prepared 31 days ago.
    await db.updateTable('privacy_requests').set({ done_at: sql`now() - interval '31 days'` as never }).where('id', '=', old!.id).execute();

    await retentionSweep(service.deps);
    const holding = async (id: string) => Number((await sql<{ n: number }>`select count(*)::int as n from privacy_requests where id = ${id} and result::text ilike ${`%${OTTO.street}%`}`.execute(db)).rows[0]!.n);
    expect(await holding(old!.id)).toBe(0);
    expect(await holding(recent!.id)).toBe(1);
    // What `privacy requests [--fetch]` and the admin API hand over.
    expect(await fetchExport(db, old!.id)).toMatchObject({ ok: false, reason: 'EXPIRED' });
    expect((await listRequests(db)).map((r) => [r.id, r.exportReady])).toEqual([[recent!.id, true], [old!.id, false]]);
  });

  it('a data request replayed under a new webhook id (its signed body captured) stores no second export; a new data_request.id does', async () => {
    const exports = async () => (await requests()).filter((r) => r.topic === 'customers/data_request').map((r) => r.id);
    const [before, jobsBefore] = [await exports(), await privacyJobs()];
    expect(before.length).toBe(2);
    for (const id of [randomUUID(), randomUUID()]) {
      const res = await webhook('customers/data_request', dataRequestBody(8001), { id });
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ received: true, duplicate: true });
    }
    // Requests and their jobs are written before the answer: none now means none will come.
    expect(await exports()).toEqual(before);
    expect(await privacyJobs()).toBe(jobsBefore);
    // The same, once the first request's receipt has expired: the request row still says it came.
    // Time, not the code under test: that receipt is a day past the period, and retention removes it.
    const key = `customers/data_request:${createHash('sha256').update(`${SHOP}\n8001`).digest('base64url')}`;
    await db.updateTable('webhook_receipts').set({ received_at: sql`now() - make_interval(days => ${RECEIPT_DAYS + 1})` as never }).where('delivery_id', '=', key).execute();
    await retentionSweep(service.deps);
    expect(await db.selectFrom('webhook_receipts').select('delivery_id').where('delivery_id', '=', key).execute()).toEqual([]);
    expect((await webhook('customers/data_request', dataRequestBody(8001))).status).toBe(200);
    expect(await exports()).toEqual(before);

    const fresh = await webhook('customers/data_request', dataRequestBody(8003));
    expect(await fresh.json()).toEqual({ received: true, duplicate: false });
    const after = await exports();
    expect(after.length).toBe(3);
    await requestDone(after.at(-1)!);
  });

  it('shop/redact while the app is installed (a captured one replayed under a new webhook id) is acknowledged and wipes nothing', async () => {
    const values = await planted();
    expect(await missing(values)).toEqual([]);
    const [storeBefore, ordersBefore, requestsBefore, jobsBefore] = [await db.selectFrom('stores').selectAll().where('id', '=', STORE).executeTakeFirst(), await db.selectFrom('orders').select(['id', 'state']).orderBy('id').execute(), await requests(), await privacyJobs()];
    expect(storeBefore).toMatchObject({ enabled: true, paused_reason: null });
    expect(ordersBefore).not.toEqual([]);

    const res = await webhook('shop/redact', shopRedactBody(), { id: randomUUID() });
    expect(res.status).toBe(200);
    // A request and its job are written before the answer, so their absence now means none will come.
    expect(await requests()).toEqual(requestsBefore);
    expect(await privacyJobs()).toBe(jobsBefore);
    expect(await db.selectFrom('stores').selectAll().where('id', '=', STORE).executeTakeFirst()).toEqual(storeBefore);
    expect(await db.selectFrom('orders').select(['id', 'state']).orderBy('id').execute()).toEqual(ordersBefore);
    expect(await missing(values)).toEqual([]);
    const warning = await db.selectFrom('events').select(['store_id', 'kind', 'message']).where('kind', '=', 'shop_redact_ignored').execute();
    expect(warning).toEqual([{ store_id: STORE, kind: 'shop_redact_ignored', message: 'shop/redact received while the app is installed: ignored' }]);
    expect(await res.json()).toEqual({ ignored: 'shop/redact received while the app is installed: ignored' });
    // The next test uninstalls the app: the shop/redact that follows is acted on.
  });

  it('shop/redact 48 hours after app/uninstalled is accepted (verified with the app secret) and leaves nothing of the shop: its orders, its sealed token, its settings', async () => {
    const values = await planted();
    expect(await missing(values)).toEqual([]);
    await uninstall();
    expect(await db.selectFrom('stores').select(['enabled', 'paused_reason']).where('id', '=', STORE).executeTakeFirst()).toEqual({ enabled: false, paused_reason: 'UNINSTALLED' });

    const before = await requests();
    expect((await webhook('shop/redact', shopRedactBody(), { secret: 'not-the-app-secret' })).status).toBe(401);
    expect(await requests()).toEqual(before);
    const res = await webhook('shop/redact', shopRedactBody(), { id: 'b54557e4-bdd9-4b37-8a5f-bf7d70bcd043' });
    expect(res.status).toBe(200);
    const redact = (await requests()).find((r) => r.topic === 'shop/redact')!;
    await requestDone(redact.id);

    expect(await found(values)).toEqual({});
    expect(await db.selectFrom('stores').select('id').where('id', '=', STORE).execute()).toEqual([]);
    expect(await db.selectFrom('orders').select('id').execute()).toEqual([]);
    // Another shop's store is not touched.
    expect(await db.selectFrom('stores').selectAll().where('id', '=', 'bystander').executeTakeFirst()).toEqual(bystander);
  });

  it('a second shop/redact (installed again, uninstalled and removed again) is acted on; a retry of it is not', async () => {
    await installAndSubmit();
    const values = await planted();
    expect(await missing(values)).toEqual([]);
    await uninstall();
    // The operator removes the store too: it has orders, so its row stays, paused, its secrets dropped.
    expect(await removeLedgerStore(db, STORE, 'cli:store:test')).toBe('retired');

    // Shopify's body is the same as the first shop/redact's; its webhook id is new.
    const id = '3f1c2a9e-7d41-4c1b-9a55-0b8e2f6d1c77';
    const res = await webhook('shop/redact', shopRedactBody(), { id });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ received: true, duplicate: false });
    const redact = (await requests()).filter((r) => r.topic === 'shop/redact').at(-1)!;
    await requestDone(redact.id);
    expect(await found(values)).toEqual({});
    expect(await db.selectFrom('stores').select('id').where('id', '=', STORE).execute()).toEqual([]);

    // Shopify's retry of that webhook: acknowledged; no request recorded, no job queued (both are written before the answer).
    const [requestsBefore, jobsBefore] = [await requests(), await privacyJobs()];
    const retry = await webhook('shop/redact', shopRedactBody(), { id });
    expect(retry.status).toBe(200);
    expect(await retry.json()).toEqual({ received: true, duplicate: true });
    expect(await requests()).toEqual(requestsBefore);
    expect(await privacyJobs()).toBe(jobsBefore);
  });

  it('shop/redact of a shop whose store row is gone removes the audit trail that still names it', async () => {
    const GONE = 'gone-shop.myshopify.com';
    // Installed without a merchant (so never run), then removed: no orders, so its row is deleted; its events stay.
    const { storeId } = await installStore(db, keyring, { shop: GONE, accessToken: 'shpat_gone', webhookSecret: APP_SECRET, defaults }, 'test');
    expect(await removeLedgerStore(db, storeId, 'cli:store:test')).toBe('removed');
    expect(await whereIs(GONE)).not.toEqual([]);

    const res = await webhook('shop/redact', shopRedactBody(GONE), { domain: GONE });
    expect(res.status).toBe(200);
    const redact = (await requests()).filter((r) => r.topic === 'shop/redact').at(-1)!;
    expect(redact.store_id).toBe(storeId);
    await requestDone(redact.id);
    expect(await whereIs(GONE)).toEqual([]);

    // A shop the ledger never held: verified, acknowledged, nothing recorded.
    const before = await requests();
    const none = await webhook('shop/redact', shopRedactBody('never-here.myshopify.com'), { domain: 'never-here.myshopify.com' });
    expect(none.status).toBe(200);
    expect(await requests()).toEqual(before);
  });

  it(`webhook receipts older than ${RECEIPT_DAYS} days expire; newer ones stay`, async () => {
    const receipts = async () => (await db.selectFrom('webhook_receipts').select('delivery_id').orderBy('delivery_id').execute()).map((r) => r.delivery_id);
    const all = await receipts();
    expect(all).toContain('webhook-id:b54557e4-bdd9-4b37-8a5f-bf7d70bcd043');
    // Time, not the code under test: the first shop/redact's receipt is a day past the period.
    await db.updateTable('webhook_receipts').set({ received_at: sql`now() - make_interval(days => ${RECEIPT_DAYS + 1})` as never }).where('delivery_id', '=', 'webhook-id:b54557e4-bdd9-4b37-8a5f-bf7d70bcd043').execute();
    await retentionSweep(service.deps);
    expect(await receipts()).toEqual(all.filter((d) => d !== 'webhook-id:b54557e4-bdd9-4b37-8a5f-bf7d70bcd043'));
  });
});

describe('shop/redact of a config store set enabled: false after app/uninstalled', () => {
  it('is verified with the config file\'s webhook secret of the disabled store and leaves none of its customers\' data', async () => {
    // A deployment of its own: a store in the config file, no app secret (server.install), no ledger store.
    const { url: dbUrl2, db: db2 } = await freshDb();
    const om2 = await ordermeshSim();
    const shop2 = await shopifySim({ restoreRate: 1000 });
    const SECRET = 'config-store-webhook-secret-5521';
    const base2 = pipelineConfigObject(om2, shop2);
    const withStore = (enabled: boolean) => ({ ...base2, stores: [{ ...base2.stores[0]!, enabled, webhookSecret: { env: 'T_CFG_WEBHOOK', default: SECRET } }] });
    await post(`${shop2.url}/_sim/orders`, { orders: [otto] });
    const running = await startPipeline(config(withStore(true)), dbUrl2);
    await eventually(
      async () => (await db2.selectFrom('orders').select('state').where('store_order_id', '=', otto.id).executeTakeFirst())?.state === 'submitted' || (await running.boss.send(Q.pullOrders, { storeId: STORE }, { singletonKey: STORE }), false),
      async () => `order submitted: ${JSON.stringify(await db2.selectFrom('orders').select(['state', 'last_error_code']).execute())}`,
      30_000,
    );
    const values = Object.values(OTTO);
    expect(Object.values(await whereAre(db2, values)).filter((at) => !at.length)).toEqual([]);

    // The operator did what app/uninstalled's warning says: enabled: false, and a restart.
    await running.stop();
    const disabled = await startPipeline(config(withStore(false)), dbUrl2);
    expect(disabled.deps.stores.has(STORE)).toBe(false);
    const body = shopRedactBody();
    const send = (secret: string) =>
      fetch(`http://127.0.0.1:${disabled.port}/webhooks/shopify/compliance`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-shopify-topic': 'shop/redact', 'x-shopify-shop-domain': SHOP, 'x-shopify-hmac-sha256': hmacBase64(secret, body), 'x-shopify-webhook-id': randomUUID() },
        body,
      });
    expect((await send('not-the-store-secret')).status).toBe(401);
    const res = await send(SECRET);
    expect(res.status).toBe(200);
    const redact = await db2.selectFrom('privacy_requests').select('id').where('topic', '=', 'shop/redact').executeTakeFirstOrThrow();
    await eventually(async () => (await db2.selectFrom('privacy_requests').select('status').where('id', '=', redact.id).executeTakeFirst())?.status === 'done', () => 'shop/redact done', 30_000);

    expect(Object.fromEntries(Object.entries(await whereAre(db2, values)).filter(([, at]) => at.length))).toEqual({});
    expect(await db2.selectFrom('orders').select('id').execute()).toEqual([]);
  });
});
