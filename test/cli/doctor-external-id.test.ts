import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.ts';
import { freshDatabaseUrl } from '../helpers/db.ts';
import { writePipelineConfig } from '../helpers/pipeline.ts';

/**
 * `ordersync doctor` names the stores whose OrderMesh externalIds can repeat (OrderMesh refuses a
 * merchant's second order with the same one: issue 33) and the fix. Config checks only: the upstreams
 * are unreachable on purpose, and their failures are not what this file judges.
 */
const nowhere = 'http://127.0.0.1:9';
const store = (id: string, merchantId: string, externalId: string | undefined, over: Record<string, unknown> = {}) => ({
  id,
  shopDomain: `${id}.myshopify.com`,
  apiOrigin: nowhere,
  auth: { type: 'accessToken', accessToken: { env: 'T_DOCTOR_XID_TOKEN', default: 'shpat_doctor' } },
  merchantId,
  mapping: { module: 'shopify-default', options: externalId ? { externalId } : {} },
  ...over,
});
const config = (stores: object[]) =>
  writePipelineConfig({ ordermesh: { baseUrl: nowhere, clientId: 'c', clientSecret: { env: 'T_DOCTOR_XID_OM', default: 's' }, timeoutMs: 1_000 }, stores, log: { level: 'warn' } });

async function externalIdWarnings(file: string) {
  const res = await runCli(['doctor', '--json', '--config', file], { DATABASE_URL: await freshDatabaseUrl() });
  const checks = JSON.parse(res.stdout) as Array<{ check: string; status: string; detail: string; fix?: string }>;
  expect(checks.find((c) => c.check === 'mapping modules')?.status, res.stderr).toBe('ok');
  return new Map(checks.filter((c) => c.check.endsWith(': OrderMesh externalId')).map((c) => [c.check.replace(/^store (.+): OrderMesh externalId$/, '$1'), c]));
}

describe('ordersync doctor: OrderMesh externalIds that can repeat', () => {
  it('warns for stores of one merchant on `name` and a fulfilment-service store on `name` or `id`, naming the stores and the fix; stores on `id` are different shops (one shop, one store) and are not warned', async () => {
    const warned = await externalIdWarnings(
      config([
        store('acme-eu', 'M-1', 'name'),
        store('acme-us', 'M-1', 'name'),
        store('acme-uk', 'M-1', 'id'),
        store('acme-ca', 'M-1', 'id'),
        store('acme-default', 'M-1', undefined),
        store('solo', 'M-2', 'name'),
        store('requests', 'M-3', 'id', { mode: 'fulfillment-service' }),
        store('requests-unique', 'M-3', undefined, { mode: 'fulfillment-service' }),
      ]),
    );
    expect([...warned.keys()].sort()).toEqual(['acme-eu', 'acme-us', 'requests']);
    for (const c of warned.values()) expect(c.status).toBe('warn');

    expect(warned.get('acme-eu')!.detail).toContain('store(s) acme-us send to the same OrderMesh merchant M-1 with `externalId: name` too, and every shop names its orders from #1001');
    expect(warned.get('acme-eu')!.fix).toContain('remove stores[0].mapping.options.externalId: the default (`unique`)');
    expect(warned.get('acme-eu')!.fix).toContain('meta.shopifyOrderName');
    expect(warned.get('acme-eu')!.fix).toContain('`ordersync reprocess --store acme-eu --state rejected`');
    expect(warned.get('acme-us')!.detail).toContain('store(s) acme-eu send');
    expect(warned.get('requests')!.fix).toContain('stores[6].mapping.options.externalId');
    expect(warned.get('requests')!.detail).toContain("in fulfilment-service mode each fulfilment request of an order is its own OrderMesh order, and all of them carry the order's id");
    expect(warned.get('requests')!.fix).toContain('requests rejected for it go again when the merchant requests fulfilment again in Shopify');
  }, 60_000);

  it('says nothing when every store is on the default, whatever the merchants and modes', async () => {
    const warned = await externalIdWarnings(config([store('a', 'M-1', undefined), store('b', 'M-1', 'unique'), store('c', 'M-1', undefined, { mode: 'fulfillment-service' })]));
    expect([...warned.keys()]).toEqual([]);
  }, 60_000);
});
