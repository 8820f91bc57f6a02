import Fastify from 'fastify';
import { listenSim } from '../listen.ts';
import { SHOPIFY_SIM_DEFAULTS } from '../defaults.ts';
import { registerAdminGraphql } from './admin-graphql.ts';
import { registerAuth } from './auth.ts';
import { registerBulkFiles } from './bulk.ts';
import { registerControl } from './control.ts';
import { createWorld, type ShopifySimOptions } from './world.ts';

export type { ShopifySimOptions, SimShop } from './world.ts';
export { SHOPIFY_SIM_DEFAULTS } from '../defaults.ts';

/**
 * A Shopify for tests and the demo, on 127.0.0.1: one or more shops served over the real Admin GraphQL
 * schema (auth.ts: tokens; admin-graphql.ts: the endpoint, faults and throttle; resolvers.ts: the
 * fields; bulk.ts: bulk operations; control.ts: the /_sim routes; world.ts: what they share).
 */
export async function startShopifySim(opts: ShopifySimOptions = {}) {
  const world = createWorld(opts);
  const app = Fastify({ logger: false, bodyLimit: 64 * 1024 * 1024 });
  registerAuth(app, world);
  registerAdminGraphql(app, world);
  registerBulkFiles(app, world);
  registerControl(app, world);
  app.setNotFoundHandler((req, reply) => reply.code(404).send({ errors: `Not Found: ${req.method} ${req.url}` }));

  const server = await listenSim(app, opts.port ?? SHOPIFY_SIM_DEFAULTS.port, opts.host ?? '127.0.0.1', world.webhooks);
  world.origin = server.url;
  return { ...server, shops: world.shops, faults: world.faults, webhooks: world.webhooks, settings: world.settings };
}
