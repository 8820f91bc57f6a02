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

const fulfillmentState = z.object({
  order: z
    .object({
      id: z.string(),
      cancelledAt: z.string().nullable(),
      fulfillmentOrders: z.object({
        nodes: z.array(
          z.object({
            id: z.string(),
            status: z.string(),
            assignedLocation: z.object({ location: z.object({ id: z.string() }).nullable() }).nullable(),
            lineItems: z.object({ nodes: z.array(z.object({ id: z.string(), remainingQuantity: z.number().int(), lineItem: z.object({ id: z.string() }) })) }),
          }),
        ),
      }),
      fulfillments: z.array(z.object({ id: z.string(), status: z.string(), trackingInfo: z.array(z.object({ number: z.string().nullable() })) })),
    })
    .nullable(),
});

const mutationResult = z.object({
  fulfillment: z.object({ id: z.string() }).nullable(),
  userErrors: z.array(z.object({ field: z.array(z.string()).nullable(), message: z.string() })),
});

const OPEN_FO = new Set(['OPEN', 'IN_PROGRESS']);

/**
 * Writes one package's tracking to the store, at most once: existing fulfilments are read first and one
 * with the same tracking number counts as written (a crash between Shopify's answer and our ledger
 * write, or a job run twice, creates nothing new).
 */
export async function writeTracking(client: ShopifyClient, t: TrackingToWrite): Promise<WriteResult> {
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

  const { order } = await client.query('order-fulfillment-state', fulfillmentState, { id: t.orderId });
  if (!order) return skipped('ORDER_NOT_FOUND', `order ${t.orderId} not found (deleted, or outside the app's scopes)`);
  const existing = order.fulfillments.find((f) => f.status !== 'CANCELLED' && f.trackingInfo.some((ti) => ti.number === t.trackingNumber));
  if (existing) return { status: 'already_written', fulfillmentId: existing.id };
  if (order.cancelledAt) return skipped('ORDER_CANCELLED', `order ${t.orderId} was cancelled in the store`);

  // Allocate each line's quantity over the fulfilment orders that still have it open.
  const byFo = new Map<string, { location: string; items: Array<{ id: string; quantity: number }> }>();
  const remaining = new Map(order.fulfillmentOrders.nodes.flatMap((fo) => fo.lineItems.nodes.map((li) => [li.id, li.remainingQuantity] as const)));
  for (const line of t.lines) {
    let need = line.quantity;
    let sawHold = false;
    for (const fo of order.fulfillmentOrders.nodes) {
      for (const foli of fo.lineItems.nodes) {
        if (foli.lineItem.id !== line.lineItemId || need === 0) continue;
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
      const known = order.fulfillmentOrders.nodes.some((fo) => fo.lineItems.nodes.some((li) => li.lineItem.id === line.lineItemId));
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
