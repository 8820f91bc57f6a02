import '@shopify/shopify-api/adapters/node';
import { LogSeverity, shopifyApi } from '@shopify/shopify-api';
import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import { ConfigError } from '../config/load.ts';
import type { Config } from '../config/schema.ts';
import { withShopifyOrigin } from '../connectors/shopify/client.ts';
import { installStore } from '../db/ledger-stores.ts';
import type { Database } from '../db/schema.ts';
import type { Logger } from '../log.ts';
import type { Keyring } from '../util/secret-box.ts';

export interface InstallDeps {
  db: Kysely<Database>;
  log: Logger;
  config: Config;
  installSecret: string;
  keyring: Keyring;
}

const CALLBACK_PATH = '/install/callback';

/**
 * Installing the app on a shop: GET /install?shop=… starts Shopify's OAuth (the library sets the signed
 * state cookie and redirects to the shop's consent page); Shopify sends the merchant back to
 * /install/callback, where the library checks the state and the HMAC and exchanges the code for an
 * offline access token. The shop becomes a ledger store (its token sealed), run by the workers within
 * seconds; a shop installed before gets its new token and is resumed.
 */
export function registerInstall(app: FastifyInstance<any, any, any, any>, deps: InstallDeps): void {
  const install = deps.config.server.install!;
  const publicUrl = new URL(deps.config.server.publicUrl!);
  const api = shopifyApi({
    apiKey: install.apiKey,
    apiSecretKey: deps.installSecret,
    scopes: install.scopes,
    hostName: publicUrl.host,
    hostScheme: publicUrl.protocol === 'http:' ? 'http' : 'https',
    apiVersion: '2026-01' as never,
    isEmbeddedApp: false,
    logger: { level: LogSeverity.Error, log: async (_s, msg) => deps.log.debug({ install: true }, msg) },
  });
  const shopOf = (raw: unknown) => (typeof raw === 'string' ? api.utils.sanitizeShop(raw, false) : null);

  app.get('/install', async (req, reply) => {
    const shop = shopOf((req.query as { shop?: unknown }).shop);
    if (!shop) return reply.code(400).send({ message: 'shop: must be a *.myshopify.com domain' });
    reply.hijack();
    await api.auth.begin({ shop, callbackPath: CALLBACK_PATH, isOnline: false, rawRequest: req.raw, rawResponse: reply.raw });
  });

  app.get(CALLBACK_PATH, async (req, reply) => {
    const shop = shopOf((req.query as { shop?: unknown }).shop);
    if (!shop) return reply.code(400).send({ message: 'shop: must be a *.myshopify.com domain' });
    let session;
    try {
      // The code exchange alone goes to apiOrigin: a running store of this shop keeps its own origin.
      ({ session } = await withShopifyOrigin(install.apiOrigin, () => api.auth.callback({ rawRequest: req.raw, rawResponse: reply.raw })));
    } catch (err) {
      // A forged or replayed callback, a missing state cookie, a code Shopify refused: the library says which.
      deps.log.warn({ err, shop }, 'app install refused');
      return reply.code(400).send({ message: `install refused: ${(err as Error).name}` });
    }
    try {
      const r = await installStore(deps.db, deps.keyring, { shop, accessToken: session.accessToken!, webhookSecret: deps.installSecret, merchantId: install.merchantId, defaults: install.storeDefaults, apiOrigin: install.apiOrigin }, 'shopify:install');
      deps.log.info({ shop, store: r.storeId, outcome: r.outcome }, 'app installed');
      const text =
        r.outcome === 'needs-merchant'
          ? `Installed. Store ${r.storeId} waits for its OrderMesh merchant: ordersync store resume ${r.storeId} --merchant ID`
          : `Installed: store ${r.storeId} runs within seconds.`;
      return reply.type('text/plain').send(text);
    } catch (err) {
      if (err instanceof ConfigError) return reply.code(409).send({ message: err.message.replace(/^config: /, '') });
      throw err;
    }
  });
}
