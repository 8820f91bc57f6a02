/**
 * Store orders from files (`ordersync map --input`): whatever a developer has at hand, turned into the
 * Admin GraphQL `Order` shape the mapping reads. Accepted:
 * - an Admin GraphQL `Order` (connections as arrays, `nodes` or `edges`);
 * - a GraphQL response wrapping one: `{data: {order}}`, `{data: {orderCreate: {order}}}`, `{order}`;
 * - a REST Admin order, `{order: {...}}`, or an `orders/*` webhook body (snake_case), converted by
 *   REST_TO_GRAPHQL below.
 * A field the input lacks stays missing: the order's parse names it (INVALID_STORE_ORDER), nothing is
 * invented.
 */

export const ACCEPTED_SHAPES =
  'an Admin GraphQL Order ({"id": "gid://shopify/Order/…", "lineItems": …}), a GraphQL response ({"data": {"order": …}} or {"data": {"orderCreate": {"order": …}}}), or a REST order / orders/* webhook body ({"id": 123, "line_items": […]} or {"order": {…}})';

type Json = Record<string, any>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * REST (snake_case) → GraphQL, field by field: the one place this mapping is written (README "Input
 * shapes"). `price_set`-style objects become MoneyBags; ids become GIDs.
 */
export const REST_TO_GRAPHQL = {
  order: {
    'admin_graphql_api_id (or id)': 'id',
    name: 'name',
    created_at: 'createdAt',
    updated_at: 'updatedAt',
    cancelled_at: 'cancelledAt',
    'cancel_reason (upper-cased)': 'cancelReason',
    test: 'test',
    email: 'email',
    phone: 'phone',
    note: 'note',
    'tags (comma-separated)': 'tags',
    currency: 'currencyCode',
    presentment_currency: 'presentmentCurrencyCode',
    taxes_included: 'taxesIncluded',
    'duties_included (false when the order has no duties at all)': 'dutiesIncluded',
    'current_total_price_set (older versions: total_price_set when refunds is [])': 'currentTotalPriceSet',
    'note_attributes [{name, value}]': 'customAttributes [{key, value}]',
    'shipping_address (absent: none)': 'shippingAddress',
    'billing_address (absent: none)': 'billingAddress',
    shipping_lines: 'shippingLines',
    line_items: 'lineItems',
  },
  address: {
    first_name: 'firstName',
    last_name: 'lastName',
    company: 'company',
    address1: 'address1',
    address2: 'address2',
    city: 'city',
    province_code: 'provinceCode',
    zip: 'zip',
    country_code: 'countryCodeV2',
    phone: 'phone',
  },
  lineItem: {
    'admin_graphql_api_id (or id)': 'id',
    name: 'name',
    title: 'title',
    variant_title: 'variantTitle',
    sku: 'sku',
    quantity: 'quantity',
    'current_quantity (older versions: quantity when refunds is [])': 'currentQuantity',
    fulfillable_quantity: 'unfulfilledQuantity',
    requires_shipping: 'requiresShipping',
    gift_card: 'isGiftCard',
    'variant_id (+ sku)': 'variant {id, sku}',
    'properties [{name, value}]': 'customAttributes [{key, value}]',
    price_set: 'originalUnitPriceSet',
    'discount_allocations[].amount_set': 'discountAllocations[].allocatedAmountSet',
    'tax_lines[].price_set': 'taxLines[].priceSet',
    'duties[].price_set, duties[].tax_lines': 'duties[].price, duties[].taxLines',
  },
  shippingLine: {
    title: 'title',
    code: 'code',
    'is_removed (false when absent)': 'isRemoved',
    price_set: 'originalPriceSet',
    'current_discounted_price_set (else discounted_price_set)': 'currentDiscountedPriceSet',
    'discount_allocations[].amount_set': 'discountAllocations[].allocatedAmountSet',
    'tax_lines[].price_set': 'taxLines[].priceSet',
  },
} as const;

const money = (m: unknown) => (isObject(m) ? { amount: m.amount, currencyCode: m.currency_code } : m);
const bag = (b: unknown) => (isObject(b) ? { shopMoney: money(b.shop_money), presentmentMoney: money(b.presentment_money) } : b);
const gid = (kind: string, o: Json) => o.admin_graphql_api_id ?? (o.id === undefined || o.id === null ? undefined : `gid://shopify/${kind}/${o.id}`);
/** Converts each object of a list; anything else is left for the parse to name. */
const each = (xs: unknown, f: (x: Json) => unknown) => (Array.isArray(xs) ? xs.map((x) => (isObject(x) ? f(x) : x)) : xs);
const attributes = (xs: unknown) => each(xs, (a) => ({ key: a.name, value: a.value ?? null }));
const taxLines = (xs: unknown) => each(xs, (t) => ({ priceSet: bag(t.price_set) }));
const allocations = (xs: unknown) => each(xs, (d) => ({ allocatedAmountSet: bag(d.amount_set) }));

function address(a: unknown) {
  if (!isObject(a)) return a;
  return Object.fromEntries(Object.entries(REST_TO_GRAPHQL.address).map(([rest, gql]) => [gql, a[rest]]));
}

function restLineItem(li: Json, untouched: boolean) {
  return {
    id: gid('LineItem', li),
    name: li.name,
    title: li.title,
    variantTitle: li.variant_title,
    sku: li.sku,
    quantity: li.quantity,
    currentQuantity: li.current_quantity ?? (untouched ? li.quantity : undefined),
    unfulfilledQuantity: li.fulfillable_quantity,
    requiresShipping: li.requires_shipping,
    isGiftCard: li.gift_card,
    variant: li.variant_id === null ? null : li.variant_id === undefined ? undefined : { id: `gid://shopify/ProductVariant/${li.variant_id}`, sku: li.sku ?? null },
    customAttributes: attributes(li.properties),
    originalUnitPriceSet: bag(li.price_set),
    discountAllocations: allocations(li.discount_allocations),
    taxLines: taxLines(li.tax_lines),
    duties: each(li.duties, (d) => ({ price: bag(d.price_set), taxLines: taxLines(d.tax_lines) })),
  };
}

function restShippingLine(s: Json) {
  return {
    title: s.title,
    code: s.code,
    isRemoved: s.is_removed ?? false,
    originalPriceSet: bag(s.price_set),
    currentDiscountedPriceSet: bag(s.current_discounted_price_set ?? s.discounted_price_set),
    discountAllocations: allocations(s.discount_allocations),
    taxLines: taxLines(s.tax_lines),
  };
}

/**
 * A REST order or webhook body in the GraphQL shape; see REST_TO_GRAPHQL. API versions before 2019-10
 * have no `current_*` fields: where nothing was refunded (`refunds: []`), Shopify's own rule makes the
 * current figures the original ones, so they are taken from those. An order edited since (which such a
 * body cannot show) still cannot slip through: its parts would not add up to that total, and the
 * money check refuses it. Without `refunds` nothing is derived, and the parse names what is missing.
 */
export function restOrderToGraphql(o: Json): Json {
  const untouched = Array.isArray(o.refunds) && o.refunds.length === 0;
  const hasDuties = Array.isArray(o.line_items) && o.line_items.some((li: unknown) => isObject(li) && Array.isArray(li.duties) && li.duties.length > 0);
  return {
    id: gid('Order', o),
    name: o.name,
    createdAt: o.created_at,
    updatedAt: o.updated_at,
    cancelledAt: o.cancelled_at,
    cancelReason: typeof o.cancel_reason === 'string' ? o.cancel_reason.toUpperCase() : o.cancel_reason,
    test: o.test,
    email: o.email,
    phone: o.phone,
    note: o.note,
    tags: typeof o.tags === 'string' ? o.tags.split(',').map((t: string) => t.trim()).filter(Boolean) : o.tags,
    currencyCode: o.currency,
    presentmentCurrencyCode: o.presentment_currency,
    taxesIncluded: o.taxes_included,
    dutiesIncluded: o.duties_included ?? (hasDuties ? undefined : false),
    customAttributes: attributes(o.note_attributes),
    currentTotalPriceSet: bag(o.current_total_price_set ?? (untouched ? o.total_price_set : undefined)),
    // REST leaves the key out of an order with no address (a digital order): that is none, not missing.
    shippingAddress: 'shipping_address' in o ? address(o.shipping_address) : null,
    billingAddress: 'billing_address' in o ? address(o.billing_address) : null,
    shippingLines: each(o.shipping_lines, restShippingLine),
    lineItems: each(o.line_items, (li) => restLineItem(li, untouched)),
  };
}

/** The GraphQL-shaped order in any accepted input, or why the input is none of them. */
export function storeOrderFromInput(input: unknown): { ok: true; order: Json; shape: string } | { ok: false; message: string } {
  if (!isObject(input)) return { ok: false, message: `not an order: expected ${ACCEPTED_SHAPES}` };
  const candidates: Array<[string, unknown]> = [
    ['GraphQL response data.order', input.data?.order],
    ['GraphQL response data.orderCreate.order', input.data?.orderCreate?.order],
    ['{order}', input.order],
    ['order', input],
  ];
  for (const [shape, c] of candidates) {
    if (!isObject(c)) continue;
    if (Array.isArray(c.line_items)) return { ok: true, order: restOrderToGraphql(c), shape: shape === 'order' ? 'REST order' : `REST ${shape}` };
    if (typeof c.id === 'string' && c.id.startsWith('gid://shopify/Order/')) return { ok: true, order: c, shape: shape === 'order' ? 'GraphQL Order' : shape };
  }
  if (input.data && input.data.order === null) return { ok: false, message: 'the GraphQL response holds no order (data.order is null)' };
  return { ok: false, message: `not an order: expected ${ACCEPTED_SHAPES}` };
}

type PathContext = 'order' | 'address' | 'lineItem' | 'shippingLine' | 'bag' | 'money' | 'allocation' | 'taxLine' | 'duty' | 'attribute' | 'variant';

const word = (s: string) => s.split(/[ [{(.]/)[0]!;
/** A REST_TO_GRAPHQL table read backwards, GraphQL field → REST field (nested rows are the child tables below). */
const backwards = (t: Record<string, string>, over: Record<string, string> = {}) => ({
  ...Object.fromEntries(Object.entries(t).filter(([rest]) => !rest.split(' ')[0]!.includes('[]')).map(([rest, gql]) => [word(gql), word(rest)])),
  ...over,
});
const REST_NAMES: Record<PathContext, Record<string, string>> = {
  order: backwards(REST_TO_GRAPHQL.order, { id: 'id' }),
  address: backwards(REST_TO_GRAPHQL.address),
  lineItem: backwards(REST_TO_GRAPHQL.lineItem, { id: 'id', discountAllocations: 'discount_allocations', taxLines: 'tax_lines', duties: 'duties' }),
  shippingLine: backwards(REST_TO_GRAPHQL.shippingLine, { discountAllocations: 'discount_allocations', taxLines: 'tax_lines' }),
  bag: { shopMoney: 'shop_money', presentmentMoney: 'presentment_money' },
  money: { amount: 'amount', currencyCode: 'currency_code' },
  allocation: { allocatedAmountSet: 'amount_set' },
  taxLine: { priceSet: 'price_set' },
  duty: { price: 'price_set', taxLines: 'tax_lines' },
  attribute: { key: 'name', value: 'value' },
  variant: { id: '', sku: '' },
};
const CHILD: Record<string, PathContext> = {
  shippingAddress: 'address',
  billingAddress: 'address',
  lineItems: 'lineItem',
  shippingLines: 'shippingLine',
  customAttributes: 'attribute',
  currentTotalPriceSet: 'bag',
  originalUnitPriceSet: 'bag',
  originalPriceSet: 'bag',
  currentDiscountedPriceSet: 'bag',
  allocatedAmountSet: 'bag',
  priceSet: 'bag',
  price: 'bag',
  shopMoney: 'money',
  presentmentMoney: 'money',
  discountAllocations: 'allocation',
  taxLines: 'taxLine',
  duties: 'duty',
  variant: 'variant',
};

/**
 * The REST field a GraphQL path of a converted REST order came from (`lineItems[0].originalUnitPriceSet`
 * → `line_items[0].price_set`), so a problem in a REST file is named as that file spells it. A part
 * with no REST counterpart keeps its GraphQL name.
 */
export function restPathOf(graphqlPath: string): string {
  let context: PathContext = 'order';
  const out: string[] = [];
  for (const segment of graphqlPath.split('.')) {
    const [, name, index] = /^([^[]*)(.*)$/.exec(segment)!;
    const rest = REST_NAMES[context][name!];
    // variant.id is the line's variant_id: the part collapses into its parent.
    if (rest === '') continue;
    out.push(`${rest ?? name}${index}`);
    context = CHILD[name!] ?? context;
  }
  return out.join('.');
}
