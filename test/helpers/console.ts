import { freshDb } from './db.ts';
import { ordermeshSim } from './ordermesh.ts';
import { config, eventually, pipelineConfigObject, startPipeline, STORE_ID } from './pipeline.ts';
import { seedOrders, shopifySim } from './shopify.ts';
import { Q } from '../../src/jobs/queues.ts';
import { simShops } from '../../src/sim/defaults.ts';

export const VIEWER = 'viewer-token-0123456789abcdef';
export const OPERATOR = 'operator-token-0123456789abcdef';
/** A support token: reads like a viewer, with the customers' personal data. */
export const SUPPORT = 'support-token-0123456789abcdef';
/** consoleFixture's second store, when asked for: the Shopify simulator's second shop. */
export const SECOND_STORE = 'sim-shop-b';

/**
 * A running service with the console on (a viewer, a support and an operator token), over a ledger seeded from the
 * Shopify simulator's messy orders, pulled and submitted: orders in many states, failures of several
 * reasons, some shipped and written back.
 */
export async function consoleFixture(orders = 60, opts: { secondStore?: boolean } = {}) {
  const { url, db } = await freshDb();
  const om = await ordermeshSim();
  // With a second store (SECOND_STORE, the simulator's second shop): its orders are the test's to place.
  const shops = simShops(opts.secondStore ? 2 : 1);
  const shop = await shopifySim({ restoreRate: 1000, shops });
  const simConfig = pipelineConfigObject(om, shop);
  const second = { ...simConfig.stores[0]!, id: SECOND_STORE, shopDomain: shops[1]?.domain, auth: { type: 'accessToken', accessToken: { env: 'T_SHOP_TOKEN_B', default: shops[1]?.accessToken } } };
  const cfg = config({
    ...simConfig,
    stores: opts.secondStore ? [...simConfig.stores, second] : simConfig.stores,
    server: {
      port: 0,
      host: '127.0.0.1',
      admin: {
        tokens: [
          { name: 'watcher', role: 'viewer', token: { env: 'T_ADMIN_VIEWER', default: VIEWER } },
          { name: 'ops', role: 'operator', token: { env: 'T_ADMIN_OPERATOR', default: OPERATOR } },
          { name: 'care', role: 'support', token: { env: 'T_ADMIN_SUPPORT', default: SUPPORT } },
        ],
      },
    },
  });
  const service = await startPipeline(cfg, url);
  const base = `http://127.0.0.1:${service.port}`;
  const ids = await seedOrders(shop, { count: orders, seed: 23 });
  await service.boss.send(Q.pullOrders, { storeId: STORE_ID }, { singletonKey: STORE_ID });
  const settled = async () => {
    const rows = await db.selectFrom('orders').select(['state']).execute();
    return rows.length === orders && rows.every((r) => r.state !== 'pending' && r.state !== 'submitting');
  };
  await eventually(settled, async () => JSON.stringify(await db.selectFrom('orders').select(['state']).execute()), 120_000);
  const api = async (path: string, opts: { token?: string | null; method?: string; body?: unknown } = {}) => {
    const token = opts.token === undefined ? OPERATOR : opts.token;
    const res = await fetch(`${base}${path}`, {
      method: opts.method ?? (opts.body ? 'POST' : 'GET'),
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(opts.body ? { 'content-type': 'application/json' } : {}) },
      body: opts.body ? JSON.stringify(opts.body) : undefined,
    });
    const text = await res.text();
    let json: any;
    try {
      json = JSON.parse(text);
    } catch {
      json = text;
    }
    return { status: res.status, json, headers: res.headers };
  };
  return { db, om, shop, service, base, ids, api };
}

/** Orders per state, straight from the ledger: the page's numbers are judged against these. */
export async function ledgerStates(db: Awaited<ReturnType<typeof freshDb>>['db']): Promise<Record<string, number>> {
  const rows = await db.selectFrom('orders').select(['state', (eb) => eb.fn.countAll<string>().as('n')]).groupBy('state').execute();
  return Object.fromEntries(rows.map((r) => [r.state, Number(r.n)]));
}
