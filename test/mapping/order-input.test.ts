import { describe, expect, it } from 'vitest';
import { ACCEPTED_SHAPES, restOrderToGraphql, restPathOf, storeOrderFromInput } from '../../src/connectors/shopify/order-input.ts';
import { parseJsonExact } from '../../src/util/exact-json.ts';

/** REST → GraphQL field by field, each expected value written from Shopify's REST reference by hand. */
const bag = (amount: string) => ({ shop_money: { amount, currency_code: 'USD' }, presentment_money: { amount, currency_code: 'USD' } });
const restLine = (over: Record<string, unknown> = {}) => ({ id: 11, name: 'Mug', title: 'Mug', variant_title: null, sku: 'MUG', quantity: 1, current_quantity: 1, fulfillable_quantity: 1, requires_shipping: true, gift_card: false, variant_id: 22, properties: [], price_set: bag('1.00'), discount_allocations: [], tax_lines: [], duties: [], ...over });
const restOrder = (over: Record<string, unknown> = {}) => ({ id: 99, name: '#1', line_items: [restLine()], shipping_lines: [], ...over });

describe('REST orders in the GraphQL shape', () => {
  it('makes GIDs of numeric ids where no admin_graphql_api_id is given', () => {
    const o = restOrderToGraphql(restOrder());
    expect([o.id, o.lineItems[0].id, o.lineItems[0].variant]).toEqual(['gid://shopify/Order/99', 'gid://shopify/LineItem/11', { id: 'gid://shopify/ProductVariant/22', sku: 'MUG' }]);
    expect(restOrderToGraphql(restOrder({ admin_graphql_api_id: 'gid://shopify/Order/5' })).id).toBe('gid://shopify/Order/5');
    expect(restOrderToGraphql(restOrder({ id: null })).id).toBeUndefined();
    expect(restOrderToGraphql(restOrder({ id: undefined })).id).toBeUndefined();
    expect(restOrderToGraphql(restOrder({ id: 0 })).id).toBe('gid://shopify/Order/0');
  });

  it('keeps a variant that is none as none, and one not given as missing', () => {
    expect(restOrderToGraphql(restOrder({ line_items: [restLine({ variant_id: null })] })).lineItems[0].variant).toBeNull();
    expect(restOrderToGraphql(restOrder({ line_items: [restLine({ variant_id: undefined })] })).lineItems[0].variant).toBeUndefined();
    expect(restOrderToGraphql(restOrder({ line_items: [restLine({ sku: null })] })).lineItems[0].variant).toEqual({ id: 'gid://shopify/ProductVariant/22', sku: null });
  });

  it('reads cancel reasons upper-cased, tags from a comma list, removal and duties-included defaults', () => {
    const o = restOrderToGraphql(restOrder({ cancel_reason: 'customer', tags: ' vip, gift ,, wholesale ', shipping_lines: [{ title: 'S', price_set: bag('1.00'), discounted_price_set: bag('1.00') }, { title: 'T', is_removed: true, price_set: bag('2.00'), current_discounted_price_set: bag('0.00') }] }));
    expect([o.cancelReason, o.tags, o.shippingLines.map((s: any) => s.isRemoved), o.dutiesIncluded]).toEqual(['CUSTOMER', ['vip', 'gift', 'wholesale'], [false, true], false]);
    expect(o.shippingLines.map((s: any) => s.currentDiscountedPriceSet.shopMoney.amount)).toEqual(['1.00', '0.00']);
    expect(restOrderToGraphql(restOrder({ cancel_reason: null, tags: ['a'] }))).toMatchObject({ cancelReason: null, tags: ['a'] });
    const withDuties = restOrder({ line_items: [restLine({ duties: [{ price_set: bag('0.50'), tax_lines: [] }] })] });
    expect(restOrderToGraphql(withDuties).dutiesIncluded).toBeUndefined();
    expect(restOrderToGraphql({ ...withDuties, duties_included: true }).dutiesIncluded).toBe(true);
    expect(restOrderToGraphql({ ...restOrder(), duties_included: false, line_items: [restLine({ duties: [] })] }).dutiesIncluded).toBe(false);
    expect(restOrderToGraphql({ ...restOrder(), line_items: 'broken' }).dutiesIncluded).toBe(false);
  });
});

describe('which input it is', () => {
  const gql = { id: 'gid://shopify/Order/1', lineItems: [] };
  it('names the shape it found', () => {
    const shape = (input: unknown) => {
      const r = storeOrderFromInput(input);
      return r.ok ? r.shape : r.message;
    };
    expect(shape(restOrder())).toBe('REST order');
    expect(shape({ order: restOrder() })).toBe('REST {order}');
    expect(shape(gql)).toBe('GraphQL Order');
    expect(shape({ order: gql })).toBe('{order}');
    expect(shape({ data: { order: gql } })).toBe('GraphQL response data.order');
    expect(shape({ data: { orderCreate: { order: gql } } })).toBe('GraphQL response data.orderCreate.order');
    expect(shape({ data: { order: restOrder() } })).toBe('REST GraphQL response data.order');
  });

  it('says why anything else is not an order', () => {
    const message = (input: unknown) => {
      const r = storeOrderFromInput(input);
      return r.ok ? `ok: ${r.shape}` : r.message;
    };
    const notAnOrder = `not an order: expected ${ACCEPTED_SHAPES}`;
    for (const junk of [null, 'order', [gql], { id: 'gid://shopify/Product/1' }, { data: {} }, { data: { order: 'x' } }]) expect(message(junk), JSON.stringify(junk)).toBe(notAnOrder);
    expect(message({ data: { order: null } })).toBe('the GraphQL response holds no order (data.order is null)');
    expect(message({ id: 5, line_items: 'x' })).toBe(notAnOrder);
  });
});

describe('REST names for the problems of a REST order', () => {
  it.each([
    ['id', 'id'],
    ['currencyCode', 'currency'],
    ['customAttributes[1].key', 'note_attributes[1].name'],
    ['currentTotalPriceSet.presentmentMoney.currencyCode', 'current_total_price_set.presentment_money.currency_code'],
    ['shippingAddress.countryCodeV2', 'shipping_address.country_code'],
    ['lineItems[2].originalUnitPriceSet.shopMoney.amount', 'line_items[2].price_set.shop_money.amount'],
    ['lineItems[0].discountAllocations[1].allocatedAmountSet', 'line_items[0].discount_allocations[1].amount_set'],
    ['lineItems[0].duties[0].price.shopMoney', 'line_items[0].duties[0].price_set.shop_money'],
    ['lineItems[0].variant.id', 'line_items[0].variant_id'],
    ['lineItems[0].unfulfilledQuantity', 'line_items[0].fulfillable_quantity'],
    ['shippingLines[0].currentDiscountedPriceSet', 'shipping_lines[0].current_discounted_price_set'],
    ['shippingLines[0].taxLines[0].priceSet.presentmentMoney.amount', 'shipping_lines[0].tax_lines[0].price_set.presentment_money.amount'],
  ])('%s is %s', (graphql, rest) => {
    expect(restPathOf(graphql)).toBe(rest);
  });

  it('reads integers beyond 2^53 as their exact digits, and everything else as JSON.parse does', () => {
    expect(parseJsonExact('{"id": 820982911946154508, "n": 12, "x": 1.5, "e": 1e21, "neg": -9007199254740993, "s": "820982911946154508"}')).toEqual({
      id: '820982911946154508',
      n: 12,
      x: 1.5,
      e: 1e21,
      neg: '-9007199254740993',
      s: '820982911946154508',
    });
  });
});
