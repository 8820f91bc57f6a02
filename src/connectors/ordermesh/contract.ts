/**
 * The OrderMesh API contract we rely on: the ONE place where paths, bodies and payloads are written.
 * The client (client.ts) and the simulator (src/sim/ordermesh) both derive from it, and
 * test/ordermesh/contract.test.ts fails if either drifts.
 *
 * Source: ../shared/ordermesh/docs (getting-started, user-login, orders-create, merchant-notifications).
 * Where the docs name an operation or a schema but not its path or fields, the choice below is marked
 * `assumed: true` (operations) or `ASSUMED` (fields) with the reason; paths can be overridden in config
 * (`ordermesh.paths`). README "Assumptions about OrderMesh" lists them all.
 */
import { z } from 'zod';
import { formatPath } from '../../util/zod-path.ts';

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
    company: z.string().nullish(), // ASSUMED: not in the example; Shopify addresses carry it.
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

export const createOrderResponse = z.object({ orderId: z.string() });

// ---------------------------------------------------------------------------------------------------
// Auth (getting-started.txt, user-login.txt)
// ---------------------------------------------------------------------------------------------------

/** ASSUMED field names: the docs show the endpoint but not its sample body. */
export const clientTokenRequest = z.strictObject({ clientId: z.string().min(1), clientSecret: z.string().min(1) });
/** ClientTokenResponseDTO; the docs: client tokens live 24 h and cannot be refreshed. */
export const clientTokenResponse = z.object({ accessToken: z.string(), tokenType: z.string(), expiresIn: z.number() });
export const loginRequest = z.strictObject({ username: z.string().min(1), password: z.string().min(1) });
export const refreshRequest = z.strictObject({ refreshToken: z.string().min(1) });
export const userTokenResponse = z.object({
  accessToken: z.string(),
  scope: z.string().nullish(),
  tokenType: z.string(),
  refreshToken: z.string(),
  expiresIn: z.number(),
});

// ---------------------------------------------------------------------------------------------------
// Orders as OrderMesh returns them. ASSUMED shapes: the docs list GetOrderModel etc. without fields;
// we model the fields we read.
// ---------------------------------------------------------------------------------------------------

export const ORDER_STATUSES = ['Open', 'ReadyForFulfillment', 'InProduction', 'PartiallyShipped', 'Shipped', 'Cancelled', 'CustomerCareHold'] as const;
export const orderStatus = z.enum(ORDER_STATUSES);
export type OrderStatus = z.infer<typeof orderStatus>;

export const orderItemModel = z.object({
  id: z.string(),
  externalId: z.string().nullish(),
  sku: z.string(),
  quantity: z.number(),
  cancelledQuantity: z.number().default(0),
  status: z.string(),
  meta: stringMap.nullish(),
});

export const getOrderModel = z.object({
  id: z.string(),
  safeId: z.string(),
  externalId: z.string(),
  merchantId: z.string(),
  status: orderStatus,
  shippingAddress: z.record(z.string(), z.unknown()),
  items: z.array(orderItemModel),
  meta: stringMap.nullish(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type OrderMeshOrder = z.infer<typeof getOrderModel>;

export const listOrdersResponse = z.object({
  items: z.array(getOrderModel),
  page: z.number(),
  pageSize: z.number(),
  total: z.number(),
});

/** CreateOrderModelBulkModel. ASSUMED: `{ items: [...] }`, answered per item in the same order. */
export const createOrdersBulkRequest = z.strictObject({ items: z.array(z.unknown()).min(1).max(100) });
export const BULK_MAX_ITEMS = 100;

/** BulkResponseItem. ASSUMED fields: the HTTP status each item would have had alone, and its body. */
export const bulkResponseItem = z.object({
  index: z.number(),
  safeId: z.string().nullish(),
  status: z.number(),
  orderId: z.string().nullish(),
  message: z.string().nullish(),
  errors: z.record(z.string(), z.array(z.string())).nullish(),
});
export const bulkResponse = z.object({ items: z.array(bulkResponseItem) });
export type BulkResponseItem = z.infer<typeof bulkResponseItem>;

/** UpdateOrderModel. ASSUMED: the fields we change (address, shipping method, meta). */
export const updateOrderModel = z.strictObject({
  shippingAddress: addressModel.optional(),
  billingAddress: addressModel.optional(),
  customerShippingMethod: z.string().optional(),
  meta: stringMap.optional(),
});
export type UpdateOrderModel = z.infer<typeof updateOrderModel>;

/** CancelOrderModel. ASSUMED: no items cancels the whole order; items cancel quantities of order items. */
export const cancelOrderModel = z.strictObject({
  reason: z.string().optional(),
  items: z.array(z.strictObject({ orderItemId: z.string(), quantity: z.number().int().positive() })).optional(),
});
export type CancelOrderModel = z.infer<typeof cancelOrderModel>;
export const cancelOrderResponse = z.object({ orderId: z.string(), status: orderStatus });

export const customerCareHoldModel = z.strictObject({ reason: z.string().optional() });
export const customerCareHoldResponse = z.object({ orderId: z.string(), status: orderStatus });
/** ASSUMED: releasing takes no fields and returns the order to the status it had before the hold. */
export const releaseCustomerCareHoldModel = z.strictObject({});

// ---------------------------------------------------------------------------------------------------
// Shipments. ASSUMED REST field names: the camelCase forms of the ShipmentUpdate webhook's fields.
// ---------------------------------------------------------------------------------------------------

export const SHIPMENT_STATUSES = ['ReadyForFulfillment', 'InProduction', 'Fulfilled', 'Cancelled'] as const;

export const packageOrderItem = z.object({
  orderItemId: z.string(),
  externalId: z.string().nullish(),
  quantity: z.number(),
  itemMeta: stringMap.nullish(),
});

export const packageModel = z.object({
  packageId: z.string(),
  shortId: z.string().nullish(),
  carrierName: z.string().nullish(),
  carrierMethodName: z.string().nullish(),
  shippedDate: z.string().nullish(),
  fulfilledDate: z.string().nullish(),
  carrierTrackingNumber: z.string().nullish(),
  carrierLink: z.string().nullish(),
  packageOrderItems: z.array(packageOrderItem),
});
export type PackageModel = z.infer<typeof packageModel>;

export const shipmentModel = z.object({
  shipmentId: z.string(),
  orderId: z.string(),
  status: z.enum(SHIPMENT_STATUSES),
  packages: z.array(packageModel),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type ShipmentModel = z.infer<typeof shipmentModel>;
export const shipmentsForOrderResponse = z.object({ items: z.array(shipmentModel) });

// ---------------------------------------------------------------------------------------------------
// Catalogue. ASSUMED shape: the docs list "Get a list of variants the merchant can use in accordance
// with their enabled catalog" without fields; we read each variant's SKU (and a name to show).
// ---------------------------------------------------------------------------------------------------

export const catalogVariant = z.object({ sku: z.string(), name: z.string().nullish(), productName: z.string().nullish() });
export type CatalogVariant = z.infer<typeof catalogVariant>;
export const merchantVariantsResponse = z.object({ items: z.array(catalogVariant), page: z.number(), pageSize: z.number(), total: z.number() });

// ---------------------------------------------------------------------------------------------------
// Inbound orders (merchant-notifications.txt "Submitting Orders"): {body, merchantId, transformationId};
// the answer only says the request was received. The outcome is the OrderCreation webhook.
// ---------------------------------------------------------------------------------------------------

export const inboundOrderRequest = z.strictObject({ body: z.unknown(), merchantId: z.string().min(1, 'is required'), transformationId: z.string().min(1, 'is required') });
/** ASSUMED: the docs say only that the request "was successfully received". */
export const inboundOrderResponse = z.object({ requestId: z.string().nullish(), message: z.string().nullish() });

/**
 * What the `store` body of an inbound order is (ASSUMED, ours to define): the store's own order payload
 * with the two ids the Transformation must carry over, so the OrderCreation webhook names our order.
 */
export const inboundStoreEnvelope = z.object({ safeId, externalId: z.string().min(1), storeOrder: z.record(z.string(), z.unknown()) });

// ---------------------------------------------------------------------------------------------------
// Notes (/v1/notes: paths from the docs). ASSUMED fields: CreateNoteModel, GetNotesResponse and
// UpdateNotePayload are listed without them.
// ---------------------------------------------------------------------------------------------------

export const createNoteModel = z.strictObject({
  entityType: z.literal('Order'),
  entityId: z.string().min(1),
  text: z.string().min(1, 'is required').max(10_000),
  /** Ours, so a note whose creation answer was lost is found again instead of created twice. */
  externalId: z.string().min(1).max(200).nullish(),
});
export const createNoteResponse = z.object({ id: z.string() });
export const noteModel = z.object({
  id: z.string(),
  entityType: z.string(),
  entityId: z.string(),
  text: z.string(),
  externalId: z.string().nullish(),
  author: z.string().nullish(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type NoteModel = z.infer<typeof noteModel>;
export const notesResponse = z.object({ items: z.array(noteModel) });
export const updateNoteModel = z.strictObject({ text: z.string().min(1, 'is required').max(10_000) });

// ---------------------------------------------------------------------------------------------------
// Refunds and reprints. ASSUMED fields: AddRefundModel/AddRefundItemModel and ReprintModel are listed
// without them. A reprint is a new order whose `reprint` names the original (CreateOrderModel.reprint).
// ---------------------------------------------------------------------------------------------------

export const addRefundModel = z.strictObject({
  reason: z.string().min(1, 'is required').max(1_000),
  /** Ours: a repeat of the same request is recognised by it (409), and a lost answer found again. */
  externalId: z.string().min(1).max(200),
  /** None: the whole order. */
  items: z.array(z.strictObject({ orderItemId: z.string().min(1), quantity: z.number().int().positive() })).optional(),
});
export type AddRefundModel = z.infer<typeof addRefundModel>;
export const REFUND_STATUSES = ['Requested', 'Approved', 'Declined', 'Refunded'] as const;
export const refundModel = z.object({
  refundId: z.string(),
  externalId: z.string().nullish(),
  status: z.enum(REFUND_STATUSES),
  reason: z.string().nullish(),
  items: z.array(z.object({ orderItemId: z.string(), quantity: z.number() })).nullish(),
  createdAt: z.string(),
});
export type RefundModel = z.infer<typeof refundModel>;
export const refundsResponse = z.object({ items: z.array(refundModel) });

export const reprintModel = z.strictObject({
  /** The OrderMesh order being reprinted. */
  originalOrderId: z.string().min(1),
  reason: z.string().min(1, 'is required').max(1_000),
  /** ReprintCostCoverageModel, reduced to who pays. ASSUMED values. */
  costCoverage: z.enum(['Merchant', 'Vendor']).nullish(),
});

// ---------------------------------------------------------------------------------------------------
// Errors. ASSUMED bodies: the docs name ValidationErrorResponse, ConflictErrorResponse, … without fields.
// ---------------------------------------------------------------------------------------------------

export const errorBody = z.object({
  message: z.string(),
  /** Field path → messages, on 400. */
  errors: z.record(z.string(), z.array(z.string())).nullish(),
});
export type ErrorBody = z.infer<typeof errorBody>;

// ---------------------------------------------------------------------------------------------------
// Webhooks (merchant-notifications.txt; PascalCase as in the docs)
// ---------------------------------------------------------------------------------------------------

const webhookBase = {
  OrderId: z.string().nullish(),
  ExternalOrderId: z.string().nullish(),
  SafeId: z.string().nullish(),
  Description: z.string().nullish(),
  SubscriberId: z.string().nullish(),
  ChildSubscriberId: z.string().nullish(),
  RequestId: z.string(),
  Reprint: z.unknown().nullish(),
};

const webhookPackage = z.object({
  PackageId: z.string(),
  ShortId: z.string().nullish(),
  CarrierName: z.string().nullish(),
  CarrierMethodName: z.string().nullish(),
  ShippedDate: z.string().nullish(),
  FulfilledDate: z.string().nullish(),
  CarrierTrackingNumber: z.string().nullish(),
  CarrierLink: z.string().nullish(),
  CarrierAccount: z.boolean().nullish(),
  OrderItemIDs: z.array(z.string()).nullish(),
  PackageOrderItems: z
    .array(z.object({ OrderItemId: z.string(), ExternalId: z.string().nullish(), Quantity: z.number(), ItemMeta: stringMap.nullish() }))
    .nullish(),
  PackingSlipId: z.string().nullish(),
});

export const webhookPayload = z.discriminatedUnion('EventType', [
  z.object({ ...webhookBase, EventType: z.literal('OrderCreation'), IsSuccessful: z.boolean(), ResponseCode: z.number().nullish() }),
  z.object({ ...webhookBase, EventType: z.literal('OrderUpdate'), NewStatus: z.string().nullish(), OldStatus: z.string().nullish() }),
  z.object({ ...webhookBase, EventType: z.literal('ShipmentCreated'), ShipmentId: z.string(), ResponseCode: z.number().nullish() }),
  z.object({
    ...webhookBase,
    EventType: z.literal('ShipmentUpdate'),
    ShipmentId: z.string(),
    NewStatus: z.string().nullish(),
    OldStatus: z.string().nullish(),
    // The docs show both an empty array and a single object here.
    Packages: z.union([z.array(webhookPackage), webhookPackage]).nullish(),
    OrderMeta: stringMap.nullish(),
  }),
]);
export type WebhookPayload = z.infer<typeof webhookPayload>;

/**
 * ASSUMED: the docs do not say how OrderMesh authenticates webhook deliveries. We expect a base64
 * HMAC-SHA256 of the raw body, keyed with the shared secret configured on both sides, in this header.
 */
export const WEBHOOK_SIGNATURE_HEADER = 'x-ordermesh-signature';

// ---------------------------------------------------------------------------------------------------
// Operations
// ---------------------------------------------------------------------------------------------------

export interface Operation {
  method: 'GET' | 'POST' | 'PATCH' | 'PUT';
  /** Path below the base URL; `{name}` marks a path parameter. */
  path: string;
  auth: boolean;
  /** True where the docs name the operation but not this path (or its body): our choice, configurable. */
  assumed: boolean;
  note: string;
  request?: z.ZodType;
  response: z.ZodType;
  /** Calls that change nothing, or whose repeat the safeId makes harmless, may be retried blindly. */
  idempotent: boolean;
}

export const operations = {
  clientToken: {
    method: 'POST', path: '/user/v1/clients/token', auth: false, assumed: true, idempotent: true,
    note: 'path from the docs; body field names {clientId, clientSecret} assumed (no sample body in the docs)',
    request: clientTokenRequest, response: clientTokenResponse,
  },
  login: {
    method: 'POST', path: '/user/v1/login', auth: false, assumed: false, idempotent: true,
    note: 'development only (user-login.txt)', request: loginRequest, response: userTokenResponse,
  },
  refresh: {
    method: 'POST', path: '/user/v1/refresh', auth: false, assumed: false, idempotent: true,
    note: 'development only; user tokens only', request: refreshRequest, response: userTokenResponse,
  },
  createOrder: {
    method: 'POST', path: '/order/v1/orders', auth: true, assumed: false, idempotent: true,
    note: 'orders-create.txt; 201 {orderId}; a second order with the same safeId answers 409 (idempotent by safeId)',
    request: createOrderModel, response: createOrderResponse,
  },
  createOrdersBulk: {
    method: 'POST', path: '/order/v1/orders/bulk', auth: true, assumed: true, idempotent: true,
    note: '"Create multiple orders" is listed without path or body: {items: CreateOrderModel[]} → {items: BulkResponseItem[]}, one result per input, same order',
    request: createOrdersBulkRequest, response: bulkResponse,
  },
  listOrders: {
    method: 'GET', path: '/order/v1/orders', auth: true, assumed: true, idempotent: true,
    note: 'page/pageSize paging from getting-started.txt; response {items, page, pageSize, total}; ?merchantId= filters to one merchant and answers 403 when the client may not act for it (used by `ordersync doctor`); ?status= filters to one status (used to find Customer Care Holds); ?createdFrom= (ISO date) only orders created since (used by `ordersync reconcile --since`). Every item is checked again against the filters, so a server that ignores one costs pages, not correctness',
    response: listOrdersResponse,
  },
  getOrder: {
    method: 'GET', path: '/order/v1/orders/{orderId}', auth: true, assumed: true, idempotent: true,
    note: '"Retrieve an order by Order ID"', response: getOrderModel,
  },
  getOrderBySafeId: {
    method: 'GET', path: '/order/v1/orders/safe-id/{safeId}', auth: true, assumed: true, idempotent: true,
    note: '"Retrieve an order by Safe ID"; 404 when no order has it', response: getOrderModel,
  },
  updateOrder: {
    method: 'PATCH', path: '/order/v1/orders/{orderId}', auth: true, assumed: true, idempotent: true,
    note: '"Update order data"; 409 once the order is in production', request: updateOrderModel, response: getOrderModel,
  },
  cancelOrder: {
    method: 'POST', path: '/order/v1/orders/{orderId}/cancel', auth: true, assumed: true, idempotent: true,
    note: '"Cancel Order or order items"; cancelling a cancelled order is a no-op; 409 once shipped',
    request: cancelOrderModel, response: cancelOrderResponse,
  },
  customerCareHold: {
    method: 'POST', path: '/order/v1/orders/{orderId}/customer-care-hold', auth: true, assumed: true, idempotent: true,
    note: '"Change the order status to Customer Care Hold"; holding a held order is a no-op; 409 once in production', request: customerCareHoldModel, response: customerCareHoldResponse,
  },
  releaseCustomerCareHold: {
    method: 'POST', path: '/order/v1/orders/{orderId}/customer-care-hold/release', auth: true, assumed: true, idempotent: true,
    note: 'not in the docs (they list the hold only): the order goes back to the status it had before the hold; releasing an order not on hold is a no-op',
    request: releaseCustomerCareHoldModel, response: customerCareHoldResponse,
  },
  getShipmentsForOrder: {
    method: 'GET', path: '/shipment/v1/shipments/order/{orderId}', auth: true, assumed: true, idempotent: true,
    note: '"Get all shipments for an order by Order ID"; shipments with their packages', response: shipmentsForOrderResponse,
  },
  getShipment: {
    method: 'GET', path: '/shipment/v1/shipments/{shipmentId}', auth: true, assumed: true, idempotent: true,
    note: '"Get details of a specific shipment by Shipment ID"', response: shipmentModel,
  },
  merchantCatalogVariants: {
    method: 'GET', path: '/catalog/v1/merchant-catalogs/variants', auth: true, assumed: true, idempotent: true,
    note: '"Get a list of variants the merchant can use in accordance with their enabled catalog": ?merchantId=&page=&pageSize= → {items: [{sku, name, productName}], page, pageSize, total}; 404 when the merchant has no enabled catalogue',
    response: merchantVariantsResponse,
  },
  createInboundOrder: {
    method: 'POST', path: '/v1/inbound/orders', auth: true, assumed: true, idempotent: false,
    note: 'path and body {body, merchantId, transformationId} from merchant-notifications.txt; the answer (202 {requestId, message}) is assumed and says only that it was received: the OrderCreation webhook (or a read by safeId) tells the outcome. Not retried blindly: each request is a creation attempt',
    request: inboundOrderRequest, response: inboundOrderResponse,
  },
  createNote: {
    method: 'POST', path: '/v1/notes', auth: true, assumed: true, idempotent: false,
    note: 'path from the docs; body {entityType: "Order", entityId, text, externalId} assumed (CreateNoteModel has no fields in the docs) → {id}',
    request: createNoteModel, response: createNoteResponse,
  },
  listNotes: {
    method: 'GET', path: '/v1/notes', auth: true, assumed: true, idempotent: true,
    note: '"Search All Notes": ?entityType=Order&entityId= filters assumed → {items: [{id, entityType, entityId, text, externalId, author, createdAt, updatedAt}]}',
    response: notesResponse,
  },
  updateNote: {
    method: 'PUT', path: '/v1/notes/{id}', auth: true, assumed: true, idempotent: true,
    note: 'path from the docs; body {text} assumed (UpdateNotePayload) → the note', request: updateNoteModel, response: noteModel,
  },
  addRefund: {
    method: 'POST', path: '/order/v1/orders/{orderId}/refunds', auth: true, assumed: true, idempotent: true,
    note: '"Add a Refund Request": body {reason, externalId, items: [{orderItemId, quantity}]} assumed → the refund {refundId, externalId, status, …}; a second request with the same externalId answers 409 (so a repeat is safe)',
    request: addRefundModel, response: refundModel,
  },
  listRefunds: {
    method: 'GET', path: '/order/v1/orders/{orderId}/refunds', auth: true, assumed: true, idempotent: true,
    note: 'the order\'s refund requests with their state (the docs list GetOrderItemRefundDataModel without a path) → {items: [refund]}',
    response: refundsResponse,
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
