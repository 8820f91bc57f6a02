import type { MoneyBag, ShopifyAddress, ShopifyLineItem, ShopifyOrder, ShopifyShippingLine } from '../../connectors/shopify/types.ts';
import { seededRandom } from '../faults.ts';

/**
 * Deterministic store orders, harsher than a real store: the same (seed, index, settings) always gives
 * the same order. Besides what print-on-demand stores send (several items and quantities, artwork in
 * line-item properties, blank goods, gift cards and digital items, an unmapped SKU now and then), a
 * fixed share of orders carries each messy case real stores produce: percentage and fixed discount
 * codes allocated across lines with remainders, automatic line discounts, free and discounted
 * shipping, taxes on shipping, tax-inclusive prices, a customer paying in another currency (zero- and
 * three-decimal ones included), refunded and removed units, units fulfilled elsewhere, tips, duties,
 * items without SKU, shipping lines without title or code, companies, missing phones, non-Latin names.
 *
 * Every amount is made in integer minor units of the presentment currency (what the customer pays) and
 * converted to the shop currency amount by amount, as Shopify presents them; each currency's
 * `currentTotalPriceSet` is then summed from that currency's own parts, the way Shopify defines it:
 * line items after all discounts for the units still ordered, plus shipping after discounts, plus
 * taxes unless prices include them, plus duties unless included, plus tips. A line's discounts, taxes
 * and duties are for all units ever ordered; the part for the units still ordered is prorate(x,
 * current, ordered), rounded half to even. The simulator does this arithmetic with its own code: it
 * is the oracle the mapping is judged by, and must not borrow the mapping's.
 *
 * Each order also carries what must become of it under the simulator's standard mapping (its
 * catalogue mapped one to one but for LEGACY-SKU-0042, TOTE-BLANK-NATURAL blank; SIM_MAPPING in the
 * tests), declared from the case the generator built: sent whole with Shopify's total, sent in part
 * with the total of what is sent, failed with the reasons it built in, or skipped.
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
  /** In the standard mapping's skuMap (a SKU-less item never is). */
  mapped: boolean;
}

export const CATALOG: Product[] = [
  { sku: 'MUG-11OZ-WHITE', title: 'Custom Mug', variantTitle: '11 oz / White', priceCents: 1499, productType: 'Mug', requiresShipping: true, isGiftCard: false, printAreas: ['front'], mapped: true },
  { sku: 'TEE-BELLA3001-BLK-M', title: 'Custom T-Shirt', variantTitle: 'M / Black', priceCents: 2450, productType: 'Apparel', requiresShipping: true, isGiftCard: false, printAreas: ['front', 'back'], mapped: true },
  { sku: 'TEE-BELLA3001-WHT-L', title: 'Custom T-Shirt', variantTitle: 'L / White', priceCents: 2450, productType: 'Apparel', requiresShipping: true, isGiftCard: false, printAreas: ['front'], mapped: true },
  { sku: 'POSTER-18X24-MATTE', title: 'Art Poster', variantTitle: '18x24 / Matte', priceCents: 3200, productType: 'Wall Art', requiresShipping: true, isGiftCard: false, printAreas: ['front'], mapped: true },
  { sku: 'HOODIE-G185-NAVY-XL', title: 'Custom Hoodie', variantTitle: 'XL / Navy', priceCents: 4900, productType: 'Apparel', requiresShipping: true, isGiftCard: false, printAreas: ['front'], mapped: true },
  { sku: 'TOTE-BLANK-NATURAL', title: 'Blank Tote Bag', variantTitle: null, priceCents: 1200, productType: 'Blank', requiresShipping: true, isGiftCard: false, printAreas: [], mapped: true },
  { sku: null, title: 'Gift Card', variantTitle: '$25', priceCents: 2500, productType: 'Gift Card', requiresShipping: false, isGiftCard: true, printAreas: [], mapped: false },
  { sku: 'DIGITAL-WALLPAPER', title: 'Phone Wallpaper (download)', variantTitle: null, priceCents: 300, productType: 'Digital', requiresShipping: false, isGiftCard: false, printAreas: [], mapped: true },
  { sku: 'LEGACY-SKU-0042', title: 'Discontinued Print', variantTitle: null, priceCents: 1800, productType: 'Wall Art', requiresShipping: true, isGiftCard: false, printAreas: ['front'], mapped: false },
  { sku: null, title: 'Custom Sticker', variantTitle: 'Die cut', priceCents: 450, productType: 'Sticker', requiresShipping: true, isGiftCard: false, printAreas: ['front'], mapped: false },
];

/** Tax rate by country (items, and shipping where the country taxes it). */
const PEOPLE = [
  { first: 'Ada', last: 'Lovelace', city: 'Springfield', province: 'IL', zip: '62701', country: 'US', phone: '+1 217 555 0101', rate: 0.0825, shippingTaxed: false },
  { first: 'Grace', last: 'Hopper', city: 'Arlington', province: 'VA', zip: '22201', country: 'US', phone: null, rate: 0.053, shippingTaxed: false },
  { first: 'Alan', last: 'Turing', city: 'London', province: null, zip: 'SW1A 1AA', country: 'GB', phone: '+44 20 7946 0018', rate: 0.2, shippingTaxed: true },
  { first: 'Emmy', last: 'Noether', city: 'Berlin', province: null, zip: '10115', country: 'DE', phone: null, rate: 0.19, shippingTaxed: true },
  { first: 'Marie', last: 'Curie', city: 'Montréal', province: 'QC', zip: 'H2X 1Y4', country: 'CA', phone: '+1 514 555 0199', rate: 0.14975, shippingTaxed: true },
  { first: 'Katherine', last: 'Johnson', city: 'Sydney', province: 'NSW', zip: '2000', country: 'AU', phone: '+61 2 5550 1234', rate: 0.1, shippingTaxed: true },
  { first: null, last: '田中', city: '東京', province: '13', zip: '100-0001', country: 'JP', phone: null, rate: 0.1, shippingTaxed: true },
  { first: 'Σοφία', last: 'Παπαδοπούλου', city: 'Αθήνα', province: null, zip: '105 57', country: 'GR', phone: '+30 21 0555 0100', rate: 0.24, shippingTaxed: true },
  { first: 'فاطمة', last: 'الكويتي', city: 'الكويت', province: null, zip: '13001', country: 'KW', phone: null, rate: 0, shippingTaxed: false },
];

/** Presentment currencies other than the shop's, with a rate from the shop's currency. */
const FOREIGN = [
  { code: 'USD', rate: 0.7321 },
  { code: 'CAD', rate: 1.3658 },
  { code: 'EUR', rate: 0.9183 },
  { code: 'JPY', rate: 151.37 },
  { code: 'KWD', rate: 0.3071 },
];

const SHIPPING = [
  { title: 'Standard', code: 'STANDARD', cents: 499 },
  { title: 'Express', code: 'EXPRESS', cents: 1499 },
  { title: '', code: null, cents: 650 },
];

export interface SeedSettings {
  /** The shop's currency (default USD). */
  currency?: string;
  /** Prices include tax (EU, UK, AU shops); default: a fixed share of orders. */
  taxesIncluded?: boolean;
}

const BASE_ORDER_ID = 9_007_199_254_741_000n; // above 2^53: ids must stay strings end to end
export const orderGid = (n: bigint | number) => `gid://shopify/Order/${BASE_ORDER_ID + BigInt(n)}`;

const sum = (xs: number[]) => xs.reduce((a, x) => a + x, 0);
const fmt = (minor: number, exponent: number) => (minor / 10 ** exponent).toFixed(Math.max(exponent, 1));

/** ISO 4217 minor units of the currencies this generator makes (the simulator's own table). */
const EXPONENTS: Record<string, number> = { USD: 2, CAD: 2, EUR: 2, GBP: 2, AUD: 2, JPY: 0, KWD: 3 };
export const SEED_CURRENCIES = Object.keys(EXPONENTS);
const exponentOf = (code: string) => {
  const e = EXPONENTS[code];
  if (e === undefined) throw new Error(`the order generator makes no ${code} orders (it knows ${SEED_CURRENCIES.join(', ')})`);
  return e;
};

/** x × part / whole, rounded half to even: how Shopify prorates a line's discounts and taxes to the units still ordered. */
function prorate(x: number, part: number, whole: number): number {
  if (part === whole) return x;
  if (part === 0 || whole === 0) return 0;
  const n = x * part;
  const q = Math.floor(n / whole);
  const twice = 2 * (n - q * whole);
  return twice > whole || (twice === whole && q % 2 !== 0) ? q + 1 : q;
}

/**
 * What must become of a generated order under the standard mapping, in one of the two currency modes
 * (`presentment` or `shop`). `total` is the decimal customerTotal OrderMesh must receive.
 */
export type DeclaredOutcome =
  | { kind: 'sent'; whole: boolean; currency: string; total: string }
  | { kind: 'failed'; codes: string[] }
  | { kind: 'skipped'; reason: 'NO_FULFILLABLE_ITEMS' | 'ORDER_CANCELLED' };
export interface Declared {
  presentment: DeclaredOutcome;
  shop: DeclaredOutcome;
}

/** Splits `total` over `weights` (largest remainder), the way an order-level discount reaches lines. */
function spread(total: number, weights: number[]): number[] {
  const all = sum(weights);
  if (all <= 0) return weights.map(() => 0);
  const parts = weights.map((w) => Math.floor((total * w) / all));
  let left = total - sum(parts);
  const byRemainder = weights.map((w, i) => [(total * w) / all - parts[i]!, i] as const).sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  for (const [, i] of byRemainder) {
    if (left-- <= 0) break;
    parts[i]!++;
  }
  return parts;
}

/** Order number `index` of a store seeded with `seed`. */
export function seededOrder(seed: number, index: number, at: Date, settings: SeedSettings = {}): ShopifyOrder {
  return seededCase(seed, index, at, settings).order;
}

/** Order number `index` of a store seeded with `seed`, with what must become of it. */
export function seededCase(seed: number, index: number, at: Date, settings: SeedSettings = {}): { order: ShopifyOrder; declared: Declared } {
  const rnd = seededRandom(seed * 1_000_003 + index);
  const pick = <T,>(xs: readonly T[]) => xs[Math.floor(rnd() * xs.length)]!;
  const chance = (p: number) => rnd() < p;

  const shopCurrency = settings.currency ?? 'USD';
  // Three-decimal currencies are rare (and most of their amounts cannot go to OrderMesh as they are).
  const others = FOREIGN.filter((f) => f.code !== shopCurrency);
  const foreign = chance(0.25) ? (chance(0.08) ? others.find((f) => f.code === 'KWD') : pick(others.filter((f) => f.code !== 'KWD'))) : undefined;
  const presentment = foreign?.code ?? shopCurrency;
  const pe = exponentOf(presentment);
  const se = exponentOf(shopCurrency);
  // A shop pricing a three-decimal currency in whole hundredths (every amount of the order comes out
  // even, and no unit is refunded): such an order must go through; the others fail on precision.
  const step = pe === 3 && chance(0.5) ? 10 : 1;
  const even = (minor: number) => Math.round(minor / step) * step;
  /** Presentment minor units of a catalogue price in shop cents. */
  const price = (shopCents: number) => even(foreign ? Math.round((shopCents / 100) * foreign.rate * 10 ** pe) : Math.round((shopCents / 100) * 10 ** pe));
  /** A presentment amount, and its shop-currency counterpart converted on its own. */
  const bag = (minor: number): MoneyBag => ({
    presentmentMoney: { amount: fmt(minor, pe), currencyCode: presentment },
    shopMoney: { amount: fmt(foreign ? Math.round((minor / 10 ** pe / foreign.rate) * 10 ** se) : minor, se), currencyCode: shopCurrency },
  });
  const shop = (b: MoneyBag) => Math.round(Number(b.shopMoney.amount) * 10 ** se);

  const person = pick(PEOPLE);
  const taxesIncluded = settings.taxesIncluded ?? chance(0.2);
  const dutiable = person.country !== 'US' && chance(0.25);

  const drafts = draftLines({ rnd, pick, chance, price, even, step, taxesIncluded, person, dutiable });

  const shippable = drafts.some((d) => d.product?.requiresShipping && d.current > 0);
  const ship = pick(SHIPPING);
  const shippingOriginal = price(ship.cents);
  const shippingDiscount = !shippable ? 0 : chance(0.1) ? shippingOriginal : chance(0.1) ? even(Math.round(shippingOriginal / 2)) : 0;
  const shippingNet = shippingOriginal - shippingDiscount;
  const shippingTax = person.shippingTaxed ? even(taxesIncluded ? Math.round((shippingNet * person.rate) / (1 + person.rate)) : Math.round(shippingNet * person.rate)) : 0;

  const orderNo = BASE_ORDER_ID * 10n + BigInt(index * 10);
  const { lineItems, shippingLines } = orderLines({ drafts, orderNo, seed, index, bag, shippable, ship, shippingOriginal, shippingNet, shippingDiscount, shippingTax });

  /**
   * What the customer pays for `units(line)` of each line, summed from one currency's parts:
   * Shopify's definition of the current total when every unit still ordered counts.
   */
  const payFor = (amount: (b: MoneyBag) => number, units: (li: ShopifyLineItem, i: number) => number) => {
    let total = 0;
    lineItems.forEach((li, i) => {
      const n = units(li, i);
      const part = (bags: MoneyBag[]) => prorate(sum(bags.map(amount)), n, li.quantity);
      total += amount(li.originalUnitPriceSet) * n - part(li.discountAllocations.map((d) => d.allocatedAmountSet));
      if (!taxesIncluded) total += part(li.taxLines.map((t) => t.priceSet));
      total += part(li.duties.flatMap((d) => [d.price, ...d.taxLines.map((t) => t.priceSet)]));
    });
    for (const s of shippingLines) total += amount(s.currentDiscountedPriceSet) + (taxesIncluded ? 0 : sum(s.taxLines.map((t) => amount(t.priceSet))));
    return total;
  };
  const presentmentMinor = (b: MoneyBag) => Math.round(Number(b.presentmentMoney.amount) * 10 ** pe);
  const totalMinor = payFor(presentmentMinor, (li) => li.currentQuantity);
  const totalShop = payFor(shop, (li) => li.currentQuantity);

  const iso = new Date(Math.floor(at.getTime() / 1000) * 1000).toISOString().replace('.000Z', 'Z');
  const street = `${100 + (index % 900)} ${pick(['Main St', 'High Street', 'Hauptstraße 5', 'Rue Sainte-Catherine', 'George St', '中央通り'])}`;
  const address = (): ShopifyAddress => ({
    firstName: person.first,
    lastName: person.last,
    company: chance(0.1) ? 'Acme Print GmbH' : null,
    address1: street,
    address2: chance(0.3) ? (chance(0.5) ? 'Apt 4' : '') : null,
    city: person.city,
    provinceCode: person.province,
    zip: person.zip,
    countryCodeV2: person.country,
    phone: person.phone,
  });
  const order: ShopifyOrder = {
    id: orderGid(index),
    name: `#${1001 + index}`,
    createdAt: iso,
    updatedAt: iso,
    cancelledAt: null,
    cancelReason: null,
    test: chance(0.05),
    email: `customer${index}@example.com`,
    phone: person.phone,
    note: chance(0.1) ? 'Please gift wrap 🎁' : null,
    tags: chance(0.2) ? ['vip'] : [],
    currencyCode: shopCurrency,
    presentmentCurrencyCode: presentment,
    taxesIncluded,
    dutiesIncluded: false,
    customAttributes: [],
    currentTotalPriceSet: {
      presentmentMoney: { amount: fmt(totalMinor, pe), currencyCode: presentment },
      shopMoney: { amount: fmt(totalShop, se), currencyCode: shopCurrency },
    },
    shippingAddress: shippable ? (address() as ShopifyAddress) : null,
    billingAddress: chance(0.7) ? address() : null,
    shippingLines,
    lineItems,
  };

  return {
    order,
    declared: {
      presentment: declaredOutcome({ order, drafts, step, payFor }, pe, presentment, presentmentMinor, totalMinor),
      shop: declaredOutcome({ order, drafts, step, payFor }, se, shopCurrency, shop, totalShop),
    },
  };
}

interface Draft {
  product: Product | null;
  unit: number;
  quantity: number;
  current: number;
  unfulfilled: number;
  discounts: number[];
  tax: number;
  duty: number;
  dutyTax: number;
  tip: boolean;
  missingArt: boolean;
  noSku: boolean;
}

/** The seeded order's lines as drafts: products, quantities, discounts, taxes and duties, edits and units fulfilled elsewhere. */
function draftLines(g: {
  rnd: () => number;
  pick: <T>(xs: readonly T[]) => T;
  chance: (p: number) => boolean;
  price: (shopCents: number) => number;
  even: (minor: number) => number;
  step: number;
  taxesIncluded: boolean;
  person: (typeof PEOPLE)[number];
  dutiable: boolean;
}): Draft[] {
  const { rnd, pick, chance, price, even, step, taxesIncluded, person, dutiable } = g;
  const drafts: Draft[] = [];
  const itemCount = 1 + Math.floor(rnd() * 4);
  for (let i = 0; i < itemCount; i++) {
    let product = pick(CATALOG.slice(0, 6));
    const r = rnd();
    if (r < 0.04) product = CATALOG[8]!;
    else if (r < 0.08) product = CATALOG[6]!;
    else if (r < 0.11) product = CATALOG[7]!;
    else if (r < 0.13) product = CATALOG[9]!;
    const quantity = chance(0.3) ? 2 + Math.floor(rnd() * 4) : 1;
    const unit = price(product.priceCents);
    // Automatic line discounts: a percentage or a fixed amount off this line.
    const discounts: number[] = [];
    if (!product.isGiftCard && chance(0.15)) discounts.push(chance(0.5) ? even(Math.round(unit * quantity * 0.1)) : Math.min(unit * quantity, price(300)));
    drafts.push({ product, unit, quantity, current: quantity, unfulfilled: quantity, discounts, tax: 0, duty: 0, dutyTax: 0, tip: false, missingArt: chance(0.03), noSku: false });
  }
  if (chance(0.05)) drafts.push({ product: null, unit: price(500), quantity: 1, current: 1, unfulfilled: 1, discounts: [], tax: 0, duty: 0, dutyTax: 0, tip: true, missingArt: false, noSku: true });

  // Discount codes and order-level automatic discounts, allocated to the eligible lines by their value
  // after line discounts, with the remainders spread like Shopify does.
  const eligible = drafts.filter((d) => d.product && !d.product.isGiftCard);
  if (eligible.length && chance(0.3)) {
    const base = eligible.map((d) => d.unit * d.quantity - sum(d.discounts));
    const total = chance(0.5) ? even(Math.round(sum(base) * (chance(0.5) ? 0.15 : 0.1))) : Math.min(sum(base), price(500));
    spread(total / step, base).forEach((part, i) => part > 0 && eligible[i]!.discounts.push(part * step));
  }
  for (const d of drafts) {
    if (!d.product || d.product.isGiftCard) continue;
    const net = d.unit * d.quantity - sum(d.discounts);
    d.tax = even(taxesIncluded ? Math.round((net * person.rate) / (1 + person.rate)) : Math.round(net * person.rate));
    if (dutiable && d.product.requiresShipping) {
      d.duty = even(Math.round(net * 0.05));
      d.dutyTax = even(Math.round(d.duty * person.rate));
    }
  }
  // Refunded or removed units (order edits), and units fulfilled by someone else.
  if (chance(0.12) && step === 1) {
    const d = pick(drafts);
    d.current = Math.max(0, d.quantity - 1 - Math.floor(rnd() * d.quantity));
  }
  for (const d of drafts) d.unfulfilled = d.current;
  if (chance(0.06) && step === 1) {
    const d = pick(drafts);
    d.unfulfilled = Math.max(0, d.current - 1);
  }

  return drafts;
}

/**
 * What the standard mapping must make of it, from what was built: the units OrderMesh makes are the
 * shippable, physical, still unfulfilled ones; a SKU the mapping lacks, or missing artwork on an item
 * that needs some, fails the order.
 */
function declaredOutcome(
  o: { order: ShopifyOrder; drafts: Draft[]; step: number; payFor: (amount: (b: MoneyBag) => number, units: (li: ShopifyLineItem, i: number) => number) => number },
  exponent: number,
  currency: string,
  amount: (b: MoneyBag) => number,
  total: number,
): DeclaredOutcome {
  const { order, drafts, step, payFor } = o;
  const sentUnits = drafts.map((d) => (d.product && d.product.requiresShipping && !d.product.isGiftCard ? d.unfulfilled : 0));
  const codes = new Set<string>();
  drafts.forEach((d, i) => {
    if (!sentUnits[i]) return;
    if (d.noSku || !d.product!.mapped) codes.add('MISSING_SKU');
    else if (d.missingArt && d.product!.printAreas.length > 0) codes.add('MISSING_ARTWORK');
  });
  const whole = drafts.every((d, i) => d.current === 0 || sentUnits[i] === d.current);
  if (!sentUnits.some(Boolean)) return { kind: 'skipped', reason: 'NO_FULFILLABLE_ITEMS' };
  if (exponent === 3 && step === 1 && allBags(order).some((b) => amount(b) % 10 !== 0)) codes.add('CURRENCY_PRECISION');
  if (codes.size) return { kind: 'failed', codes: [...codes].sort() };
  const sent = whole ? total : payFor(amount, (_li, i) => sentUnits[i]!);
  return { kind: 'sent', whole, currency, total: (sent / 10 ** exponent).toFixed(Math.min(exponent, 2)) };
}

/** The order's line items and shipping line, in the Admin API's shape, from the drafts and the shipping chosen. */
function orderLines(g: {
  drafts: Draft[];
  orderNo: bigint;
  seed: number;
  index: number;
  bag: (minor: number) => MoneyBag;
  shippable: boolean;
  ship: (typeof SHIPPING)[number];
  shippingOriginal: number;
  shippingNet: number;
  shippingDiscount: number;
  shippingTax: number;
}): { lineItems: ShopifyLineItem[]; shippingLines: ShopifyShippingLine[] } {
  const { drafts, orderNo, seed, index, bag, shippable, ship, shippingOriginal, shippingNet, shippingDiscount, shippingTax } = g;
  const lineItems: ShopifyLineItem[] = drafts.map((d, i) => {
    const p = d.product;
    const sku = p && !d.noSku ? p.sku : null;
    const lineId = `gid://shopify/LineItem/${orderNo + BigInt(i)}`;
    const variantId = p ? `gid://shopify/ProductVariant/${40_000_000_000_000 + CATALOG.indexOf(p)}` : null;
    return {
      id: lineId,
      name: d.tip ? 'Tip' : p!.variantTitle ? `${p!.title} - ${p!.variantTitle}` : p!.title,
      title: d.tip ? 'Tip' : p!.title,
      variantTitle: d.tip ? null : p!.variantTitle,
      sku,
      quantity: d.quantity,
      currentQuantity: d.current,
      unfulfilledQuantity: d.unfulfilled,
      requiresShipping: p?.requiresShipping ?? false,
      isGiftCard: p?.isGiftCard ?? false,
      variant: variantId ? { id: variantId, sku } : null,
      customAttributes:
        !p || d.missingArt ? [] : p.printAreas.map((area) => ({ key: `_print_${area}`, value: `https://cdn.example.com/art/${seed}/${index}/${i}-${area}.png` })),
      originalUnitPriceSet: bag(d.unit),
      discountAllocations: d.discounts.map((x) => ({ allocatedAmountSet: bag(x) })),
      taxLines: d.tax ? [{ priceSet: bag(d.tax) }] : [],
      duties: d.duty ? [{ price: bag(d.duty), taxLines: d.dutyTax ? [{ priceSet: bag(d.dutyTax) }] : [] }] : [],
    };
  });
  const shippingLines: ShopifyShippingLine[] = shippable
    ? [
        {
          title: ship.title,
          code: ship.code,
          isRemoved: false,
          originalPriceSet: bag(shippingOriginal),
          currentDiscountedPriceSet: bag(shippingNet),
          discountAllocations: shippingDiscount ? [{ allocatedAmountSet: bag(shippingDiscount) }] : [],
          taxLines: shippingTax ? [{ priceSet: bag(shippingTax) }] : [],
        },
      ]
    : [];

  return { lineItems, shippingLines };
}

/** Every money bag of an order. */
function allBags(o: ShopifyOrder): MoneyBag[] {
  return [
    o.currentTotalPriceSet,
    ...o.lineItems.flatMap((li) => [li.originalUnitPriceSet, ...li.discountAllocations.map((d) => d.allocatedAmountSet), ...li.taxLines.map((t) => t.priceSet), ...li.duties.flatMap((d) => [d.price, ...d.taxLines.map((t) => t.priceSet)])]),
    ...o.shippingLines.flatMap((s) => [s.originalPriceSet, s.currentDiscountedPriceSet, ...s.discountAllocations.map((d) => d.allocatedAmountSet), ...s.taxLines.map((t) => t.priceSet)]),
  ];
}
