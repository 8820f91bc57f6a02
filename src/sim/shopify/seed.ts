import type { ShopifyAddress, ShopifyLineItem, ShopifyOrder } from '../../connectors/shopify/types.ts';
import { seededRandom } from '../faults.ts';

/**
 * Deterministic, realistic store orders: the same (seed, index) always gives the same order. The
 * variety is what print-on-demand stores send: several items and quantities, discounts and taxes,
 * international addresses, missing phones, artwork in line-item properties, blank goods, gift cards
 * and digital items that need no shipping, and now and then an item whose SKU nobody mapped.
 */
export interface Product {
  sku: string | null;
  title: string;
  variantTitle: string | null;
  priceCents: number;
  productType: string;
  requiresShipping: boolean;
  isGiftCard: boolean;
  /** Print areas whose artwork the storefront puts in line-item properties. */
  printAreas: string[];
}

export const CATALOG: Product[] = [
  { sku: 'MUG-11OZ-WHITE', title: 'Custom Mug', variantTitle: '11 oz / White', priceCents: 1499, productType: 'Mug', requiresShipping: true, isGiftCard: false, printAreas: ['front'] },
  { sku: 'TEE-BELLA3001-BLK-M', title: 'Custom T-Shirt', variantTitle: 'M / Black', priceCents: 2450, productType: 'Apparel', requiresShipping: true, isGiftCard: false, printAreas: ['front', 'back'] },
  { sku: 'TEE-BELLA3001-WHT-L', title: 'Custom T-Shirt', variantTitle: 'L / White', priceCents: 2450, productType: 'Apparel', requiresShipping: true, isGiftCard: false, printAreas: ['front'] },
  { sku: 'POSTER-18X24-MATTE', title: 'Art Poster', variantTitle: '18x24 / Matte', priceCents: 3200, productType: 'Wall Art', requiresShipping: true, isGiftCard: false, printAreas: ['front'] },
  { sku: 'HOODIE-G185-NAVY-XL', title: 'Custom Hoodie', variantTitle: 'XL / Navy', priceCents: 4900, productType: 'Apparel', requiresShipping: true, isGiftCard: false, printAreas: ['front'] },
  { sku: 'TOTE-BLANK-NATURAL', title: 'Blank Tote Bag', variantTitle: null, priceCents: 1200, productType: 'Blank', requiresShipping: true, isGiftCard: false, printAreas: [] },
  { sku: null, title: 'Gift Card', variantTitle: '$25', priceCents: 2500, productType: 'Gift Card', requiresShipping: false, isGiftCard: true, printAreas: [] },
  { sku: 'DIGITAL-WALLPAPER', title: 'Phone Wallpaper (download)', variantTitle: null, priceCents: 300, productType: 'Digital', requiresShipping: false, isGiftCard: false, printAreas: [] },
  { sku: 'LEGACY-SKU-0042', title: 'Discontinued Print', variantTitle: null, priceCents: 1800, productType: 'Wall Art', requiresShipping: true, isGiftCard: false, printAreas: ['front'] },
];

const PEOPLE = [
  { first: 'Ada', last: 'Lovelace', city: 'Springfield', province: 'IL', zip: '62701', country: 'US', phone: '+1 217 555 0101' },
  { first: 'Grace', last: 'Hopper', city: 'Arlington', province: 'VA', zip: '22201', country: 'US', phone: null },
  { first: 'Alan', last: 'Turing', city: 'London', province: null, zip: 'SW1A 1AA', country: 'GB', phone: '+44 20 7946 0018' },
  { first: 'Emmy', last: 'Noether', city: 'Berlin', province: null, zip: '10115', country: 'DE', phone: null },
  { first: 'Marie', last: 'Curie', city: 'Montréal', province: 'QC', zip: 'H2X 1Y4', country: 'CA', phone: '+1 514 555 0199' },
  { first: 'Katherine', last: 'Johnson', city: 'Sydney', province: 'NSW', zip: '2000', country: 'AU', phone: '+61 2 5550 1234' },
  { first: null, last: 'Tanaka', city: 'Tokyo', province: '13', zip: '100-0001', country: 'JP', phone: null },
];

const SHIPPING = [
  { title: 'Standard', code: 'STANDARD', cents: 499 },
  { title: 'Express', code: 'EXPRESS', cents: 1499 },
  { title: 'Free shipping', code: 'FREE', cents: 0 },
];

const BASE_ORDER_ID = 9_007_199_254_741_000n; // above 2^53: ids must stay strings end to end
export const orderGid = (n: bigint | number) => `gid://shopify/Order/${BASE_ORDER_ID + BigInt(n)}`;
const money = (cents: number, currencyCode: string) => ({ shopMoney: { amount: (cents / 100).toFixed(2), currencyCode } });

function address(p: (typeof PEOPLE)[number], line: string): ShopifyAddress {
  return {
    firstName: p.first,
    lastName: p.last,
    company: null,
    address1: line,
    address2: null,
    city: p.city,
    provinceCode: p.province,
    zip: p.zip,
    countryCode: p.country,
    phone: p.phone,
  };
}

/** Order number `index` of a store seeded with `seed`. */
export function seededOrder(seed: number, index: number, at: Date): ShopifyOrder {
  const rnd = seededRandom(seed * 1_000_003 + index);
  const pick = <T,>(xs: readonly T[]) => xs[Math.floor(rnd() * xs.length)]!;
  const currency = 'USD';
  const person = pick(PEOPLE);
  const itemCount = 1 + Math.floor(rnd() * 3);
  const lineItems: ShopifyLineItem[] = [];
  let subtotal = 0;
  let taxTotal = 0;
  let discountTotal = 0;
  for (let i = 0; i < itemCount; i++) {
    // Unmapped SKUs and non-shippable items appear, but rarely.
    let product = pick(CATALOG.slice(0, 6));
    const r = rnd();
    if (r < 0.04) product = CATALOG[8]!;
    else if (r < 0.08) product = CATALOG[6]!;
    else if (r < 0.11) product = CATALOG[7]!;
    const quantity = rnd() < 0.25 ? 2 + Math.floor(rnd() * 3) : 1;
    const lineCents = product.priceCents * quantity;
    const discount = rnd() < 0.2 ? Math.round(lineCents * 0.1) : 0;
    const tax = product.isGiftCard ? 0 : Math.round((lineCents - discount) * 0.0825);
    subtotal += lineCents - discount;
    taxTotal += tax;
    discountTotal += discount;
    const lineId = `gid://shopify/LineItem/${BASE_ORDER_ID * 10n + BigInt(index * 10 + i)}`;
    const variantId = `gid://shopify/ProductVariant/${40_000_000_000_000 + CATALOG.indexOf(product)}`;
    // Artwork is missing on about one printable item in thirty: the mapping must say so.
    const missingArt = rnd() < 0.033;
    lineItems.push({
      id: lineId,
      name: product.variantTitle ? `${product.title} - ${product.variantTitle}` : product.title,
      title: product.title,
      variantTitle: product.variantTitle,
      sku: product.sku,
      quantity,
      currentQuantity: quantity,
      unfulfilledQuantity: quantity,
      requiresShipping: product.requiresShipping,
      isGiftCard: product.isGiftCard,
      variant: { id: variantId, sku: product.sku },
      product: { id: `gid://shopify/Product/${8_000_000_000_000 + CATALOG.indexOf(product)}`, productType: product.productType },
      customAttributes: missingArt
        ? []
        : product.printAreas.map((area) => ({ key: `_print_${area}`, value: `https://cdn.example.com/art/${seed}/${index}/${i}-${area}.png` })),
      originalUnitPriceSet: money(product.priceCents, currency),
      totalDiscountSet: money(discount, currency),
      taxLines: tax ? [{ priceSet: money(tax, currency) }] : [],
    });
  }
  const shipping = pick(SHIPPING);
  const shippable = lineItems.some((l) => l.requiresShipping);
  const shippingCents = shippable ? shipping.cents : 0;
  const iso = new Date(Math.floor(at.getTime() / 1000) * 1000).toISOString().replace('.000Z', 'Z');
  const street = `${100 + (index % 900)} ${pick(['Main St', 'High Street', 'Hauptstraße 5', 'Rue Sainte-Catherine', 'George St'])}`;
  return {
    id: orderGid(index),
    name: `#${1001 + index}`,
    createdAt: iso,
    updatedAt: iso,
    cancelledAt: null,
    cancelReason: null,
    test: rnd() < 0.05,
    email: `customer${index}@example.com`,
    phone: person.phone,
    note: rnd() < 0.1 ? 'Please gift wrap' : null,
    tags: rnd() < 0.2 ? ['vip'] : [],
    currencyCode: currency,
    displayFulfillmentStatus: 'UNFULFILLED',
    customAttributes: [],
    subtotalPriceSet: money(subtotal, currency),
    totalPriceSet: money(subtotal + shippingCents + taxTotal, currency),
    totalShippingPriceSet: money(shippingCents, currency),
    totalTaxSet: money(taxTotal, currency),
    totalDiscountsSet: money(discountTotal, currency),
    shippingAddress: shippable ? address(person, street) : null,
    billingAddress: rnd() < 0.7 ? address(person, street) : null,
    shippingLines: shippable ? [{ title: shipping.title, code: shipping.code, originalPriceSet: money(shipping.cents, currency) }] : [],
    lineItems,
  };
}
