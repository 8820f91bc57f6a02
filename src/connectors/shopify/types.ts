/**
 * A store order as the Shopify connector hands it to the ledger and the mapping: the GraphQL `Order`
 * (OrderFields in graphql/fragments.graphql) with every connection flattened to an array. Money
 * amounts stay decimal strings, exactly as Shopify sends them; IDs stay GID strings.
 */
export interface Money {
  amount: string;
  currencyCode: string;
}

export interface MoneyBag {
  shopMoney: Money;
}

export interface ShopifyAddress {
  firstName: string | null;
  lastName: string | null;
  company: string | null;
  address1: string | null;
  address2: string | null;
  city: string | null;
  provinceCode: string | null;
  zip: string | null;
  countryCode: string | null;
  phone: string | null;
}

export interface Attribute {
  key: string;
  value: string | null;
}

export interface ShopifyLineItem {
  id: string;
  name: string;
  title: string;
  variantTitle: string | null;
  sku: string | null;
  quantity: number;
  currentQuantity: number;
  unfulfilledQuantity: number;
  requiresShipping: boolean;
  isGiftCard: boolean;
  variant: { id: string; sku: string | null } | null;
  product: { id: string; productType: string } | null;
  customAttributes: Attribute[];
  originalUnitPriceSet: MoneyBag;
  totalDiscountSet: MoneyBag;
  taxLines: Array<{ priceSet: MoneyBag }>;
}

export interface ShopifyShippingLine {
  title: string;
  code: string | null;
  originalPriceSet: MoneyBag;
}

export interface ShopifyOrder {
  id: string;
  name: string;
  createdAt: string;
  updatedAt: string;
  cancelledAt: string | null;
  cancelReason: string | null;
  test: boolean;
  email: string | null;
  phone: string | null;
  note: string | null;
  tags: string[];
  currencyCode: string;
  displayFulfillmentStatus: string;
  customAttributes: Attribute[];
  subtotalPriceSet: MoneyBag | null;
  totalPriceSet: MoneyBag;
  totalShippingPriceSet: MoneyBag;
  totalTaxSet: MoneyBag | null;
  totalDiscountsSet: MoneyBag | null;
  shippingAddress: ShopifyAddress | null;
  billingAddress: ShopifyAddress | null;
  shippingLines: ShopifyShippingLine[];
  lineItems: ShopifyLineItem[];
}

/** The GraphQL shape, before connections are flattened. */
export interface Connection<T> {
  pageInfo?: { hasNextPage: boolean; endCursor: string | null };
  nodes?: T[];
  edges?: Array<{ node: T }>;
}

export type RawShopifyOrder = Omit<ShopifyOrder, 'lineItems' | 'shippingLines'> & {
  lineItems: Connection<ShopifyLineItem>;
  shippingLines: Connection<ShopifyShippingLine>;
};

export function connectionNodes<T>(c: Connection<T> | T[] | null | undefined): T[] {
  if (!c) return [];
  if (Array.isArray(c)) return c;
  return c.nodes ?? c.edges?.map((e) => e.node) ?? [];
}
