import { createHash } from 'node:crypto';
import type { AddRefundModel, CreateOrderModel } from '../connectors/ordermesh/contract.ts';
import type { ItemRefund, NoteModel, OrderMeshOrder } from '../connectors/ordermesh/reader.ts';
import { OrderMeshError } from '../connectors/ordermesh/errors.ts';
import { askedOf, noteStatus, recordRequest, requestByExternalId, requestsOf, settleRequest, type RequestRow } from '../db/ordermesh-requests.ts';
import type { OrderMeshRequestKind, OrderRow } from '../db/schema.ts';
import type { JobDeps } from '../jobs/deps.ts';

/** A request an operator cannot make as asked: the reason, for the command to print (exit 2). */
export class RequestRefused extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.name = 'RequestRefused';
    this.code = code;
  }
}

export interface RequestInput {
  kind: OrderMeshRequestKind;
  /** An OrderMesh order item id, the store line item id (numeric or GID) or a SKU; none: the whole order. */
  item?: string;
  quantity?: number;
  reason: string;
  actor: string;
}

export interface RequestView {
  id: string;
  kind: OrderMeshRequestKind;
  externalId: string;
  reason: string;
  items: Array<{ orderItemId: string; quantity: number }> | null;
  /** requested (recorded, not yet answered), sent, failed. */
  state: string;
  /** The refund's id, or the reprint order's OrderMesh id. */
  ordermeshRef: string | null;
  /** OrderMesh's status of it, as last read. */
  ordermeshStatus: string | null;
  error: string | null;
  createdAt: string;
  /** Whether this call made it (false: the same request was made before, and is shown as it stands). */
  new?: boolean;
  /** With `new: false`: how to ask for another (a second damaged unit) instead. */
  hint?: string;
}

/** The ledger makes a request once per order, items and reason: a second one like it needs another reason. */
const REPEAT_HINT = 'the same order, items and reason make the same request, so this one was not made again; to ask for another (a second damaged unit of the item), give a different --reason (e.g. "print smudged, 2nd unit")';

const view = (r: RequestRow, isNew?: boolean): RequestView => ({
  id: r.id,
  kind: r.kind,
  externalId: r.external_id,
  reason: r.reason,
  items: (r.items as RequestView['items']) ?? null,
  state: r.state,
  ordermeshRef: r.ordermesh_ref,
  ordermeshStatus: r.ordermesh_status,
  error: r.error,
  createdAt: r.created_at.toISOString(),
  ...(isNew === undefined ? {} : { new: isNew }),
  ...(isNew === false ? { hint: REPEAT_HINT } : {}),
});

/** The OrderMesh order item `item` names, with what may be asked for it. */
function pickItem(order: OrderMeshOrder, item: string): OrderMeshOrder['items'][number] {
  const numeric = item.split('/').pop()!;
  const byId = order.items.filter((i) => i.id === item || i.externalId === numeric || i.meta?.shopifyLineItemId === item);
  const found = byId.length ? byId : order.items.filter((i) => i.sku === item);
  if (found.length === 0) throw new RequestRefused('UNKNOWN_ITEM', `--item ${item}: no such item in OrderMesh order ${order.id} (items: ${order.items.map((i) => `${i.id} ${i.sku} × ${i.quantity}`).join(', ')})`);
  if (found.length > 1) throw new RequestRefused('AMBIGUOUS_ITEM', `--item ${item}: ${found.length} items have that SKU: name one by id (${found.map((i) => i.id).join(', ')})`);
  return found[0]!;
}

const key = (...parts: unknown[]) => createHash('sha256').update(JSON.stringify(parts)).digest('base64url').slice(0, 12).replace(/[^A-Za-z0-9]/g, 'x');

/** The line of what was sent that is this OrderMesh item (by its external id). */
const sentLine = (sent: CreateOrderModel, item: OrderMeshOrder['items'][number]) => sent.items.find((it) => it.externalId !== null && it.externalId !== undefined && it.externalId === item.externalId);

/** A refund request as recorded (recordRequest's `asked`): what is sent, and the matching refunds refundData showed before. */
interface RefundAsked {
  refund: AddRefundModel;
  seen: number[];
}

/** For each refund asked for, how many refunds refundData shows like it (item, shipping flag, amount, reason exactly). */
function matchingRefunds(order: OrderMeshOrder, refund: AddRefundModel): number[] {
  return refund.refunds.map((w) => order.items.find((i) => i.id === w.itemId)?.refunds.filter((h) => h.isShippingRefund === w.isShippingRefund && h.amount !== null && Math.round(h.amount * 100) === Math.round(w.amount * 100) && h.reason === w.reason).length ?? 0);
}

/**
 * A refund or reprint request for a misprinted or damaged item (or the whole order), made once:
 * the same request again (same order, items and reason) answers the one made before instead of a
 * second (another like it needs another reason: `hint`). Units are those sent to OrderMesh (the sent
 * payload, reduced when the store removed units). A request recorded but never answered (a crash,
 * OrderMesh down) is sent again by the same command: a reprint under the same safeId, which OrderMesh
 * recognises; a refund (AddRefundModel has no key) as first asked, unless refundData shows it applied
 * (client.addRefund). A reprint is a new OrderMesh order naming the original (CreateOrderModel.reprint),
 * made of the original's items as they were sent, without charges.
 */
export async function makeRequest(deps: JobDeps, row: OrderRow, input: RequestInput): Promise<RequestView> {
  if (!row.ordermesh_order_id) throw new RequestRefused('NOT_IN_ORDERMESH', `${row.store_order_name ?? row.store_order_id} is ${row.state}: OrderMesh does not have it, so there is nothing to ${input.kind}`);
  const sent = row.mapped_payload as CreateOrderModel | null;
  if (!sent) throw new RequestRefused('NO_SENT_PAYLOAD', `what ${row.store_order_name ?? row.store_order_id} was sent as is no longer in the ledger (its personal data was removed): make the ${input.kind} in OrderMesh`);
  const order = await deps.ordermesh.getOrder(row.ordermesh_order_id);
  const chosen = input.item ? pickItem(order, input.item) : null;
  if (input.quantity !== undefined && !chosen) throw new RequestRefused('QUANTITY_WITHOUT_ITEM', '--quantity needs --item');
  // The units OrderMesh makes are those sent (its own quantity stays as first sent when the store removes some).
  const left = chosen ? (sentLine(sent, chosen)?.quantity ?? 0) : 0;
  if (chosen && left === 0) throw new RequestRefused('ITEM_REMOVED', `--item ${input.item}: none of item ${chosen.id} is sent to OrderMesh (the store removed it)`);
  if (chosen && (input.quantity ?? 1) > left) throw new RequestRefused('QUANTITY_TOO_LARGE', `--quantity ${input.quantity}: item ${chosen.id} has ${left} (as sent to OrderMesh)`);
  const items = chosen ? [{ orderItemId: chosen.id, quantity: input.quantity ?? left }] : null;
  const externalId = input.kind === 'refund' ? `${row.safe_id.slice(0, 70)}-rf-${key(items, input.reason)}` : `${row.safe_id.slice(0, 70)}-rp-${key(items, input.reason)}`;
  const before = await requestByExternalId(deps.db, externalId);
  if (before && before.state !== 'requested') return view(before, false);
  if (input.kind === 'refund') {
    // Never answered before: sent again as first asked (what is left to refund has changed if it was applied).
    const asked = before ? ((await askedOf(deps.db, before)) as RefundAsked | null) : null;
    const refund = asked?.refund ?? refundRequest(row, order, items, input.reason);
    const { row: rec, created } = await recordRequest(deps.db, { orderId: row.id, storeId: row.store_id, kind: input.kind, externalId, items, reason: input.reason, actor: input.actor, asked: { refund, seen: asked?.seen ?? matchingRefunds(order, refund) } satisfies RefundAsked });
    if (rec.state !== 'requested') return view(rec, false);
    try {
      await deps.ordermesh.addRefund(refund, created ? { resent: false } : { resent: true, seen: asked?.seen ?? null });
      return view(await settleRequest(deps.db, rec.id, { state: 'sent', ref: order.id, status: 'Requested' }), created);
    } catch (err) {
      return await unsent(deps, rec, created, err);
    }
  }
  const { row: rec, created } = await recordRequest(deps.db, { orderId: row.id, storeId: row.store_id, kind: input.kind, externalId, items, reason: input.reason, actor: input.actor });
  if (rec.state !== 'requested') return view(rec, false);
  try {
    const reprint = reprintOrder(row, order, items, externalId, input.reason);
    const r = await deps.ordermesh.createOrder(reprint);
    if (r.outcome === 'created' || r.outcome === 'existing') {
      return view(await settleRequest(deps.db, rec.id, { state: 'sent', ref: r.orderId, status: 'Open' }), created);
    }
    if (r.outcome === 'rejected') return view(await settleRequest(deps.db, rec.id, { state: 'failed', error: r.error.message }), created);
    throw r.error;
  } catch (err) {
    return await unsent(deps, rec, created, err);
  }
}

async function unsent(deps: JobDeps, rec: RequestRow, created: boolean, err: unknown): Promise<RequestView> {
  // Refused for what it asks (400, 404): recorded as failed; make a different request to try again.
  if (err instanceof OrderMeshError && !err.retryable && err.code !== 'UNAUTHORIZED' && err.code !== 'FORBIDDEN') return view(await settleRequest(deps.db, rec.id, { state: 'failed', error: err.message }), created);
  // OrderMesh down or our access refused: left `requested`; the same command sends it again.
  throw err;
}

/**
 * AddRefundModel for the chosen items (or the whole order, its shipping too), from what was sent for
 * each item (its line of the sent payload, reduced when the store removed units):
 * (customerSubtotal − customerDiscountsOrPromotions) × refunded units / units sent, in cents, rounded
 * half up; a whole-order refund takes all of each item's units and adds its shipping as sent
 * (customerShippingPrice, `isShippingRefund`). What is left to refund of an item is what was sent less
 * the refunds its refundData shows (ours and OrderMesh's staff's), and never more than OrderMesh's
 * remainingPriceBalance / remainingShippingBalance where it gives them: a refund is capped there, and one
 * taking the item's last units (what is left is the share but for rounding) is exactly what is left,
 * so three 1-unit refunds of 10.00 for 3 units are 3.33, 3.33, 3.34. An item with nothing left is left out; with
 * nothing left at all the request is refused. Taxes are not included (whether the price carried them
 * is the store's setting).
 */
export function refundRequest(row: OrderRow, order: OrderMeshOrder, items: Array<{ orderItemId: string; quantity: number }> | null, reason: string): AddRefundModel {
  const sent = row.mapped_payload as CreateOrderModel | null;
  if (!sent) throw new RequestRefused('NO_SENT_PAYLOAD', `what ${row.store_order_name ?? row.store_order_id} was sent as is no longer in the ledger (its personal data was removed): make the refund in OrderMesh`);
  const chosen = items ?? order.items.flatMap((i) => {
    const units = sentLine(sent, i)?.quantity ?? 0;
    return units > 0 ? [{ orderItemId: i.id, quantity: units }] : [];
  });
  const cents = (n: number | null | undefined) => Math.round((n ?? 0) * 100);
  const refunds: AddRefundModel['refunds'] = chosen.flatMap((c) => {
    const omItem = order.items.find((i) => i.id === c.orderItemId)!;
    const line = sentLine(sent, omItem);
    if (!line || line.customerSubtotal === null || line.customerSubtotal === undefined) {
      throw new RequestRefused('NO_AMOUNT', `item ${c.orderItemId}: no price was sent for it, so there is no amount to refund: make the refund in OrderMesh`);
    }
    const refunded = (shipping: boolean) => omItem.refunds.filter((r) => r.isShippingRefund === shipping).reduce((a, r) => a + cents(r.amount), 0);
    const leftOf = (sentCents: number, shipping: boolean, balance: number | null) => Math.max(0, Math.min(sentCents - refunded(shipping), balance === null ? Infinity : cents(balance)));
    const paid = cents(line.customerSubtotal) - cents(line.customerDiscountsOrPromotions);
    const priceLeft = leftOf(paid, false, omItem.remainingPriceBalance);
    const share = Math.floor((paid * c.quantity * 2 + line.quantity) / (2 * line.quantity));
    // What is left differs from the share by no more than rounding (under a cent a unit): these are the
    // item's last units, and take exactly what is left (3.33, 3.33, 3.34). Anything else (a goodwill
    // refund made in OrderMesh) is not units: the share stands, capped at what is left.
    const amount = priceLeft > share && priceLeft - share < line.quantity ? priceLeft : Math.min(share, priceLeft);
    const item = amount > 0 ? [{ itemId: c.orderItemId, isShippingRefund: false, amount: amount / 100, reason }] : [];
    // The whole order: each item's shipping too, as it was sent, less what was refunded of it.
    const shippingLeft = items ? 0 : leftOf(cents(line.customerShippingPrice), true, omItem.remainingShippingBalance);
    const shipping = shippingLeft > 0 ? [{ itemId: c.orderItemId, isShippingRefund: true, amount: shippingLeft / 100, reason }] : [];
    return [...item, ...shipping];
  });
  if (refunds.length === 0) {
    const what = items ? items.map((i) => `item ${i.orderItemId}`).join(', ') : `order ${order.id}`;
    throw new RequestRefused('NOTHING_TO_REFUND', `nothing is left to refund of ${what}: what was sent for it is refunded already (OrderMesh's refundData${order.items.some((i) => i.remainingPriceBalance !== null) ? ' and remaining balances' : ''})`);
  }
  return { orderId: order.id, refunds };
}

/** A refund request is refunded once OrderMesh's refundData holds a refund of each of its items for its reason. */
function refundState(order: OrderMeshOrder, reason: string, items: Array<{ orderItemId: string }> | null): string {
  const refunds: Array<ItemRefund & { itemId: string }> = order.items.flatMap((i) => i.refunds.map((r) => ({ ...r, itemId: i.id })));
  const ids = items ? items.map((i) => i.orderItemId) : [...new Set(refunds.filter((r) => r.reason === reason).map((r) => r.itemId))];
  return ids.length && ids.every((id) => refunds.some((r) => r.itemId === id && r.reason === reason)) ? 'Refunded' : 'Requested';
}

function reprintOrder(row: OrderRow, original: OrderMeshOrder, items: Array<{ orderItemId: string; quantity: number }> | null, safeId: string, reason: string): CreateOrderModel {
  const sent = row.mapped_payload as CreateOrderModel | null;
  if (!sent) throw new RequestRefused('NO_SENT_PAYLOAD', `what ${row.store_order_name ?? row.store_order_id} was sent as is no longer in the ledger (its personal data was removed): make the reprint in OrderMesh`);
  const wanted = items ? new Map(items.map((i) => [original.items.find((o) => o.id === i.orderItemId)!.externalId ?? '', i.quantity])) : null;
  const lines = sent.items
    .filter((it) => !wanted || wanted.has(it.externalId ?? ''))
    .map((it) => ({ ...it, quantity: wanted?.get(it.externalId ?? '') ?? it.quantity, customerSubtotal: null, customerPrice: null, customerShippingPrice: null, customerTaxes: null, customerDiscountsOrPromotions: null }));
  return {
    ...sent,
    safeId,
    externalId: `${sent.externalId}-reprint`,
    allowExternalOrderIdDuplication: true,
    items: lines,
    customerTotal: null,
    customerItemTotal: null,
    customerTotalShipping: null,
    customerTotalTaxes: null,
    customerTotalDiscountAndPromotions: null,
    customerPaymentMethods: null,
    meta: { ...(sent.meta ?? {}), reprintOf: original.id, reprintReason: reason.slice(0, 1_000) },
    reprint: { originalOrderId: original.id },
  };
}

/** The order's requests, with OrderMesh's current status of each read now (and kept); a read that fails leaves the last known. */
export async function requestsWithStatus(deps: Pick<JobDeps, 'db' | 'ordermesh'>, row: Pick<OrderRow, 'id' | 'ordermesh_order_id'>): Promise<RequestView[]> {
  const rows = await requestsOf(deps.db, row.id);
  if (!rows.length || !row.ordermesh_order_id) return rows.map((r) => view(r));
  const order = rows.some((r) => r.kind === 'refund' && r.ordermesh_ref) ? await deps.ordermesh.getOrder(row.ordermesh_order_id).catch(() => null) : null;
  for (const r of rows) {
    if (!r.ordermesh_ref) continue;
    const status = r.kind === 'refund' ? (order ? refundState(order, r.reason, r.items as Array<{ orderItemId: string }> | null) : undefined) : await deps.ordermesh.getOrder(r.ordermesh_ref).then((o) => o.status, () => undefined);
    if (status && status !== r.ordermesh_status) {
      await noteStatus(deps.db, r.id, status);
      r.ordermesh_status = status;
    }
  }
  return rows.map((r) => view(r));
}

/** What OrderMesh says of an order now: its notes (ours and its staff's), and the refund and reprint requests with their state. */
export interface OrderMeshSide {
  notes: NoteModel[] | null;
  requests: RequestView[];
  /** Why OrderMesh could not be read (the ledger's part of the story stands). */
  unreadable?: string;
}

export async function orderMeshSide(deps: Pick<JobDeps, 'db' | 'ordermesh'>, story: { order: { id: string; ordermeshOrderId: string | null } }, waitMs = 5_000): Promise<OrderMeshSide> {
  const row = { id: story.order.id, ordermesh_order_id: story.order.ordermeshOrderId };
  let timer: NodeJS.Timeout | undefined;
  try {
    // A page or a command waits this long for OrderMesh at most (its calls retry for longer when it is down).
    const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${waitMs / 1000} s`)), waitMs)));
    const read = (async () => {
      const requests = await requestsWithStatus(deps, row);
      const notes = story.order.ordermeshOrderId ? await deps.ordermesh.notesOf(story.order.ordermeshOrderId) : [];
      return { notes, requests };
    })();
    read.catch(() => {});
    return await Promise.race([read, late]);
  } catch (err) {
    return { notes: null, requests: await requestsWithStatus(deps, { ...row, ordermesh_order_id: null }), unreadable: (err as Error).message };
  } finally {
    clearTimeout(timer);
  }
}
