/**
 * The simulator's answers, in the shapes OrderMesh's public documentation shows (each builder names its
 * source in shared/ordermesh/public-facts.md), switched by the variants where the docs leave a choice.
 * No field the docs do not show is sent; no value the client did not send (or a test did not set) is made up.
 */
import { ITEM_STATUSES, ORDER_STATUSES, SHIPMENT_STATUS_NUMBERS, type AddressModel, type ItemStatus, type OrderStatus, type ShipmentStatus, type ValidationError } from './documented.ts';
import { refundData } from './refunds.ts';
import type { SimRefusal } from './refusal.ts';
import type { SimItem, SimOrder, SimPackage, SimShipment } from './state.ts';
import type { Variants } from './variants.ts';

/** A merchant's catalogue price for a SKU, when a test set one (`/_sim/catalog`). */
export type PriceOf = (merchantId: string, sku: string) => { amount: number; currency: string } | undefined;

// ---- values

/** Shipment and package dates: no timezone in every example (`2022-04-03T12:00:00`, facts #1), UTC clock. */
export function shipmentDate(iso: string, v: Variants): string {
  const s = iso.slice(0, 19);
  return v.datesWithTimezone ? `${s}Z` : s;
}

/** Money in order reads is `{currency, amount}` (facts #2); null where nothing was sent, as the docs' example. */
function amount(currency: string, value: number | null | undefined) {
  return value == null ? null : { currency, amount: value };
}

export function orderStatus(s: OrderStatus, v: Variants): string | number {
  return v.integerStatuses === true ? ORDER_STATUSES.indexOf(s) + 1 : s;
}

function itemStatusOut(s: ItemStatus, v: Variants): string | number {
  return v.integerStatuses === true ? ITEM_STATUSES.indexOf(s) + 1 : s;
}

function shipmentStatus(s: ShipmentStatus, v: Variants): string | number {
  return v.integerStatuses === false ? s : SHIPMENT_STATUS_NUMBERS[s];
}

/** Open until all its quantity is shipped (Fulfilled) or cancelled (Cancelled). The docs show "Open" and "Fulfilled". */
export function itemStatus(i: SimItem): ItemStatus {
  if (i.cancelledQuantity >= i.quantity) return 'Cancelled';
  if (i.shippedQuantity > 0 && i.shippedQuantity + i.cancelledQuantity >= i.quantity) return 'Fulfilled';
  return 'Open';
}

/** An address as order reads show it (facts #2): every field, null where not sent. */
function address(a: AddressModel | null | undefined) {
  if (!a) return null;
  return {
    location: a.location ?? null,
    firstName: a.firstName ?? null,
    lastName: a.lastName ?? null,
    line1: a.line1,
    line2: a.line2 ?? null,
    line3: a.line3 ?? null,
    city: a.city,
    state: a.state ?? null,
    zip: a.zip ?? null,
    countryCode: a.countryCode,
    phone: a.phone ?? null,
    email: a.email ?? null,
  };
}

// ---- orders (facts #2: docs.dev …/retrieve-an-order-by-safe-id, …/retrieve-order-item-by-order-item-id)

/** GetOrderItemModel. `cancelledQuantity` is not documented and never sent: a part-cancelled item keeps its quantity and stays Open. */
export function orderItemModel(o: SimOrder, i: SimItem, v: Variants, priceOf: PriceOf) {
  const m = i.model;
  const cur = o.model.currencyCode;
  const merchant = priceOf(o.merchantId, i.sku);
  return {
    id: i.id,
    shortId: i.shortId,
    externalId: i.externalId,
    sku: i.sku,
    originalSKU: i.sku,
    quantity: i.quantity,
    status: itemStatusOut(itemStatus(i), v),
    statusDesc: null,
    createdAt: i.createdAt,
    updatedAt: i.updatedAt,
    processedAt: null,
    cancelledAt: i.cancelledAt,
    // Read-side names (ourUrl, ourFileId, …) differ from create's; ASSUMED: ourPrintFileUrl/Id are read back as ourUrl/ourFileId.
    images: (m.images ?? []).map((img) => ({
      url: img.url,
      thumbnailUrl: img.thumbnailUrl ?? null,
      area: img.area,
      printMethod: img.printMethod ?? null,
      ourUrl: img.ourPrintFileUrl ?? null,
      ourFileId: img.ourPrintFileId ?? null,
      ourThumbnailUrl: null,
      ourThumbnailFileId: null,
      vendorReadyFileId: null,
    })),
    options: m.options ?? null,
    attributes: null,
    customerSubtotal: amount(cur, m.customerSubtotal),
    customerPrice: amount(cur, m.customerPrice),
    customerShippingPrice: amount(cur, m.customerShippingPrice),
    customerTaxes: amount(cur, m.customerTaxes),
    merchantPrice: merchant ? { currency: merchant.currency, amount: merchant.amount } : null,
    merchantShippingPrice: null,
    merchantTax: null,
    merchantSubTotal: merchant ? { currency: merchant.currency, amount: round2(merchant.amount * i.quantity) } : null,
    merchantItemTotal: merchant ? { currency: merchant.currency, amount: round2(merchant.amount * i.quantity) } : null,
    clientAttributes: m.clientAttributes ?? null,
    meta: i.meta,
    isSample: m.isSample ?? null,
    skipImgManip: m.skipImgManip ?? null,
    skipImageValidation: m.skipImageValidation ?? null,
    skipSkuValidation: m.skipSkuValidation ?? null,
    fulfillmentReady: m.fulfillmentReady ?? null,
    refundData: refundData(i),
  };
}

/**
 * GetOrderModel. The example is cut before `status`, `safeId` and the dates; their names here are the
 * ones used everywhere else (webhooks, create). Merchant totals are known only from catalogue prices a
 * test set; the simulator charges the merchant no shipping or tax.
 */
export function orderModel(o: SimOrder, shipments: ReadonlyMap<string, SimShipment>, v: Variants, priceOf: PriceOf) {
  const prices = o.items.map((i) => ({ i, p: priceOf(o.merchantId, i.sku) }));
  const known = prices.every((x) => x.p) && new Set(prices.map((x) => x.p!.currency)).size === 1;
  const itemTotal = known ? { currency: prices[0]!.p!.currency, amount: round2(prices.reduce((a, x) => a + x.p!.amount * x.i.quantity, 0)) } : null;
  return {
    id: o.id,
    shortId: o.shortId,
    safeId: o.safeId,
    externalId: o.externalId,
    merchantId: o.merchantId,
    status: orderStatus(o.status, v),
    items: o.items.map((i) => orderItemModel(o, i, v, priceOf)),
    merchantItemTotal: itemTotal,
    merchantTaxTotal: null,
    merchantShippingTotal: null,
    merchantTotal: itemTotal,
    reprint: o.model.reprint ?? null,
    facilityNames: [],
    shipmentCreatedDates: o.shipmentIds.map((id) => shipments.get(id)!.createdAt),
    shipmentIds: [...o.shipmentIds],
    shippingAddress: address(o.model.shippingAddress),
    billingAddress: address(o.model.billingAddress),
    meta: o.model.meta ?? null,
    createdAt: o.createdAt,
    updatedAt: o.updatedAt,
  };
}

/** GetOrderResponse `{"order": …}` / GetOrderItemResponse `{"orderItem": …}` (facts #2), or bare. */
export function wrapOrder(model: unknown, v: Variants) {
  return v.orderEnvelope === 'wrapped' ? { order: model } : model;
}
export function wrapOrderItem(model: unknown, v: Variants) {
  return v.orderEnvelope === 'wrapped' ? { orderItem: model } : model;
}

/** ListOrdersResponse has no documented fields. */
export function orderList(items: unknown[], page: number, pageSize: number, total: number, v: Variants) {
  if (v.listEnvelope === 'bare') return items;
  if (v.listEnvelope === 'orders') return { orders: items, total };
  return { items, page, pageSize, total };
}

// ---- shipments (facts #1: docs.dev …/get-details-of-a-specific-shipment-by-shipment-id, docs.stg …/get-all-shipments-for-an-order-by-order-id)

/** Per item, how many this shipment (or package) carries. */
function quantities(lines: Array<{ itemId: string; quantity: number }>): Map<string, number> {
  const q = new Map<string, number>();
  for (const l of lines) q.set(l.itemId, (q.get(l.itemId) ?? 0) + l.quantity);
  return q;
}

function packageModel(p: SimPackage, s: SimShipment, o: SimOrder, v: Variants, full = v.packageOrderItems) {
  const q = quantities(p.lines);
  return {
    ...(v.legacyShipmentIds ? { packageId: p.id } : { id: p.id }),
    shortId: p.shortId,
    shipmentId: s.id,
    carrierName: p.carrierName,
    carrierMethodName: p.carrierMethodName,
    shippedDate: shipmentDate(p.shippedAt, v),
    fulfilledDate: shipmentDate(p.fulfilledAt, v),
    carrierTrackingNumber: p.trackingNumber,
    carrierLink: p.carrierLink,
    carrierAccount: false,
    orderItemIDs: [...q.keys()],
    // Empty in every REST example: per-item quantities show here only with the variant.
    packageOrderItems: full
      ? [...q].map(([itemId, quantity]) => {
          const it = o.items.find((i) => i.id === itemId)!;
          return { orderItemId: itemId, externalId: it.externalId, quantity, itemMeta: it.meta };
        })
      : [],
    packingSlipId: null,
  };
}

/**
 * ShipmentDTO as the REST API returns it. `orderItems[].quantity` is what this shipment carries of the
 * item (with packageOrderItems off, the one place a split item's shipped quantity shows).
 */
export function shipmentModel(s: SimShipment, o: SimOrder, v: Variants, opts: { fullPackages?: boolean } = {}) {
  const q = quantities(s.packages.flatMap((p) => p.lines));
  return {
    ...(v.legacyShipmentIds ? { shipmentId: s.id } : { id: s.id }),
    shortId: s.shortId,
    merchantId: o.merchantId,
    orderId: o.id,
    merchantOrderId: null,
    orderExternalId: o.externalId,
    safeId: o.safeId,
    shippingCountryCode: o.model.shippingAddress.countryCode,
    currencyCode: o.model.currencyCode,
    shipmentStatus: shipmentStatus(s.status, v),
    isRejectedByVendor: false,
    isPollingStopped: false,
    shippingMethod: o.model.customerShippingMethod ?? null,
    createdDate: shipmentDate(s.createdAt, v),
    orderCreatedDate: shipmentDate(o.createdAt, v),
    lastModifiedDate: shipmentDate(s.updatedAt, v),
    orderItemIDs: [...q.keys()],
    orderItems: [...q].map(([itemId, quantity]) => {
      const it = o.items.find((i) => i.id === itemId)!;
      // An item inside a shipment has an integer status (1 in the STG example, whose shipment is 4).
      return { id: it.id, shortId: it.shortId, sku: it.sku, quantity, status: v.integerStatuses === false ? itemStatus(it) : 1 };
    }),
    packages: s.packages.map((p) => packageModel(p, s, o, v, opts.fullPackages ?? v.packageOrderItems)),
  };
}

/** "Get all shipments for an order": whether it is an array, an envelope or one object is not visible (facts #1). */
export function shipmentList(list: unknown[], v: Variants) {
  if (v.shipmentsEnvelope === 'items') return { items: list };
  if (v.shipmentsEnvelope === 'shipments') return { shipments: list };
  if (v.shipmentsEnvelope === 'single' && list.length === 1) return list[0];
  return list;
}

// ---- bulk, auth, errors

export interface BulkResult {
  index: number;
  safeId: string | null;
  statusCode: number;
  orderId?: string;
  errors?: ValidationError[];
}

/** BulkResponse / BulkResponseItem are named, not shown (facts #3): one result per input, in input order. */
export function bulkAnswer(results: BulkResult[], v: Variants) {
  if (v.bulkEnvelope === 'bare') return results;
  if (v.bulkEnvelope === 'results') return { results: results.map(({ index: _index, ...rest }) => rest) };
  return { items: results };
}

/**
 * ClientTokenResponseDTO: camelCase like the login answer (user-login.txt), or exactly the older snake_case
 * sample (alphabroder.ordermesh.io/getting-started, public-facts.md "Auth"): access_token, expires_in and a
 * refresh_token, no token_type. Client tokens have no refresh flow (getting-started.txt): that refresh_token
 * is never redeemable here.
 */
export function clientTokenAnswer(accessToken: string, expiresIn: number, v: Variants) {
  return v.tokenCasing === 'snake' ? { access_token: accessToken, expires_in: expiresIn, refresh_token: `omsim_x_${accessToken.slice(6)}` } : { accessToken, tokenType: 'Bearer', expiresIn };
}

/**
 * An error answer. The one documented body is the validation list (facts #4); by default it comes inside
 * `{message, errors}`, with the `list` variant alone (a refusal without field errors as a one-entry list).
 */
export function errorAnswer(err: Pick<SimRefusal, 'message' | 'errors'>, v: Variants) {
  if (v.errorBody === 'list') return err.errors.length ? err.errors : [{ errorMessage: err.message, propertyName: null, attemptedValue: null }];
  return { message: err.message, errors: err.errors };
}

const round2 = (n: number) => Math.round(n * 100) / 100;
