/**
 * The simulators' fixed credentials and ports, apart from their servers so the CLI can show them (option
 * defaults) without loading a simulator, which a worker process never needs.
 */
export const SIM_DEFAULTS = {
  port: 4010,
  clientId: 'sim-client',
  clientSecret: 'sim-secret',
  username: 'sim-user',
  password: 'sim-password',
  webhookSecret: 'sim-ordermesh-webhook-secret',
} as const;

export const SHOPIFY_SIM_DEFAULTS = {
  port: 4020,
  shop: { domain: 'sim-shop.myshopify.com', accessToken: 'shpat_sim_token', clientId: 'sim-shopify-client', appSecret: 'sim-shopify-app-secret' },
  apiVersions: ['2026-01', '2025-10'],
  /** What the app is granted by default: what ordering and merchant-managed write-back need. */
  scopes: ['read_orders', 'read_all_orders', 'read_merchant_managed_fulfillment_orders', 'write_merchant_managed_fulfillment_orders'],
} as const;

/**
 * `sim shopify --shops N`: the default shop, then sim-shop-1 … sim-shop-(N-1), each with its own token
 * and client id (its own throttle bucket) and the default app secret (one app installed on many shops).
 */
export function simShops(count: number): Array<{ domain: string; accessToken: string; clientId: string; appSecret: string }> {
  const d = SHOPIFY_SIM_DEFAULTS.shop;
  return Array.from({ length: count }, (_, i) =>
    i === 0 ? { ...d } : { domain: `sim-shop-${i}.myshopify.com`, accessToken: `${d.accessToken}_${i}`, clientId: `${d.clientId}-${i}`, appSecret: d.appSecret },
  );
}
