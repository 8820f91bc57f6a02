import type { MoneyBag, ShopifyLineItem, ShopifyOrder, ShopifyShippingLine } from '../../src/connectors/shopify/types.ts';

/**
 * Store orders as the Shopify connector hands them over, one per behaviour the mapping must get right.
 * Every `currentTotalPriceSet` here is worked out by hand from Shopify's definition (items after all
 * discounts for the units still ordered + shipping after discounts + taxes unless included + duties),
 * not by the code under test.
 */
export const money = (amount: string, presentment: string = amount, shopCurrency = 'USD', presentmentCurrency = shopCurrency): MoneyBag => ({
  shopMoney: { amount, currencyCode: shopCurrency },
  presentmentMoney: { amount: presentment, currencyCode: presentmentCurrency },
});
const addr = (over: Partial<NonNullable<ShopifyOrder['shippingAddress']>> = {}) => ({
  firstName: 'Ada', lastName: 'Lovelace', company: null, address1: '12 Main St', address2: 'Apt 4', city: 'Springfield',
  provinceCode: 'IL', zip: '62701', countryCodeV2: 'US', phone: '+1 217 555 0101', ...over,
});
const alloc = (...bags: MoneyBag[]) => bags.map((b) => ({ allocatedAmountSet: b }));
const tax = (...bags: MoneyBag[]) => bags.map((b) => ({ priceSet: b }));

let seq = 0;
export function line(over: Partial<ShopifyLineItem> = {}): ShopifyLineItem {
  seq++;
  return {
    id: `gid://shopify/LineItem/${1000 + seq}`,
    name: 'Custom Mug - 11 oz / White', title: 'Custom Mug', variantTitle: '11 oz / White',
    sku: 'MUG-11OZ-WHITE', quantity: 1, currentQuantity: 1, unfulfilledQuantity: 1,
    requiresShipping: true, isGiftCard: false,
    variant: { id: `gid://shopify/ProductVariant/${5000 + seq}`, sku: 'MUG-11OZ-WHITE' },
    customAttributes: [{ key: '_print_front', value: `https://cdn.example.com/art/${seq}-front.png` }],
    originalUnitPriceSet: money('14.99'), discountAllocations: [], taxLines: [], duties: [],
    ...over,
  };
}

export function shippingLine(over: Partial<ShopifyShippingLine> = {}): ShopifyShippingLine {
  return {
    title: 'Standard', code: 'STANDARD', isRemoved: false,
    originalPriceSet: money('4.99'), currentDiscountedPriceSet: money('4.99'), discountAllocations: [], taxLines: [],
    ...over,
  };
}

export function order(over: Partial<ShopifyOrder> = {}): ShopifyOrder {
  return {
    id: 'gid://shopify/Order/9007199254741993', name: '#1001',
    createdAt: '2026-11-20T10:00:00Z', updatedAt: '2026-11-20T10:05:00Z', cancelledAt: null, cancelReason: null,
    test: false, email: 'ada@example.com', phone: '+1 217 555 0101', note: null, tags: [],
    currencyCode: 'USD', presentmentCurrencyCode: 'USD', taxesIncluded: false, dutiesIncluded: false, customAttributes: [],
    currentTotalPriceSet: money('19.98'),
    shippingAddress: addr(), billingAddress: addr({ address2: null }),
    shippingLines: [shippingLine()],
    lineItems: [line()],
    ...over,
  };
}

export interface Case {
  name: string;
  order: ShopifyOrder;
  options?: Record<string, unknown>;
}

function cases(): Case[] {
  seq = 0;
  return [
    { name: 'single-item', order: order() },
    {
      name: 'multi-item-multi-quantity',
      order: order({
        lineItems: [
          line({ sku: 'TEE-BELLA3001-BLK-M', name: 'Tee - M / Black', quantity: 3, currentQuantity: 3, unfulfilledQuantity: 3, originalUnitPriceSet: money('24.50') }),
          line({ sku: 'POSTER-18X24-MATTE', name: 'Poster', originalUnitPriceSet: money('32.00') }),
        ],
        currentTotalPriceSet: money('110.49'), // 73.50 + 32.00 + 4.99
      }),
    },
    // 29.98 − 3.00 + 4.99
    { name: 'line-discount', order: order({ currentTotalPriceSet: money('31.97'), lineItems: [line({ quantity: 2, currentQuantity: 2, unfulfilledQuantity: 2, discountAllocations: alloc(money('3.00')) })] }) },
    {
      name: 'taxes-and-shipping-split-to-the-cent',
      order: order({
        shippingLines: [shippingLine({ originalPriceSet: money('10.00'), currentDiscountedPriceSet: money('10.00') })],
        currentTotalPriceSet: money('42.49'), // 30.00 + 2.49 tax + 10.00
        lineItems: [
          line({ originalUnitPriceSet: money('10.00'), taxLines: tax(money('0.83')) }),
          line({ originalUnitPriceSet: money('10.00'), taxLines: tax(money('0.83')) }),
          line({ originalUnitPriceSet: money('10.00'), taxLines: tax(money('0.82'), money('0.01')) }),
        ],
      }),
    },
    { name: 'international-gb', order: order({ shippingAddress: addr({ city: 'London', provinceCode: null, zip: 'SW1A 1AA', countryCodeV2: 'GB', phone: '+44 20 7946 0018' }) }) },
    { name: 'missing-phone-no-first-name', order: order({ phone: null, shippingAddress: addr({ firstName: null, lastName: 'Tanaka', phone: null, countryCodeV2: 'JP', provinceCode: '13', city: 'Tokyo', zip: '100-0001' }), billingAddress: null }) },
    {
      name: 'gift-card-and-physical',
      order: order({ currentTotalPriceSet: money('44.98'), lineItems: [line({ sku: null, name: 'Gift Card', isGiftCard: true, requiresShipping: false, variant: null, customAttributes: [], originalUnitPriceSet: money('25.00') }), line()] }),
    },
    {
      name: 'digital-only',
      order: order({ shippingAddress: null, lineItems: [line({ sku: 'DIGITAL-WALLPAPER', name: 'Wallpaper', requiresShipping: false, customAttributes: [] })] }),
    },
    { name: 'cancelled', order: order({ cancelledAt: '2026-11-20T10:03:00Z', cancelReason: 'CUSTOMER' }) },
    {
      name: 'artwork-front-back-with-thumbnail-and-properties',
      options: { printAreas: { _print_front: { area: 'Front', printMethod: 'DirectToGarment', thumbnailKey: '_thumb_front' }, _print_back: { area: 'Back', printMethod: 'DirectToGarment' } } },
      order: order({
        lineItems: [
          line({
            sku: 'TEE-BELLA3001-BLK-M',
            customAttributes: [
              { key: '_print_front', value: 'https://cdn.example.com/f.png' },
              { key: '_thumb_front', value: 'https://cdn.example.com/f-thumb.png' },
              { key: '_print_back', value: 'https://cdn.example.com/b.png' },
              { key: 'Gift message', value: 'Happy birthday!' },
              { key: '_internal', value: 'hidden' },
            ],
          }),
        ],
      }),
    },
    { name: 'unknown-sku', order: order({ lineItems: [line({ sku: null, variant: { id: 'gid://shopify/ProductVariant/999', sku: null } })] }) },
    {
      name: 'sku-map-by-variant-id',
      options: { passthroughSku: false, skuMap: { '999': 'Accent_Mug-11oz-Blue' } },
      order: order({ lineItems: [line({ sku: 'store-mug', variant: { id: 'gid://shopify/ProductVariant/999', sku: 'store-mug' } })] }),
    },
    { name: 'missing-artwork', order: order({ lineItems: [line({ customAttributes: [{ key: '_print_front', value: '' }] })] }) },
    { name: 'blank-goods-without-artwork', options: { blankSkus: ['TOTE-BLANK-NATURAL'] }, order: order({ lineItems: [line({ sku: 'TOTE-BLANK-NATURAL', customAttributes: [] })] }) },
    { name: 'missing-shipping-address', order: order({ shippingAddress: null }) },
    { name: 'partly-fulfilled-elsewhere', order: order({ currentTotalPriceSet: money('67.95'), lineItems: [line({ quantity: 3, currentQuantity: 3, unfulfilledQuantity: 1, taxLines: tax(money('3.00')) }), line({ unfulfilledQuantity: 0 })] }) },
    {
      name: 'shipping-method-map-test-order-no-billing-fallback',
      options: { shippingMethods: { EXPRESS: 'Expedited' }, billingAddress: 'none', externalId: 'id' },
      order: order({ test: true, billingAddress: null, currentTotalPriceSet: money('29.98'), shippingLines: [shippingLine({ title: 'Express', code: 'EXPRESS', originalPriceSet: money('14.99'), currentDiscountedPriceSet: money('14.99') })] }),
    },
    { name: 'excluded-sku', options: { excludeSkus: ['INSERT-CARD'] }, order: order({ currentTotalPriceSet: money('34.97'), lineItems: [line(), line({ sku: 'INSERT-CARD', customAttributes: [] })] }) },
    ...moneyCases(),
  ];
}

export const CASES = cases();

/** One order of each kind of money real stores produce. */
function moneyCases(): Case[] {
  const three = (over: Partial<ShopifyLineItem> = {}) => [line({ originalUnitPriceSet: money('10.00'), ...over }), line({ originalUnitPriceSet: money('10.00') }), line({ originalUnitPriceSet: money('10.00') })];
  return [
    {
      // A 5.00 code over three equal lines: 1.67 + 1.67 + 1.66. 30.00 − 5.00 + 4.99.
      name: 'discount-code-fixed-across-lines-with-remainder',
      order: order({
        currentTotalPriceSet: money('29.99'),
        lineItems: three().map((li, i) => ({ ...li, discountAllocations: alloc(money(i === 2 ? '1.66' : '1.67')) })),
      }),
    },
    {
      // Automatic 2.00 off line A, then a 10% code on the rest (18.00 + 10.00 → 2.80: 1.80 + 1.00).
      // 30.00 − 2.00 − 2.80 + 4.99.
      name: 'automatic-line-discount-and-percentage-code',
      order: order({
        currentTotalPriceSet: money('30.19'),
        lineItems: [
          line({ originalUnitPriceSet: money('20.00'), discountAllocations: alloc(money('2.00'), money('1.80')) }),
          line({ originalUnitPriceSet: money('10.00'), discountAllocations: alloc(money('1.00')) }),
        ],
      }),
    },
    {
      name: 'free-shipping',
      order: order({
        currentTotalPriceSet: money('14.99'),
        shippingLines: [shippingLine({ currentDiscountedPriceSet: money('0.00'), discountAllocations: alloc(money('4.99')) })],
      }),
    },
    {
      // Québec: 14.975% on 14.99 = 2.24; shipping 10.00 half off = 5.00, taxed 0.75. 14.99 + 2.24 + 5.00 + 0.75.
      name: 'shipping-discount-and-shipping-tax',
      order: order({
        currentTotalPriceSet: money('22.98'),
        shippingAddress: addr({ city: 'Montréal', provinceCode: 'QC', zip: 'H2X 1Y4', countryCodeV2: 'CA' }),
        lineItems: [line({ taxLines: tax(money('2.24')) })],
        shippingLines: [shippingLine({ originalPriceSet: money('10.00'), currentDiscountedPriceSet: money('5.00'), discountAllocations: alloc(money('5.00')), taxLines: tax(money('0.75')) })],
      }),
    },
    {
      // UK VAT included: 12.00 holds 2.00 of VAT, 6.00 of shipping holds 1.00. The customer pays 18.00.
      name: 'tax-inclusive-prices',
      order: order({
        taxesIncluded: true,
        currencyCode: 'GBP',
        presentmentCurrencyCode: 'GBP',
        currentTotalPriceSet: money('18.00', '18.00', 'GBP'),
        shippingAddress: addr({ city: 'London', provinceCode: null, zip: 'SW1A 1AA', countryCodeV2: 'GB' }),
        lineItems: [line({ originalUnitPriceSet: money('12.00', '12.00', 'GBP'), taxLines: tax(money('2.00', '2.00', 'GBP')) })],
        shippingLines: [shippingLine({ originalPriceSet: money('6.00', '6.00', 'GBP'), currentDiscountedPriceSet: money('6.00', '6.00', 'GBP'), taxLines: tax(money('1.00', '1.00', 'GBP')) })],
      }),
    },
    ...(['presentment', 'shop'] as const).map((currency) => ({
      // A CAD shop, a customer paying USD: 7.00 + 4.00 = 11.00 USD; 9.56 + 5.46 = 15.02 CAD.
      name: `foreign-currency-${currency}`,
      options: { currency },
      order: order({
        currencyCode: 'CAD',
        presentmentCurrencyCode: 'USD',
        currentTotalPriceSet: money('15.02', '11.00', 'CAD', 'USD'),
        lineItems: [line({ originalUnitPriceSet: money('9.56', '7.00', 'CAD', 'USD') })],
        shippingLines: [shippingLine({ originalPriceSet: money('5.46', '4.00', 'CAD', 'USD'), currentDiscountedPriceSet: money('5.46', '4.00', 'CAD', 'USD') })],
      }),
    })),
    {
      // 3 ordered, 2 refunded: the 3.00 discount and 0.90 tax were for 3 units, 1.00 and 0.30 remain.
      // 14.99 − 1.00 + 0.30 + 4.99.
      name: 'refunded-units',
      order: order({
        currentTotalPriceSet: money('19.28'),
        lineItems: [line({ quantity: 3, currentQuantity: 1, unfulfilledQuantity: 1, discountAllocations: alloc(money('3.00')), taxLines: tax(money('0.90')) })],
      }),
    },
    {
      name: 'removed-line-by-order-edit',
      order: order({ currentTotalPriceSet: money('19.98'), lineItems: [line(), line({ sku: 'POSTER-18X24-MATTE', quantity: 2, currentQuantity: 0, unfulfilledQuantity: 0, originalUnitPriceSet: money('32.00') })] }),
    },
    {
      // A JPY shop: amounts come as "1500.0"; 1500 + 150 tax + 500 = 2150 yen.
      name: 'zero-decimal-currency',
      order: order({
        currencyCode: 'JPY',
        presentmentCurrencyCode: 'JPY',
        currentTotalPriceSet: money('2150.0', '2150.0', 'JPY'),
        shippingAddress: addr({ firstName: null, lastName: '田中', city: '東京', provinceCode: '13', zip: '100-0001', countryCodeV2: 'JP' }),
        lineItems: [line({ originalUnitPriceSet: money('1500.0', '1500.0', 'JPY'), taxLines: tax(money('150.0', '150.0', 'JPY')) })],
        shippingLines: [shippingLine({ originalPriceSet: money('500.0', '500.0', 'JPY'), currentDiscountedPriceSet: money('500.0', '500.0', 'JPY') })],
      }),
    },
    ...[
      ['three-decimal-currency-whole-hundredths', '4.500', '5.750'],
      ['three-decimal-currency-refused', '4.505', '5.755'],
    ].map(([name, unit, total]) => ({
      name: name!,
      order: order({
        currencyCode: 'KWD',
        presentmentCurrencyCode: 'KWD',
        currentTotalPriceSet: money(total!, total!, 'KWD'),
        lineItems: [line({ originalUnitPriceSet: money(unit!, unit!, 'KWD') })],
        shippingLines: [shippingLine({ originalPriceSet: money('1.250', '1.250', 'KWD'), currentDiscountedPriceSet: money('1.250', '1.250', 'KWD') })],
      }),
    })),
    {
      name: 'tip-left-out',
      order: order({ currentTotalPriceSet: money('21.98'), lineItems: [line(), line({ name: 'Tip', title: 'Tip', variantTitle: null, sku: null, variant: null, requiresShipping: false, customAttributes: [], originalUnitPriceSet: money('2.00') })] }),
    },
    {
      // Import duty 0.75 with 0.15 tax on it: 14.99 + 4.99 + 0.90.
      name: 'duties',
      order: order({
        currentTotalPriceSet: money('20.88'),
        shippingAddress: addr({ city: 'London', provinceCode: null, zip: 'SW1A 1AA', countryCodeV2: 'GB' }),
        lineItems: [line({ duties: [{ price: money('0.75'), taxLines: tax(money('0.15')) }] })],
      }),
    },
    { name: 'shipping-line-without-title-or-code', options: { shippingMethods: { EXPRESS: 'Expedited' } }, order: order({ shippingLines: [shippingLine({ title: '', code: null })] }) },
    {
      name: 'company-phoneless-non-latin-empty-address2',
      order: order({
        phone: null,
        shippingAddress: addr({ firstName: 'Σοφία', lastName: 'Παπαδοπούλου', company: 'Acme 株式会社', address2: '', phone: null, city: 'Αθήνα', provinceCode: null, zip: '105 57', countryCodeV2: 'GR' }),
        billingAddress: null,
      }),
    },
    // The parts say 19.98, Shopify says 24.98 (a discount or fee the mapping does not know): not sent.
    { name: 'money-mismatch', order: order({ currentTotalPriceSet: money('24.98') }) },
    { name: 'null-in-a-required-field', order: order({ lineItems: [line({ originalUnitPriceSet: null as never })], shippingLines: null as never }) },
    {
      name: 'a-billion-totes',
      order: order({ currentTotalPriceSet: money('12000000004.99'), lineItems: [line({ sku: 'TOTE-BLANK-NATURAL', quantity: 1_000_000_000, currentQuantity: 1_000_000_000, unfulfilledQuantity: 1_000_000_000, originalUnitPriceSet: money('12.00') })] }),
    },
    { name: 'negative-quantity', order: order({ lineItems: [line({ quantity: 1, currentQuantity: -1, unfulfilledQuantity: 0 })] }) },
  ];
}
