import { describe, expect, it } from 'vitest';
import type { ShopifyOrder } from '../../src/connectors/shopify/types.ts';
import { loadMapper, mapOrder } from '../../src/mapping/registry.ts';
import { safeIdFor } from '../../src/mapping/safe-id.ts';
import { line, money, order, shippingLine } from './cases.ts';

/** Each case declares its outcome by hand, from the figures it was built with. */
async function mapped(o: ShopifyOrder, options: Record<string, unknown> = {}) {
  const mapper = await loadMapper('shopify-default', options, 'stores[0].mapping', '.');
  return mapOrder(mapper, o, { storeId: 'acme', merchantId: 'merchant-1', safeId: safeIdFor('acme', o.id) });
}
const codes = (r: Awaited<ReturnType<typeof mapped>>) => (r.kind === 'failed' ? r.errors.map((e) => [e.code, e.path]) : r.kind);
const tip = () => line({ name: 'Tip', title: 'Tip', variantTitle: null, sku: null, variant: null, requiresShipping: false, customAttributes: [], originalUnitPriceSet: money('2.00') });

describe('money rules', () => {
  it('checks an order with items left out against Shopify’s total: what is sent plus what is left out', async () => {
    // 14.99 mug + 4.99 shipping sent, a 2.00 tip left out: Shopify's total is 21.98.
    const good = await mapped(order({ currentTotalPriceSet: money('21.98'), lineItems: [line(), tip()] }));
    expect(good.kind === 'mapped' && good.model.customerTotal).toBe(19.98);
    expect(codes(await mapped(order({ currentTotalPriceSet: money('999.99'), lineItems: [line(), tip()] })))).toEqual([['MONEY_MISMATCH', 'currentTotalPriceSet']]);
    // Units fulfilled elsewhere: 2 of 3 at 10.00 each, 3.00 discount on the line; Shopify's total 30.00 − 3.00 + 4.99.
    const elsewhere = (total: string) => order({ currentTotalPriceSet: money(total), lineItems: [line({ quantity: 3, currentQuantity: 3, unfulfilledQuantity: 2, originalUnitPriceSet: money('10.00'), discountAllocations: [{ allocatedAmountSet: money('3.00') }] })] });
    const part = await mapped(elsewhere('31.99'));
    expect(part.kind === 'mapped' && [part.model.customerTotal, part.model.customerTotalDiscountAndPromotions]).toEqual([22.99, 2]);
    expect(codes(await mapped(elsewhere('41.99')))).toEqual([['MONEY_MISMATCH', 'currentTotalPriceSet']]);
    // An excluded SKU left out: its 14.99 counts as left out, not as free.
    const excluded = (total: string) => order({ currentTotalPriceSet: money(total), lineItems: [line(), line({ sku: 'SAMPLE-FREE' })] });
    expect((await mapped(excluded('34.97'), { excludeSkus: ['SAMPLE-FREE'] })).kind).toBe('mapped');
    expect(codes(await mapped(excluded('19.98'), { excludeSkus: ['SAMPLE-FREE'] }))).toEqual([['MONEY_MISMATCH', 'currentTotalPriceSet']]);
  });

  it('sends a three-decimal order whose amounts are whole hundredths, split in hundredths', async () => {
    const kwd = (a: string) => money(a, a, 'KWD');
    // Three lines of 4.500 KWD, 1.250 shipping: 13.500 + 1.250.
    const r = await mapped(order({
      currencyCode: 'KWD', presentmentCurrencyCode: 'KWD', currentTotalPriceSet: kwd('14.750'),
      lineItems: [line({ originalUnitPriceSet: kwd('4.500') }), line({ originalUnitPriceSet: kwd('4.500') }), line({ originalUnitPriceSet: kwd('4.500') })],
      shippingLines: [shippingLine({ originalPriceSet: kwd('1.250'), currentDiscountedPriceSet: kwd('1.250') })],
    }));
    expect(r.kind, JSON.stringify(r)).toBe('mapped');
    if (r.kind !== 'mapped') return;
    expect(r.model.customerTotal).toBe(14.75);
    const shares = r.model.items.map((i) => i.customerShippingPrice!);
    expect(shares.map((x) => Math.round(x * 100)).sort()).toEqual([41, 42, 42]);
    // A fils the customer paid cannot go to OrderMesh: refused, naming the amount.
    const odd = await mapped(order({ currencyCode: 'KWD', presentmentCurrencyCode: 'KWD', currentTotalPriceSet: kwd('5.755'), lineItems: [line({ originalUnitPriceSet: kwd('4.505') })], shippingLines: [shippingLine({ originalPriceSet: kwd('1.250'), currentDiscountedPriceSet: kwd('1.250') })] }));
    expect(codes(odd)).toEqual([['CURRENCY_PRECISION', 'lineItems[0].originalUnitPriceSet'], ['CURRENCY_PRECISION', 'currentTotalPriceSet']]);
  });

  it('takes each currency’s decimals from ISO 4217, not from display data', async () => {
    const in_ = (code: string, unit: string, ship: string, total: string) => order({ currencyCode: code, presentmentCurrencyCode: code, currentTotalPriceSet: money(total, total, code), lineItems: [line({ originalUnitPriceSet: money(unit, unit, code) })], shippingLines: [shippingLine({ originalPriceSet: money(ship, ship, code), currentDiscountedPriceSet: money(ship, ship, code) })] });
    // HUF, IDR, COP, PKR have two decimals in ISO 4217 (Intl shows none).
    for (const code of ['HUF', 'IDR', 'COP', 'PKR']) {
      const r = await mapped(in_(code, '4990.50', '990.25', '5980.75'));
      expect(r.kind === 'mapped' && [r.model.currencyCode, r.model.items[0]!.customerPrice, r.model.customerTotal], code).toEqual([code, 4990.5, 5980.75]);
    }
    // IQD has three (Intl shows none): whole hundredths go through, a fils does not.
    const iqd = await mapped(in_('IQD', '1000.250', '5.000', '1005.250'));
    expect(iqd.kind === 'mapped' && iqd.model.customerTotal).toBe(1005.25);
    expect(codes(await mapped(in_('IQD', '1000.125', '5.000', '1005.125')))[0]).toEqual(['CURRENCY_PRECISION', 'lineItems[0].originalUnitPriceSet']);
    // JPY has none: a yen amount with cents is a broken order.
    expect(codes(await mapped(in_('JPY', '1500.5', '500', '2000.5')))).toEqual([['INVALID_STORE_ORDER', 'lineItems[0].originalUnitPriceSet'], ['INVALID_STORE_ORDER', 'currentTotalPriceSet']]);
  });

  it('reports a broken store total or a bag in another currency as INVALID_STORE_ORDER naming the path', async () => {
    expect(codes(await mapped(order({ currentTotalPriceSet: money('19.985') })))).toEqual([['INVALID_STORE_ORDER', 'currentTotalPriceSet']]);
    expect(codes(await mapped(order({ currentTotalPriceSet: money('19.98', '19.98', 'EUR') })))).toEqual([['INVALID_STORE_ORDER', 'currentTotalPriceSet']]);
    expect(codes(await mapped(order({ lineItems: [line({ originalUnitPriceSet: money('14.99', '14.99', 'USD', 'CAD') })] })))).toEqual([['INVALID_STORE_ORDER', 'lineItems[0].originalUnitPriceSet']]);
    expect(codes(await mapped(order({ currencyCode: 'ZZZ', presentmentCurrencyCode: 'ZZZ' })))).toEqual([['INVALID_STORE_ORDER', 'presentmentCurrencyCode']]);
  });
});
