import { Command, InvalidArgumentError } from 'commander';
import { createLogger } from '../log.ts';
import { SHOPIFY_SIM_DEFAULTS, SIM_DEFAULTS, simShops } from '../sim/defaults.ts';

function number(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new InvalidArgumentError('must be a non-negative number');
  return n;
}

function json(value: string): unknown {
  try {
    return JSON.parse(value);
  } catch {
    throw new InvalidArgumentError('must be JSON');
  }
}

function positive(value: string): number {
  const n = number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a whole number, 1 or more');
  return n;
}

/** Resolves on SIGINT/SIGTERM, after `close`. */
function untilSignal(close: () => Promise<void>): Promise<void> {
  return new Promise((resolve, reject) => {
    const stop = () => close().then(resolve, reject);
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}

export function simCommand(): Command {
  const sim = new Command('sim').description('run a simulator (a real HTTP server on 127.0.0.1) for development, tests and demos');

  sim
    .command('ordermesh')
    .description("the OrderMesh simulator: OrderMesh as its public docs show it (src/sim/ordermesh/documented.ts), stateful, answer variants, fault injection under /_sim")
    .option('--port <n>', 'port', number, SIM_DEFAULTS.port)
    .option('--token-ttl <seconds>', 'lifetime of issued tokens', number, 86_400)
    .option('--rate-limit <perSecond>', 'answer 429 above this many authenticated requests per second (0: off)', number, 0)
    .option('--webhook-url <url>', 'POST OrderMesh webhooks here')
    .option('--webhook-secret <secret>', 'HMAC key for webhook signatures (sent only with the webhookSignature variant)', SIM_DEFAULTS.webhookSecret)
    .option('--seed <n>', 'seed for fault injection', number)
    .option('--variants <json>', 'answer variants where the docs leave a choice, e.g. \'{"tokenCasing":"snake","bulkEnvelope":"bare"}\' (see GET /_sim/settings)', json)
    .action(async (o: { port: number; tokenTtl: number; rateLimit: number; webhookUrl?: string; webhookSecret: string; seed?: number; variants?: unknown }) => {
      const log = createLogger({ stderr: true });
      // Loaded here, not above: every process loads the CLI, and a worker never runs a simulator.
      const { startOrderMeshSim } = await import('../sim/ordermesh/server.ts');
      const { variantsSchema } = await import('../sim/ordermesh/variants.ts');
      const variants = variantsSchema.safeParse(o.variants ?? {});
      if (!variants.success) throw new InvalidArgumentError(`--variants: ${variants.error.issues.map((i) => `${i.path.join('.') || '$'}: ${i.message}`).join('; ')}`);
      const server = await startOrderMeshSim({
        variants: variants.data,
        port: o.port,
        tokenTtlSeconds: o.tokenTtl,
        rateLimitPerSecond: o.rateLimit,
        webhookSecret: o.webhookSecret,
        ...(o.webhookUrl ? { webhookUrl: o.webhookUrl } : {}),
        ...(o.seed !== undefined ? { seed: o.seed } : {}),
      });
      log.info({ url: server.url, clientId: SIM_DEFAULTS.clientId }, 'OrderMesh simulator listening');
      await untilSignal(() => server.close());
    });

  sim
    .command('shopify')
    .description('the Shopify simulator: Admin GraphQL over the real 2026-01 schema, cost throttle, bulk operations, webhooks; control under /_sim')
    .option('--port <n>', 'port', number, SHOPIFY_SIM_DEFAULTS.port)
    .option('--orders <count>', 'seed this many orders at start (in the first shop)', number, 0)
    .option('--shops <count>', 'serve this many shops: sim-shop.myshopify.com, then sim-shop-1.myshopify.com … (token shpat_sim_token_1 …)', positive, 1)
    .option('--seed <n>', 'seed for generated orders and fault injection', number, 1)
    .option('--bucket <points>', 'throttle bucket size (maximumAvailable)', number, 2000)
    .option('--restore-rate <pointsPerSecond>', 'throttle restore rate', number, 100)
    .option('--webhook-url <url>', 'POST orders/* webhooks here')
    .action(async (o: { port: number; orders: number; shops: number; seed: number; bucket: number; restoreRate: number; webhookUrl?: string }) => {
      const log = createLogger({ stderr: true });
      const { startShopifySim } = await import('../sim/shopify/server.ts');
      const server = await startShopifySim({
        port: o.port,
        maximumAvailable: o.bucket,
        restoreRate: o.restoreRate,
        seed: o.seed,
        shops: simShops(o.shops),
        ...(o.webhookUrl ? { webhookUrl: o.webhookUrl } : {}),
      });
      if (o.orders > 0) {
        await fetch(`${server.url}/_sim/orders`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ count: o.orders, seed: o.seed, spreadSeconds: 3600 }),
        });
      }
      const { domain, accessToken } = SHOPIFY_SIM_DEFAULTS.shop;
      log.info({ url: server.url, shop: domain, accessToken, shops: o.shops, orders: o.orders }, 'Shopify simulator listening');
      await untilSignal(() => server.close());
    });

  return sim;
}
