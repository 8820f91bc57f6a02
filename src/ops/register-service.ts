import type { Kysely } from 'kysely';
import type { StoreConfig } from '../config/schema.ts';
import type { ShopifyClient } from '../connectors/shopify/client.ts';
import { callbackUrlFor, registerService } from '../connectors/shopify/fulfillment-service/register.ts';
import { saveService } from '../db/fulfillment-requests.ts';
import type { Database } from '../db/schema.ts';

export interface Registration {
  store: string;
  serviceId: string;
  locationId: string;
  name: string;
  created: boolean;
  callbackUrl: string | null;
  /** What the operator should know: no callback (polling only), or a service found with another callback. */
  notes: string[];
}

/**
 * Creates or finds the store's fulfilment service (by name) and records it in the ledger, where the
 * request scan finds its location. Idempotent: a second run finds the first run's service.
 */
export async function registerFulfillmentService(db: Kysely<Database>, shopify: ShopifyClient, store: StoreConfig, publicUrl: string | undefined): Promise<Registration> {
  const callbackUrl = publicUrl ? callbackUrlFor(publicUrl, store.id) : null;
  const s = await registerService(shopify, { name: store.fulfillmentService.name, callbackUrl });
  await saveService(db, store.id, { serviceId: s.id, locationId: s.locationId, name: s.name, callbackUrl: s.callbackUrl });
  const notes: string[] = [];
  if (!callbackUrl) notes.push('server.publicUrl is not set: the service has no callback URL, so requests are found by polling alone (every fulfillmentService.pollSeconds)');
  else if (!s.created && s.callbackUrl !== callbackUrl) notes.push(`the service exists with callback URL ${s.callbackUrl ?? '(none)'}, not ${callbackUrl}: notifications go there (polling still finds every request)`);
  if (store.mode !== 'fulfillment-service') notes.push(`stores[${store.id}].mode is ${store.mode}: set it to fulfillment-service for the service's requests to be taken`);
  return { store: store.id, serviceId: s.id, locationId: s.locationId, name: s.name, created: s.created, callbackUrl: s.callbackUrl, notes };
}
