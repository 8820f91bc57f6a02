import { describe, expect, it } from 'vitest';
import { loadMapper, mapOrder } from '../../src/mapping/registry.ts';
import { safeIdFor } from '../../src/mapping/safe-id.ts';
import { order } from './cases.ts';

describe('addresses', () => {
  it('sends an order whose billing address is unusable without one, and says so in a warning', async () => {
    const mapper = await loadMapper('shopify-default', {}, 'stores[0].mapping', '.');
    const o = order({ billingAddress: { firstName: 'Ada', lastName: 'Lovelace', company: null, address1: null, address2: null, city: 'Springfield', provinceCode: 'IL', zip: '62701', countryCodeV2: 'US', phone: null } });
    const r = mapOrder(mapper, o, { storeId: 'acme', merchantId: 'm', safeId: safeIdFor('acme', o.id) });
    expect(r.kind).toBe('mapped');
    if (r.kind !== 'mapped') return;
    expect(r.model.billingAddress).toBeUndefined();
    expect(r.warnings).toEqual([{ code: 'BILLING_ADDRESS_DROPPED', path: 'billingAddress', message: 'address is missing address1: sent without a billing address' }]);
    // A usable one goes as it is, with no warning.
    const fine = mapOrder(mapper, order(), { storeId: 'acme', merchantId: 'm', safeId: safeIdFor('acme', o.id) });
    expect(fine.kind === 'mapped' && [fine.model.billingAddress?.line1, fine.warnings]).toEqual(['12 Main St', undefined]);
  });
});
