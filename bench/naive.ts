/**
 * The naive integration `npm run bench` races against: what a first script would do. It pages the same
 * GraphQL query ordersync pulls with, maps each order with the same mapping module, and POSTs one
 * create per order, sequentially; on THROTTLED it sleeps a second. No ledger, no retries, no
 * write-back. Usage: node bench/naive.ts SHOP_URL ORDERMESH_URL STORE_ID EXPECTED_ORDERS
 * Prints one JSON line: { orders, created, failed, seconds }.
 */
import { documents } from '../src/connectors/shopify/documents.ts';
import { loadMapper, mapOrder } from '../src/mapping/registry.ts';
import { safeIdFor } from '../src/mapping/safe-id.ts';
import { SHOPIFY_SIM_DEFAULTS } from '../src/sim/shopify/server.ts';
import { SIM_MAPPING } from '../test/helpers/pipeline.ts';

const [shopUrl, omUrl, storeId] = process.argv.slice(2) as [string, string, string];
const json = { 'content-type': 'application/json' };
const mapper = await loadMapper('shopify-default', SIM_MAPPING, 'm', '.');
const token = ((await (await fetch(`${omUrl}/user/v1/clients/token`, { method: 'POST', headers: json, body: JSON.stringify({ clientId: 'sim-client', clientSecret: 'sim-secret' }) })).json()) as { accessToken: string }).accessToken;

const t0 = performance.now();
let after: string | null = null;
let orders = 0;
let created = 0;
let failed = 0;
for (;;) {
  const res = await fetch(`${shopUrl}/admin/api/2026-01/graphql.json`, {
    method: 'POST',
    headers: { ...json, 'x-shopify-access-token': SHOPIFY_SIM_DEFAULTS.shop.accessToken },
    body: JSON.stringify({ query: documents['orders-updated-since'], variables: { first: 250, after, query: `updated_at:<='${new Date(Date.now() + 60_000).toISOString()}'` } }),
  });
  const body = (await res.json()) as any;
  if (body.errors?.[0]?.extensions?.code === 'THROTTLED') {
    await new Promise((r) => setTimeout(r, 1000));
    continue;
  }
  for (const raw of body.data.orders.nodes) {
    orders++;
    const order = { ...raw, lineItems: raw.lineItems.nodes, shippingLines: raw.shippingLines.nodes };
    const r = mapOrder(mapper, order, { storeId, merchantId: 'merchant-bench', safeId: safeIdFor(storeId, order.id) });
    if (r.kind !== 'mapped') continue;
    const sent = await fetch(`${omUrl}/order/v1/orders`, { method: 'POST', headers: { ...json, authorization: `Bearer ${token}` }, body: JSON.stringify(r.model) });
    await sent.arrayBuffer();
    if (sent.status === 201) created++;
    else failed++;
  }
  if (!body.data.orders.pageInfo.hasNextPage) break;
  after = body.data.orders.pageInfo.endCursor;
}
console.log(JSON.stringify({ orders, created, failed, seconds: (performance.now() - t0) / 1000 }));
