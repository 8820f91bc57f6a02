import os from 'node:os';
import { Command } from 'commander';
import { findOrders } from '../db/order-story.ts';
import { orderById } from '../db/order-lookups.ts';
import { makeRequest, RequestRefused, type RequestView } from '../ops/requests.ts';
import type { CliContext } from './context.ts';
import { storeFlag } from './store-flag.ts';
import { UsageError } from './usage.ts';
import { withRuntime } from './with-runtime.ts';

type Ctx = (cmd: Command) => CliContext;

const positive = (flag: string) => (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`${flag}: "${v}" is not a whole number of at least 1`);
  return n;
};

function describe(r: RequestView): string {
  const what = r.items ? r.items.map((i) => `item ${i.orderItemId} × ${i.quantity}`).join(', ') : 'the whole order';
  const head = r.new === false ? 'already requested' : 'requested';
  return `${r.kind} of ${what}: ${r.new === false ? `${head} (${r.createdAt}): ` : ''}${r.state}${r.ordermeshRef ? ` as ${r.ordermeshRef}` : ''}${r.ordermeshStatus ? ` (OrderMesh: ${r.ordermeshStatus})` : ''}${r.error ? `: ${r.error}` : ''}\n${r.hint ? `  ${r.hint}\n` : ''}`;
}

/**
 * `ordersync request refund|reprint`: OrderMesh's refund request, or a reprint, for a misprinted or
 * damaged item of an order OrderMesh has. Recorded in the ledger as an event; the same request twice
 * answers the first; its state shows in `order show`.
 */
export function requestCommand(contextFrom: Ctx): Command {
  const request = new Command('request').description('refund and reprint requests to OrderMesh for a misprinted or damaged item (made once; state in `order show`)');
  for (const kind of ['refund', 'reprint'] as const) {
    request
      .command(kind)
      .description(kind === 'refund' ? "OrderMesh's \"Add a Refund Request\" for an item (or the whole order)" : 'a reprint: a new OrderMesh order of the item (or the whole order) naming the original, without charges')
      .requiredOption('--order <key>', 'store order id, name (#1001), safeId or OrderMesh order id')
      .option('--store <id>', 'only this store (when a name is in several)')
      .option('--item <item>', 'the OrderMesh order item id, the store line item id, or its SKU (default: every item)')
      .option('--quantity <n>', 'how many of the item (default: all of it)', positive('--quantity'))
      .requiredOption('--reason <text>', 'what is wrong (the same order, items and reason make the same request: a repeat answers the first)')
      .option('--json', 'machine-readable output')
      .action(async (o: { order: string; store?: string; item?: string; quantity?: number; reason: string; json?: boolean }, cmd: Command) => {
        const ctx = contextFrom(cmd);
        if (!o.reason.trim()) throw new UsageError('--reason: say what is wrong');
        const actor = `cli:request:${os.userInfo().username}`;
        const result = await withRuntime(ctx, actor, {}, async (deps) => {
          if (o.store) await storeFlag(ctx, deps.db, o.store);
          const found = await findOrders(deps.db, o.order, o.store);
          if (found.length === 0) throw new UsageError(`--order: no order "${o.order}" in the ledger`);
          if (found.length > 1) throw new UsageError(`--order: "${o.order}" names ${found.length} orders: add --store`);
          const row = await orderById(deps.db, found[0]!.id);
          try {
            return await makeRequest(deps, row, { kind, item: o.item, quantity: o.quantity, reason: o.reason.trim(), actor });
          } catch (err) {
            if (err instanceof RequestRefused) throw new UsageError(err.message);
            throw err;
          }
        });
        process.stdout.write(o.json ? `${JSON.stringify(result, null, 2)}\n` : describe(result));
        if (result.state === 'failed') process.exitCode = 1;
      });
  }
  return request;
}
