import { afterAll } from 'vitest';
import { ShopifyClient, type ShopifyAuth } from '../../src/connectors/shopify/client.ts';
import { SHOPIFY_SIM_DEFAULTS, startShopifySim, type ShopifySimOptions } from '../../src/sim/shopify/server.ts';

export async function shopifySim(opts: ShopifySimOptions = {}) {
  const sim = await startShopifySim({ port: 0, ...opts });
  afterAll(() => sim.close());
  return sim;
}

export function shopifyClientFor(sim: { url: string }, auth?: ShopifyAuth, domain: string = SHOPIFY_SIM_DEFAULTS.shop.domain) {
  return new ShopifyClient({
    shopDomain: domain,
    apiVersion: '2026-01',
    apiOrigin: sim.url,
    auth: auth ?? { type: 'accessToken', accessToken: SHOPIFY_SIM_DEFAULTS.shop.accessToken },
  });
}

export async function post(url: string, body: unknown = {}): Promise<any> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const json = await res.json();
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status} ${JSON.stringify(json)}`);
  return json;
}

export async function seedOrders(sim: { url: string }, body: Record<string, unknown>): Promise<string[]> {
  return (await post(`${sim.url}/_sim/orders`, body)).ids;
}

export async function shopState(sim: { url: string }, summary = false): Promise<any> {
  const s = (await (await fetch(`${sim.url}/_sim/state${summary ? '?summary' : ''}`)).json()) as any;
  return s.shops[SHOPIFY_SIM_DEFAULTS.shop.domain];
}
