import type { CancelOrderModel, CreateOrderModel } from '../connectors/ordermesh/contract.ts';
import { OrderMeshError } from '../connectors/ordermesh/errors.ts';
import type { OrderMeshOrder } from '../connectors/ordermesh/reader.ts';

/**
 * What changed in an order's items since OrderMesh was sent them (the ledger's `mapped_payload`, kept
 * up to date as changes are sent): units the store removed, which OrderMesh can cancel item by item
 * ("Cancel Order or order items", contract.ts cancelOrder), and units it added, which an OrderMesh
 * order cannot take. Pure functions; apply-order-change.ts decides what to send.
 */

type SentItem = CreateOrderModel['items'][number];

/**
 * The store line an item was made from: `meta.shopifyLineItemId`, else its `externalId` read as the
 * line's numeric id (the default mapping sets both, shopify-default.ts; OrderMesh returns both on its
 * items). Null: a mapping that records neither, whose items cannot be followed.
 */
export function lineOf(item: { externalId?: string | null; meta?: Record<string, string> | null }): string | null {
  const gid = item.meta?.shopifyLineItemId;
  if (gid) return gid;
  return item.externalId ? `gid://shopify/LineItem/${item.externalId}` : null;
}

export interface ItemCut {
  /** The item's index in the sent payload. */
  index: number;
  line: string;
  sku: string;
  /** Units OrderMesh was sent. */
  sent: number;
  /** Units the store still wants of them. */
  wanted: number;
}

/**
 * Sent items whose store line now has fewer units than were sent (an order edit removed the line or
 * lowered its quantity, or unfulfilled units were refunded). Judged by the line's `currentQuantity`
 * (units after removals), not by what the mapping would send now: that also leaves out units fulfilled
 * since, and those are mostly OrderMesh's own shipments written back, which must never be cancelled.
 * A sent item whose line the store no longer lists is left alone: Shopify keeps a removed line, at
 * currentQuantity 0, so a missing one says nothing we can read. Known gap: units fulfilled elsewhere
 * before submission (sent fewer than currentQuantity) hide a later removal of as many units.
 */
export function itemCuts(sent: readonly SentItem[], lines: ReadonlyArray<{ id: string; currentQuantity: number }>): ItemCut[] {
  const current = new Map(lines.map((l) => [l.id, l.currentQuantity]));
  const cuts: ItemCut[] = [];
  sent.forEach((it, index) => {
    const line = lineOf(it);
    const now = line === null ? undefined : current.get(line);
    if (line === null || now === undefined || now >= it.quantity) return;
    cuts.push({ index, line, sku: it.sku, sent: it.quantity, wanted: Math.max(0, now) });
  });
  return cuts;
}

/** Every sent item removed entirely: the whole order goes. */
export const everyItemCut = (sent: readonly SentItem[], cuts: readonly ItemCut[]) => sent.length > 0 && cuts.length === sent.length && cuts.every((c) => c.wanted === 0);

export interface ItemAddition {
  line: string;
  sku: string;
  units: number;
}

/**
 * Units the store order maps to now that OrderMesh was never sent: a new line, or more of a line
 * (an order edit). OrderMesh has no operation to add items to an order, so these are for a person.
 */
export function itemAdditions(sent: readonly SentItem[], mapped: readonly SentItem[]): ItemAddition[] {
  const byLine = (items: readonly SentItem[]) => {
    const m = new Map<string, { sku: string; units: number }>();
    for (const it of items) {
      const line = lineOf(it);
      if (line !== null) m.set(line, { sku: it.sku, units: (m.get(line)?.units ?? 0) + it.quantity });
    }
    return m;
  };
  const before = byLine(sent);
  return [...byLine(mapped)].flatMap(([line, now]) => {
    const more = now.units - (before.get(line)?.units ?? 0);
    return more > 0 ? [{ line, sku: now.sku, units: more }] : [];
  });
}

export interface CancelPlan {
  /** The cancel request's items (empty: nothing left to cancel). */
  items: NonNullable<CancelOrderModel['items']>;
  /** The sent payload's new quantity per item index, once the cancel is through. */
  quantities: Map<number, number>;
  /** Cuts OrderMesh's order has no item for. */
  unmatched: ItemCut[];
}

/** Item statuses past cancelling: what the store reduced there was shipped (a return, not a removal). */
const SHIPPED = new Set(['Fulfilled', 'Shipped']);

/**
 * The units to cancel of each OrderMesh item, by OrderMesh's own count: an item it shows cancelled
 * already (its cancelledQuantity, or status Cancelled: reader.ts) is not cancelled again. That is no
 * guard against our own lost answers: the docs show no cancelledQuantity, and a part-cancelled item
 * stays Open at its quantity, so a cancel whose outcome is unknown is settled from its intent
 * (ItemCancelIntent below), never planned again.
 */
export function cancelPlan(cuts: readonly ItemCut[], order: OrderMeshOrder): CancelPlan {
  const plan: CancelPlan = { items: [], quantities: new Map(), unmatched: [] };
  for (const cut of cuts) {
    const matches = order.items.filter((i) => lineOf(i) === cut.line);
    if (matches.length === 0) {
      plan.unmatched.push(cut);
      continue;
    }
    if (matches.some((i) => SHIPPED.has(i.status))) continue;
    const open = matches.map((i) => ({ id: i.id, left: i.status === 'Cancelled' ? 0 : Math.max(0, i.quantity - i.cancelledQuantity) }));
    let toCancel = Math.min(cut.sent, open.reduce((a, o) => a + o.left, 0)) - cut.wanted;
    for (const o of open) {
      const q = Math.min(o.left, toCancel);
      if (q <= 0) break;
      plan.items.push({ orderItemId: o.id, quantity: q });
      toCancel -= q;
    }
    plan.quantities.set(cut.index, cut.wanted);
  }
  return plan;
}

/**
 * What an item cancel was about to do, recorded before it is sent (db/item-cancels.ts): enough to
 * tell afterwards, from OrderMesh's order alone, whether it went through, and to record it if so.
 */
export interface ItemCancelIntent {
  ordermeshOrderId: string;
  /** The request's items. */
  items: NonNullable<CancelOrderModel['items']>;
  /** Each of those items as OrderMesh showed it just before. */
  before: Array<{ orderItemId: string; sku: string | null; quantity: number; cancelledQuantity: number; status: string }>;
  /** The sent payload's items to reduce once it is through (`index` in the payload then, checked by `line`). */
  lines: Array<{ index: number; line: string; sku: string; from: number; to: number }>;
  /** "2 × SKU, …", for messages. */
  what: string;
}

export function cancelIntent(omId: string, plan: CancelPlan, cuts: readonly ItemCut[], order: OrderMeshOrder, what: string): ItemCancelIntent {
  const shown = new Map(order.items.map((i) => [i.id, i]));
  return {
    ordermeshOrderId: omId,
    items: plan.items,
    before: plan.items.map(({ orderItemId }) => {
      const i = shown.get(orderItemId)!;
      return { orderItemId, sku: i.sku, quantity: i.quantity, cancelledQuantity: i.cancelledQuantity, status: i.status };
    }),
    lines: cuts.filter((c) => plan.quantities.has(c.index)).map((c) => ({ index: c.index, line: c.line, sku: c.sku, from: c.sent, to: plan.quantities.get(c.index)! })),
    what,
  };
}

/**
 * Whether OrderMesh's order shows the intent's cancel done: the order cancelled, or each item Cancelled,
 * its cancelledQuantity up by the units (where OrderMesh sends one: undocumented), or its quantity down
 * by them. An item that is gone, or Open as before, proves nothing either way: false.
 */
export function cancelConfirmed(intent: ItemCancelIntent, order: OrderMeshOrder): boolean {
  if (order.status === 'Cancelled') return true;
  const now = new Map(order.items.map((i) => [i.id, i]));
  return intent.items.every(({ orderItemId, quantity }) => {
    const was = intent.before.find((b) => b.orderItemId === orderItemId);
    const it = now.get(orderItemId);
    if (!was || !it) return false;
    return it.status === 'Cancelled' || it.cancelledQuantity >= was.cancelledQuantity + quantity || it.quantity <= was.quantity - quantity;
  });
}

/** The intent's new quantities by index in `sent` (a line no longer at its index is left as it is). */
export function intentQuantities(intent: ItemCancelIntent, sent: CreateOrderModel): Map<number, number> {
  return new Map(intent.lines.filter((l) => sent.items[l.index] && lineOf(sent.items[l.index]!) === l.line).map((l) => [l.index, l.to]));
}

/**
 * A failed cancel request OrderMesh cannot have applied: it answered with a refusal (any 4xx: a
 * validation, a 409 too late, a 429, refused access), no connection was ever made, or the client was
 * shutting down before sending. A timeout, a lost answer, a 5xx or anything else: the outcome is unknown.
 */
export function cancelNotApplied(err: unknown): boolean {
  if (!(err instanceof OrderMeshError)) return false;
  if (err.status !== undefined) return err.status >= 400 && err.status < 500;
  if (err.code === 'NETWORK') return ['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN'].includes((err.cause as { code?: string } | undefined)?.code ?? '');
  // The client's own refusal to send while shutting down (every HTTP failure has a status or a cause).
  return err.code === 'UNAVAILABLE' && err.cause === undefined;
}

/** A cancel OrderMesh answered 2xx whose body could not be read: it went through. */
export const cancelAnsweredOk = (err: unknown): boolean => err instanceof OrderMeshError && err.code === 'BAD_RESPONSE' && err.status !== undefined && err.status >= 200 && err.status < 300;

/**
 * The sent payload with items reduced to `quantities` (an item at 0 is gone). An item's money is for
 * its units (customerSubtotal = customerPrice × quantity; discounts, taxes and shipping are its shares):
 * each keeps its per-unit figure, as refunds and reprints (ops/requests.ts) divide by the quantity.
 * The order's totals stay as sent: a cancel sends no money.
 */
export function reducedPayload(sent: CreateOrderModel, quantities: ReadonlyMap<number, number>): CreateOrderModel {
  const items = sent.items.flatMap((it, i) => {
    const q = quantities.get(i);
    if (q === undefined || q >= it.quantity) return [it];
    if (q <= 0) return [];
    const share = (v: number | null | undefined) => (v === null || v === undefined ? v : Math.round((v * 100 * q) / it.quantity) / 100);
    return [
      {
        ...it,
        quantity: q,
        customerSubtotal: it.customerPrice !== null && it.customerPrice !== undefined && it.customerSubtotal !== null && it.customerSubtotal !== undefined ? Math.round(it.customerPrice * 100 * q) / 100 : share(it.customerSubtotal),
        customerDiscountsOrPromotions: share(it.customerDiscountsOrPromotions),
        customerTaxes: share(it.customerTaxes),
        customerShippingPrice: share(it.customerShippingPrice),
      },
    ];
  });
  return { ...sent, items };
}
