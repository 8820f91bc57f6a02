import { describe, expect, it } from 'vitest';
import { fetchOrder } from '../../src/connectors/shopify/pull-orders.ts';
import { SHOPIFY_SIM_DEFAULTS } from '../../src/sim/shopify/server.ts';
import { post, seedOrders, shopifyClientFor, shopifySim } from '../helpers/shopify.ts';

const sim = await shopifySim();
const [orderId] = await seedOrders(sim, { count: 1, seed: 5 });
const { clientId, appSecret } = SHOPIFY_SIM_DEFAULTS.shop;

describe('Shopify auth', () => {
  it('uses a custom app access token', async () => {
    expect((await fetchOrder(shopifyClientFor(sim), orderId!))!.id).toBe(orderId);
  });

  it('gets a token by the client-credentials grant and renews it when it has expired', async () => {
    await post(`${sim.url}/_sim/settings`, { tokenTtlSeconds: 1 });
    const client = shopifyClientFor(sim, { type: 'clientCredentials', clientId, clientSecret: appSecret });
    expect((await fetchOrder(client, orderId!))!.id).toBe(orderId);
    await new Promise((r) => setTimeout(r, 1_200));
    expect((await fetchOrder(client, orderId!))!.id).toBe(orderId);
    await post(`${sim.url}/_sim/settings`, { tokenTtlSeconds: 86_399 });
  });

  it('fails with UNAUTHORIZED on a wrong token', async () => {
    await expect(fetchOrder(shopifyClientFor(sim, { type: 'accessToken', accessToken: 'shpat_wrong' }), orderId!)).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
  });

  it('fails with UNAUTHORIZED on wrong client credentials', async () => {
    const client = shopifyClientFor(sim, { type: 'clientCredentials', clientId, clientSecret: 'not-the-secret' });
    await expect(fetchOrder(client, orderId!)).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
  });
});

describe('Shopify simulator', () => {
  it('answers a field outside its subset with a clear GraphQL error', async () => {
    const res = await fetch(`${sim.url}/admin/api/2026-01/graphql.json`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-shopify-access-token': SHOPIFY_SIM_DEFAULTS.shop.accessToken },
      body: JSON.stringify({ query: '{ products(first: 1) { nodes { id } } }' }),
    });
    const body = (await res.json()) as any;
    expect(body.errors[0].message).toContain('does not implement query field(s): products');
  });

  it('rejects a document that does not validate against the schema', async () => {
    const res = await fetch(`${sim.url}/admin/api/2026-01/graphql.json`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-shopify-access-token': SHOPIFY_SIM_DEFAULTS.shop.accessToken },
      body: JSON.stringify({ query: '{ orders(first: 1) { nodes { noSuchField } } }' }),
    });
    expect(((await res.json()) as any).errors[0].message).toContain('noSuchField');
  });
});
