import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { MoneyBag, ShopifyOrder } from '../../src/connectors/shopify/types.ts';
import { loadMapper, mapOrder, type Mapper } from '../../src/mapping/registry.ts';
import { safeIdFor } from '../../src/mapping/safe-id.ts';
import { line, money, order, shippingLine } from './cases.ts';
import { tempDir } from '../helpers/temp.ts';

/** The mapping's edges, each outcome declared by hand: paths, messages, limits, URLs, quantities. */
const ctx = (o: ShopifyOrder) => ({ storeId: 'acme', merchantId: 'm-1', safeId: safeIdFor('acme', o.id) });
const mapWith = async (o: ShopifyOrder, options: Record<string, unknown> = {}, currency?: 'shop') => mapOrder(await loadMapper('shopify-default', { ...options, ...(currency ? { currency } : {}) }, 'm', '.'), o, ctx(o));
const errors = (r: Awaited<ReturnType<typeof mapWith>>) => (r.kind === 'failed' ? r.errors.map((e) => [e.code, e.path, e.message]) : r.kind);
const codesAt = (r: Awaited<ReturnType<typeof mapWith>>) => (r.kind === 'failed' ? r.errors.map((e) => [e.code, e.path]) : r.kind);
const cad = (a: string): MoneyBag => money(a, a, 'CAD');

describe('every amount is named when it is broken', () => {
  it('by its path, whatever field it sits in', async () => {
    const broken = order({
      currentTotalPriceSet: money('19.98'),
      lineItems: [line({ discountAllocations: [{ allocatedAmountSet: cad('1.00') }], taxLines: [{ priceSet: cad('1.00') }], duties: [{ price: cad('1.00'), taxLines: [{ priceSet: cad('1.00') }] }] })],
      shippingLines: [shippingLine({ originalPriceSet: cad('4.99'), currentDiscountedPriceSet: cad('4.99'), discountAllocations: [{ allocatedAmountSet: cad('0.50') }], taxLines: [{ priceSet: cad('0.40') }] })],
    });
    expect(codesAt(await mapWith(broken))).toEqual([
      ['INVALID_STORE_ORDER', 'lineItems[0].discountAllocations[0]'],
      ['INVALID_STORE_ORDER', 'lineItems[0].taxLines[0]'],
      ['INVALID_STORE_ORDER', 'lineItems[0].duties[0].price'],
      ['INVALID_STORE_ORDER', 'lineItems[0].duties[0].taxLines[0]'],
      ['INVALID_STORE_ORDER', 'shippingLines[0].currentDiscountedPriceSet'],
      ['INVALID_STORE_ORDER', 'shippingLines[0].originalPriceSet'],
      ['INVALID_STORE_ORDER', 'shippingLines[0].discountAllocations[0]'],
      ['INVALID_STORE_ORDER', 'shippingLines[0].taxLines[0]'],
    ]);
    const r = await mapWith(order({ lineItems: [line({ taxLines: [{ priceSet: cad('1.00') }] })] }));
    expect(r.kind === 'failed' && r.errors[0]!.message).toBe("is in CAD, the order's presentmentCurrencyCode is USD");
  });

  it('in shop currency, by the shop currency field', async () => {
    const r = await mapWith(order({ currencyCode: 'XYZ' }), {}, 'shop');
    expect(errors(r)).toEqual([['INVALID_STORE_ORDER', 'currencyCode', '"XYZ" is not an ISO 4217 currency']]);
    const cadShop = order({ currencyCode: 'CAD', currentTotalPriceSet: money('19.98', '19.98', 'USD') });
    expect(codesAt(await mapWith(cadShop, {}, 'shop'))[0]).toEqual(['INVALID_STORE_ORDER', 'lineItems[0].originalUnitPriceSet']);
  });
});

describe('shipping', () => {
  it('counts no removed shipping line, and no tax on a line that cost nothing before refunds', async () => {
    const removed = shippingLine({ isRemoved: true, originalPriceSet: money('9.99'), currentDiscountedPriceSet: money('9.99') });
    const r = await mapWith(order({ shippingLines: [shippingLine(), removed] }));
    expect(r.kind === 'mapped' && r.model.customerTotalShipping).toBe(4.99);
    // An inconsistent line (free before refunds, 4.99 now) with tax: the tax is not prorated by zero.
    const odd = shippingLine({ originalPriceSet: money('0.00'), currentDiscountedPriceSet: money('4.99'), taxLines: [{ priceSet: money('0.50') }] });
    const r2 = await mapWith(order({ shippingLines: [odd] }));
    expect(r2.kind === 'mapped' && [r2.model.customerTotal, r2.model.customerTotalTaxes]).toEqual([19.98, 0]);
  });

  it('says what is sent, what is left out and what Shopify says when they differ', async () => {
    const tipLine = line({ name: 'Tip', sku: null, variant: null, requiresShipping: false, customAttributes: [], originalUnitPriceSet: money('2.00') });
    const r = await mapWith(order({ currentTotalPriceSet: money('25.00'), lineItems: [line(), tipLine] }));
    expect(errors(r)).toEqual([['MONEY_MISMATCH', 'currentTotalPriceSet', "what is sent (19.98 USD) and what is left out (2.00 USD) add up to 21.98 USD but Shopify's currentTotalPriceSet is 25.00 USD: not sent"]]);
  });
});

describe('addresses, SKUs, artwork and quantities', () => {
  const addr = (over: Record<string, unknown>) => ({ firstName: 'Ada', lastName: 'Lovelace', company: null, address1: '1 Main St', address2: null, city: 'Springfield', provinceCode: 'IL', zip: '62701', countryCodeV2: 'US', phone: null, ...over });

  it('names what an address lacks, a name among it', async () => {
    const r = await mapWith(order({ shippingAddress: addr({ firstName: null, lastName: null, city: null }) as never }));
    expect(errors(r)).toEqual([['INVALID_ADDRESS', 'shippingAddress', 'address is missing city, lastName']]);
    const first = await mapWith(order({ shippingAddress: addr({ lastName: null }) as never }));
    expect(first.kind === 'mapped' && [first.model.shippingAddress.firstName, first.model.shippingAddress.lastName]).toEqual(['Ada', null]);
  });

  it('passes a store SKU through trimmed, names a missing one, and keeps a line without SKU out of the excluded list', async () => {
    const r = await mapWith(order({ lineItems: [line({ sku: ' MUG-11OZ-WHITE ', variant: null })] }));
    expect(r.kind === 'mapped' && r.model.items[0]!.sku).toBe('MUG-11OZ-WHITE');
    const missing = await mapWith(order({ lineItems: [line({ sku: null, variant: null, name: 'Sticker' })] }), { excludeSkus: [''] });
    expect(errors(missing)).toEqual([['MISSING_SKU', 'lineItems[0].sku', 'no OrderMesh SKU for line item "Sticker" (store SKU none, variant none): add it to skuMap']]);
  });

  it('takes artwork only from http(s) URLs, trimmed, and thumbnails likewise', async () => {
    const withArt = (value: string, thumb?: string) =>
      order({ lineItems: [line({ customAttributes: [{ key: '_print_front', value }, ...(thumb ? [{ key: '_thumb', value: thumb }] : []), { key: 'gift_note', value: '   ' }] })] });
    const opts = { printAreas: { _print_front: { area: 'Front', thumbnailKey: '_thumb' } } };
    const ok = await mapWith(withArt('https://cdn.example.com/a.png  ', 'http://cdn.example.com/t.png'), opts);
    expect(ok.kind === 'mapped' && [ok.model.items[0]!.images, ok.model.items[0]!.clientAttributes]).toEqual([[{ url: 'https://cdn.example.com/a.png', thumbnailUrl: 'http://cdn.example.com/t.png', area: 'Front', printMethod: null, ourPrintFileId: null, ourPrintFileUrl: null }], null]);
    const badThumb = await mapWith(withArt('http://cdn.example.com/a.png', 'ftp://cdn.example.com/t.png'), opts);
    expect(badThumb.kind === 'mapped' && badThumb.model.items[0]!.images[0]!.thumbnailUrl).toBeNull();
    for (const bad of ['ftp://cdn.example.com/a.png', 'see https://cdn.example.com/a.png']) {
      expect(codesAt(await mapWith(withArt(bad), opts)), bad).toEqual([['MISSING_ARTWORK', 'lineItems[0].customAttributes']]);
    }
  });

  it('refuses impossible quantities, each kind, and allows the limits themselves', async () => {
    for (const q of [{ quantity: -1, currentQuantity: 0, unfulfilledQuantity: 0 }, { quantity: 1, currentQuantity: -1, unfulfilledQuantity: 0 }, { quantity: 1, currentQuantity: 1, unfulfilledQuantity: -1 }, { quantity: 1, currentQuantity: 2, unfulfilledQuantity: 1 }]) {
      expect(codesAt(await mapWith(order({ lineItems: [line(q)] }))), JSON.stringify(q)).toEqual([['INVALID_QUANTITY', 'lineItems[0]']]);
    }
    // A line with no units at all (removed whole) is no error; the order goes with the rest.
    const zero = await mapWith(order({ lineItems: [line(), line({ quantity: 0, currentQuantity: 0, unfulfilledQuantity: 0 })] }));
    expect(zero.kind).toBe('mapped');
    const atLimit = (n: number) => order({ currentTotalPriceSet: money(((1499 * n + 499) / 100).toFixed(2)), lineItems: [line({ quantity: n, currentQuantity: n, unfulfilledQuantity: n })] });
    expect((await mapWith(atLimit(5), { maxQuantityPerItem: 5, maxQuantityPerOrder: 5 })).kind).toBe('mapped');
    expect(codesAt(await mapWith(atLimit(6), { maxQuantityPerItem: 5, maxQuantityPerOrder: 100 }))).toEqual([['QUANTITY_OUT_OF_RANGE', 'lineItems[0].quantity']]);
    expect(codesAt(await mapWith(atLimit(6), { maxQuantityPerItem: 100, maxQuantityPerOrder: 5 }))).toEqual([['QUANTITY_OUT_OF_RANGE', 'lineItems']]);
  });
});

describe('the registry', () => {
  const dir = tempDir('ordersync-modules-');
  const moduleFile = (name: string, text: string) => {
    writeFileSync(path.join(dir, name), text);
    return name;
  };

  it('refuses a module file without name and map, naming the key and the file', async () => {
    for (const text of ['export default { map() {} };', "export default { name: 'x' };"]) {
      const file = moduleFile(`m${text.length}.mjs`, text);
      const err = await loadMapper(file, {}, 'stores[1].mapping', dir).then(() => { throw new Error('loaded'); }, (e: Error & { key: string }) => e);
      expect([err.key, err.message]).toEqual(['stores[1].mapping.module', `config: stores[1].mapping.module: ${path.join(dir, file)} must export default { name, map(order, ctx), parseOptions?(raw) }`]);
    }
  });

  it('says what is wrong with options: the schema issues for the default module, the module’s own words for another', async () => {
    const zod = await loadMapper('shopify-default', { currency: 'euro' }, 'stores[0].mapping', '.').then(() => { throw new Error('loaded'); }, (e: Error) => e);
    expect(zod.message).toMatch(/^config: stores\[0\]\.mapping\.options: invalid options for mapping module shopify-default: \{"currency":\[/);
    const file = moduleFile('picky.mjs', "export default { name: 'picky', parseOptions() { throw new Error('needs a colour'); }, map() { return { kind: 'skipped', reason: 'NO_FULFILLABLE_ITEMS', message: '' }; } };");
    const own = await loadMapper(file, {}, 'stores[3].mapping', dir).then(() => { throw new Error('loaded'); }, (e: Error) => e);
    expect(own.message).toBe('config: stores[3].mapping.options: invalid options for mapping module picky: needs a colour');
  });

  it('reports a throwing module, a model OrderMesh would refuse, and one that changes its safeId or merchant', async () => {
    const o = order();
    const as = (map: Mapper['module']['map']): Mapper => ({ module: { name: 'm', parseOptions: (x) => x, map }, options: {} });
    expect(errors(mapOrder(as(() => { throw new Error('kaboom'); }), o, ctx(o)))).toEqual([['MODULE_ERROR', '', 'mapping module m threw: kaboom']]);
    const good = await mapWith(o);
    if (good.kind !== 'mapped') throw new Error('the plain order must map');
    const invalid = mapOrder(as(() => ({ kind: 'mapped', model: { ...good.model, currencyCode: 'dollars' } })), o, ctx(o));
    expect(codesAt(invalid)).toEqual([['INVALID_MODEL', 'currencyCode']]);
    expect(invalid.kind === 'failed' && invalid.errors[0]!.message.length).toBeGreaterThan(0);
    for (const change of [{ safeId: 'acme-other' }, { merchantId: 'm-2' }]) {
      expect(errors(mapOrder(as(() => ({ kind: 'mapped', model: { ...good.model, ...change } })), o, ctx(o)))).toEqual([['INVALID_MODEL', 'safeId', 'a mapping module must keep the safeId and merchantId it was given']]);
    }
  });

  it('derives a safeId from the whole order id only when its tail is short and URL-safe', () => {
    expect(safeIdFor('acme', 'gid://shopify/Order/x1')).toBe('acme-x1');
    expect(safeIdFor('acme', 'gid://shopify/Order/a b')).toMatch(/^acme-[A-Za-z0-9_-]{22}$/);
    expect(safeIdFor('acme', 'gid://shopify/Order/ok-but-then a space')).toMatch(/^acme-[A-Za-z0-9_-]{22}$/);
    expect(safeIdFor('acme', `gid://shopify/Order/${'9'.repeat(31)}`)).toMatch(/^acme-[A-Za-z0-9_-]{22}$/);
  });
});
