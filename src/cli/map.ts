import { readFileSync } from 'node:fs';
import { fetchOrder } from '../connectors/shopify/pull-orders.ts';
import { restPathOf, storeOrderFromInput } from '../connectors/shopify/order-input.ts';
import { parseJsonExact } from '../util/exact-json.ts';
import { mapOrder } from '../mapping/registry.ts';
import { safeIdFor } from '../mapping/safe-id.ts';
import { EXIT, type CliContext } from './context.ts';
import { storeRuntimeOf } from './store-flag.ts';
import { UsageError } from './usage.ts';

/** A usage problem with --input: exit 2 with this message. */
class InputError extends Error {}

/** Reads an order from a file in any shape order-input.ts accepts. */
function readOrderFile(file: string): { order: unknown; shape: string } {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new InputError(`cannot read ${file}: ${(err as Error).message}`);
  }
  let json: unknown;
  try {
    json = parseJsonExact(text);
  } catch (err) {
    throw new InputError(`${file} is not JSON: ${(err as Error).message}`);
  }
  const found = storeOrderFromInput(json);
  if (!found.ok) throw new InputError(`${file}: ${found.message}`);
  return found;
}

/** Prints the mapped OrderMesh order (or the mapping errors) without submitting anything. */
export async function runMap(ctx: CliContext, opts: { store: string; order?: string; input?: string }): Promise<number> {
  if (!opts.order === !opts.input) throw new UsageError('map: give exactly one of --order and --input');
  const store = await storeRuntimeOf(ctx, opts.store);
  let order: unknown;
  let rest = false;
  if (opts.input) {
    try {
      const found = readOrderFile(opts.input);
      order = found.order;
      rest = found.shape.startsWith('REST');
    } catch (err) {
      if (!(err instanceof InputError)) throw err;
      process.stderr.write(`ordersync map: ${err.message}\n`);
      return EXIT.USAGE;
    }
  } else {
    const id = opts.order!.startsWith('gid://') ? opts.order! : `gid://shopify/Order/${opts.order}`;
    order = await fetchOrder(store.shopify, id);
    if (!order) throw new Error(`order ${id} not found in ${store.cfg.shopDomain}`);
  }
  const storeOrderId = typeof (order as { id?: unknown }).id === 'string' ? (order as { id: string }).id : 'unknown';
  const result = mapOrder(store.mapper, order, { storeId: store.cfg.id, merchantId: store.cfg.merchantId, safeId: safeIdFor(store.cfg.id, storeOrderId) });
  // A REST file's problems are named as the file spells them; the GraphQL path is what production reads.
  if (rest && result.kind === 'failed') {
    result.errors = result.errors.map((e) => (e.path === undefined ? e : { ...e, path: restPathOf(e.path), graphqlPath: e.path }));
  }
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  return result.kind === 'failed' ? EXIT.FAILURE : EXIT.OK;
}
