import { GraphQLError } from 'graphql';
import type { ShopState, SimFulfillmentOrder } from './shop.ts';

/** The access scopes the app was granted, checked as Shopify checks them field by field. */
export const HOLD_SCOPES = ['write_merchant_managed_fulfillment_orders', 'write_third_party_fulfillment_orders'];
export const FULFIL_SCOPES = ['write_merchant_managed_fulfillment_orders', 'write_assigned_fulfillment_orders', 'write_third_party_fulfillment_orders'];

/** As Shopify answers a field the app's scopes do not cover: an ACCESS_DENIED error naming the scope. */
export const denied = (anyOf: string[]) =>
  new GraphQLError(`Access denied. Required access: \`${anyOf.join('` or `')}\` access scope.`, { extensions: { code: 'ACCESS_DENIED', requiredAccess: anyOf.join(' or ') } });

export function scopeChecks(scopes: () => string[]) {
  const has = (...anyOf: string[]) => anyOf.some((s) => scopes().includes(s));
  const need = (...anyOf: string[]) => {
    if (!has(...anyOf)) throw denied(anyOf);
  };
  return {
    need,
    /** Merchant-managed fulfilment orders need the merchant-managed scopes; those at the app's own service, the assigned ones. */
    visibleTo: (state: ShopState) => (fo: SimFulfillmentOrder) =>
      state.serviceAt(fo.locationId)
        ? has('read_assigned_fulfillment_orders', 'write_assigned_fulfillment_orders')
        : has('read_merchant_managed_fulfillment_orders', 'write_merchant_managed_fulfillment_orders'),
    /** The scope a write to these fulfilment orders needs. */
    needToWrite: (state: ShopState, foIds: string[]) => {
      const own = foIds.some((id) => {
        const f = state.findFulfillmentOrder(id);
        return f && state.serviceAt(f.fo.locationId);
      });
      if (own) need('write_assigned_fulfillment_orders');
      else need('write_merchant_managed_fulfillment_orders', 'write_third_party_fulfillment_orders');
    },
  };
}
