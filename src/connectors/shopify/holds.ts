import { z } from 'zod';
import type { ShopifyClient } from './client.ts';

/**
 * Fulfilment holds, both ways (merchant-managed orders): reading the merchant's holds, and placing and
 * releasing the one we mirror from an OrderMesh Customer Care Hold. Ours carry HOLD_HANDLE and are
 * told apart by `heldByRequestingApp`, so the merchant's holds are never ours to release.
 */
export const HOLD_HANDLE = 'ordermesh-customer-care-hold';

const hold = z.object({ id: z.string(), reason: z.string(), reasonNotes: z.string().nullable(), handle: z.string().nullable(), heldByRequestingApp: z.boolean() });
const orderHolds = z.object({
  id: z.string(),
  cancelledAt: z.string().nullable(),
  fulfillmentOrders: z.object({ nodes: z.array(z.object({ id: z.string(), status: z.string(), fulfillmentHolds: z.array(hold) })) }),
});
const ordersHolds = z.object({ nodes: z.array(z.union([orderHolds, z.object({}).strict()]).nullable()) });

export interface OrderHolds {
  orderId: string;
  cancelled: boolean;
  /** The merchant's (or another app's) holds on fulfilment orders still to be fulfilled. */
  merchantHolds: Array<{ fulfillmentOrderId: string; reason: string; reasonNotes: string | null }>;
  /** Our mirrored holds, by fulfilment order. */
  ourHolds: Array<{ fulfillmentOrderId: string; holdId: string }>;
  /** Fulfilment orders a mirrored hold can be placed on (open, or held by someone else). */
  holdable: string[];
}

const LIVE = new Set(['OPEN', 'IN_PROGRESS', 'ON_HOLD', 'SCHEDULED']);
const HOLDABLE = new Set(['OPEN', 'ON_HOLD']);
const PER_READ = 25;

/** The holds of many orders, PER_READ per request; an order the app cannot see is absent. */
export async function readHolds(client: ShopifyClient, orderIds: string[]): Promise<Map<string, OrderHolds>> {
  const out = new Map<string, OrderHolds>();
  for (let i = 0; i < orderIds.length; i += PER_READ) {
    const res = await client.query('orders-holds', ordersHolds, { ids: orderIds.slice(i, i + PER_READ) });
    for (const n of res.nodes) {
      if (!n || !('id' in n)) continue;
      const live = n.fulfillmentOrders.nodes.filter((fo) => LIVE.has(fo.status));
      out.set(n.id, {
        orderId: n.id,
        cancelled: n.cancelledAt !== null,
        merchantHolds: live.flatMap((fo) => fo.fulfillmentHolds.filter((h) => !h.heldByRequestingApp).map((h) => ({ fulfillmentOrderId: fo.id, reason: h.reason, reasonNotes: h.reasonNotes }))),
        ourHolds: n.fulfillmentOrders.nodes.flatMap((fo) => fo.fulfillmentHolds.filter((h) => h.heldByRequestingApp && h.handle === HOLD_HANDLE).map((h) => ({ fulfillmentOrderId: fo.id, holdId: h.id }))),
        holdable: live.filter((fo) => HOLDABLE.has(fo.status) && !fo.fulfillmentHolds.some((h) => h.heldByRequestingApp && h.handle === HOLD_HANDLE)).map((fo) => fo.id),
      });
    }
  }
  return out;
}

const heldPage = z.object({
  fulfillmentOrders: z.object({
    pageInfo: z.object({ hasNextPage: z.boolean(), endCursor: z.string().nullable() }),
    nodes: z.array(z.object({ id: z.string(), orderId: z.string(), fulfillmentHolds: z.array(hold) })),
  }),
});

/**
 * The orders the merchant (or another app) holds, from the shop's list of held fulfilment orders:
 * by order id, the merchant's holds (ours, the mirrored Customer Care Holds, left out). An order not
 * in the map is not held. Needs the merchant-managed fulfilment-order scopes (doctor checks them).
 */
export async function merchantHeldOrders(client: ShopifyClient): Promise<Map<string, Pick<OrderHolds, 'merchantHolds'>>> {
  const out = new Map<string, Pick<OrderHolds, 'merchantHolds'>>();
  let after: string | null = null;
  for (;;) {
    const page: z.infer<typeof heldPage> = await client.query('held-fulfillment-orders', heldPage, { after });
    for (const fo of page.fulfillmentOrders.nodes) {
      const theirs = fo.fulfillmentHolds.filter((h) => !h.heldByRequestingApp).map((h) => ({ fulfillmentOrderId: fo.id, reason: h.reason, reasonNotes: h.reasonNotes }));
      if (theirs.length) out.set(fo.orderId, { merchantHolds: [...(out.get(fo.orderId)?.merchantHolds ?? []), ...theirs] });
    }
    if (!page.fulfillmentOrders.pageInfo.hasNextPage) return out;
    after = page.fulfillmentOrders.pageInfo.endCursor;
  }
}

/** What the merchant reads in our ledger and console for their hold: its reason and notes. */
export const describeHolds = (h: Pick<OrderHolds, 'merchantHolds'>): string =>
  [...new Set(h.merchantHolds.map((m) => `${m.reason}${m.reasonNotes ? ` (${m.reasonNotes})` : ''}`))].join('; ');

const userErrors = z.array(z.object({ message: z.string(), code: z.string().nullable() }));
const holdResult = z.object({ fulfillmentOrderHold: z.object({ fulfillmentHold: z.object({ id: z.string() }).nullable(), userErrors }) });
const releaseResult = z.object({ fulfillmentOrderReleaseHold: z.object({ fulfillmentOrder: z.object({ id: z.string() }).nullable(), userErrors }) });

export type HoldAnswer = { ok: true } | { ok: false; message: string };

/** Places our hold. Idempotent: a hold with our handle already there (a lost answer, a second worker) counts as placed. */
export async function placeHold(client: ShopifyClient, fulfillmentOrderId: string, reasonNotes: string): Promise<HoldAnswer> {
  const r = (
    await client.query('fulfillment-order-hold', holdResult, {
      id: fulfillmentOrderId,
      fulfillmentHold: { reason: 'OTHER', reasonNotes, handle: HOLD_HANDLE, notifyMerchant: true },
    })
  ).fulfillmentOrderHold;
  if (r.fulfillmentHold || (r.userErrors.length > 0 && r.userErrors.every((e) => e.code === 'DUPLICATE_FULFILLMENT_HOLD_HANDLE'))) return { ok: true };
  return { ok: false, message: r.userErrors.map((e) => e.message).join('; ') };
}

export async function releaseHold(client: ShopifyClient, fulfillmentOrderId: string, holdIds: string[]): Promise<HoldAnswer> {
  const r = (await client.query('fulfillment-order-release-hold', releaseResult, { id: fulfillmentOrderId, holdIds })).fulfillmentOrderReleaseHold;
  return r.fulfillmentOrder && r.userErrors.length === 0 ? { ok: true } : { ok: false, message: r.userErrors.map((e) => e.message).join('; ') || 'no fulfilment order returned' };
}
