import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { MoneyBag, ShopifyAddress, ShopifyOrder } from '../../src/connectors/shopify/types.ts';
import { storeOrderFromInput } from '../../src/connectors/shopify/order-input.ts';
import { loadMapper, mapOrder } from '../../src/mapping/registry.ts';
import { CASES } from './cases.ts';

/**
 * The same order as Shopify's REST Admin API and its orders/* webhooks write it (snake_case, numeric
 * ids, price_set objects): written here from Shopify's REST reference, independently of the converter.
 */
const restBag = (b: MoneyBag) => ({
  shop_money: { amount: b.shopMoney.amount, currency_code: b.shopMoney.currencyCode },
  presentment_money: { amount: b.presentmentMoney.amount, currency_code: b.presentmentMoney.currencyCode },
});
const tail = (gid: string) => Number(gid.split('/').pop());
const restAddress = (a: ShopifyAddress | null) =>
  a && { first_name: a.firstName, last_name: a.lastName, company: a.company, address1: a.address1, address2: a.address2, city: a.city, province_code: a.provinceCode, zip: a.zip, country_code: a.countryCodeV2, phone: a.phone, country: 'ignored', name: 'ignored' };

function toRest(o: ShopifyOrder) {
  return {
    id: tail(o.id),
    admin_graphql_api_id: o.id,
    name: o.name,
    created_at: o.createdAt,
    updated_at: o.updatedAt,
    cancelled_at: o.cancelledAt,
    cancel_reason: o.cancelReason?.toLowerCase() ?? null,
    test: o.test,
    email: o.email,
    phone: o.phone,
    note: o.note,
    tags: o.tags.join(', '),
    currency: o.currencyCode,
    presentment_currency: o.presentmentCurrencyCode,
    taxes_included: o.taxesIncluded,
    duties_included: o.dutiesIncluded,
    note_attributes: o.customAttributes.map((a) => ({ name: a.key, value: a.value })),
    current_total_price_set: restBag(o.currentTotalPriceSet),
    total_price: '0.00',
    shipping_address: restAddress(o.shippingAddress),
    billing_address: restAddress(o.billingAddress),
    shipping_lines: o.shippingLines.map((s) => ({
      title: s.title,
      code: s.code,
      is_removed: s.isRemoved,
      price_set: restBag(s.originalPriceSet),
      current_discounted_price_set: restBag(s.currentDiscountedPriceSet),
      discount_allocations: s.discountAllocations.map((d) => ({ amount_set: restBag(d.allocatedAmountSet) })),
      tax_lines: s.taxLines.map((t) => ({ price_set: restBag(t.priceSet), rate: 0.1, title: 'Tax' })),
    })),
    line_items: o.lineItems.map((li) => ({
      id: tail(li.id),
      admin_graphql_api_id: li.id,
      name: li.name,
      title: li.title,
      variant_title: li.variantTitle,
      sku: li.sku,
      quantity: li.quantity,
      current_quantity: li.currentQuantity,
      fulfillable_quantity: li.unfulfilledQuantity,
      requires_shipping: li.requiresShipping,
      gift_card: li.isGiftCard,
      variant_id: li.variant ? tail(li.variant.id) : null,
      properties: li.customAttributes.map((a) => ({ name: a.key, value: a.value })),
      price_set: restBag(li.originalUnitPriceSet),
      discount_allocations: li.discountAllocations.map((d) => ({ amount_set: restBag(d.allocatedAmountSet), discount_application_index: 0 })),
      tax_lines: li.taxLines.map((t) => ({ price_set: restBag(t.priceSet), rate: 0.1, title: 'Tax' })),
      duties: li.duties.map((d) => ({ price_set: restBag(d.price), tax_lines: d.taxLines.map((t) => ({ price_set: restBag(t.priceSet) })) })),
    })),
  };
}

const ctx = (id: string) => ({ storeId: 'acme', merchantId: 'merchant-1', safeId: `acme-${id.split('/').pop()}` });
/** A case whose order is well-formed (the null-field case has no REST form). */
const wellFormed = CASES.filter((c) => c.name !== 'null-in-a-required-field');

describe('store orders in every accepted input shape', () => {
  it.each(wellFormed.map((c) => [c.name, c] as const))('%s: the REST webhook body, the REST order and GraphQL wrappers map like the GraphQL order', async (_n, c) => {
    const mapper = await loadMapper('shopify-default', c.options ?? {}, 'm', '.');
    const expected = mapOrder(mapper, c.order, ctx(c.order.id));
    const connections = { ...c.order, lineItems: { nodes: c.order.lineItems, pageInfo: { hasNextPage: false, endCursor: null } }, shippingLines: { edges: c.order.shippingLines.map((node) => ({ node })) } };
    for (const input of [toRest(c.order), { order: toRest(c.order) }, { data: { order: connections } }, { data: { orderCreate: { order: c.order, userErrors: [] } } }]) {
      const found = storeOrderFromInput(input);
      expect(found.ok).toBe(true);
      expect(mapOrder(mapper, found.ok && found.order, ctx(c.order.id))).toEqual(expected);
    }
  });

  /** The same order as an API version before 2019-10 writes it: no current_* fields, no address key when there is none. */
  const olderRest = (o: ShopifyOrder, refunds: unknown[]) => {
    const { current_total_price_set, shipping_address, billing_address, ...rest } = toRest(o);
    return {
      ...rest,
      total_price_set: current_total_price_set,
      refunds,
      ...(shipping_address ? { shipping_address } : {}),
      ...(billing_address ? { billing_address } : {}),
      line_items: rest.line_items.map(({ current_quantity: _c, ...li }) => li),
    };
  };
  const untouched = wellFormed.filter((c) => c.order.lineItems.every((li) => li.currentQuantity === li.quantity));

  it.each(untouched.map((c) => [c.name, c] as const))('%s: a REST body of an older API version, nothing refunded, maps like the GraphQL order', async (_n, c) => {
    const mapper = await loadMapper('shopify-default', c.options ?? {}, 'm', '.');
    const found = storeOrderFromInput(olderRest(c.order, []));
    expect(mapOrder(mapper, found.ok && found.order, ctx(c.order.id))).toEqual(mapOrder(mapper, c.order, ctx(c.order.id)));
  });

  it('derives nothing from an older REST body with refunds: it names what is missing', async () => {
    const c = CASES.find((x) => x.name === 'refunded-units')!;
    const mapper = await loadMapper('shopify-default', {}, 'm', '.');
    const found = storeOrderFromInput(olderRest(c.order, [{ id: 1, refund_line_items: [] }]));
    const r = mapOrder(mapper, found.ok && found.order, ctx(c.order.id));
    expect(r.kind === 'failed' && r.errors.map((e) => [e.code, e.path])).toEqual([
      ['INVALID_STORE_ORDER', 'currentTotalPriceSet'],
      ...c.order.lineItems.map((_, i) => ['INVALID_STORE_ORDER', `lineItems[${i}].currentQuantity`]),
    ]);
    expect(untouched.length).toBeGreaterThan(20);
  });

  it('names every missing field of a partial capture', async () => {
    const mapper = await loadMapper('shopify-default', {}, 'm', '.');
    const { currentTotalPriceSet: _t, taxesIncluded: _i, ...partial } = CASES[0]!.order;
    const found = storeOrderFromInput({ data: { order: partial } });
    const r = mapOrder(mapper, found.ok && found.order, ctx(partial.id));
    expect(r).toEqual({
      kind: 'failed',
      errors: [
        { code: 'INVALID_STORE_ORDER', path: 'taxesIncluded', message: 'is missing' },
        { code: 'INVALID_STORE_ORDER', path: 'currentTotalPriceSet', message: 'is missing' },
      ],
    });
  });

  it('refuses what is not an order, and never throws on any JSON', async () => {
    const mapper = await loadMapper('shopify-default', {}, 'm', '.');
    for (const junk of [[], 'order', 42, null, { data: { order: null } }, { orders: [] }, { id: 5 }]) expect(storeOrderFromInput(junk).ok).toBe(false);
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        const found = storeOrderFromInput(v);
        if (found.ok) expect(['mapped', 'failed', 'skipped']).toContain(mapOrder(mapper, found.order, ctx('gid://shopify/Order/1')).kind);
      }),
      { numRuns: 500 },
    );
    // A REST body whose fields all have the wrong types is a list of typed errors, not a TypeError.
    const hostile = { id: 1, line_items: [{ price_set: 'x', tax_lines: 'y', discount_allocations: [null], duties: [1] }], shipping_lines: [null], shipping_address: 'nowhere' };
    const found = storeOrderFromInput(hostile);
    const r = mapOrder(mapper, found.ok && found.order, ctx('gid://shopify/Order/1'));
    expect(r.kind).toBe('failed');
    expect(r.kind === 'failed' && r.errors.every((e) => e.code === 'INVALID_STORE_ORDER')).toBe(true);
  });
});
