import type { Secrets } from '../config/load.ts';
import type { Config } from '../config/schema.ts';

/** A config file's store of a shop, enabled or not, with what may sign the shop's webhooks. */
export interface ConfigShopStore {
  id: string;
  secrets: string[];
}

/**
 * The config file's stores by shop domain (lower-case), disabled ones included: the operator is told to
 * set `enabled: false` after app/uninstalled, and Shopify's shop/redact comes 48 hours later, signed
 * with the same secret (issue 34). A store with client-credentials auth is a custom app whose client
 * secret signs its webhooks, so that secret is a candidate too.
 */
export function configStoresByShop(config: Config, secrets: Secrets): Map<string, ConfigShopStore[]> {
  const out = new Map<string, ConfigShopStore[]>();
  for (const s of config.stores) {
    const own = secrets.stores.get(s.id);
    const candidates = [own?.webhookSecret, own?.shopifyClientSecret].filter((v): v is string => Boolean(v));
    const domain = s.shopDomain.toLowerCase();
    out.set(domain, [...(out.get(domain) ?? []), { id: s.id, secrets: candidates }]);
  }
  return out;
}
