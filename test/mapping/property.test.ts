import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createOrderModel } from '../../src/connectors/ordermesh/contract.ts';
import type { ShopifyOrder } from '../../src/connectors/shopify/types.ts';
import { loadMapper, mapOrder } from '../../src/mapping/registry.ts';
import { safeIdFor } from '../../src/mapping/safe-id.ts';

const amount = fc.integer({ min: 0, max: 500_000 }).map((c) => (c / 100).toFixed(2));
const bag = fc.tuple(amount, amount).map(([shop, presentment]) => ({ shopMoney: { amount: shop, currencyCode: 'USD' }, presentmentMoney: { amount: presentment, currencyCode: 'USD' } }));
// Mostly well-formed values, sometimes blank or broken: every outcome must be reached.
const maybeBlank = (arb: fc.Arbitrary<string>) => fc.oneof({ arbitrary: arb, weight: 12 }, { arbitrary: fc.constant(''), weight: 1 }, { arbitrary: fc.constant(null), weight: 1 });
const text = (max: number) => fc.string({ minLength: 1, maxLength: max }).filter((s) => s.trim().length > 0);
const address = fc.record({
  firstName: maybeBlank(text(20)),
  lastName: maybeBlank(text(20)),
  company: fc.option(fc.string({ maxLength: 20 })),
  address1: maybeBlank(text(40)),
  address2: fc.option(fc.string({ maxLength: 40 })),
  city: maybeBlank(text(20)),
  provinceCode: fc.option(fc.constantFrom('CA', 'NY', 'QC', '13')),
  zip: fc.option(fc.string({ maxLength: 10 })),
  countryCodeV2: fc.oneof({ arbitrary: fc.constantFrom('US', 'GB', 'DE', 'JP', 'CA'), weight: 15 }, { arbitrary: fc.constantFrom('XX', 'usa', ''), weight: 1 }),
  phone: fc.option(fc.string({ maxLength: 20 })),
});
const lineItem = fc.integer({ min: 1, max: 20 }).chain((quantity) => fc.record({
  id: fc.integer({ min: 1, max: 1e9 }).map((n) => `gid://shopify/LineItem/${n}`),
  name: fc.string({ maxLength: 30 }),
  title: fc.string({ maxLength: 30 }),
  variantTitle: fc.option(fc.string({ maxLength: 20 })),
  sku: fc.option(fc.oneof({ arbitrary: fc.constantFrom('MUG-11OZ-WHITE', 'TEE-M', 'TOTE-BLANK'), weight: 10 }, { arbitrary: fc.string({ maxLength: 12 }), weight: 1 }), { freq: 15 }),
  quantity: fc.constant(quantity),
  currentQuantity: fc.integer({ min: 0, max: quantity }),
  unfulfilledQuantity: fc.integer({ min: 0, max: quantity }),
  requiresShipping: fc.integer({ min: 0, max: 9 }).map((n) => n > 0),
  isGiftCard: fc.integer({ min: 0, max: 9 }).map((n) => n === 0),
  variant: fc.option(fc.record({ id: fc.integer({ min: 1, max: 1e9 }).map((n) => `gid://shopify/ProductVariant/${n}`), sku: fc.option(fc.constant('MUG-11OZ-WHITE')) })),
  customAttributes: fc
    .tuple(
      fc.option(fc.webUrl(), { freq: 15 }),
      fc.array(fc.record({ key: fc.constantFrom('_print_back', 'note', '_other'), value: fc.option(fc.oneof(fc.webUrl(), fc.string({ maxLength: 10 }))) }), { maxLength: 2 }),
    )
    .map(([front, rest]) => (front ? [{ key: '_print_front', value: front }, ...rest] : rest)),
  originalUnitPriceSet: bag,
  discountAllocations: fc.array(fc.record({ allocatedAmountSet: bag }), { maxLength: 2 }),
  taxLines: fc.array(fc.record({ priceSet: bag }), { maxLength: 2 }),
  duties: fc.array(fc.record({ price: bag, taxLines: fc.array(fc.record({ priceSet: bag }), { maxLength: 1 }) }), { maxLength: 1 }),
}));
const order = fc.record({
  id: fc.bigInt({ min: 1n, max: 2n ** 63n }).map((n) => `gid://shopify/Order/${n}`),
  name: fc.string({ minLength: 1, maxLength: 10 }),
  createdAt: fc.constant('2026-11-20T10:00:00Z'),
  updatedAt: fc.constant('2026-11-20T10:00:00Z'),
  cancelledAt: fc.option(fc.constant('2026-11-20T11:00:00Z'), { freq: 10 }),
  cancelReason: fc.constant(null),
  test: fc.boolean(),
  email: fc.option(fc.emailAddress()),
  phone: fc.option(fc.string({ maxLength: 15 })),
  note: fc.constant(null),
  tags: fc.constant([]),
  currencyCode: fc.constant('USD'),
  presentmentCurrencyCode: fc.constant('USD'),
  taxesIncluded: fc.boolean(),
  dutiesIncluded: fc.boolean(),
  customAttributes: fc.constant([]),
  currentTotalPriceSet: bag,
  shippingAddress: fc.option(address, { freq: 15 }),
  billingAddress: fc.option(address),
  shippingLines: fc.array(
    fc.record({
      title: fc.constantFrom('Standard', 'Express', ''),
      code: fc.option(fc.constant('EXPRESS')),
      isRemoved: fc.boolean(),
      originalPriceSet: bag,
      currentDiscountedPriceSet: bag,
      discountAllocations: fc.array(fc.record({ allocatedAmountSet: bag }), { maxLength: 1 }),
      taxLines: fc.array(fc.record({ priceSet: bag }), { maxLength: 1 }),
    }),
    { maxLength: 2 },
  ),
  lineItems: fc.array(lineItem, { minLength: 0, maxLength: 5 }),
  /** Most orders carry the total Shopify would show for their parts; the rest a random one. */
  consistent: fc.integer({ min: 0, max: 3 }).map((n) => n > 0),
}).map(({ consistent, ...o }) => (consistent ? withShopifyTotal(o as unknown as ShopifyOrder) : o)) as unknown as fc.Arbitrary<ShopifyOrder>;

/**
 * Shopify's current total of an order, by this test's own arithmetic (never the mapper's): line items
 * for the units still ordered after their prorated discounts, taxes unless included, duties, plus the
 * shipping lines not removed with their tax. In cents, presentment money.
 */
function withShopifyTotal(o: ShopifyOrder): ShopifyOrder {
  const c = (b: { presentmentMoney: { amount: string } }) => Math.round(Number(b.presentmentMoney.amount) * 100);
  const prorate = (x: number, part: number, whole: number) => {
    if (part === whole) return x;
    if (part === 0 || whole === 0) return 0;
    const exact = (x * part) / whole;
    const floor = Math.floor(exact);
    const diff = exact - floor;
    return diff > 0.5 || (diff === 0.5 && floor % 2 !== 0) ? floor + 1 : floor;
  };
  let total = 0;
  for (const li of o.lineItems) {
    const n = li.currentQuantity;
    total += c(li.originalUnitPriceSet) * n - prorate(li.discountAllocations.reduce((a, d) => a + c(d.allocatedAmountSet), 0), n, li.quantity);
    if (!o.taxesIncluded) total += prorate(li.taxLines.reduce((a, t) => a + c(t.priceSet), 0), n, li.quantity);
    if (!o.dutiesIncluded) total += prorate(li.duties.reduce((a, d) => a + c(d.price) + d.taxLines.reduce((b, t) => b + c(t.priceSet), 0), 0), n, li.quantity);
  }
  for (const s of o.shippingLines) {
    if (s.isRemoved) continue;
    const current = c(s.currentDiscountedPriceSet);
    const discounted = c(s.originalPriceSet) - s.discountAllocations.reduce((a, d) => a + c(d.allocatedAmountSet), 0);
    const tax = s.taxLines.reduce((a, t) => a + c(t.priceSet), 0);
    total += current + (o.taxesIncluded || discounted <= 0 ? 0 : prorate(tax, current, discounted));
  }
  const amount = (total / 100).toFixed(2);
  return { ...o, currentTotalPriceSet: { shopMoney: { amount, currencyCode: 'USD' }, presentmentMoney: { amount, currencyCode: 'USD' } } };
}

const cents = (n: number | null | undefined) => Math.round((n ?? 0) * 100);

describe('shopify-default mapping: properties', () => {
  it('maps every order to a contract-valid model, typed errors or a skip, with totals that add up to the cent', async () => {
    // Random amounts rarely add up to a random currentTotalPriceSet: those orders end as
    // MONEY_MISMATCH, which is the point; those with Shopify's own total map.
    const mapper = await loadMapper('shopify-default', { blankSkus: ['TOTE-BLANK'] }, 'm', '.');
    const seen = { mapped: 0, failed: 0, skipped: 0 };
    const codes = new Set<string>();
    fc.assert(
      fc.property(order, (o) => {
        const result = mapOrder(mapper, o, { storeId: 'prop', merchantId: 'm-1', safeId: safeIdFor('prop', o.id) });
        seen[result.kind]++;
        if (result.kind === 'failed') {
          expect(result.errors.length).toBeGreaterThan(0);
          for (const e of result.errors) expect(e.code).toMatch(/^[A-Z_]+$/);
          for (const e of result.errors) codes.add(e.code);
          return;
        }
        if (result.kind === 'skipped') return;
        expect(createOrderModel.safeParse(result.model).success).toBe(true);
        const m = result.model;
        const items = m.items;
        expect(cents(m.customerTotalShipping)).toBe(items.reduce((a, i) => a + cents(i.customerShippingPrice), 0));
        expect(cents(m.customerItemTotal)).toBe(items.reduce((a, i) => a + cents(i.customerSubtotal), 0));
        expect(cents(m.customerTotalDiscountAndPromotions)).toBe(items.reduce((a, i) => a + cents(i.customerDiscountsOrPromotions), 0));
        expect(cents(m.customerTotalTaxes)).toBe(items.reduce((a, i) => a + cents(i.customerTaxes), 0));
        for (const i of items) expect(cents(i.customerSubtotal)).toBe(cents(i.customerPrice) * i.quantity);
        expect(JSON.stringify(m.meta)).not.toMatch(/card|secret|token/i);
      }),
      { numRuns: 2_000 },
    );
    // The generator must reach every outcome, or the property says little.
    expect(seen.mapped).toBeGreaterThan(20);
    expect(codes).toContain('MONEY_MISMATCH');
    expect(seen.failed).toBeGreaterThan(50);
    expect(seen.skipped).toBeGreaterThan(50);
  });
});
