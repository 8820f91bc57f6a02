/**
 * What OrderMesh's public documentation shows of its requests, written here for the simulator alone.
 *
 * The rule: an oracle never borrows from the code it judges. Nothing here comes from src/connectors
 * (the client's contract); every block names its source, either a page in shared/ordermesh/docs/ or a
 * section of shared/ordermesh/public-facts.md ("facts #n" = its numbered list "Where our contract and the
 * public docs disagree"). Where the docs are silent the simulator is HARSHER than the real service
 * (unknown fields refused, formats checked), never kinder, and marked ASSUMED.
 */
import { z } from 'zod';
import { SimRefusal, type ValidationError } from './refusal.ts';

export type { ValidationError } from './refusal.ts';

// ---------------------------------------------------------------------------------------------------
// Enumerations (public-facts.md "Enumerations"; the order-level names beyond Open/ReadyForFulfillment are
// ASSUMED: no public page shows CustomerCareHold, Cancelled, Shipped or PartiallyShipped).
// ---------------------------------------------------------------------------------------------------

export const ORDER_STATUSES = ['Open', 'ReadyForFulfillment', 'InProduction', 'PartiallyShipped', 'Shipped', 'Cancelled', 'CustomerCareHold'] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];
/** Order item statuses: "Open", "Fulfilled" seen in order reads (facts #2); "Cancelled" ASSUMED. */
export const ITEM_STATUSES = ['Open', 'Fulfilled', 'Cancelled'] as const;
export type ItemStatus = (typeof ITEM_STATUSES)[number];
/** Shipment statuses: names from the ShipmentUpdate webhook (merchant-notifications.txt). */
export const SHIPMENT_STATUSES = ['ReadyForFulfillment', 'InProduction', 'Fulfilled'] as const;
export type ShipmentStatus = (typeof SHIPMENT_STATUSES)[number];
/**
 * The REST API answers shipment statuses as integers with no published names (facts #1: 1 in the DEV
 * example, 4 in STG's, which has packages). ASSUMED: 4 = Fulfilled (the only status a simulated
 * shipment has), 1 = ReadyForFulfillment, 2 = InProduction.
 */
export const SHIPMENT_STATUS_NUMBERS: Record<ShipmentStatus, number> = { ReadyForFulfillment: 1, InProduction: 2, Fulfilled: 4 };

// ---------------------------------------------------------------------------------------------------
// Value formats. The docs show values, not rules: each check here is ASSUMED and harsh.
// ---------------------------------------------------------------------------------------------------

const regionNames = new Intl.DisplayNames(['en'], { type: 'region' });
const currencyNames = new Intl.DisplayNames(['en'], { type: 'currency' });

/** Intl echoes an unknown code back unchanged (or names it "Unknown …") and a known one as its name. */
function knownCode(names: Intl.DisplayNames, pattern: RegExp, what: string) {
  return z.string().superRefine((c, ctx) => {
    if (!pattern.test(c) || names.of(c) === c || names.of(c)?.startsWith('Unknown')) ctx.addIssue({ code: 'custom', message: `'${c}' is not a valid ${what}` });
  });
}
/** "US" in every example: ISO 3166-1 alpha-2. */
const countryCode = knownCode(regionNames, /^[A-Z]{2}$/, 'ISO 3166-1 alpha-2 country code');
/** "USD" in every example: ISO 4217. */
const currencyCode = knownCode(currencyNames, /^[A-Z]{3}$/, 'ISO 4217 currency code');
/** "globally unique and URL-safe" (merchant-notifications.txt); the character set and length are ASSUMED. */
const safeId = z.string().regex(/^[A-Za-z0-9_-]{1,100}$/, 'must be 1-100 URL-safe characters [A-Za-z0-9_-]');
/** Examples: "Accent_Mug-11oz-Blue", "bella-3001cvc-solid_red_blend-s". ASSUMED: no spaces or punctuation beyond _ . - */
const sku = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/, 'is not a valid SKU');
/** Amounts are JSON numbers in the example (200.5, 15.21); ASSUMED: never negative, at most two decimals. */
const money = z
  .number()
  .nonnegative('must not be negative')
  .refine((n) => Math.abs(Math.round(n * 100) - n * 100) < 1e-6, 'must have at most two decimals');
/** meta / clientAttributes: every example value is a string ("giftWrap": "true"). */
const stringMap = z.record(z.string(), z.string());
const required = (what = 'is required') => z.string({ error: what }).min(1, what);

// ---------------------------------------------------------------------------------------------------
// CreateOrderModel: the example request body of docs/orders-create.txt, field by field. Nothing that
// example does not show is accepted.
// ---------------------------------------------------------------------------------------------------

/** The example's `billingInfo.address.location`; order reads show `location` on every address (facts #2). */
const coordinates = z.strictObject({ longitude: z.number(), latitude: z.number() });

/** AddressModel: shippingAddress / billingAddress / returnAddress of the example. No `company` field. */
export const addressModel = z
  .strictObject({
    location: coordinates.nullish(),
    firstName: z.string().nullish(),
    lastName: z.string().nullish(),
    line1: required(),
    line2: z.string().nullish(),
    line3: z.string().nullish(),
    city: required(),
    state: z.string().nullish(),
    zip: z.string().nullish(),
    countryCode,
    phone: z.string().nullish(),
    email: z.string().nullish(),
  })
  // ASSUMED (harsh): someone to deliver to.
  .refine((a) => Boolean(a.firstName?.trim() || a.lastName?.trim()), { message: 'a first or last name is required', path: ['lastName'] });
export type AddressModel = z.infer<typeof addressModel>;

/** CreateOrderItemImageModel: the example's `images[]` (write-side names ourPrintFileId/ourPrintFileUrl). */
const createImage = z.strictObject({
  url: z.url(),
  thumbnailUrl: z.url().nullish(),
  area: required(),
  printMethod: z.string().nullish(),
  ourPrintFileId: z.string().nullish(),
  ourPrintFileUrl: z.string().nullish(),
});

/** CreateOrderItemModel: the example's `items[]`. */
export const createOrderItemModel = z.strictObject({
  sku,
  quantity: z.number().int('must be a whole number').positive('must be at least 1'),
  images: z.array(createImage).nullish(),
  options: z.array(z.strictObject({ name: z.string(), value: z.string() })).nullish(),
  customerSubtotal: money.nullish(),
  customerPrice: money.nullish(),
  customerShippingPrice: money.nullish(),
  customerTaxes: money.nullish(),
  customerDiscountsOrPromotions: money.nullish(),
  clientAttributes: stringMap.nullish(),
  meta: stringMap.nullish(),
  isSample: z.boolean().nullish(),
  externalId: z.string().nullish(),
  skipImgManip: z.boolean().nullish(),
  skipSkuValidation: z.boolean().nullish(),
  skipImageValidation: z.boolean().nullish(),
  fulfillmentReady: z.boolean().nullish(),
});
export type CreateOrderItemModel = z.infer<typeof createOrderItemModel>;

/** The example's `customerPaymentMethods[]`. */
const paymentMethod = z.strictObject({
  method: required(),
  subMethod: z.string().nullish(),
  cardFirst4: z.string().nullish(),
  cardLast4: z.string().nullish(),
  billingInfo: z.strictObject({ fullName: z.string().nullish(), address: addressModel.nullish() }).nullish(),
  customerTransactions: z
    .array(z.strictObject({ total: money, currencyCode, transactionDate: z.string(), transactionId: z.string().nullish(), authorizationCode: z.string().nullish() }))
    .nullish(),
});

/**
 * ReprintModel. The create example sends `"reprint": null`; the shape is the one an order read shows
 * (facts #2, docs.dev …/retrieve-an-order-by-safe-id): {originalOrderId, reasonId, shipments[{facilityId,
 * shippingMethod, costCoverage{item, shipping}, items[{sku, quantity}]}]}. The example was cut after
 * that: nothing else is accepted.
 */
export const reprintModel = z.strictObject({
  originalOrderId: required(),
  reasonId: z.string().nullish(),
  shipments: z
    .array(
      z.strictObject({
        facilityId: z.string().nullish(),
        shippingMethod: z.string().nullish(),
        costCoverage: z.strictObject({ item: z.string().nullish(), shipping: z.string().nullish() }).nullish(),
        items: z.array(z.strictObject({ sku, quantity: z.number().int().positive() })).nullish(),
      }),
    )
    .nullish(),
});
export type ReprintModel = z.infer<typeof reprintModel>;

export const createOrderModel = z.strictObject({
  safeId,
  merchantId: required(),
  shippingAddress: addressModel,
  billingAddress: addressModel.nullish(),
  returnAddress: addressModel.nullish(),
  externalId: required(),
  /** "EN" in the example, "en, es, pt" in the schema text (public-facts.md "Contradictions"). */
  languageCode: z.string().regex(/^(en|es|pt)$/i, 'must be one of en, es, pt').nullish(),
  isTest: z.boolean().nullish(),
  isSample: z.boolean().nullish(),
  client: z.strictObject({ source: z.string().nullish(), details: z.string().nullish(), version: z.string().nullish(), ip: z.string().nullish() }).nullish(),
  meta: stringMap.nullish(),
  currencyCode,
  customerShippingMethod: z.string().nullish(),
  customerTotal: money.nullish(),
  customerItemTotal: money.nullish(),
  customerTotalShipping: money.nullish(),
  customerTotalTaxes: money.nullish(),
  customerTotalDiscountAndPromotions: money.nullish(),
  customerPaymentMethods: z.array(paymentMethod).nullish(),
  items: z.array(createOrderItemModel).min(1, 'an order needs at least one item'),
  allowExternalOrderIdDuplication: z.boolean().nullish(),
  reprint: reprintModel.nullish(),
  automaticProcessing: z.boolean().nullish(),
});
export type CreateOrderModel = z.infer<typeof createOrderModel>;
export type CreateOrderInput = z.input<typeof createOrderModel>;

/**
 * CreateOrderModelBulkModel: `{"bulk": [CreateOrderModel, …]}` (facts #3). Each element is checked on its
 * own (one bad order does not refuse the batch). The limit is not documented: ASSUMED 100.
 */
export const BULK_MAX = 100;
export const createOrderBulkModel = z.strictObject({ bulk: z.array(z.unknown(), { error: 'is required' }).min(1, 'must not be empty').max(BULK_MAX, `at most ${BULK_MAX} orders`) });

// ---------------------------------------------------------------------------------------------------
// Auth. getting-started.txt shows POST /user/v1/clients/token without a body; the one public sample
// (public-facts.md "Auth", older portal) is snake_case. Either casing is taken, never a mix.
// ---------------------------------------------------------------------------------------------------

export const clientTokenCamel = z.strictObject({ clientId: required(), clientSecret: required() });
export const clientTokenSnake = z.strictObject({ client_id: required(), client_secret: required() });
/** user-login.txt's request example. */
export const loginModel = z.strictObject({ username: required(), password: required() });
/** getting-started.txt "Handling Token Expiry". */
export const refreshModel = z.strictObject({ refreshToken: required() });

// ---------------------------------------------------------------------------------------------------
// Changes to an order. UpdateOrderModel and CancelOrderModel are listed without fields: ASSUMED bodies,
// strict. Cancel is "Cancel Order or order items" (facts #8).
// ---------------------------------------------------------------------------------------------------

export const updateOrderModel = z.strictObject({
  shippingAddress: addressModel.optional(),
  billingAddress: addressModel.optional(),
  customerShippingMethod: z.string().optional(),
  meta: stringMap.optional(),
});
export type UpdateOrderModel = z.infer<typeof updateOrderModel>;

export const cancelOrderModel = z.strictObject({
  reason: z.string().optional(),
  items: z.array(z.strictObject({ orderItemId: required(), quantity: z.number().int().positive() })).min(1).optional(),
});
export type CancelOrderModel = z.infer<typeof cancelOrderModel>;

/** "Change the order status to Customer Care Hold": body ASSUMED. */
export const customerCareHoldModel = z.strictObject({ reason: z.string().optional() });
/** Not in any portal (facts #9): ASSUMED, kept for the client's release flow; takes nothing. */
export const releaseHoldModel = z.strictObject({});

// ---------------------------------------------------------------------------------------------------
// AddRefundModel (facts #5, docs.dev …/addrefundmodel): amounts and a shipping flag per order item; no
// quantities, no idempotency key. The path and the answer are not documented.
// ---------------------------------------------------------------------------------------------------

export const addRefundModel = z.strictObject({
  orderId: required(),
  refunds: z
    .array(
      z.strictObject({
        itemId: required(),
        isShippingRefund: z.boolean({ error: 'is required' }),
        amount: money.refine((n) => n > 0, 'must be greater than 0'),
        reason: required(),
      }),
    )
    .min(1, 'must not be empty'),
});
export type AddRefundModel = z.infer<typeof addRefundModel>;

// ---------------------------------------------------------------------------------------------------
// Notes: /v1/notes paths from getting-started.txt's menu (create, search, update, delete: facts #7).
// CreateNoteModel and UpdateNotePayload are listed without fields: ASSUMED.
// ---------------------------------------------------------------------------------------------------

export const createNoteModel = z.strictObject({
  entityType: z.literal('Order'),
  entityId: required(),
  text: required().max(10_000),
  externalId: z.string().min(1).max(200).nullish(),
});
export const updateNoteModel = z.strictObject({ text: required().max(10_000) });

// ---------------------------------------------------------------------------------------------------
// Inbound orders (merchant-notifications.txt "Submitting Orders": the example payload).
// ---------------------------------------------------------------------------------------------------

export const inboundOrderModel = z.strictObject({ body: z.unknown(), merchantId: required(), transformationId: required() });

// ---------------------------------------------------------------------------------------------------
// The validation error body (facts #4: seen in a catalogue answer): a list of
// {errorMessage, propertyName, attemptedValue}. Property names are PascalCase paths as that example's
// "Variants" (ASSUMED for nested ones: "ShippingAddress.CountryCode", "Items[0].Sku").
// ---------------------------------------------------------------------------------------------------

/** `['items', 0, 'sku']` → `Items[0].Sku`. */
export function propertyName(path: readonly PropertyKey[]): string {
  return path.reduce<string>((acc, p) => {
    if (typeof p === 'number') return `${acc}[${p}]`;
    const name = String(p);
    const pascal = name.charAt(0).toUpperCase() + name.slice(1);
    return acc ? `${acc}.${pascal}` : pascal;
  }, '');
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let v = input;
  for (const p of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[p];
  }
  return v;
}

/** A zod error on `input`, as OrderMesh's validation list: one entry per field (an unknown field is its own entry). */
export function validationErrors(error: z.ZodError, input: unknown): ValidationError[] {
  return error.issues.flatMap((issue): ValidationError[] => {
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((k) => ({ errorMessage: `'${k}' is not a field of this model`, propertyName: propertyName([...issue.path, k]), attemptedValue: valueAt(input, [...issue.path, k]) ?? null }));
    }
    const attempted = valueAt(input, issue.path);
    const errorMessage = attempted === undefined && issue.code === 'invalid_type' ? 'is required' : issue.message;
    return [{ errorMessage, propertyName: propertyName(issue.path), attemptedValue: attempted ?? null }];
  });
}

/** Parses a body; a mismatch is a 400 carrying the validation list. */
export function parseBody<S extends z.ZodType>(schema: S, body: unknown): z.infer<S> {
  const r = schema.safeParse(body);
  if (!r.success) throw new SimRefusal(400, 'One or more validation errors occurred.', validationErrors(r.error, body));
  return r.data as z.infer<S>;
}
