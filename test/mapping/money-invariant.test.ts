import { describe, expect, it } from 'vitest';
import { loadMapper, mapOrder } from '../../src/mapping/registry.ts';
import { safeIdFor } from '../../src/mapping/safe-id.ts';
import { seededCase } from '../../src/sim/shopify/seed.ts';
import { SIM_MAPPING } from '../helpers/pipeline.ts';

const ORDERS = 3_000;
const SHOPS = [{}, { currency: 'CAD' }, { currency: 'EUR', taxesIncluded: true }, { currency: 'JPY' }];

/**
 * The generator declares what must become of each order it builds (seed.ts), with its own arithmetic;
 * the mapping is judged by that declaration alone, never by a formula of its own.
 */
describe('the money model over the simulator’s orders', () => {
  it.each(['presentment', 'shop'] as const)('gives every order in %s currency its declared outcome, totals to the cent', async (currency) => {
    const mapper = await loadMapper('shopify-default', { ...SIM_MAPPING, currency }, 'm', '.');
    const seen: Record<string, number> = {};
    const count = (k: string) => (seen[k] = (seen[k] ?? 0) + 1);
    for (let i = 0; i < ORDERS; i++) {
      const { order: o, declared } = seededCase(2026, i, new Date('2026-11-20T10:00:00Z'), SHOPS[i % SHOPS.length]);
      const want = declared[currency];
      const result = mapOrder(mapper, o, { storeId: 'inv', merchantId: 'm', safeId: safeIdFor('inv', o.id) });
      const why = `${o.name} (${o.presentmentCurrencyCode}/${o.currencyCode}): declared ${JSON.stringify(want)}, got ${JSON.stringify(result.kind === 'mapped' ? { total: result.model.customerTotal } : result)}`;
      expect(result.kind, why).toBe(want.kind === 'sent' ? 'mapped' : want.kind);
      if (want.kind === 'failed' && result.kind === 'failed') {
        expect([...new Set(result.errors.map((e) => e.code))].sort(), why).toEqual(want.codes);
        want.codes.forEach(count);
      } else if (want.kind === 'skipped' && result.kind === 'skipped') {
        expect(result.reason, why).toBe(want.reason);
        count(want.reason);
      } else if (want.kind === 'sent' && result.kind === 'mapped') {
        expect(result.model.currencyCode, why).toBe(want.currency);
        expect(result.model.customerTotal, why).toBe(Number(want.total));
        count(want.whole ? 'whole' : 'partial');
        if (o.presentmentCurrencyCode !== o.currencyCode) count('foreign');
        if (want.currency === 'KWD') count('KWD');
        if (o.taxesIncluded) count('taxesIncluded');
        if (o.lineItems.some((li) => li.discountAllocations.length)) count('discounted');
        if (o.lineItems.some((li) => li.currentQuantity < li.quantity)) count('refunded');
      }
    }
    // The generator must reach every kind, or the check says little.
    const kinds = ['whole', 'partial', 'foreign', 'taxesIncluded', 'discounted', 'refunded', 'MISSING_SKU', 'MISSING_ARTWORK', 'NO_FULFILLABLE_ITEMS'];
    if (currency === 'presentment') kinds.push('KWD', 'CURRENCY_PRECISION');
    for (const k of kinds) expect(seen[k] ?? 0, `${k} in ${JSON.stringify(seen)}`).toBeGreaterThan(currency === 'presentment' && (k === 'KWD' || k === 'CURRENCY_PRECISION') ? 3 : 30);
  });

  it.each(['presentment', 'shop'] as const)('refuses an order one minor unit off Shopify’s total, in %s currency, whole or in part', async (currency) => {
    const mapper = await loadMapper('shopify-default', { ...SIM_MAPPING, currency }, 'm', '.');
    const seen = { whole: 0, partial: 0 };
    for (let i = 0; i < 600; i++) {
      const { order: o, declared } = seededCase(2026, i, new Date('2026-11-20T10:00:00Z'), SHOPS[i % SHOPS.length]);
      const want = declared[currency];
      if (want.kind !== 'sent') continue;
      const slipped = structuredClone(o);
      const money = currency === 'presentment' ? slipped.currentTotalPriceSet.presentmentMoney : slipped.currentTotalPriceSet.shopMoney;
      // One unit of the precision the total is sent in (a cent, a yen, a hundredth of a dinar).
      const digits = want.total.split('.')[1]?.length ?? 0;
      const [whole, frac = ''] = money.amount.split('.');
      const bumped = (BigInt(whole! + frac.padEnd(digits, '0').slice(0, digits)) + 1n).toString().padStart(digits + 1, '0');
      money.amount = digits ? `${bumped.slice(0, -digits)}.${bumped.slice(-digits)}` : bumped;
      const r = mapOrder(mapper, slipped, { storeId: 'inv', merchantId: 'm', safeId: safeIdFor('inv', o.id) });
      const codes = r.kind === 'failed' ? r.errors.map((e) => e.code) : [];
      expect(codes, `${o.name}: ${money.amount} ${JSON.stringify(r)}`).toEqual(['MONEY_MISMATCH']);
      seen[want.whole ? 'whole' : 'partial']++;
    }
    expect(seen.whole).toBeGreaterThan(30);
    expect(seen.partial).toBeGreaterThan(10);
  });
});
