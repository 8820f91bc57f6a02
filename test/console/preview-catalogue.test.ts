import { describe, expect, it } from 'vitest';
import { CatalogueCache } from '../../src/connectors/ordermesh/catalogue.ts';
import type { ReprocessLine } from '../../src/jobs/reprocess.ts';
import { notInCatalogue } from '../../src/server/reprocess-preview.ts';
import type { StoreRuntime } from '../../src/stores.ts';
import { clientFor, ordermeshSim } from '../helpers/ordermesh.ts';
import { post } from '../helpers/shopify.ts';

/**
 * The reprocess preview flags the SKUs a run would send that the merchant's enabled catalogue lacks
 * (OrderMesh would refuse the order), read from the OrderMesh simulator as `ordersync sku check` reads it.
 */
const om = await ordermeshSim();
const MERCHANT = 'merchant-preview';
await post(`${om.url}/_sim/catalog`, { merchantId: MERCHANT, variants: [{ sku: 'MUG-11OZ-WHITE' }] });
const deps = {
  catalogue: new CatalogueCache(clientFor(om), { ttlSeconds: 60 }),
  stores: new Map([['shop', { cfg: { merchantId: MERCHANT } as StoreRuntime['cfg'] }]]),
};
const line = (id: string, action: string, skus: string[]): ReprocessLine =>
  ({ id, storeId: 'shop', storeOrderId: `gid://shopify/Order/${id}`, order: `#${id}`, state: 'failed_mapping', action, result: { kind: 'mapped', model: { items: skus.map((sku) => ({ sku })) } } }) as unknown as ReprocessLine;

describe('the reprocess preview and the catalogue', () => {
  it('names, per order a run would submit, the SKUs not in the catalogue; an order OrderMesh has already is not flagged', async () => {
    const flagged = await notInCatalogue(deps, [
      line('1', 'would submit', ['MUG-11OZ-WHITE', 'POSTER-18X24-MATTE', 'POSTER-18X24-MATTE']),
      line('2', 'would submit', ['MUG-11OZ-WHITE']),
      line('3', 'in OrderMesh already: would re-check, never resubmit', ['POSTER-18X24-MATTE']),
    ]);
    expect([...flagged]).toEqual([['1', ['POSTER-18X24-MATTE']]]);
  });
});
