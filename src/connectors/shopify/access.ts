import { z } from 'zod';
import type { StoreConfig } from '../../config/schema.ts';
import type { ShopifyClient } from './client.ts';

const appAccess = z.object({
  shop: z.object({ name: z.string(), myshopifyDomain: z.string() }),
  currentAppInstallation: z.object({ accessScopes: z.array(z.object({ handle: z.string() })) }),
});

type ScopeNeed = { anyOf: string[]; for: string; optional?: boolean; without?: string };

/**
 * The access scopes the sync uses in each mode, each with what it is for (notes/shopify-facts.md (c)).
 * Merchant-managed: orders are read, and tracking is written as fulfilments of the fulfilment orders
 * at the merchant's own locations. Fulfilment service: the requests assigned to our service are read
 * and answered, their orders read, and the service registered. `optional`: the sync runs without it,
 * with a limit named in `without`.
 */
export const SCOPES_NEEDED: Record<StoreConfig['mode'], ScopeNeed[]> = {
  'merchant-managed': [
    { anyOf: ['read_orders'], for: 'reading orders (pull, webhooks, reprocess, backfill)' },
    { anyOf: ['read_all_orders'], for: 'reading orders older than 60 days', optional: true, without: 'a backfill or reprocess reaches only the last 60 days' },
    { anyOf: ['read_merchant_managed_fulfillment_orders', 'write_merchant_managed_fulfillment_orders'], for: 'reading the fulfilment orders tracking is written to' },
    { anyOf: ['write_merchant_managed_fulfillment_orders'], for: 'writing tracking back (fulfillmentCreate, fulfillmentTrackingInfoUpdate)' },
  ],
  'fulfillment-service': [
    { anyOf: ['read_orders'], for: "reading a request's order" },
    { anyOf: ['read_assigned_fulfillment_orders', 'write_assigned_fulfillment_orders'], for: 'finding the fulfilment requests assigned to our service' },
    { anyOf: ['write_assigned_fulfillment_orders'], for: 'accepting and rejecting requests and cancellation requests, writing tracking back' },
    { anyOf: ['write_fulfillments'], for: 'registering the fulfilment service (`ordersync shopify register`)' },
  ],
};

export interface StoreAccess {
  shopName: string;
  domain: string;
  scopes: string[];
  missing: Array<{ anyOf: string[]; for: string }>;
  missingOptional: Array<{ anyOf: string[]; for: string; without?: string }>;
}

/** What the app's credentials may do in the store, against what the sync needs. */
export async function storeAccess(client: ShopifyClient, mode: StoreConfig['mode']): Promise<StoreAccess> {
  const res = await client.query('app-access', appAccess);
  const scopes = res.currentAppInstallation.accessScopes.map((s) => s.handle).sort();
  const lacking = SCOPES_NEEDED[mode].filter((n) => !n.anyOf.some((s) => scopes.includes(s)));
  return {
    shopName: res.shop.name,
    domain: res.shop.myshopifyDomain,
    scopes,
    missing: lacking.filter((n) => !n.optional).map(({ anyOf, for: f }) => ({ anyOf, for: f })),
    missingOptional: lacking.filter((n) => n.optional).map(({ anyOf, for: f, without }) => ({ anyOf, for: f, without })),
  };
}
