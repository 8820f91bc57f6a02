import { readFileSync } from 'node:fs';
import { resolveSecrets } from '../config/load.ts';
import { fetchOrder } from '../connectors/shopify/pull-orders.ts';
import { connectionNodes, type ShopifyOrder } from '../connectors/shopify/types.ts';
import { mapOrder } from '../mapping/registry.ts';
import { safeIdFor } from '../mapping/safe-id.ts';
import { buildStores } from '../stores.ts';
import { EXIT, type CliContext } from './main.ts';

/** Reads an order as the connector produces it, or as an Admin GraphQL response has it (connections as nodes/edges, or `{data: {order}}`). */
function readOrderFile(file: string): ShopifyOrder {
  const raw = JSON.parse(readFileSync(file, 'utf8')) as Record<string, any>;
  const o = raw.data?.order ?? raw.order ?? raw;
  return { ...o, lineItems: connectionNodes(o.lineItems), shippingLines: connectionNodes(o.shippingLines) };
}

/** Prints the mapped OrderMesh order (or the mapping errors) without submitting anything. */
export async function runMap(ctx: CliContext, opts: { store: string; order?: string; input?: string }): Promise<number> {
  if (!opts.order === !opts.input) throw new Error('give exactly one of --order and --input');
  const stores = await buildStores(ctx.config, resolveSecrets(ctx.config), ctx.configPath, { log: ctx.log });
  const store = stores.get(opts.store);
  if (!store) throw new Error(`no enabled store "${opts.store}" in ${ctx.configPath}`);
  let order: ShopifyOrder | null;
  if (opts.input) order = readOrderFile(opts.input);
  else {
    const id = opts.order!.startsWith('gid://') ? opts.order! : `gid://shopify/Order/${opts.order}`;
    order = await fetchOrder(store.shopify, id);
    if (!order) throw new Error(`order ${id} not found in ${store.cfg.shopDomain}`);
  }
  const result = mapOrder(store.mapper, order, { storeId: store.cfg.id, merchantId: store.cfg.merchantId, safeId: safeIdFor(store.cfg.id, order.id) });
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  return result.kind === 'failed' ? EXIT.FAILURE : EXIT.OK;
}
