/**
 * The OrderMesh API contract the client relies on: the ONE place where paths and request bodies are
 * written, and where each answer's reader (reader.ts) is chosen. The simulator (src/sim/ordermesh) does
 * NOT derive from it: it is written from the documentation on its own, so a misreading here fails a test.
 *
 * Sources: ../shared/ordermesh/docs (getting-started, user-login, orders-create, merchant-notifications)
 * and ../shared/ordermesh/public-facts.md (OrderMesh's public portals). Each operation names its
 * `source`; where the docs name an operation or a schema but not its path or fields, the choice is
 * marked `assumed: true` (operations) or `ASSUMED` (fields); paths can be overridden in config
 * (`ordermesh.paths`). README "Assumptions about OrderMesh" lists them all.
 */
import { z } from 'zod';
import { formatPath } from '../../util/zod-path.ts';
import {
  readBulk,
  readCatalogue,
  readCreated,
  readNoteCreated,
  readNotes,
  readNothing,
  readOrder,
  readOrderItem,
  readOrderList,
  readShipment,
  readShipments,
  readStatusChange,
  readToken,
  readUserToken,
  type ReadContext,
} from './reader.ts';

// ---------------------------------------------------------------------------------------------------
// Shared value types
// ---------------------------------------------------------------------------------------------------

const regionNames = new Intl.DisplayNames(['en'], { type: 'region' });
const currencyNames = new Intl.DisplayNames(['en'], { type: 'currency' });

/** Intl echoes an unknown code back unchanged (or names it "Unknown …", as for ZZ) and a known one as its name. */
function knownCode(names: Intl.DisplayNames, pattern: RegExp, format: string, unknown: string) {
  return z.string().superRefine((c, ctx) => {
    if (!pattern.test(c)) ctx.addIssue({ code: 'custom', message: format });
    else if (names.of(c) === c || names.of(c)?.startsWith('Unknown')) ctx.addIssue({ code: 'custom', message: unknown });
  });
}

/** ISO 3166-1 alpha-2. */
export const countryCode = knownCode(regionNames, /^[A-Z]{2}$/, 'must be an ISO 3166-1 alpha-2 country code', 'unknown country code');

/** ISO 4217. */
export const currencyCode = knownCode(currencyNames, /^[A-Z]{3}$/, 'must be an ISO 4217 currency code', 'unknown currency code');

/** "globally unique and URL-safe" (merchant-notifications). ASSUMED: the character set and length. */
export const safeId = z.string().regex(/^[A-Za-z0-9_-]{1,100}$/, 'must be 1-100 URL-safe characters [A-Za-z0-9_-]');

/** ASSUMED format, from the docs' examples ("Accent_Mug-11oz-Blue", "bella-3001cvc-solid_red_blend-s"). */
export const sku = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.\-]{0,127}$/, 'unknown SKU format');

/** Money as a JSON number with at most two decimals (the docs use numbers: 200.5, 15.21). */
const money = z
  .number()
  .nonnegative('must not be negative')
  .refine((n) => Math.abs(Math.round(n * 100) - n * 100) < 1e-6, 'at most two decimals');

const stringMap = z.record(z.string(), z.string());

// ---------------------------------------------------------------------------------------------------
// CreateOrderModel (orders-create.txt: the example request body, field by field)
// ---------------------------------------------------------------------------------------------------

export const addressModel = z
  .strictObject({
    firstName: z.string().nullish(),
    lastName: z.string().nullish(),
    line1: z.string().min(1, 'is required'),
    line2: z.string().nullish(),
    line3: z.string().nullish(),
    city: z.string().min(1, 'is required'),
    state: z.string().nullish(),
    zip: z.string().nullish(),
    countryCode,
    phone: z.string().nullish(),
    email: z.string().nullish(),
    location: z.strictObject({ longitude: z.number(), latitude: z.number() }).nullish(),
  })
  .refine((a) => Boolean(a.firstName?.trim() || a.lastName?.trim()), { message: 'a first or last name is required', path: ['lastName'] });
export type AddressModel = z.infer<typeof addressModel>;

export const createOrderItemImageModel = z.strictObject({
  url: z.url(),
  thumbnailUrl: z.url().nullish(),
  area: z.string().min(1),
  printMethod: z.string().nullish(),
  ourPrintFileId: z.string().nullish(),
  ourPrintFileUrl: z.string().nullish(),
});
export type CreateOrderItemImageModel = z.infer<typeof createOrderItemImageModel>;

export const createOrderItemModel = z.strictObject({
  sku,
  quantity: z.number().int('must be a whole number').positive('must be at least 1'),
  images: z.array(createOrderItemImageModel).default([]),
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

const paymentMethod = z.strictObject({
  method: z.string(),
  subMethod: z.string().nullish(),
  cardFirst4: z.string().nullish(),
  cardLast4: z.string().nullish(),
  billingInfo: z.strictObject({ fullName: z.string().nullish(), address: addressModel.nullish() }).nullish(),
  customerTransactions: z
    .array(
      z.strictObject({
        total: money,
        currencyCode,
        transactionDate: z.string(),
        transactionId: z.string().nullish(),
        authorizationCode: z.string().nullish(),
      }),
    )
    .nullish(),
});

export const createOrderModel = z.strictObject({
  safeId,
  merchantId: z.string().min(1, 'is required'),
  shippingAddress: addressModel,
  billingAddress: addressModel.nullish(),
  returnAddress: addressModel.nullish(),
  externalId: z.string().min(1, 'is required'),
  languageCode: z.string().regex(/^[A-Za-z]{2}$/).nullish(),
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
  /** Accepted because the docs' example has it; ordermesh-sync never sends card data. */
  customerPaymentMethods: z.array(paymentMethod).nullish(),
  items: z.array(createOrderItemModel).min(1, 'an order needs at least one item'),
  allowExternalOrderIdDuplication: z.boolean().nullish(),
  reprint: z.lazy(() => reprintModel).nullish(),
  automaticProcessing: z.boolean().nullish(),
});
export type CreateOrderModel = z.infer<typeof createOrderModel>;
export type CreateOrderInput = z.input<typeof createOrderModel>;

// ---------------------------------------------------------------------------------------------------
// Auth (getting-started.txt, user-login.txt, public-facts.md "Auth")
// ---------------------------------------------------------------------------------------------------

/**
 * The client-token request: no current page shows its body; the one public sample (older portal) is
 * snake_case, the login DTOs camelCase. Which one we send is `ordermesh.tokenRequestCasing`; the answer
 * is read in either casing (reader.ts).
 */
export const clientTokenRequest = z.union([
  z.strictObject({ clientId: z.string().min(1), clientSecret: z.string().min(1) }),
  z.strictObject({ client_id: z.string().min(1), client_secret: z.string().min(1) }),
]);
export const loginRequest = z.strictObject({ username: z.string().min(1), password: z.string().min(1) });
export const refreshRequest = z.strictObject({ refreshToken: z.string().min(1) });

// ---------------------------------------------------------------------------------------------------
// Orders (what we send; what we read is reader.ts)
// ---------------------------------------------------------------------------------------------------

/** CreateOrderModelBulkModel: `{bulk: [...]}` (public-facts.md #3, docs.dev …/createordermodelbulkmodel). ASSUMED: the limit of 100. */
export const createOrdersBulkRequest = z.strictObject({ bulk: z.array(z.unknown()).min(1).max(100) });
export const BULK_MAX_ITEMS = 100;

/** UpdateOrderModel. ASSUMED: the fields we change (address, shipping method, meta). */
export const updateOrderModel = z.strictObject({
  shippingAddress: addressModel.optional(),
  billingAddress: addressModel.optional(),
  customerShippingMethod: z.string().optional(),
  meta: stringMap.optional(),
});
export type UpdateOrderModel = z.infer<typeof updateOrderModel>;

/**
 * CancelOrderModel / CancelOrderItemModel ("Cancel Order or order items": both schemas exist, their
 * fields were not found). ASSUMED: no items cancels the whole order; items cancel quantities of order items.
 */
export const cancelOrderModel = z.strictObject({
  reason: z.string().optional(),
  items: z.array(z.strictObject({ orderItemId: z.string(), quantity: z.number().int().positive() })).optional(),
});
export type CancelOrderModel = z.infer<typeof cancelOrderModel>;

export const customerCareHoldModel = z.strictObject({ reason: z.string().optional() });
/** ASSUMED: releasing takes no fields and returns the order to the status it had before the hold. */
export const releaseCustomerCareHoldModel = z.strictObject({});

// ---------------------------------------------------------------------------------------------------
// Inbound orders (merchant-notifications.txt "Submitting Orders"): {body, merchantId, transformationId};
// the answer only says the request was received. The outcome is the OrderCreation webhook.
// ---------------------------------------------------------------------------------------------------

export const inboundOrderRequest = z.strictObject({ body: z.unknown(), merchantId: z.string().min(1, 'is required'), transformationId: z.string().min(1, 'is required') });

/**
 * What the `store` body of an inbound order is (ASSUMED, ours to define): the store's own order payload
 * with the two ids the Transformation must carry over, so the OrderCreation webhook names our order.
 */
export const inboundStoreEnvelope = z.object({ safeId, externalId: z.string().min(1), storeOrder: z.record(z.string(), z.unknown()) });

// ---------------------------------------------------------------------------------------------------
// Notes (/v1/notes, DELETE /v1/notes/{id}: paths from the docs' menus). ASSUMED fields: CreateNoteModel,
// GetNotesResponse and UpdateNotePayload are listed without them.
// ---------------------------------------------------------------------------------------------------

export const createNoteModel = z.strictObject({
  entityType: z.literal('Order'),
  entityId: z.string().min(1),
  text: z.string().min(1, 'is required').max(10_000),
  /** Ours, so a note whose creation answer was lost is found again instead of created twice. */
  externalId: z.string().min(1).max(200).nullish(),
});
export const updateNoteModel = z.strictObject({ text: z.string().min(1, 'is required').max(10_000) });

// ---------------------------------------------------------------------------------------------------
// Refunds and reprints
// ---------------------------------------------------------------------------------------------------

/**
 * AddRefundModel (public-facts.md #5, docs.dev …/addrefundmodel): amounts per item and a shipping flag,
 * no quantities, no idempotency key. A refund's state is read back from the item's `refundData`.
 */
export const addRefundModel = z.strictObject({
  orderId: z.string().min(1),
  refunds: z
    .array(
      z.strictObject({
        itemId: z.string().min(1),
        isShippingRefund: z.boolean(),
        amount: money,
        reason: z.string().min(1, 'is required').max(1_000),
      }),
    )
    .min(1),
});
export type AddRefundModel = z.infer<typeof addRefundModel>;

/**
 * ReprintModel: only as an order read shows it (public-facts #2: `reprint{originalOrderId, reasonId,
 * shipments[...]}`). Reason ids are OrderMesh's own (not public): our reason travels in `meta.reprintReason`.
 */
export const reprintModel = z.strictObject({
  /** The OrderMesh order being reprinted. */
  originalOrderId: z.string().min(1),
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

// ---------------------------------------------------------------------------------------------------
// Webhooks (merchant-notifications.txt; PascalCase as in the docs). Payloads are hints: the ids they
// name are read back through the API before anything changes state.
// ---------------------------------------------------------------------------------------------------

/** Ids come as strings in the docs' examples; numbers are read as their text (the examples are not consistent). */
const webhookId = z.union([z.string(), z.number()]).transform(String);
const webhookNumber = z.union([z.number(), z.string().regex(/^\d+$/).transform(Number)]);
/** Meta values: strings in the docs; anything else is kept as its JSON text. */
const webhookMeta = z.record(z.string(), z.unknown()).transform((m) => Object.fromEntries(Object.entries(m).flatMap(([k, v]) => (v === null || v === undefined ? [] : [[k, typeof v === 'string' ? v : JSON.stringify(v)]]))));

const webhookBase = {
  OrderId: webhookId.nullish(),
  ExternalOrderId: webhookId.nullish(),
  SafeId: z.string().nullish(),
  Description: z.string().nullish(),
  SubscriberId: webhookId.nullish(),
  ChildSubscriberId: webhookId.nullish(),
  /** Identifies a delivery request, not an event: the docs' examples share one across orders. */
  RequestId: webhookId.nullish(),
  Reprint: z.unknown().nullish(),
};

const webhookPackage = z.object({
  PackageId: webhookId,
  ShortId: z.string().nullish(),
  CarrierName: z.string().nullish(),
  CarrierMethodName: z.string().nullish(),
  ShippedDate: z.string().nullish(),
  FulfilledDate: z.string().nullish(),
  CarrierTrackingNumber: z.string().nullish(),
  CarrierLink: z.string().nullish(),
  CarrierAccount: z.boolean().nullish(),
  OrderItemIDs: z.array(webhookId).nullish(),
  PackageOrderItems: z.array(z.object({ OrderItemId: webhookId, ExternalId: webhookId.nullish(), Quantity: webhookNumber, ItemMeta: webhookMeta.nullish() })).nullish(),
  PackingSlipId: webhookId.nullish(),
});
export type WebhookPackage = z.infer<typeof webhookPackage>;

const statusText = z.union([z.string(), z.number()]).transform(String).nullish();

/** The event types the docs show (merchant-notifications.txt); any other is acknowledged and ignored. */
export const WEBHOOK_EVENT_TYPES = ['OrderCreation', 'OrderUpdate', 'ShipmentCreated', 'ShipmentUpdate'] as const;

export const webhookPayload = z.discriminatedUnion('EventType', [
  z.object({ ...webhookBase, EventType: z.literal('OrderCreation'), IsSuccessful: z.boolean(), ResponseCode: webhookNumber.nullish() }),
  z.object({ ...webhookBase, EventType: z.literal('OrderUpdate'), NewStatus: statusText, OldStatus: statusText }),
  z.object({ ...webhookBase, EventType: z.literal('ShipmentCreated'), ShipmentId: webhookId, ResponseCode: webhookNumber.nullish() }),
  z.object({
    ...webhookBase,
    EventType: z.literal('ShipmentUpdate'),
    ShipmentId: webhookId,
    NewStatus: statusText,
    OldStatus: statusText,
    // The docs show both an empty array and a single object here.
    Packages: z.union([z.array(webhookPackage), webhookPackage]).nullish(),
    OrderMeta: webhookMeta.nullish(),
  }),
]);
export type WebhookPayload = z.infer<typeof webhookPayload>;

/**
 * No page documents how OrderMesh authenticates webhook deliveries. Two ways are accepted (README): a
 * secret in the callback URL registered in OrderMesh (`/webhooks/ordermesh/<secret>`), or, where a
 * deployment signs deliveries, a base64 HMAC-SHA256 of the raw body keyed with the shared secret in this header.
 */
export const WEBHOOK_SIGNATURE_HEADER = 'x-ordermesh-signature';

// ---------------------------------------------------------------------------------------------------
// Operations
// ---------------------------------------------------------------------------------------------------

export interface Operation {
  method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  /** Path below the base URL; `{name}` marks a path parameter. */
  path: string;
  auth: boolean;
  /** True where the docs name the operation but not this path (or its body): our choice, configurable. */
  assumed: boolean;
  /** Where what we send and read comes from: a seed page (docs/…) or a public page, and what is assumed. */
  source: string;
  note: string;
  request?: z.ZodType;
  /** Reads the answer tolerantly (reader.ts): another envelope, field name or status form is drift, not failure. */
  read: (json: unknown, ctx: ReadContext) => unknown;
  /** Calls that change nothing, or whose repeat the safeId makes harmless, may be retried blindly. */
  idempotent: boolean;
}

const PF = '../shared/ordermesh/public-facts.md';

export const operations = {
  clientToken: {
    method: 'POST', path: '/user/v1/clients/token', auth: false, assumed: true, idempotent: true,
    source: `docs/getting-started.txt (path); ${PF} "Auth" (snake_case sample, older portal)`,
    note: 'body {clientId, clientSecret} or {client_id, client_secret} (ordermesh.tokenRequestCasing; no current sample body); answer read in either casing',
    request: clientTokenRequest, read: readToken,
  },
  login: {
    method: 'POST', path: '/user/v1/login', auth: false, assumed: false, idempotent: true,
    source: 'docs/user-login.txt', note: 'development only', request: loginRequest, read: readUserToken,
  },
  refresh: {
    method: 'POST', path: '/user/v1/refresh', auth: false, assumed: false, idempotent: true,
    source: 'docs/user-login.txt', note: 'development only; user tokens only', request: refreshRequest, read: readUserToken,
  },
  createOrder: {
    method: 'POST', path: '/order/v1/orders', auth: true, assumed: false, idempotent: true,
    source: 'docs/orders-create.txt (path, CreateOrderModel, 201 {orderId}; 400/401/403/500, no 409 documented)',
    note: 'a repeated safeId may answer 400 or 409: any refusal that may mean "exists" is resolved by reading by safeId',
    request: createOrderModel, read: readCreated,
  },
  createOrdersBulk: {
    method: 'POST', path: '/order/v1/orders/bulk', auth: true, assumed: true, idempotent: true,
    source: `${PF} #3 (body {bulk: [...]}); path, BulkResponse fields and limit not found`,
    note: '{bulk: CreateOrderModel[]} → per-order results read from {items}/{results}/an array, matched by index, safeId or position; an order without a readable result is read by safeId',
    request: createOrdersBulkRequest, read: readBulk,
  },
  listOrders: {
    method: 'GET', path: '/order/v1/orders', auth: true, assumed: true, idempotent: true,
    source: 'docs/getting-started.txt (page/pageSize); path, filters and envelope not found',
    note: '?page&pageSize&merchantId&status&createdFrom; envelope read from an array, {items}, {orders}; every order is checked again against the filters, so a server that ignores one costs pages, not correctness',
    read: readOrderList,
  },
  getOrder: {
    method: 'GET', path: '/order/v1/orders/{orderId}', auth: true, assumed: true, idempotent: true,
    source: `${PF} #2 ({order: {...}}, money as {currency, amount}); path not found`, note: '"Retrieve an order by Order ID"', read: readOrder,
  },
  getOrderBySafeId: {
    method: 'GET', path: '/order/v1/orders/safe-id/{safeId}', auth: true, assumed: true, idempotent: true,
    source: `${PF} #2 (…/retrieve-an-order-by-safe-id: {order: {...}}); path not found`, note: '"Retrieve an order by Safe ID"; 404 when no order has it', read: readOrder,
  },
  getOrderItem: {
    method: 'GET', path: '/order/v1/order-items/{orderItemId}', auth: true, assumed: true, idempotent: true,
    source: `${PF} #2 (…/retrieve-order-item-by-order-item-id: {orderItem: {...}} with refundData); path not found`, note: 'an item with its refundData', read: readOrderItem,
  },
  updateOrder: {
    method: 'PATCH', path: '/order/v1/orders/{orderId}', auth: true, assumed: true, idempotent: true,
    source: 'docs menu "Update order data"; path, body fields and the refusal status once in production assumed',
    note: '409 (or another refusal naming the status) once the order is in production', request: updateOrderModel, read: readStatusChange,
  },
  cancelOrder: {
    method: 'POST', path: '/order/v1/orders/{orderId}/cancel', auth: true, assumed: true, idempotent: true,
    source: `docs menu "Cancel Order or order items" (${PF} #8); CancelOrderModel/CancelOrderItemModel fields not found`,
    note: '{reason, items?: [{orderItemId, quantity}]}: no items cancels the order; cancelling a cancelled order is a no-op; 409 once shipped',
    request: cancelOrderModel, read: readStatusChange,
  },
  customerCareHold: {
    method: 'POST', path: '/order/v1/orders/{orderId}/customer-care-hold', auth: true, assumed: true, idempotent: true,
    source: 'docs menu "Change the order status to Customer Care Hold"; path and body assumed',
    note: 'holding a held order is a no-op; 409 once in production', request: customerCareHoldModel, read: readStatusChange,
  },
  releaseCustomerCareHold: {
    method: 'POST', path: '/order/v1/orders/{orderId}/customer-care-hold/release', auth: true, assumed: true, idempotent: true,
    source: `not in any portal's menu (${PF} #9): assumed`,
    note: 'the order goes back to the status it had before the hold; releasing an order not on hold is a no-op',
    request: releaseCustomerCareHoldModel, read: readStatusChange,
  },
  getShipmentsForOrder: {
    method: 'GET', path: '/shipment/v1/shipments/order/{orderId}', auth: true, assumed: true, idempotent: true,
    source: `${PF} #1 (docs.stg …/get-all-shipments-for-an-order-by-order-id: fields; the envelope is cut off); path assumed`,
    note: 'shipments with their packages: `id`, integer `shipmentStatus`, dates without timezone, packages with `id`, `orderItemIDs`, `packageOrderItems` (often empty)', read: readShipments,
  },
  getShipment: {
    method: 'GET', path: '/shipment/v1/shipments/{shipmentId}', auth: true, assumed: true, idempotent: true,
    source: `${PF} #1 (docs.dev …/get-details-of-a-specific-shipment-by-shipment-id); the older guide reads /shipment/v1/{shipmentId}`,
    note: 'one shipment, as above', read: readShipment,
  },
  merchantCatalogVariants: {
    method: 'GET', path: '/catalog/v1/merchantCatalog/effective/variants/list', auth: true, assumed: true, idempotent: true,
    source: `${PF} #6 (older portal: path, ?page&pageSize, {variants: [{sku, merchantPrice, decorations, attributes}]})`,
    note: '?merchantId&page&pageSize (merchantId ours: the page shows the token\'s merchant); an empty or short page ends it; 404 when the merchant has no enabled catalogue',
    read: readCatalogue,
  },
  createInboundOrder: {
    method: 'POST', path: '/v1/inbound/orders', auth: true, assumed: true, idempotent: false,
    source: 'docs/merchant-notifications.txt "Submitting Orders" (path, body); the answer is assumed',
    note: 'the answer says only that it was received: the OrderCreation webhook (or a read by safeId) tells the outcome. Not retried blindly: each request is a creation attempt',
    request: inboundOrderRequest, read: readNothing,
  },
  createNote: {
    method: 'POST', path: '/v1/notes', auth: true, assumed: true, idempotent: false,
    source: 'docs menu (path); CreateNoteModel fields assumed', note: '{entityType: "Order", entityId, text, externalId} → {id}',
    request: createNoteModel, read: readNoteCreated,
  },
  listNotes: {
    method: 'GET', path: '/v1/notes', auth: true, assumed: true, idempotent: true,
    source: 'docs menu "Search All Notes" (path); filters and fields assumed', note: '?entityType=Order&entityId= → the notes, from an array or {items}', read: readNotes,
  },
  updateNote: {
    method: 'PUT', path: '/v1/notes/{id}', auth: true, assumed: true, idempotent: true,
    source: 'docs menu (path); UpdateNotePayload fields assumed', note: '{text}', request: updateNoteModel, read: readNothing,
  },
  deleteNote: {
    method: 'DELETE', path: '/v1/notes/{id}', auth: true, assumed: false, idempotent: true,
    source: `docs/getting-started.txt menu, every portal (${PF} #7)`, note: 'a note the store clears is deleted; an unknown note (404) counts as deleted', read: readNothing,
  },
  addRefund: {
    method: 'POST', path: '/order/v1/orders/{orderId}/refunds', auth: true, assumed: true, idempotent: false,
    source: `${PF} #5 (AddRefundModel body, docs.dev …/addrefundmodel); path and answer not found`,
    note: '{orderId, refunds: [{itemId, isShippingRefund, amount, reason}]}; no idempotency key: the matching refunds in the items\' refundData are counted before sending, and after a lost answer the request counts as made only if that count grew',
    request: addRefundModel, read: readNothing,
  },
} as const satisfies Record<string, Operation>;

export type OperationId = keyof typeof operations;
export const OPERATION_IDS = Object.keys(operations) as OperationId[];

export type PathOverrides = Partial<Record<OperationId, string>>;

/** Fills `{name}` placeholders, URL-encoding each value. */
export function buildPath(template: string, params: Record<string, string> = {}): string {
  return template.replace(/\{(\w+)\}/g, (_m, name: string) => {
    const v = params[name];
    if (v === undefined) throw new Error(`missing path parameter ${name} for ${template}`);
    return encodeURIComponent(v);
  });
}

/** Path parameter names of a template, in order. */
export function pathParams(template: string): string[] {
  return [...template.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!);
}

/** Turns a zod error into OrderMesh's field-error map: `items[0].sku` → messages. */
export function fieldErrors(error: z.ZodError): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const issue of error.issues) {
    const key = formatPath(issue.path) || '$';
    const message =
      issue.code === 'unrecognized_keys' ? `unknown field(s): ${issue.keys.join(', ')}` : issue.message;
    (out[key] ??= []).push(message);
  }
  return out;
}
