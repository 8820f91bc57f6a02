import { z } from 'zod';
import type { ShopifyClient } from './client.ts';

const appAccess = z.object({
  shop: z.object({ name: z.string(), myshopifyDomain: z.string() }),
  currentAppInstallation: z.object({ accessScopes: z.array(z.object({ handle: z.string() })) }),
});

/**
 * The access scopes the sync uses, each with what it is for (notes/shopify-facts.md (c)): orders are
 * read, and tracking is written as fulfilments of the fulfilment orders at the merchant's own
 * locations. `optional`: the sync runs without it, with a limit named in `without`.
 */
export const SCOPES_NEEDED: Array<{ anyOf: string[]; for: string; optional?: boolean; without?: string }> = [
  { anyOf: ['read_orders'], for: 'reading orders (pull, webhooks, reprocess, backfill)' },
  { anyOf: ['read_all_orders'], for: 'reading orders older than 60 days', optional: true, without: 'a backfill or reprocess reaches only the last 60 days' },
  { anyOf: ['read_merchant_managed_fulfillment_orders', 'write_merchant_managed_fulfillment_orders'], for: "reading the fulfilment orders tracking is written to" },
  { anyOf: ['write_merchant_managed_fulfillment_orders'], for: 'writing tracking back (fulfillmentCreate, fulfillmentTrackingInfoUpdate)' },
];

export interface StoreAccess {
  shopName: string;
  domain: string;
  scopes: string[];
  missing: Array<{ anyOf: string[]; for: string }>;
  missingOptional: Array<{ anyOf: string[]; for: string; without?: string }>;
}

/** What the app's credentials may do in the store, against what the sync needs. */
export async function storeAccess(client: ShopifyClient): Promise<StoreAccess> {
  const res = await client.query('app-access', appAccess);
  const scopes = res.currentAppInstallation.accessScopes.map((s) => s.handle).sort();
  const lacking = SCOPES_NEEDED.filter((n) => !n.anyOf.some((s) => scopes.includes(s)));
  return {
    shopName: res.shop.name,
    domain: res.shop.myshopifyDomain,
    scopes,
    missing: lacking.filter((n) => !n.optional).map(({ anyOf, for: f }) => ({ anyOf, for: f })),
    missingOptional: lacking.filter((n) => n.optional).map(({ anyOf, for: f, without }) => ({ anyOf, for: f, without })),
  };
}
