import { createHmac } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { randomToken } from './shop.ts';
import type { ShopifySimWorld } from './world.ts';

/**
 * How an app gets a token: authorization-code OAuth (an install: the merchant approves at once, and
 * Shopify sends them back to the app's redirect_uri with a one-time code, signed with HMAC-SHA256 in hex
 * under the app secret over the other parameters sorted by name, as Shopify documents for OAuth
 * redirects), and the client-credentials grant (a Dev Dashboard app), whose tokens expire.
 */
export function registerAuth(app: FastifyInstance, world: ShopifySimWorld): void {
  const codes = new Map<string, { shop: string; clientId: string; scope: string }>();
  const shops = () => [...world.shops.values()];

  app.get('/admin/oauth/authorize', async (req, reply) => {
    const q = req.query as { client_id?: string; scope?: string; redirect_uri?: string; state?: string };
    const shop = shops().find((s) => s.cfg.clientId === q.client_id);
    if (!shop || !q.redirect_uri || !q.state) return reply.code(400).send({ error: 'invalid_request', error_description: 'client_id, redirect_uri and state are required' });
    const code = randomToken('code');
    codes.set(code, { shop: shop.cfg.domain, clientId: shop.cfg.clientId, scope: q.scope ?? '' });
    const params: Record<string, string> = { code, shop: shop.cfg.domain, state: q.state, timestamp: String(Math.floor(Date.now() / 1000)) };
    const message = Object.keys(params).sort().map((k) => `${k}=${params[k]}`).join('&');
    const hmac = createHmac('sha256', shop.cfg.appSecret).update(message).digest('hex');
    const to = new URL(q.redirect_uri);
    for (const [k, v] of Object.entries({ ...params, hmac })) to.searchParams.set(k, v);
    return reply.redirect(to.toString(), 302);
  });

  app.post('/admin/oauth/access_token', async (req, reply) => {
    const b = (req.body ?? {}) as { client_id?: string; client_secret?: string; grant_type?: string; code?: string };
    const shop = shops().find((s) => s.cfg.clientId === b.client_id && s.cfg.appSecret === b.client_secret);
    if (shop && b.code !== undefined) {
      const issued = codes.get(b.code);
      // One use only, for the client it was issued to.
      codes.delete(b.code);
      if (!issued || issued.clientId !== b.client_id) return reply.code(400).send({ error: 'invalid_grant', error_description: 'the authorization code is invalid or was used already' });
      const token = randomToken('shpat');
      world.tokens.set(token, { shop: issued.shop, expiresAt: Number.MAX_SAFE_INTEGER });
      return { access_token: token, scope: issued.scope };
    }
    if (!shop || b.grant_type !== 'client_credentials') return reply.code(400).send({ error: 'invalid_client', error_description: 'Client credentials are invalid' });
    const token = randomToken('shpca');
    world.tokens.set(token, { shop: shop.cfg.domain, expiresAt: Date.now() + world.settings.tokenTtlSeconds * 1000 });
    return { access_token: token, scope: 'read_orders,write_merchant_managed_fulfillment_orders', expires_in: world.settings.tokenTtlSeconds };
  });
}
