import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';
import { describe, expect, it, onTestFinished } from 'vitest';
import { Q } from '../../src/jobs/queues.ts';
import { simShops } from '../../src/sim/defaults.ts';
import { SHOPIFY_SIM_DEFAULTS } from '../../src/sim/shopify/server.ts';
import { Keyring } from '../../src/util/secret-box.ts';
import { exited, runCli, spawnCli, watchOutput } from '../helpers/cli.ts';
import { freshDb } from '../helpers/db.ts';
import { ordermeshSim } from '../helpers/ordermesh.ts';
import { config, eventually, pipelineConfigObject, SIM_MAPPING, startPipeline, STORE_ID, writePipelineConfig } from '../helpers/pipeline.ts';
import { explicitOrder, post, shopifySim } from '../helpers/shopify.ts';

/**
 * A configured store keeps taking in every order of its shop whatever happens to the ledger's stores
 * meanwhile (issue 34, item 3). Seen by a user: after `store add` gave a second store the configured
 * store's shop, the configured store took in nothing, even after `store remove`, and an order never
 * reached the ledger: a Shopify client made for a shop re-pointed every client of that shop to its
 * origin. Here the shop has a twin on a second simulator (B), with an order of its own, where a second
 * store of the shop or an install would point; the configured store must read its own simulator (A)
 * only, and take in every order A has. Judged by comparing the ledger's orders with A's own list.
 */
const { url: dbUrl, db } = await freshDb();
const om = await ordermeshSim();
const SHOPS = simShops(2);
const SHOP = SHOPIFY_SIM_DEFAULTS.shop.domain;
const a = await shopifySim({ restoreRate: 1000, shops: SHOPS });
const b = await shopifySim({ restoreRate: 1000 });
const KEY = randomBytes(32).toString('base64');
const withStore = pipelineConfigObject(om, a);
const service = await startPipeline(
  config({
    ...withStore,
    server: {
      ...withStore.server,
      publicUrl: 'http://127.0.0.1:1',
      install: { apiKey: SHOPIFY_SIM_DEFAULTS.shop.clientId, apiSecret: { env: 'T_APP_SECRET', default: SHOPIFY_SIM_DEFAULTS.shop.appSecret }, merchantId: 'merchant-e2e', storeDefaults: { holdMinutes: 0, mapping: { module: 'shopify-default', options: SIM_MAPPING } }, apiOrigin: b.url },
    },
  }),
  dbUrl,
  { env: { ORDERSYNC_SECRET_KEY: KEY } },
);
const env = { DATABASE_URL: dbUrl, ORDERSYNC_SECRET_KEY: KEY, T_TOKEN: SHOPIFY_SIM_DEFAULTS.shop.accessToken, T_TOKEN_TWO: SHOPS[1]!.accessToken };
const cliFile = writePipelineConfig(withStore);
const cli = (args: string[]) => runCli([...args, '--config', cliFile], env);
const settings = (origin: string) => {
  const file = path.join(path.dirname(cliFile), `store-${randomBytes(4).toString('hex')}.yaml`);
  writeFileSync(file, stringify({ holdMinutes: 0, apiOrigin: origin, mapping: { module: 'shopify-default', options: SIM_MAPPING } }));
  return file;
};
const place = async (sim: { url: string }, domain = SHOP) => {
  const o = explicitOrder();
  await post(`${sim.url}/_sim/orders`, { shop: domain, orders: [o] });
  return o.id;
};
const simOrders = async (sim: { url: string }, domain = SHOP): Promise<string[]> => ((await (await fetch(`${sim.url}/_sim/state`)).json()) as any).shops[domain].orderList.map((o: { id: string }) => o.id).sort();
const ledgerOrders = async (storeId: string) => (await db.selectFrom('orders').select('store_order_id').where('store_id', '=', storeId).execute()).map((r) => r.store_order_id).sort();
const pull = () => service.boss.send(Q.pullOrders, { storeId: STORE_ID }, { singletonKey: STORE_ID });

/** The merchant's browser installing the app on `shop` through simulator B (see test/server/install.test.ts): the callback's answer. */
async function install(shop: string): Promise<Response> {
  const ours = `http://127.0.0.1:${service.port}`;
  const browser = { 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0 Safari/537.36' };
  const to = (location: string, origin: string) => `${origin}${new URL(location).pathname}${new URL(location).search}`;
  const begin = await fetch(`${ours}/install?shop=${shop}`, { redirect: 'manual', headers: browser });
  expect(begin.status).toBe(302);
  const cookie = begin.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
  const approved = await fetch(to(begin.headers.get('location')!, b.url), { redirect: 'manual', headers: browser });
  expect(approved.status).toBe(302);
  return fetch(to(approved.headers.get('location')!, ours), { headers: { ...browser, cookie } });
}

describe('one shop, one store, while a configured store runs', () => {
  const client = service.deps.stores.get(STORE_ID)!;

  it("`store add` of the configured store's shop is refused, naming it", async () => {
    const twin = await cli(['store', 'add', 'twin', '--shop', SHOP, '--merchant', 'm-twin', '--token-env', 'T_TOKEN', '--settings', settings(b.url)]);
    expect(twin.code).toBe(2);
    expect(twin.stderr).toContain(`${SHOP} is already the config file's store ${STORE_ID}`);
    expect((await db.selectFrom('stores').select('id').orderBy('id').execute()).map((r) => r.id)).toEqual([STORE_ID]);
  });

  it('ledger stores added and removed, one of them of its shop, and an install of its shop elsewhere: its client stays its own and it takes in every order of its shop', async () => {
    await place(b);
    await place(a);
    // A ledger written before the refusal: a second store of the shop, pointed at B.
    const sealed = JSON.stringify({ shopifyToken: new Keyring(Buffer.from(KEY, 'base64')).seal(SHOPIFY_SIM_DEFAULTS.shop.accessToken) });
    const legacy = { id: 'twin', shopDomain: SHOP, merchantId: 'm-twin', apiOrigin: b.url, holdMinutes: 0, mapping: { module: 'shopify-default', options: SIM_MAPPING }, auth: { type: 'accessToken' } };
    await db.insertInto('stores').values({ id: 'twin', platform: 'shopify', shop_domain: SHOP, merchant_id: 'm-twin', mapping_module: 'shopify-default', enabled: true, credentials_ref: 'ledger', source: 'ledger', settings: JSON.stringify(legacy), secrets_sealed: sealed }).execute();
    const other = await cli(['store', 'add', 'other', '--shop', SHOPS[1]!.domain, '--merchant', 'm-other', '--token-env', 'T_TOKEN_TWO', '--settings', settings(a.url)]);
    expect(other.code, other.stderr).toBe(0);
    // The reload that takes `other` up has read `twin` too (added before it): it is left out.
    await eventually(async () => service.deps.stores.has('other'), () => 'other store taken up', 20_000);
    expect(service.deps.stores.has('twin')).toBe(false);
    // A worker starting now stops instead, naming both.
    const starting = spawnCli(['start', '--config', cliFile], env);
    onTestFinished(() => void (starting.exitCode === null && starting.kill('SIGKILL')));
    const { out } = watchOutput(starting);
    expect(await exited(starting), out.stderr).toBe(2);
    expect(out.stderr).toContain(`stores[0].shopDomain: ${SHOP} is store ${STORE_ID}'s and ledger store twin's`);
    await place(a);
    expect((await cli(['store', 'remove', 'twin'])).code).toBe(0);
    expect((await cli(['store', 'remove', 'other'])).code).toBe(0);
    await eventually(async () => !service.deps.stores.has('other'), () => 'other store removed', 20_000);
    await place(a);
    const refused = await install(SHOP);
    expect(refused.status).toBe(409);
    expect(await refused.text()).toContain(`store ${STORE_ID} of the config file`);
    await place(a);
    // Every order simulator A has for the shop reaches the ledger, and nothing else does.
    const own = await simOrders(a);
    expect(own).toHaveLength(4);
    const taken = async () => {
      const ledger = await ledgerOrders(STORE_ID);
      return own.every((id) => ledger.includes(id));
    };
    await eventually(async () => (await taken()) || (await pull(), false), async () => `ledger ${JSON.stringify(await ledgerOrders(STORE_ID))} vs simulator A ${JSON.stringify(own)}`, 30_000);
    expect(await ledgerOrders(STORE_ID)).toEqual(own);
    expect(await ledgerOrders('twin')).toEqual([]);
    expect(service.deps.stores.get(STORE_ID)).toBe(client);
    expect(client.shopify.conn.apiOrigin).toBe(a.url);
  }, 240_000);
});
