import { readFileSync } from 'node:fs';
import os from 'node:os';
import { Command } from 'commander';
import { withLedger } from '../db/session.ts';
import { listSkuMaps, removeSkuMap, setSkuMaps } from '../db/sku-maps.ts';
import { sku as orderMeshSku } from '../connectors/ordermesh/contract.ts';
import type { CliContext } from './main.ts';
import { UsageError, configuredStore } from './usage.ts';

type Ctx = (cmd: Command) => CliContext;

const storeOf = (ctx: CliContext, id: string) => configuredStore(ctx.config, id);

/** An OrderMesh SKU OrderMesh would take (contract.ts `sku`), or a usage error saying why not. */
function ordermeshSku(value: string, where: string): string {
  if (!orderMeshSku.safeParse(value).success) throw new UsageError(`${where}: "${value}" is not an OrderMesh SKU (letters, digits, _ . -, up to 128, starting with a letter or digit)`);
  return value;
}

const configSkuMap = (store: ReturnType<typeof storeOf>) => (store.mapping.options as { skuMap?: Record<string, string> }).skuMap ?? {};

function readCsv(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`);
  }
}

const actor = () => `cli:sku:${os.userInfo().username}`;

/** `store_sku,ordermesh_sku` per line; a header line naming the columns is allowed. Quotes are not. */
export function parseSkuCsv(text: string): Array<{ storeSku: string; ordermeshSku: string }> {
  const out: Array<{ storeSku: string; ordermeshSku: string }> = [];
  for (const [i, raw] of text.split(/\r?\n/).entries()) {
    const line = raw.trim();
    if (!line || (i === 0 && /store.?sku/i.test(line))) continue;
    const cells = line.split(',').map((c) => c.trim());
    if (cells.length !== 2 || !cells[0] || !cells[1] || line.includes('"')) throw new UsageError(`line ${i + 1}: expected "store_sku,ordermesh_sku", got "${raw.slice(0, 80)}"`);
    out.push({ storeSku: cells[0], ordermeshSku: ordermeshSku(cells[1], `line ${i + 1}`) });
  }
  return out;
}

/**
 * `ordersync sku`: a store's SKU map kept in the ledger, over the config's skuMap. Running workers
 * pick a change up within seconds; `reprocess` then submits the orders that failed for it.
 */
export function skuCommand(contextFrom: Ctx): Command {
  const sku = new Command('sku').description('per-store SKU maps kept in the ledger (over the config skuMap); workers pick changes up within seconds');
  sku
    .command('list')
    .requiredOption('--store <id>', 'store id from the config')
    .option('--json', 'machine-readable output')
    .action(async (o: { store: string; json?: boolean }, cmd: Command) => {
      const ctx = contextFrom(cmd);
      const store = storeOf(ctx, o.store);
      const ledger = await withLedger(ctx.config, ctx.log, (db) => listSkuMaps(db, o.store));
      const fromConfig = Object.entries(configSkuMap(store)).filter(([k]) => !ledger.some((e) => e.storeSku === k));
      const rows: Array<{ storeSku: string; ordermeshSku: string; source: string; updatedBy?: string; updatedAt?: string }> = [
        ...ledger.map((e) => ({ ...e, source: 'ledger' })),
        ...fromConfig.map(([storeSku, ordermeshSku]) => ({ storeSku, ordermeshSku, source: 'config' })),
      ];
      if (o.json) process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
      else for (const r of rows) process.stdout.write(`${r.storeSku} → ${r.ordermeshSku}  (${r.source}${r.updatedBy ? `, ${r.updatedBy} ${r.updatedAt}` : ''})\n`);
    });
  sku
    .command('set <storeSku> <ordermeshSku>')
    .requiredOption('--store <id>', 'store id from the config')
    .action(async (storeSku: string, ordermeshSkuArg: string, o: { store: string }, cmd: Command) => {
      const ctx = contextFrom(cmd);
      storeOf(ctx, o.store);
      ordermeshSku(ordermeshSkuArg, 'ORDERMESH_SKU');
      await withLedger(ctx.config, ctx.log, (db) => setSkuMaps(db, o.store, [{ storeSku, ordermeshSku: ordermeshSkuArg }], actor()));
      process.stdout.write(`${o.store}: ${storeSku} → ${ordermeshSkuArg}\n`);
    });
  sku
    .command('remove <storeSku>')
    .requiredOption('--store <id>', 'store id from the config')
    .action(async (storeSku: string, o: { store: string }, cmd: Command) => {
      const ctx = contextFrom(cmd);
      const store = storeOf(ctx, o.store);
      const removed = await withLedger(ctx.config, ctx.log, (db) => removeSkuMap(db, o.store, storeSku, actor()));
      const fallback = configSkuMap(store)[storeSku];
      const then = fallback ? `the config's skuMap entry applies again: ${storeSku} → ${fallback}` : 'the config has no entry for it: its items need a mapping again';
      process.stdout.write(removed ? `${o.store}: ${storeSku} removed (${then})\n` : `${o.store}: no ledger entry for ${storeSku}\n`);
      if (!removed) process.exitCode = 1;
    });
  sku
    .command('import <file>')
    .description('set every line of a CSV file: store_sku,ordermesh_sku')
    .requiredOption('--store <id>', 'store id from the config')
    .action(async (file: string, o: { store: string }, cmd: Command) => {
      const ctx = contextFrom(cmd);
      storeOf(ctx, o.store);
      const entries = parseSkuCsv(readCsv(file));
      await withLedger(ctx.config, ctx.log, (db) => setSkuMaps(db, o.store, entries, actor()));
      process.stdout.write(`${o.store}: ${entries.length} SKU map(s) set from ${file}\n`);
    });
  return sku;
}
