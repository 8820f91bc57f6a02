import { nextId, shopifyTime, type RequestStatus, type ShopState, type SimFulfillmentOrder, type SimFulfillmentService, type UserError } from './shop.ts';

/**
 * Fulfilment services and what happens to the fulfilment orders assigned to them: the app's side
 * (register, accept or reject a request, answer a cancellation request, hold) and the merchant's
 * (request fulfilment, withdraw a request, move a fulfilment order). Each refuses what Shopify refuses,
 * with a userError, and changes nothing then.
 */

type Result<K extends string, T> = { [P in K]: T | null } & { userErrors: UserError[] };
const refuse = <K extends string>(key: K, field: string, message: string) => ({ [key]: null, userErrors: [{ field: [field], message }] }) as Result<K, never>;

const REJECTION_REASONS = new Set(['INCORRECT_ADDRESS', 'INVENTORY_OUT_OF_STOCK', 'INELIGIBLE_PRODUCT', 'UNDELIVERABLE_DESTINATION', 'INTERNATIONAL_SHIPPING_UNAVAILABLE', 'INCORRECT_PRODUCT_INFO', 'MISSING_CUSTOMS_INFO', 'INVALID_SKU', 'PAYMENT_DECLINED', 'PACKAGE_PREFERENCE_NOT_SET', 'INVALID_CONTACT_INFORMATION', 'ORDER_TOO_LARGE', 'MERCHANT_BLOCKED_OR_SUSPENDED', 'OTHER']);

export function createService(
  state: ShopState,
  input: { name: string; callbackUrl?: string | null; trackingSupport?: boolean | null; inventoryManagement?: boolean | null; permitsSkuSharing?: boolean | null },
): Result<'fulfillmentService', SimFulfillmentService> {
  if (input.permitsSkuSharing === false) return refuse('fulfillmentService', 'permitsSkuSharing', 'Setting permits_sku_sharing to false is no longer supported.');
  if (!input.name.trim()) return refuse('fulfillmentService', 'name', "Name can't be blank");
  if ([...state.services.values()].some((s) => s.serviceName.toLowerCase() === input.name.toLowerCase())) return refuse('fulfillmentService', 'name', 'Name has already been taken');
  if (input.callbackUrl && !/^https?:\/\//.test(input.callbackUrl)) return refuse('fulfillmentService', 'callbackUrl', 'Callback url is invalid');
  const service: SimFulfillmentService = {
    id: nextId('FulfillmentService'),
    serviceName: input.name,
    handle: input.name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, ''),
    callbackUrl: input.callbackUrl ?? null,
    locationId: nextId('Location'),
    trackingSupport: input.trackingSupport ?? false,
    inventoryManagement: input.inventoryManagement ?? false,
  };
  state.services.set(service.id, service);
  return { fulfillmentService: service, userErrors: [] };
}

const ASSIGNMENT: Record<string, RequestStatus[]> = {
  FULFILLMENT_REQUESTED: ['SUBMITTED'],
  FULFILLMENT_ACCEPTED: ['ACCEPTED', 'CANCELLATION_REJECTED'],
  CANCELLATION_REQUESTED: ['CANCELLATION_REQUESTED'],
  FULFILLMENT_UNSUBMITTED: ['UNSUBMITTED'],
};

/** QueryRoot.assignedFulfillmentOrders: the fulfilment orders at the app's service locations, CLOSED ones left out. */
export function assignedFulfillmentOrders(state: ShopState, args: { assignmentStatus?: string | null; locationIds?: string[] | null }): SimFulfillmentOrder[] {
  const own = new Set([...state.services.values()].map((s) => s.locationId));
  const statuses = args.assignmentStatus ? ASSIGNMENT[args.assignmentStatus] : undefined;
  const out: SimFulfillmentOrder[] = [];
  for (const sim of state.orders.values()) {
    for (const fo of sim.fulfillmentOrders) {
      if (!own.has(fo.locationId) || fo.status === 'CLOSED' || fo.status === 'CANCELLED') continue;
      if (args.locationIds?.length && !args.locationIds.includes(fo.locationId)) continue;
      if (statuses && !statuses.includes(fo.requestStatus)) continue;
      out.push(fo);
    }
  }
  return out;
}

/** The fulfilment order if the app's service holds it; a userError otherwise. */
function ownFulfillmentOrder<K extends string>(state: ShopState, key: K, id: string): SimFulfillmentOrder | Result<K, never> {
  const found = state.findFulfillmentOrder(id);
  if (!found) return refuse(key, 'id', 'Fulfillment order does not exist.');
  if (!state.serviceAt(found.fo.locationId)) return refuse(key, 'id', "The fulfillment order is not assigned to a location of the app's fulfillment services.");
  return found.fo;
}
const isFo = (v: unknown): v is SimFulfillmentOrder => Boolean(v && typeof v === 'object' && 'lines' in v);

function answer(
  state: ShopState,
  id: string,
  from: RequestStatus[],
  verb: string,
  apply: (fo: SimFulfillmentOrder) => void,
): Result<'fulfillmentOrder', SimFulfillmentOrder> {
  const fo = ownFulfillmentOrder(state, 'fulfillmentOrder', id);
  if (!isFo(fo)) return fo;
  if (fo.status === 'CLOSED' || fo.status === 'CANCELLED' || !from.includes(fo.requestStatus)) {
    return refuse('fulfillmentOrder', 'id', `Cannot ${verb}: the fulfillment order's request status is ${fo.requestStatus.toLowerCase()} (status ${fo.status.toLowerCase()}).`);
  }
  apply(fo);
  fo.updatedAt = shopifyTime(Date.now());
  return { fulfillmentOrder: fo, userErrors: [] };
}

export const acceptRequest = (state: ShopState, a: { id: string; message?: string | null; estimatedShippedAt?: string | null }) =>
  answer(state, a.id, ['SUBMITTED'], 'accept the fulfillment request', (fo) => {
    fo.requestStatus = 'ACCEPTED';
    fo.status = 'IN_PROGRESS';
    fo.requestMessage = a.message ?? null;
    fo.estimatedShippedAt = a.estimatedShippedAt ?? null;
  });

export function rejectRequest(state: ShopState, a: { id: string; reason?: string | null; message?: string | null; lineItems?: Array<{ fulfillmentOrderLineItemId: string; message?: string | null }> | null }) {
  // The schema's enum already refuses an unknown reason; the check repeats it for callers of this module.
  if (a.reason && !REJECTION_REASONS.has(a.reason)) return refuse('fulfillmentOrder', 'reason', `Invalid rejection reason ${a.reason}`);
  const found = state.findFulfillmentOrder(a.id);
  const unknownLine = a.lineItems?.find((l) => !found?.fo.lines.some((x) => x.id === l.fulfillmentOrderLineItemId));
  if (found && unknownLine) return refuse('fulfillmentOrder', 'lineItems', `Fulfillment order line item ${unknownLine.fulfillmentOrderLineItemId} does not belong to the fulfillment order.`);
  return answer(state, a.id, ['SUBMITTED'], 'reject the fulfillment request', (fo) => {
    fo.requestStatus = 'REJECTED';
    fo.requestMessage = [a.reason, a.message].filter(Boolean).join(': ') || null;
  });
}

export const acceptCancellation = (state: ShopState, a: { id: string; message?: string | null }) =>
  answer(state, a.id, ['CANCELLATION_REQUESTED'], 'accept the cancellation request', (fo) => {
    fo.requestStatus = 'CANCELLATION_ACCEPTED';
    fo.status = 'CLOSED';
    fo.requestMessage = a.message ?? null;
  });

export const rejectCancellation = (state: ShopState, a: { id: string; message?: string | null }) =>
  answer(state, a.id, ['CANCELLATION_REQUESTED'], 'reject the cancellation request', (fo) => {
    fo.requestStatus = 'CANCELLATION_REJECTED';
    fo.status = 'IN_PROGRESS';
    fo.requestMessage = a.message ?? null;
  });

/** The most holds one app may keep on one fulfilment order (FulfillmentOrderHoldUserErrorCode FULFILLMENT_ORDER_HOLD_LIMIT_REACHED). */
const HOLDS_PER_APP = 10;

/** fulfillmentOrderHold by the app. Scopes are checked by the caller: a service's own fulfilment orders are beyond them. */
export function holdByApp(state: ShopState, a: { id: string; fulfillmentHold: { reason: string; reasonNotes?: string | null; handle?: string | null } }) {
  const found = state.findFulfillmentOrder(a.id);
  const none = { fulfillmentHold: null, fulfillmentOrder: null, remainingFulfillmentOrder: null };
  const err = (message: string, code: string | null) => ({ ...none, userErrors: [{ field: ['id'], message, code }] });
  if (!found) return err('Fulfillment order does not exist.', 'FULFILLMENT_ORDER_NOT_FOUND');
  const { fo } = found;
  if (fo.status !== 'OPEN' && fo.status !== 'ON_HOLD') return err(`Fulfillment order ${fo.id} cannot be held: its status is ${fo.status.toLowerCase()}.`, null);
  const mine = fo.holds.filter((h) => h.byApp);
  const handle = a.fulfillmentHold.handle ?? '';
  if (mine.some((h) => h.handle === handle)) return err(`The handle "${handle}" is already in use by a hold on this fulfillment order.`, 'DUPLICATE_FULFILLMENT_HOLD_HANDLE');
  if (mine.length >= HOLDS_PER_APP) return err(`The maximum number of fulfillment holds (${HOLDS_PER_APP}) for this fulfillment order has been reached.`, 'FULFILLMENT_ORDER_HOLD_LIMIT_REACHED');
  const hold = { id: nextId('FulfillmentHold'), reason: a.fulfillmentHold.reason, reasonNotes: a.fulfillmentHold.reasonNotes ?? null, handle, byApp: true };
  fo.holds.push(hold);
  fo.status = 'ON_HOLD';
  fo.updatedAt = shopifyTime(Date.now());
  return { fulfillmentHold: hold, fulfillmentOrder: fo, remainingFulfillmentOrder: null, userErrors: [] };
}

export function releaseByApp(state: ShopState, a: { id: string; holdIds?: string[] | null }) {
  const found = state.findFulfillmentOrder(a.id);
  if (!found) return refuse('fulfillmentOrder', 'id', 'Fulfillment order does not exist.');
  const { fo } = found;
  if (fo.status !== 'ON_HOLD') return refuse('fulfillmentOrder', 'id', `Fulfillment order ${fo.id} is not on hold.`);
  const unknown = a.holdIds?.find((h) => !fo.holds.some((x) => x.id === h));
  if (unknown) return refuse('fulfillmentOrder', 'holdIds', `Fulfillment hold ${unknown} does not belong to the fulfillment order.`);
  fo.holds = a.holdIds ? fo.holds.filter((h) => !a.holdIds!.includes(h.id)) : [];
  if (fo.holds.length === 0) fo.status = fo.lines.some((l) => l.remainingQuantity < l.totalQuantity) ? 'IN_PROGRESS' : 'OPEN';
  fo.updatedAt = shopifyTime(Date.now());
  return { fulfillmentOrder: fo, userErrors: [] };
}

// ---- the merchant's side (control endpoints)

export class MerchantRefusal extends Error {}

/**
 * The merchant requests fulfilment (fulfillmentOrderSubmitFulfillmentRequest). Some lines only: the
 * fulfilment order splits, the requested part in a new one, the rest left unsubmitted.
 */
export function requestFulfillment(state: ShopState, id: string, lines?: Array<{ id: string; quantity: number }>): SimFulfillmentOrder {
  const found = state.findFulfillmentOrder(id);
  if (!found) throw new MerchantRefusal('fulfillment order not found');
  const { sim, fo } = found;
  if (!state.serviceAt(fo.locationId)) throw new MerchantRefusal('only a fulfilment service location takes fulfilment requests');
  if (fo.status !== 'OPEN' || !['UNSUBMITTED', 'REJECTED', 'CLOSED', 'CANCELLATION_ACCEPTED'].includes(fo.requestStatus)) {
    throw new MerchantRefusal(`fulfillment order status ${fo.status.toLowerCase()}, request ${fo.requestStatus.toLowerCase()}: it cannot be requested`);
  }
  const now = shopifyTime(Date.now());
  const whole = !lines || lines.every((l) => fo.lines.find((x) => x.id === l.id)?.remainingQuantity === l.quantity) && lines.length === fo.lines.length;
  if (whole) {
    fo.requestStatus = 'SUBMITTED';
    fo.requestMessage = null;
    fo.updatedAt = now;
    state.notify(fo, 'FULFILLMENT_REQUEST');
    return fo;
  }
  const part: SimFulfillmentOrder = { ...fo, id: nextId('FulfillmentOrder'), requestStatus: 'SUBMITTED', lines: [], holds: [], requestMessage: null, updatedAt: now };
  for (const l of lines) {
    const line = fo.lines.find((x) => x.id === l.id);
    if (!line || l.quantity <= 0 || l.quantity > line.remainingQuantity) throw new MerchantRefusal(`invalid quantity ${l.quantity} for line ${l.id}`);
  }
  for (const l of lines) {
    const line = fo.lines.find((x) => x.id === l.id)!;
    line.totalQuantity -= l.quantity;
    line.remainingQuantity -= l.quantity;
    part.lines.push({ id: nextId('FulfillmentOrderLineItem'), lineItemId: line.lineItemId, totalQuantity: l.quantity, remainingQuantity: l.quantity });
  }
  fo.lines = fo.lines.filter((x) => x.totalQuantity > 0);
  fo.updatedAt = now;
  sim.fulfillmentOrders.push(part);
  state.notify(part, 'FULFILLMENT_REQUEST');
  return part;
}

/**
 * The merchant withdraws a request the service has not accepted (fulfillmentOrderCancel on a SUBMITTED
 * fulfilment order): it closes, and a replacement holds the work left, unsubmitted.
 */
export function withdrawRequest(state: ShopState, id: string): SimFulfillmentOrder {
  const found = state.findFulfillmentOrder(id);
  if (!found) throw new MerchantRefusal('fulfillment order not found');
  const { sim, fo } = found;
  if (fo.requestStatus !== 'SUBMITTED') throw new MerchantRefusal(`only a submitted request can be withdrawn; this one is ${fo.requestStatus.toLowerCase()}`);
  const now = shopifyTime(Date.now());
  fo.status = 'CLOSED';
  fo.requestStatus = 'CLOSED';
  fo.updatedAt = now;
  const replacement: SimFulfillmentOrder = {
    ...fo,
    id: nextId('FulfillmentOrder'),
    status: 'OPEN',
    requestStatus: 'UNSUBMITTED',
    lines: fo.lines.map((l) => ({ ...l, id: nextId('FulfillmentOrderLineItem') })),
    holds: [],
    requestMessage: null,
    updatedAt: now,
  };
  sim.fulfillmentOrders.push(replacement);
  return replacement;
}

/** fulfillmentOrderMove: refused while a service has the request (submitted, accepted, cancellation pending or refused). */
export function moveFulfillmentOrder(state: ShopState, id: string, locationId: string): SimFulfillmentOrder {
  const found = state.findFulfillmentOrder(id);
  if (!found) throw new MerchantRefusal('fulfillment order not found');
  const { fo } = found;
  if (fo.status === 'CLOSED' || fo.status === 'CANCELLED') throw new MerchantRefusal('the fulfillment order is closed');
  if (['SUBMITTED', 'ACCEPTED', 'CANCELLATION_REQUESTED', 'CANCELLATION_REJECTED'].includes(fo.requestStatus)) {
    throw new MerchantRefusal(`Cannot change the assigned location while the request status is ${fo.requestStatus.toLowerCase()}`);
  }
  fo.locationId = locationId;
  fo.requestStatus = 'UNSUBMITTED';
  fo.updatedAt = shopifyTime(Date.now());
  return fo;
}
