import { z } from 'zod';
import type { ShopifyClient } from '../client.ts';
import { ShopifyApiError } from '../errors.ts';

const service = z.object({ id: z.string(), serviceName: z.string(), callbackUrl: z.string().nullable(), location: z.object({ id: z.string() }).nullable() });
export type RegisteredService = { id: string; name: string; callbackUrl: string | null; locationId: string; created: boolean };

/**
 * Finds the app's fulfilment service by name, or creates it (and with it the location products are
 * assigned to): run twice, it finds what the first run made. A service found with another callback
 * URL is reported as it is; the caller says so.
 */
export async function registerService(client: ShopifyClient, opts: { name: string; callbackUrl: string | null }): Promise<RegisteredService> {
  const found = await findService(client, opts.name);
  if (found) return found;
  const res = await client.query(
    'fulfillment-service-create',
    z.object({ fulfillmentServiceCreate: z.object({ fulfillmentService: service.nullable(), userErrors: z.array(z.object({ field: z.array(z.string()).nullable(), message: z.string() })) }) }),
    { name: opts.name, callbackUrl: opts.callbackUrl },
  );
  const r = res.fulfillmentServiceCreate;
  if (!r.fulfillmentService) throw new ShopifyApiError('USER_ERROR', `Shopify refused to create the fulfilment service: ${r.userErrors.map((e) => `${e.field?.join('.') ?? ''} ${e.message}`.trim()).join('; ')}`);
  return view(r.fulfillmentService, true);
}

/** The app's fulfilment service of this name (Shopify compares names without case), if it has one. */
export async function findService(client: ShopifyClient, name: string): Promise<RegisteredService | undefined> {
  const all = (await client.query('fulfillment-services', z.object({ shop: z.object({ fulfillmentServices: z.array(service) }) }), {})).shop.fulfillmentServices;
  const found = all.find((s) => s.serviceName.toLowerCase() === name.toLowerCase());
  return found && view(found, false);
}

function view(s: z.infer<typeof service>, created: boolean): RegisteredService {
  if (!s.location) throw new ShopifyApiError('USER_ERROR', `fulfilment service ${s.serviceName} has no location`);
  return { id: s.id, name: s.serviceName, callbackUrl: s.callbackUrl, locationId: s.location.id, created };
}

/** Where Shopify sends a service's notifications: `<callbackUrl>/fulfillment_order_notification`. */
export const callbackUrlFor = (publicUrl: string, storeId: string) => `${publicUrl.replace(/\/$/, '')}/webhooks/shopify/fulfillment-service/${storeId}`;
