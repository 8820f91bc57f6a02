import { z } from 'zod';
import type { ShopifyClient } from './client.ts';

export interface TrackingToWrite {
  orderId: string; // Order GID
  trackingNumber: string;
  trackingUrl: string | null;
  carrier: string | null;
  /** Exactly what this package holds: store line item GIDs and quantities. */
  lines: Array<{ lineItemId: string; quantity: number }>;
  notifyCustomer: boolean;
  /** Set when the ledger already knows this package's fulfilment (a tracking change updates it). */
  fulfillmentId?: string | null;
  /** Fulfilments the ledger has recorded for the order's other packages: never this package's. */
  ownedByOtherPackages?: string[];
  /**
   * Fulfilment-service mode: only these fulfilment orders (the request's) are ours to fulfil, and their
   * state, not the order's, says whether we may (a cancellation we refused leaves the order cancelled
   * in Shopify and the request ours).
   */
  fulfillmentOrderIds?: string[];
}

/**
 * Why a package was not written, for `status`: the fix differs for each.
 * ORDER_NOT_FOUND (deleted, or outside the app's scopes), ORDER_CANCELLED, ON_HOLD (a fulfilment hold
 * in Shopify: release it, then reprocess), ALREADY_FULFILLED (fulfilled elsewhere), NO_FULFILLMENT_ORDER
 * (no open fulfilment order for these items: check the app's fulfilment-order scopes), MULTIPLE_LOCATIONS
 * (the items sit at several store locations), USER_ERROR (Shopify's own refusal, with its message).
 */
export type WriteSkipReason = 'ORDER_NOT_FOUND' | 'ORDER_CANCELLED' | 'ON_HOLD' | 'ALREADY_FULFILLED' | 'NO_FULFILLMENT_ORDER' | 'MULTIPLE_LOCATIONS' | 'USER_ERROR';

export type WriteResult =
  | { status: 'created' | 'already_written' | 'updated'; fulfillmentId: string }
  | { status: 'skipped'; reason: WriteSkipReason; message: string };

const pageInfo = z.object({ hasNextPage: z.boolean(), endCursor: z.string().nullable() });
const foLine = z.object({ id: z.string(), remainingQuantity: z.number().int(), lineItem: z.object({ id: z.string() }) });
const foLines = z.object({ pageInfo, nodes: z.array(foLine) });
const orderFulfillmentState = z.object({
  id: z.string(),
  cancelledAt: z.string().nullable(),
  fulfillmentOrders: z.object({
    pageInfo,
    nodes: z.array(
      z.object({
        id: z.string(),
        status: z.string(),
        assignedLocation: z.object({ location: z.object({ id: z.string() }).nullable() }).nullable(),
        lineItems: foLines,
      }),
    ),
  }),
  fulfillments: z.array(
    z.object({
      id: z.string(),
      status: z.string(),
      trackingInfo: z.array(z.object({ number: z.string().nullable() })),
      fulfillmentLineItems: z.object({ pageInfo: z.object({ hasNextPage: z.boolean() }), nodes: z.array(z.object({ quantity: z.number().int().nullable(), lineItem: z.object({ id: z.string() }) })) }),
    }),
  ),
});
const fulfillmentState = z.object({ order: orderFulfillmentState.nullable() });
// null: no such node; {}: a node of another type.
const fulfillmentStates = z.object({ nodes: z.array(z.union([orderFulfillmentState, z.object({}).strict()]).nullable()) });
export type OrderFulfillmentState = z.infer<typeof orderFulfillmentState>;
type OrderState = OrderFulfillmentState;
type FulfillmentOrder = OrderState['fulfillmentOrders']['nodes'][number];

/**
 * The order's whole fulfilment state: every fulfilment order and every one of their lines, however
 * many pages they take (an order of 500 items has more lines than one page holds).
 */
async function readFulfillmentState(client: ShopifyClient, orderId: string): Promise<OrderState | null> {
  const first = (await client.query('order-fulfillment-state', fulfillmentState, { id: orderId })).order;
  return first ? completeState(client, first) : null;
}

/** Ids per `nodes` read of fulfilment states: the requested cost of 20 orders stays near a page's. */
const STATES_PER_READ = 20;

/**
 * The fulfilment state of many orders in few reads (write-backs gathered in one batch). An order the
 * store does not return is absent from the map.
 */
export async function readFulfillmentStates(client: ShopifyClient, orderIds: string[]): Promise<Map<string, OrderState>> {
  const out = new Map<string, OrderState>();
  for (let i = 0; i < orderIds.length; i += STATES_PER_READ) {
    const res = await client.query('orders-fulfillment-state', fulfillmentStates, { ids: orderIds.slice(i, i + STATES_PER_READ) });
    for (const node of res.nodes) if (isOrderState(node)) out.set(node.id, await completeState(client, node));
  }
  return out;
}

const isOrderState = (n: unknown): n is OrderState => Boolean(n && typeof n === 'object' && 'id' in n);

/** The rest of an order's fulfilment orders and of their lines, when the first read did not hold them all. */
async function completeState(client: ShopifyClient, first: OrderState): Promise<OrderState> {
  const orderId = first.id;
  const fos: FulfillmentOrder[] = [...first.fulfillmentOrders.nodes];
  let page = first.fulfillmentOrders.pageInfo;
  while (page.hasNextPage) {
    const next = (await client.query('order-fulfillment-state', fulfillmentState, { id: orderId, foAfter: page.endCursor })).order;
    if (!next) break;
    fos.push(...next.fulfillmentOrders.nodes);
    page = next.fulfillmentOrders.pageInfo;
  }
  for (const fo of fos) {
    let lines = fo.lineItems.pageInfo;
    while (lines.hasNextPage) {
      const more = (await client.query('fulfillment-order-line-items', z.object({ fulfillmentOrder: z.object({ lineItems: foLines }).nullable() }), { id: fo.id, after: lines.endCursor })).fulfillmentOrder;
      if (!more) break;
      fo.lineItems.nodes.push(...more.lineItems.nodes);
      lines = more.lineItems.pageInfo;
    }
  }
  return { ...first, fulfillmentOrders: { pageInfo: page, nodes: fos } };
}

/** Line item → quantity, the identity of a package's or a fulfilment's contents. */
function contents(lines: Array<{ lineItemId: string; quantity: number }>): string {
  const sums = new Map<string, number>();
  for (const l of lines) sums.set(l.lineItemId, (sums.get(l.lineItemId) ?? 0) + l.quantity);
  return [...sums.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([id, q]) => `${id}×${q}`).join(',');
}

const mutationResult = z.object({
  fulfillment: z.object({ id: z.string() }).nullable(),
  userErrors: z.array(z.object({ field: z.array(z.string()).nullable(), message: z.string() })),
});

const OPEN_FO = new Set(['OPEN', 'IN_PROGRESS']);

/**
 * Writes one package's tracking to the store, at most once: existing fulfilments are read first (or
 * given, read for a batch the moment before) and one with the same tracking number counts as written (a crash between Shopify's answer and our ledger
 * write, or a job run twice, creates nothing new).
 */
export async function writeTracking(client: ShopifyClient, t: TrackingToWrite, state?: OrderState | null): Promise<WriteResult> {
  const trackingInfo = { number: t.trackingNumber, ...(t.trackingUrl ? { url: t.trackingUrl } : {}), ...(t.carrier ? { company: t.carrier } : {}) };

  if (t.fulfillmentId) {
    const res = await client.query('fulfillment-tracking-update', z.object({ fulfillmentTrackingInfoUpdate: mutationResult }), {
      fulfillmentId: t.fulfillmentId,
      trackingInfoInput: trackingInfo,
      notifyCustomer: t.notifyCustomer,
    });
    const r = res.fulfillmentTrackingInfoUpdate;
    if (r.userErrors.length || !r.fulfillment) return skipped('USER_ERROR', r.userErrors.map((e) => e.message).join('; '));
    return { status: 'updated', fulfillmentId: r.fulfillment.id };
  }

  // `state`: read just before in a batch (undefined: read it now; null: the store does not have it).
  const order = state === undefined ? await readFulfillmentState(client, t.orderId) : state;
  if (!order) return skipped('ORDER_NOT_FOUND', `order ${t.orderId} not found (deleted, or outside the app's scopes)`);
  // Written before (a crash after Shopify's answer, a job run twice): the same number AND the same
  // items, and not a fulfilment another package of the order already owns. Two packages can share a
  // tracking number; each still gets its own fulfilment.
  const wanted = contents(t.lines);
  const existing = order.fulfillments.find(
    (f) =>
      f.status !== 'CANCELLED' &&
      !t.ownedByOtherPackages?.includes(f.id) &&
      f.trackingInfo.some((ti) => ti.number === t.trackingNumber) &&
      (f.fulfillmentLineItems.pageInfo.hasNextPage || contents(f.fulfillmentLineItems.nodes.map((n) => ({ lineItemId: n.lineItem.id, quantity: n.quantity ?? 0 }))) === wanted),
  );
  if (existing) return { status: 'already_written', fulfillmentId: existing.id };
  if (order.cancelledAt && !t.fulfillmentOrderIds) return skipped('ORDER_CANCELLED', `order ${t.orderId} was cancelled in the store`);
  const ours = t.fulfillmentOrderIds ? order.fulfillmentOrders.nodes.filter((fo) => t.fulfillmentOrderIds!.includes(fo.id)) : order.fulfillmentOrders.nodes;
  if (t.fulfillmentOrderIds && !ours.some((fo) => OPEN_FO.has(fo.status) || fo.status === 'ON_HOLD')) {
    const states = ours.map((fo) => fo.status.toLowerCase()).join(', ') || 'not visible to the app';
    return skipped('NO_FULFILLMENT_ORDER', `the request's fulfilment order is ${states} in Shopify (taken back by the merchant, or fulfilled): there is nothing of it left to fulfil`);
  }

  // Allocate each line's quantity over the fulfilment orders that still have it open.
  const byFo = new Map<string, { location: string; items: Array<{ id: string; quantity: number }> }>();
  const remaining = new Map(ours.flatMap((fo) => fo.lineItems.nodes.map((li) => [li.id, li.remainingQuantity] as const)));
  for (const line of t.lines) {
    let need = line.quantity;
    let sawHold = false;
    for (const fo of ours) {
      for (const foli of fo.lineItems.nodes) {
        if (foli.lineItem.id !== line.lineItemId) continue;
        if (fo.status === 'ON_HOLD') sawHold = true;
        if (!OPEN_FO.has(fo.status)) continue;
        const take = Math.min(need, remaining.get(foli.id) ?? 0);
        if (take <= 0) continue;
        remaining.set(foli.id, (remaining.get(foli.id) ?? 0) - take);
        need -= take;
        const entry = byFo.get(fo.id) ?? { location: fo.assignedLocation?.location?.id ?? '', items: [] };
        entry.items.push({ id: foli.id, quantity: take });
        byFo.set(fo.id, entry);
      }
    }
    if (need > 0) {
      if (sawHold) return skipped('ON_HOLD', `line item ${line.lineItemId} is on a fulfilment hold in the store`);
      const known = ours.some((fo) => fo.lineItems.nodes.some((li) => li.lineItem.id === line.lineItemId));
      return known
        ? skipped('ALREADY_FULFILLED', `line item ${line.lineItemId} has fewer than ${line.quantity} left to fulfil`)
        : skipped('NO_FULFILLMENT_ORDER', `no fulfilment order visible for line item ${line.lineItemId} (check the app's fulfilment-order scopes)`);
    }
  }

  // One fulfilment may only span fulfilment orders of one location.
  const locations = new Set([...byFo.values()].map((e) => e.location));
  if (locations.size > 1) {
    return skipped('MULTIPLE_LOCATIONS', `the package's items are assigned to ${locations.size} store locations; one fulfilment cannot span them (move them to one location, then reprocess)`);
  }
  const res = await client.query('fulfillment-create', z.object({ fulfillmentCreate: mutationResult }), {
    fulfillment: {
      notifyCustomer: t.notifyCustomer,
      trackingInfo,
      lineItemsByFulfillmentOrder: [...byFo.entries()].map(([fulfillmentOrderId, e]) => ({ fulfillmentOrderId, fulfillmentOrderLineItems: e.items })),
    },
  });
  const r = res.fulfillmentCreate;
  if (r.userErrors.length || !r.fulfillment) return skipped('USER_ERROR', r.userErrors.map((e) => e.message).join('; ') || 'no fulfilment returned');
  return { status: 'created', fulfillmentId: r.fulfillment.id };
}

function skipped(reason: WriteSkipReason, message: string): WriteResult {
  return { status: 'skipped', reason, message };
}
