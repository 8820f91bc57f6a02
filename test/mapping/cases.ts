import type { ShopifyLineItem, ShopifyOrder } from '../../src/connectors/shopify/types.ts';

/** Store orders as the Shopify connector hands them over, one per behaviour the mapping must get right. */
const money = (amount: string) => ({ shopMoney: { amount, currencyCode: 'USD' } });
const addr = (over: Partial<NonNullable<ShopifyOrder['shippingAddress']>> = {}) => ({
  firstName: 'Ada', lastName: 'Lovelace', company: null, address1: '12 Main St', address2: 'Apt 4', city: 'Springfield',
  provinceCode: 'IL', zip: '62701', countryCode: 'US', phone: '+1 217 555 0101', ...over,
});

let seq = 0;
export function line(over: Partial<ShopifyLineItem> = {}): ShopifyLineItem {
  seq++;
  return {
    id: `gid://shopify/LineItem/${1000 + seq}`,
    name: 'Custom Mug - 11 oz / White', title: 'Custom Mug', variantTitle: '11 oz / White',
    sku: 'MUG-11OZ-WHITE', quantity: 1, currentQuantity: 1, unfulfilledQuantity: 1,
    requiresShipping: true, isGiftCard: false,
    variant: { id: `gid://shopify/ProductVariant/${5000 + seq}`, sku: 'MUG-11OZ-WHITE' },
    product: { id: 'gid://shopify/Product/77', productType: 'Mug' },
    customAttributes: [{ key: '_print_front', value: `https://cdn.example.com/art/${seq}-front.png` }],
    originalUnitPriceSet: money('14.99'), totalDiscountSet: money('0.00'), taxLines: [],
    ...over,
  };
}

export function order(over: Partial<ShopifyOrder> = {}): ShopifyOrder {
  seq = over.lineItems ? seq : seq;
  return {
    id: 'gid://shopify/Order/9007199254741993', name: '#1001',
    createdAt: '2026-11-20T10:00:00Z', updatedAt: '2026-11-20T10:05:00Z', cancelledAt: null, cancelReason: null,
    test: false, email: 'ada@example.com', phone: '+1 217 555 0101', note: null, tags: [], currencyCode: 'USD',
    displayFulfillmentStatus: 'UNFULFILLED', customAttributes: [],
    subtotalPriceSet: money('14.99'), totalPriceSet: money('19.98'), totalShippingPriceSet: money('4.99'),
    totalTaxSet: money('0.00'), totalDiscountsSet: money('0.00'),
    shippingAddress: addr(), billingAddress: addr({ address2: null }),
    shippingLines: [{ title: 'Standard', code: 'STANDARD', originalPriceSet: money('4.99') }],
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
      }),
    },
    { name: 'line-discount', order: order({ lineItems: [line({ quantity: 2, currentQuantity: 2, unfulfilledQuantity: 2, totalDiscountSet: money('3.00') })] }) },
    {
      name: 'taxes-and-shipping-split-to-the-cent',
      order: order({
        totalShippingPriceSet: money('10.00'),
        lineItems: [
          line({ originalUnitPriceSet: money('10.00'), taxLines: [{ priceSet: money('0.83') }] }),
          line({ originalUnitPriceSet: money('10.00'), taxLines: [{ priceSet: money('0.83') }] }),
          line({ originalUnitPriceSet: money('10.00'), taxLines: [{ priceSet: money('0.82') }, { priceSet: money('0.01') }] }),
        ],
      }),
    },
    { name: 'international-gb', order: order({ shippingAddress: addr({ city: 'London', provinceCode: null, zip: 'SW1A 1AA', countryCode: 'GB', phone: '+44 20 7946 0018' }) }) },
    { name: 'missing-phone-no-first-name', order: order({ phone: null, shippingAddress: addr({ firstName: null, lastName: 'Tanaka', phone: null, countryCode: 'JP', provinceCode: '13', city: 'Tokyo', zip: '100-0001' }), billingAddress: null }) },
    {
      name: 'gift-card-and-physical',
      order: order({ lineItems: [line({ sku: null, name: 'Gift Card', isGiftCard: true, requiresShipping: false, variant: null, customAttributes: [], originalUnitPriceSet: money('25.00') }), line()] }),
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
    { name: 'partly-fulfilled-elsewhere', order: order({ lineItems: [line({ quantity: 3, currentQuantity: 3, unfulfilledQuantity: 1, taxLines: [{ priceSet: money('3.00') }] }), line({ unfulfilledQuantity: 0 })] }) },
    {
      name: 'shipping-method-map-test-order-no-billing-fallback',
      options: { shippingMethods: { EXPRESS: 'Expedited' }, billingAddress: 'none', externalId: 'id' },
      order: order({ test: true, billingAddress: null, shippingLines: [{ title: 'Express', code: 'EXPRESS', originalPriceSet: money('14.99') }], totalShippingPriceSet: money('14.99') }),
    },
    { name: 'excluded-sku', options: { excludeSkus: ['INSERT-CARD'] }, order: order({ lineItems: [line(), line({ sku: 'INSERT-CARD', customAttributes: [] })] }) },
  ];
}

export const CASES = cases();
