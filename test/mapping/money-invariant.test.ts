import { describe, expect, it } from 'vitest';
import type { ShopifyOrder } from '../../src/connectors/shopify/types.ts';
import { currencyExponent, toMinor } from '../../src/mapping/money.ts';
import { loadMapper, mapOrder } from '../../src/mapping/registry.ts';
import { safeIdFor } from '../../src/mapping/safe-id.ts';
import { seededOrder } from '../../src/sim/shopify/seed.ts';
import { SIM_MAPPING } from '../helpers/pipeline.ts';

const ORDERS = 3_000;
const SHOPS = [{}, { currency: 'CAD' }, { currency: 'EUR', taxesIncluded: true }, { currency: 'JPY' }];

/** Sent whole: every unit still ordered goes to OrderMesh (nothing left out, none fulfilled elsewhere). */
function sentWhole(o: ShopifyOrder, quantities: number[]): boolean {
  const live = o.lineItems.filter((li) => li.currentQuantity > 0);
  return live.every((li) => li.requiresShipping && !li.isGiftCard && li.unfulfilledQuantity >= li.currentQuantity) && quantities.length === live.length;
}

describe('the money invariant over the simulator’s orders', () => {
  it.each(['presentment', 'shop'] as const)('holds in %s currency: whole orders cost what Shopify says, partial ones the sum of their items', async (currency) => {
    const mapper = await loadMapper('shopify-default', { ...SIM_MAPPING, currency }, 'm', '.');
    const seen = { whole: 0, partial: 0, failed: 0, skipped: 0, foreign: 0, taxesIncluded: 0, discounted: 0, refunded: 0, caught: 0 };
    for (let i = 0; i < ORDERS; i++) {
      const o = seededOrder(2026, i, new Date('2026-11-20T10:00:00Z'), SHOPS[i % SHOPS.length]);
      const result = mapOrder(mapper, o, { storeId: 'inv', merchantId: 'm', safeId: safeIdFor('inv', o.id) });
      if (result.kind === 'skipped') {
        seen.skipped++;
        continue;
      }
      if (result.kind === 'failed') {
        seen.failed++;
        // What the generator makes is messy, never inconsistent: no order of it may fail on money.
        expect(result.errors.map((e) => e.code), JSON.stringify(result.errors)).not.toContain('MONEY_MISMATCH');
        continue;
      }
      const m = result.model;
      const code = currency === 'presentment' ? o.presentmentCurrencyCode : o.currencyCode;
      expect(m.currencyCode).toBe(code);
      const e = currencyExponent(code);
      const minor = (n: number | null | undefined) => Math.round((n ?? 0) * 10 ** e);
      const sumOf = (k: 'customerSubtotal' | 'customerDiscountsOrPromotions' | 'customerTaxes' | 'customerShippingPrice') => m.items.reduce((a, it) => a + minor(it[k]), 0);
      expect(minor(m.customerItemTotal)).toBe(sumOf('customerSubtotal'));
      expect(minor(m.customerTotalDiscountAndPromotions)).toBe(sumOf('customerDiscountsOrPromotions'));
      expect(minor(m.customerTotalTaxes)).toBe(sumOf('customerTaxes'));
      expect(minor(m.customerTotalShipping)).toBe(sumOf('customerShippingPrice'));
      if (sentWhole(o, m.items.map((it) => it.quantity))) {
        seen.whole++;
        const bag = o.currentTotalPriceSet;
        expect(minor(m.customerTotal)).toBe(toMinor((currency === 'presentment' ? bag.presentmentMoney : bag.shopMoney).amount, e));
        // The invariant is what stands between a slip and a wrong order: one minor unit off is refused.
        const slipped = structuredClone(o);
        const b = slipped.lineItems.find((li) => li.currentQuantity > 0)!.originalUnitPriceSet;
        const money = currency === 'presentment' ? b.presentmentMoney : b.shopMoney;
        money.amount = ((toMinor(money.amount, e) + 1) / 10 ** e).toFixed(e);
        const again = mapOrder(mapper, slipped, { storeId: 'inv', merchantId: 'm', safeId: safeIdFor('inv', o.id) });
        expect(again.kind === 'failed' && again.errors.map((x) => x.code)).toContain('MONEY_MISMATCH');
        seen.caught++;
      } else seen.partial++;
      if (o.presentmentCurrencyCode !== o.currencyCode) seen.foreign++;
      if (o.taxesIncluded) seen.taxesIncluded++;
      if (o.lineItems.some((li) => li.discountAllocations.length)) seen.discounted++;
      if (o.lineItems.some((li) => li.currentQuantity < li.quantity)) seen.refunded++;
    }
    // The generator must reach every kind, or the invariant says little.
    for (const [k, n] of Object.entries(seen)) expect(n, k).toBeGreaterThan(30);
  });
});
