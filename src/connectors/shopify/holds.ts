import { z } from 'zod';
import type { ShopifyClient } from './client.ts';

/**
 * Fulfilment holds, both ways (merchant-managed orders): reading the merchant's holds, and placing and
 * releasing the one we mirror from an OrderMesh Customer Care Hold. Which holds are ours is one rule,
 * `isOurHold`, used by every read here (issue 34, item 12): everything else is the merchant's, so the
 * merchant's holds are never ours to release and none is ignored.
 */
export const HOLD_HANDLE = 'ordermesh-customer-care-hold';

const hold = z.object({ id: z.string(), reason: z.string(), reasonNotes: z.string().nullable(), handle: z.string().nullable(), heldByRequestingApp: z.boolean() });
const orderHolds = z.object({
  id: z.string(),
  fulfillmentOrders: z.object({ nodes: z.array(z.object({ id: z.string(), status: z.string(), fulfillmentHolds: z.array(hold) })) }),
});
const ordersHolds = z.object({ nodes: z.array(z.union([orderHolds, z.object({}).strict()]).nullable()) });

/** A hold the merchant (or another app) placed: what we show them as the reason. */
export interface MerchantHold {
  fulfillmentOrderId: string;
  reason: string;
  reasonNotes: string | null;
}

/** Where an order stands with our mirrored Customer Care Hold. */
export interface MirroredHolds {
  /** Our holds, by fulfilment order (to release). */
  ours: Array<{ fulfillmentOrderId: string; holdIds: string[] }>;
  /** Fulfilment orders still to be held (open, or held by someone else, and without ours). */
  holdable: string[];
}

const HOLDABLE = new Set(['OPEN', 'ON_HOLD']);
const PER_READ = 25;
/**
 * Ours: placed by this app (`heldByRequestingApp`) with our handle, i.e. a mirrored Customer Care Hold
 * (placeHold places no other). Both are needed: a handle is only unique within one app, so another
 * app's hold may carry the same one; and a hold placed with this app's credentials under another
 * handle (a script of the merchant's, an earlier install) was not placed by the sweep, which would
 * neither release it nor, were it left out of the merchant's holds, honour it. Such a hold is the
 * merchant's: it keeps the order from OrderMesh like one placed in the admin.
 */
export const isOurHold = (h: { heldByRequestingApp: boolean; handle: string | null }): boolean => h.heldByRequestingApp && h.handle === HOLD_HANDLE;

/** Our mirrored holds on many orders, PER_READ per request (only the few OrderMesh holds are read so); an order the app cannot see is absent. */
export async function readMirroredHolds(client: ShopifyClient, orderIds: string[]): Promise<Map<string, MirroredHolds>> {
  const out = new Map<string, MirroredHolds>();
  for (let i = 0; i < orderIds.length; i += PER_READ) {
    const res = await client.query('orders-holds', ordersHolds, { ids: orderIds.slice(i, i + PER_READ) });
    for (const n of res.nodes) {
      if (!n || !('id' in n)) continue;
      const fos = n.fulfillmentOrders.nodes;
      out.set(n.id, {
        ours: fos.map((fo) => ({ fulfillmentOrderId: fo.id, holdIds: fo.fulfillmentHolds.filter(isOurHold).map((h) => h.id) })).filter((x) => x.holdIds.length),
        holdable: fos.filter((fo) => HOLDABLE.has(fo.status) && !fo.fulfillmentHolds.some(isOurHold)).map((fo) => fo.id),
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
 * by order id, the merchant's holds (every hold but ours, by `isOurHold`). An order not
 * in the map is not held. Needs the merchant-managed fulfilment-order scopes (doctor checks them).
 */
export async function merchantHeldOrders(client: ShopifyClient): Promise<Map<string, MerchantHold[]>> {
  const out = new Map<string, MerchantHold[]>();
  let after: string | null = null;
  for (;;) {
    const page: z.infer<typeof heldPage> = await client.query('held-fulfillment-orders', heldPage, { after });
    for (const fo of page.fulfillmentOrders.nodes) {
      const theirs = fo.fulfillmentHolds.filter((h) => !isOurHold(h)).map((h) => ({ fulfillmentOrderId: fo.id, reason: h.reason, reasonNotes: h.reasonNotes }));
      if (theirs.length) out.set(fo.orderId, [...(out.get(fo.orderId) ?? []), ...theirs]);
    }
    if (!page.fulfillmentOrders.pageInfo.hasNextPage) return out;
    after = page.fulfillmentOrders.pageInfo.endCursor;
  }
}

/** What the merchant reads in our ledger and console for their hold: its reason and notes. */
export const describeHolds = (holds: MerchantHold[]): string =>
  [...new Set(holds.map((m) => `${m.reason}${m.reasonNotes ? ` (${m.reasonNotes})` : ''}`))].join('; ');

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
