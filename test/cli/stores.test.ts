import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { loadLedgerStores } from '../../src/db/ledger-stores.ts';
import { Q } from '../../src/jobs/queues.ts';
import { hmacBase64 } from '../../src/util/hmac.ts';
import { Keyring } from '../../src/util/secret-box.ts';
import { SHOPIFY_SIM_DEFAULTS } from '../../src/sim/shopify/server.ts';
import { simShops } from '../../src/sim/defaults.ts';
import { runCli } from '../helpers/cli.ts';
import { freshDb } from '../helpers/db.ts';
import { ordermeshSim, simState } from '../helpers/ordermesh.ts';
import { config, eventually, pipelineConfigObject, SIM_MAPPING, startPipeline, writePipelineConfig } from '../helpers/pipeline.ts';
import { explicitOrder, post, shopifySim } from '../helpers/shopify.ts';

/**
 * Stores kept in the ledger: added, listed, paused and resumed, removed, their secrets sealed at rest
 * and re-sealed under a new key, taken up by running workers without a restart, paused when the app
 * is uninstalled. Judged from the simulators (orders reaching OrderMesh) and from the database's own
 * bytes (no secret in plain text anywhere in it).
 */
const { url: dbUrl, db } = await freshDb();
const om = await ordermeshSim();
const SHOPS = simShops(2);
const shop = await shopifySim({ restoreRate: 1000, shops: SHOPS });
const KEY = randomBytes(32).toString('base64');
const NEW_KEY = randomBytes(32).toString('hex');
const TOKEN = SHOPIFY_SIM_DEFAULTS.shop.accessToken;
const WEBHOOK_SECRET = SHOPIFY_SIM_DEFAULTS.shop.appSecret;
// The service runs no store of its config file: only the ledger's.
const withStore = pipelineConfigObject(om, shop);
const noStores = { ...withStore, stores: [] };
const service = await startPipeline(config(noStores), dbUrl, { env: { ORDERSYNC_SECRET_KEY: KEY } });
const cfgFile = writePipelineConfig(noStores);
// The second store's webhook secret differs from the first's: a delivery found the wrong store would fail its HMAC.
const WEBHOOK_SECRET_TWO = randomBytes(16).toString('hex');
const env = { DATABASE_URL: dbUrl, ORDERSYNC_SECRET_KEY: KEY, T_TOKEN: TOKEN, T_WEBHOOK: WEBHOOK_SECRET, T_TOKEN_TWO: SHOPS[1]!.accessToken, T_WEBHOOK_TWO: WEBHOOK_SECRET_TWO };
const cli = (args: string[], more: NodeJS.ProcessEnv = {}) => runCli([...args, '--config', cfgFile], { ...env, ...more });
const settingsFile = path.join(path.dirname(cfgFile), 'store.yaml');
writeFileSync(settingsFile, stringify({ holdMinutes: 0, apiOrigin: shop.url, mapping: { module: 'shopify-default', options: SIM_MAPPING } }));
const ID = 'ledger-shop';
const ID_TWO = 'ledger-shop-two';

/** Every row of every table, as text: what a dump of the database would hold. */
async function everythingStored(): Promise<string> {
  const tables = await sql<{ s: string; t: string }>`select table_schema as s, table_name as t from information_schema.tables where table_schema in ('public', 'pgboss') and table_type = 'BASE TABLE'`.execute(db);
  const out: string[] = [];
  for (const { s, t } of tables.rows) out.push(...(await sql<{ r: string }>`select row_to_json(x)::text as r from ${sql.table(`${s}.${t}`)} x`.execute(db)).rows.map((r) => r.r));
  return out.join('\n');
}
const pull = () => service.boss.send(Q.pullOrders, { storeId: ID }, { singletonKey: ID });
const mug = { sku: 'MUG-11OZ-WHITE', variant: { id: 'gid://shopify/ProductVariant/1', sku: 'MUG-11OZ-WHITE' } as never, quantity: 1, currentQuantity: 1, unfulfilledQuantity: 1 };
async function place(domain = SHOPS[0]!.domain) {
  const o = explicitOrder({}, [mug]);
  await post(`${shop.url}/_sim/orders`, { shop: domain, orders: [o] });
  return o;
}
const inOrderMesh = async (id: string) => (await simState(om)).orders.filter((x: any) => x.meta?.shopifyOrderId === id);

describe('stores kept in the ledger', () => {
  it('`store add` seals its secrets; a running worker takes the store up within seconds and its orders reach OrderMesh', async () => {
    const add = await cli(['store', 'add', ID, '--shop', SHOPIFY_SIM_DEFAULTS.shop.domain, '--merchant', 'merchant-e2e', '--token-env', 'T_TOKEN', '--webhook-secret-env', 'T_WEBHOOK', '--settings', settingsFile]);
    expect(add.code, add.stderr).toBe(0);
    await eventually(async () => service.deps.stores.has(ID), () => 'store taken up', 20_000);
    const o = await place();
    await eventually(async () => (await inOrderMesh(o.id)).length === 1 || (await pull(), false), () => 'order in OrderMesh', 30_000);
    const stored = await everythingStored();
    expect(stored).not.toContain(TOKEN);
    expect(stored).not.toContain(WEBHOOK_SECRET);
    const list = JSON.parse((await cli(['store', 'list', '--json'])).stdout);
    expect(list).toEqual([expect.objectContaining({ id: ID, source: 'ledger', enabled: true, keyId: new Keyring(Buffer.from(KEY, 'base64')).currentKeyId })]);
  });

  it('refuses an id the config file has, a missing secret, and a setting the config would refuse, naming it', async () => {
    const both = await runCli(['store', 'add', 'sim-shop', '--shop', 'other.myshopify.com', '--merchant', 'm', '--token-env', 'T_TOKEN', '--config', writePipelineConfig(withStore)], env);
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('"sim-shop" is a store of the config file');
    const unset = await cli(['store', 'add', 'x-shop', '--shop', 'x.myshopify.com', '--merchant', 'm', '--token-env', 'NOT_SET_ANYWHERE']);
    expect(unset.code).toBe(2);
    expect(unset.stderr).toContain('NOT_SET_ANYWHERE is not set');
    const bad = await cli(['store', 'add', 'x-shop', '--shop', 'not-a-shop', '--merchant', 'm', '--token-env', 'T_TOKEN']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('store.shopDomain: must be a *.myshopify.com domain');
    const nokey = await cli(['store', 'add', 'x-shop', '--shop', 'x.myshopify.com', '--merchant', 'm', '--token-env', 'T_TOKEN'], { ORDERSYNC_SECRET_KEY: '' });
    expect(nokey.code).toBe(2);
    expect(nokey.stderr).toContain('ORDERSYNC_SECRET_KEY is not set');
    expect(JSON.parse((await cli(['store', 'list', '--json'])).stdout).map((s: any) => s.id)).toEqual([ID]);
  });

  it('refuses a shop another ledger store has, naming that store (two stores of one shop would each submit every order)', async () => {
    const twin = await cli(['store', 'add', 'twin-shop', '--shop', SHOPIFY_SIM_DEFAULTS.shop.domain, '--merchant', 'm', '--token-env', 'T_TOKEN', '--settings', settingsFile]);
    expect(twin.code).toBe(2);
    expect(twin.stderr).toContain(`store.shopDomain: ${SHOPIFY_SIM_DEFAULTS.shop.domain} is already ledger store ${ID}: one shop, one store`);
    expect(JSON.parse((await cli(['store', 'list', '--json'])).stdout).map((s: any) => s.id)).toEqual([ID]);
  });

  it('a worker started without the key that opens the ledger secrets stops at start, naming ORDERSYNC_SECRET_KEY', async () => {
    const res = await cli(['start'], { ORDERSYNC_SECRET_KEY: '', PORT: '0' });
    expect(res.code).toBe(2);
    expect(res.stderr).toContain('ORDERSYNC_SECRET_KEY');
    expect(res.stderr).toContain(`ledger store ${ID}`);
  });

  it('every command that takes --store takes a ledger store: show, status, sku, map, order show', async () => {
    const show = await cli(['store', 'show', ID]);
    expect(show.code, show.stderr).toBe(0);
    expect(show.stdout).toContain(`store ${ID} (${SHOPIFY_SIM_DEFAULTS.shop.domain})`);
    expect(show.stdout).toMatch(/source\s+the ledger/);
    expect(show.stdout).toMatch(/secrets\s+shopifyToken, webhookSecret, sealed with key/);
    expect(show.stdout).toContain('store_added');
    expect(show.stdout).toMatch(/submitted\s+1/);
    expect(show.stdout).not.toContain(TOKEN);
    const shown = JSON.parse((await cli(['store', 'show', ID, '--json'])).stdout);
    expect(shown).toMatchObject({ id: ID, source: 'ledger', enabled: true, merchantId: 'merchant-e2e', settings: { holdMinutes: 0 }, status: { store: ID, states: { submitted: 1 } } });
    expect(JSON.stringify(shown)).not.toContain(TOKEN);
    const status = await cli(['status', '--store', ID, '--json']);
    expect(status.code, status.stderr).toBe(0);
    expect(JSON.parse(status.stdout).items).toEqual([expect.objectContaining({ store: ID, states: { submitted: 1 } })]);
    const set = await cli(['sku', 'set', '--store', ID, 'POSTER-A1', 'POSTER-A1-MATTE']);
    expect(set.code, set.stderr).toBe(0);
    expect(JSON.parse((await cli(['sku', 'list', '--store', ID, '--json'])).stdout).items).toContainEqual(expect.objectContaining({ storeSku: 'POSTER-A1', ordermeshSku: 'POSTER-A1-MATTE', source: 'ledger' }));
    // map reads the order from the shop with the ledger store's own sealed token.
    const o = await place();
    const map = await cli(['map', '--store', ID, '--order', o.id]);
    expect(map.code, map.stderr).toBe(0);
    expect(JSON.parse(map.stdout)).toMatchObject({ kind: 'mapped', model: { merchantId: 'merchant-e2e', items: [expect.objectContaining({ sku: 'MUG-11OZ-WHITE' })] } });
    const sent = (await simState(om)).orders.find((x: any) => x.merchantId === 'merchant-e2e');
    const story = await cli(['order', 'show', sent.safeId, '--store', ID, '--json', '--no-ordermesh']);
    expect(story.code, story.stderr).toBe(0);
    expect(JSON.parse(story.stdout).order).toMatchObject({ store: ID, safeId: sent.safeId });
  });

  it('a second ledger store is taken up without rebuilding the first; a Shopify webhook naming its shop reaches it', async () => {
    const first = service.deps.stores.get(ID);
    const add = await cli(['store', 'add', ID_TWO, '--shop', SHOPS[1]!.domain, '--merchant', 'merchant-two', '--token-env', 'T_TOKEN_TWO', '--webhook-secret-env', 'T_WEBHOOK_TWO', '--settings', settingsFile]);
    expect(add.code, add.stderr).toBe(0);
    await eventually(async () => service.deps.stores.has(ID_TWO), () => 'second store taken up', 20_000);
    // The first store's runtime is the same object: its Shopify client (connections, throttle state) kept.
    expect(service.deps.stores.get(ID)).toBe(first);
    const o = await place(SHOPS[1]!.domain);
    const raw = JSON.stringify({ id: 1, admin_graphql_api_id: o.id });
    const res = await fetch(`http://127.0.0.1:${service.port}/webhooks/shopify`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-shopify-shop-domain': SHOPS[1]!.domain, 'x-shopify-topic': 'orders/create', 'x-shopify-hmac-sha256': hmacBase64(WEBHOOK_SECRET_TWO, raw), 'x-shopify-triggered-at': new Date().toISOString() },
      body: raw,
    });
    expect(res.status, await res.text()).toBe(200);
    await eventually(async () => (await inOrderMesh(o.id)).some((x: any) => x.merchantId === 'merchant-two'), () => 'the second store order in OrderMesh', 30_000);
    // Retired again (kept: it has an order), so the rest of this file runs one ledger store.
    expect((await cli(['store', 'remove', ID_TWO])).code).toBe(0);
  });

  it('paused, the store is left alone; resumed, it runs again', async () => {
    expect((await cli(['store', 'pause', ID, '--reason', 'merchant on holiday'])).code).toBe(0);
    await eventually(async () => !service.deps.stores.has(ID), () => 'store left out', 20_000);
    expect((await cli(['store', 'list'])).stdout).toContain(`${ID}  ${SHOPIFY_SIM_DEFAULTS.shop.domain}  merchant merchant-e2e  ledger  paused (merchant on holiday)`);
    expect((await cli(['store', 'resume', ID])).code).toBe(0);
    await eventually(async () => service.deps.stores.has(ID), () => 'store back', 20_000);
    const o = await place();
    await eventually(async () => (await inOrderMesh(o.id)).length === 1 || (await pull(), false), () => 'order in OrderMesh', 30_000);
  });

  it("Shopify's app/uninstalled webhook pauses the store", async () => {
    const raw = JSON.stringify({ id: 1, domain: SHOPIFY_SIM_DEFAULTS.shop.domain });
    const res = await fetch(`http://127.0.0.1:${service.port}/webhooks/shopify`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-shopify-shop-domain': SHOPIFY_SIM_DEFAULTS.shop.domain, 'x-shopify-topic': 'app/uninstalled', 'x-shopify-hmac-sha256': hmacBase64(WEBHOOK_SECRET, raw), 'x-shopify-triggered-at': new Date().toISOString() },
      body: raw,
    });
    expect(res.status).toBe(200);
    expect(JSON.parse((await cli(['store', 'list', '--json'])).stdout)[0]).toMatchObject({ enabled: false, pausedReason: 'UNINSTALLED' });
  });

  it('a new key: `store rekey` re-seals every secret with it (the old one given as old), after which the old key opens nothing', async () => {
    expect((await cli(['store', 'resume', ID])).code).toBe(0);
    const res = await cli(['store', 'rekey'], { ORDERSYNC_SECRET_KEY: NEW_KEY, ORDERSYNC_SECRET_KEYS_OLD: KEY });
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toContain('1 store(s) re-sealed');
    const fresh = await loadLedgerStores(db, new Keyring(Buffer.from(NEW_KEY, 'hex')), (err) => { throw err; });
    expect(fresh.secrets.get(ID)).toEqual({ shopifyToken: TOKEN, shopifyClientSecret: undefined, webhookSecret: WEBHOOK_SECRET });
    const problems: string[] = [];
    await loadLedgerStores(db, new Keyring(Buffer.from(KEY, 'base64')), (err) => problems.push((err as Error).message));
    expect(problems).toEqual([expect.stringContaining('neither ORDERSYNC_SECRET_KEY nor ORDERSYNC_SECRET_KEYS_OLD holds')]);
    expect(await everythingStored()).not.toContain(TOKEN);
  });

  it('`store remove` keeps a store that has orders (paused, secrets dropped) so its orders stay visible', async () => {
    const res = await cli(['store', 'remove', ID]);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toContain('has orders: kept, paused, its secrets dropped');
    expect(await db.selectFrom('stores').select(['secrets_sealed', 'enabled']).where('id', '=', ID).executeTakeFirst()).toEqual({ secrets_sealed: null, enabled: false });
  });

  it('a removed store is not resumed beside the store its shop has now: one shop, one store', async () => {
    const again = await cli(['store', 'add', 'ledger-shop-again', '--shop', SHOPIFY_SIM_DEFAULTS.shop.domain, '--merchant', 'm', '--token-env', 'T_TOKEN', '--settings', settingsFile]);
    expect(again.code, again.stderr).toBe(0);
    const resume = await cli(['store', 'resume', ID]);
    expect(resume.code).toBe(2);
    expect(resume.stderr).toContain(`${ID} was removed: add the shop again`);
    const live = await db.selectFrom('stores').select(['id', 'enabled']).where('shop_domain', '=', SHOPIFY_SIM_DEFAULTS.shop.domain).orderBy('id').execute();
    expect(live).toEqual([{ id: ID, enabled: false }, { id: 'ledger-shop-again', enabled: true }]);
    expect((await cli(['store', 'remove', 'ledger-shop-again'])).code).toBe(0);
  });

  it('`store show` of a config store names the file and shows its entry without its secrets, not even a default', async () => {
    const file = writePipelineConfig(withStore);
    const show = await runCli(['store', 'show', 'sim-shop', '--config', file], env);
    expect(show.code, show.stderr).toBe(0);
    expect(show.stdout).toContain(`source    the config file (${file})`);
    expect(show.stdout).toMatch(/auth:\s+type: accessToken/);
    expect(show.stdout).not.toContain(TOKEN);
    expect(show.stdout).not.toContain(WEBHOOK_SECRET);
  });
});
