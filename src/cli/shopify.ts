import { Command } from 'commander';
import { withLedger } from '../db/session.ts';
import { registerFulfillmentService } from '../ops/register-service.ts';
import type { CliContext } from './context.ts';
import { storeRuntimeOf } from './store-flag.ts';

type Ctx = (cmd: Command) => CliContext;

/** `ordersync shopify`: what a store needs set up in Shopify itself. */
export function shopifyCommand(contextFrom: Ctx): Command {
  const shopify = new Command('shopify').description("set-up in a store's Shopify admin");
  shopify
    .command('register')
    .description('creates (or finds, by name) the store\'s fulfilment service and its location, with the callback URL at server.publicUrl; run it once per store in fulfillment-service mode, again at will')
    .requiredOption('--store <id>', 'store id (a config or ledger store)')
    .option('--json', 'machine-readable output')
    .action(async (o: { store: string; json?: boolean }, cmd: Command) => {
      const ctx = contextFrom(cmd);
      const store = await storeRuntimeOf(ctx, o.store);
      const r = await withLedger(ctx.config, ctx.log, (db) => registerFulfillmentService(db, store.shopify, store.cfg, ctx.config.server.publicUrl));
      if (o.json) {
        process.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
        return;
      }
      process.stdout.write(
        [
          `${r.created ? 'created' : 'found'} fulfilment service "${r.name}" for store ${r.store}`,
          `  service   ${r.serviceId}`,
          `  location  ${r.locationId}   (assign the products OrderMesh makes to this location in Shopify)`,
          `  callback  ${r.callbackUrl ?? '(none: polling only)'}`,
          ...r.notes.map((n) => `note: ${n}`),
          '',
        ].join('\n'),
      );
    });
  return shopify;
}
