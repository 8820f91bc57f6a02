import { z } from 'zod';
import { formatPath } from '../../util/zod-path.ts';

/**
 * A store order as the Shopify connector hands it to the ledger and the mapping: the GraphQL `Order`
 * (OrderFields in graphql/fragments.graphql) with every connection flattened to an array. This schema
 * is the boundary: every order is parsed with it before anything reads a field, so a null or missing
 * field is a typed error naming its path (for that one order), never a TypeError or a silent default.
 * Nullability follows the pinned Admin schema (`!` fields are required here). Money amounts stay
 * decimal strings, exactly as Shopify sends them; IDs stay GID strings (they exceed 2^53).
 */

const decimal = z.string().regex(/^-?\d+(\.\d+)?$/, 'must be a decimal amount');
export const moneySchema = z.object({ amount: decimal, currencyCode: z.string().regex(/^[A-Z]{3}$/, 'must be a currency code') });
export type Money = z.infer<typeof moneySchema>;

/** Shop and presentment (what the customer paid in) currencies. */
export const moneyBagSchema = z.object({ shopMoney: moneySchema, presentmentMoney: moneySchema });
export type MoneyBag = z.infer<typeof moneyBagSchema>;

/** Shopify sends "" for a blank address line as often as null: both mean "none". */
const optionalText = z
  .string()
  .nullable()
  .transform((s) => (s === null || s.trim() === '' ? null : s));

export const addressSchema = z.object({
  firstName: optionalText,
  lastName: optionalText,
  company: optionalText,
  address1: optionalText,
  address2: optionalText,
  city: optionalText,
  provinceCode: optionalText,
  zip: optionalText,
  countryCodeV2: optionalText,
  phone: optionalText,
});
export type ShopifyAddress = z.infer<typeof addressSchema>;

export const attributeSchema = z.object({ key: z.string(), value: z.string().nullable() });
export type Attribute = z.infer<typeof attributeSchema>;

const taxLineSchema = z.object({ priceSet: moneyBagSchema });
const discountAllocationSchema = z.object({ allocatedAmountSet: moneyBagSchema });

/**
 * A GraphQL list as any capture may spell it: an array, `{nodes}` or `{edges: [{node}]}`. A connection
 * whose pageInfo says more pages exist is incomplete: refused rather than read as the whole list.
 * `pageInfo: null` is what the pull leaves when a response lost it (it cannot tell whether more exist).
 */
function list<T extends z.ZodType>(item: T) {
  return z.preprocess((v, ctx) => {
    if (Array.isArray(v) || v === null || typeof v !== 'object') return v;
    const c = v as { nodes?: unknown; edges?: Array<{ node?: unknown }>; pageInfo?: { hasNextPage?: unknown } | null };
    if (c.pageInfo === null) {
      ctx.addIssue({ code: 'custom', message: 'pageInfo is missing: cannot tell whether more items exist' });
      return z.NEVER;
    }
    if (c.pageInfo?.hasNextPage === true) {
      ctx.addIssue({ code: 'custom', message: 'has more pages than this payload holds' });
      return z.NEVER;
    }
    if (Array.isArray(c.nodes)) return c.nodes;
    if (Array.isArray(c.edges)) return c.edges.map((e) => e?.node);
    return v;
  }, z.array(item));
}

export const lineItemSchema = z.object({
  id: z.string().min(1),
  name: z.string(),
  title: z.string(),
  variantTitle: z.string().nullable(),
  sku: optionalText,
  quantity: z.number().int(),
  currentQuantity: z.number().int(),
  unfulfilledQuantity: z.number().int(),
  requiresShipping: z.boolean(),
  isGiftCard: z.boolean(),
  variant: z.object({ id: z.string(), sku: optionalText }).nullable(),
  customAttributes: z.array(attributeSchema),
  originalUnitPriceSet: moneyBagSchema,
  /** Every discount on the line: its own, and its share of order-level discounts (for all units, refunded ones too). */
  discountAllocations: z.array(discountAllocationSchema),
  /** Taxes after discounts, before returns (for all units). */
  taxLines: z.array(taxLineSchema),
  duties: z.array(z.object({ price: moneyBagSchema, taxLines: z.array(taxLineSchema) })),
});
export type ShopifyLineItem = z.infer<typeof lineItemSchema>;

export const shippingLineSchema = z.object({
  title: z.string(),
  code: optionalText,
  isRemoved: z.boolean(),
  originalPriceSet: moneyBagSchema,
  /** After discounts and refunds; includes tax when the order's `taxesIncluded` is true. */
  currentDiscountedPriceSet: moneyBagSchema,
  discountAllocations: z.array(discountAllocationSchema),
  taxLines: z.array(taxLineSchema),
});
export type ShopifyShippingLine = z.infer<typeof shippingLineSchema>;

export const orderSchema = z.object({
  id: z.string().regex(/^gid:\/\/shopify\/Order\/\d+$/, 'must be an Order GID'),
  name: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
  cancelledAt: z.string().nullable(),
  cancelReason: z.string().nullable(),
  test: z.boolean(),
  email: optionalText,
  phone: optionalText,
  note: z.string().nullable(),
  tags: z.array(z.string()),
  /** The shop's currency. */
  currencyCode: z.string(),
  /** The currency the customer paid in. */
  presentmentCurrencyCode: z.string(),
  taxesIncluded: z.boolean(),
  dutiesIncluded: z.boolean(),
  customAttributes: z.array(attributeSchema),
  /** What the customer pays now: after discounts, refunds and removals; taxes, shipping and duties in. */
  currentTotalPriceSet: moneyBagSchema,
  shippingAddress: addressSchema.nullable(),
  billingAddress: addressSchema.nullable(),
  shippingLines: list(shippingLineSchema),
  lineItems: list(lineItemSchema),
});
export type ShopifyOrder = z.infer<typeof orderSchema>;

/** One problem with a store payload: where, and what. */
export interface PayloadIssue {
  path: string;
  message: string;
}

/** Parses a store order (flattened or with GraphQL connections): the order, or every problem by path. */
export function parseShopifyOrder(raw: unknown): { ok: true; order: ShopifyOrder } | { ok: false; issues: PayloadIssue[] } {
  const r = orderSchema.safeParse(raw);
  if (r.success) return { ok: true, order: r.data };
  return {
    ok: false,
    issues: r.error.issues.map((i) => ({
      path: formatPath(i.path) || '$',
      message: i.code !== 'invalid_type' ? i.message : i.message.endsWith('received undefined') ? 'is missing' : i.message.endsWith('received null') ? 'is null' : i.message,
    })),
  };
}

/**
 * What the ledger needs of any store order before the full parse: its id. Name and timestamps are read
 * when present; an order lacking them is still recorded (and fails its parse by path), never dropped.
 */
const maybeTime = z.unknown().transform((v) => {
  const t = typeof v === 'string' ? Date.parse(v) : NaN;
  // Within what a timestamptz column holds and a store can mean: anything else is no timestamp.
  return t >= Date.UTC(1970, 0, 1) && t < Date.UTC(10_000, 0, 1) ? (v as string) : null;
});
export const orderIdentitySchema = z
  .object({
    id: z.string().regex(/^gid:\/\/shopify\/Order\/\d{1,20}$/, 'must be an Order GID'),
    name: z.unknown().transform((v) => (typeof v === 'string' ? v : null)),
    updatedAt: maybeTime,
    createdAt: maybeTime,
  })
  .loose();
export type StoreOrderPayload = z.infer<typeof orderIdentitySchema>;

/** The identity the ledger keys on, or why an answer has none (paths named). */
export function orderIdentity(raw: unknown): { ok: true; order: StoreOrderPayload } | { ok: false; why: string } {
  const r = orderIdentitySchema.safeParse(raw);
  return r.success ? { ok: true, order: r.data } : { ok: false, why: r.error.issues.map((i) => `${formatPath(i.path) || '$'}: ${i.message}`).join('; ') };
}

/** The GraphQL shape, before connections are flattened. */
export interface Connection<T> {
  pageInfo?: { hasNextPage: boolean; endCursor: string | null } | null;
  nodes?: T[];
  edges?: Array<{ node: T }>;
}

export function connectionNodes<T>(c: Connection<T> | T[] | null | undefined): T[] {
  if (!c) return [];
  if (Array.isArray(c)) return c;
  return c.nodes ?? c.edges?.map((e) => e.node) ?? [];
}
