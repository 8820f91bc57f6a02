import { readFileSync } from 'node:fs';
import os from 'node:os';
import { Command } from 'commander';
import { withLedger } from '../db/session.ts';
import { listSkuMaps, removeSkuMap, setSkuMaps } from '../db/sku-maps.ts';
import { sku as orderMeshSku } from '../connectors/ordermesh/contract.ts';
import type { CliContext } from './context.ts';
import type { StoreConfig } from '../config/schema.ts';
import { resolveSecrets } from '../config/load.ts';
import { CatalogueCache, closestSkus } from '../connectors/ordermesh/catalogue.ts';
import { ordermeshClientFor } from '../connectors/ordermesh/from-config.ts';
import { checkStoreSkus, type SkuReport } from '../ops/sku-check.ts';
import { writeJson } from './json-report.ts';
import { storeConfigOf } from './store-flag.ts';
import { UsageError } from './usage.ts';

type Ctx = (cmd: Command) => CliContext;

/** `sku check --json`: the totals, the unknown SKUs as items (what the check found), and every SKU in use beside them. */
function skuCheckJson(r: SkuReport) {
  const { unknown, uses, ...totals } = r;
  return { summary: { ...totals, unknown: unknown.length }, items: unknown as SkuReport['unknown'][number][], uses };
}

/** An OrderMesh SKU OrderMesh would take (contract.ts `sku`), or a usage error saying why not. */
function ordermeshSku(value: string, where: string): string {
  if (!orderMeshSku.safeParse(value).success) throw new UsageError(`${where}: "${value}" is not an OrderMesh SKU (letters, digits, _ . -, up to 128, starting with a letter or digit)`);
  return value;
}

const configSkuMap = (store: StoreConfig) => (store.mapping.options as { skuMap?: Record<string, string> }).skuMap ?? {};

function readCsv(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`);
  }
}

/** The catalogue as a command reads it: its own client, closed when `fn` ends. */
async function withCatalogue<T>(ctx: CliContext, fn: (catalogue: CatalogueCache) => Promise<T>): Promise<T> {
  const client = ordermeshClientFor(ctx.config, resolveSecrets(ctx.config).ordermeshClientSecret, { log: ctx.log, retry: { maxAttempts: 2 } });
  try {
    return await fn(new CatalogueCache(client, { ttlSeconds: 60, log: ctx.log }));
  } finally {
    client.close();
  }
}

function describeReport(r: SkuReport): string {
  if (r.catalogue === 'unavailable') return `${r.store}: OrderMesh's catalogue could not be read (see the log): ${r.checked} SKU(s) unchecked\n`;
  if (r.catalogue !== 'read') return `${r.store}: merchant ${r.merchantId} has no enabled catalogue in OrderMesh: nothing to check ${r.checked} SKU(s) against\n`;
  const from = (u: SkuReport['uses'][number]) =>
    u.sources.map((s) => (s.kind === 'passthrough' ? `store SKU passed through, in ${s.orders} order(s)` : `${s.kind} map ${s.storeSku}`)).join('; ');
  const lines = [`${r.store}: ${r.checked} SKU(s) checked against merchant ${r.merchantId}'s catalogue (${r.variants} variants): ${r.unknown.length} unknown`];
  for (const u of r.unknown) {
    const fix = u.closest[0] ? `; fix: ordersync sku set --store ${r.store} ${u.sources.find((s) => s.kind !== 'passthrough')?.storeSku ?? u.sku} ${u.closest[0]}` : '';
    lines.push(`  ${u.sku}  (${from(u)})  closest: ${u.closest.length ? u.closest.join(', ') : 'none'}${fix}`);
  }
  return `${lines.join('\n')}\n`;
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
    .requiredOption('--store <id>', 'store id (a config or ledger store)')
    .option('--json', 'machine-readable output')
    .action(async (o: { store: string; json?: boolean }, cmd: Command) => {
      const ctx = contextFrom(cmd);
      const store = await storeConfigOf(ctx, o.store);
      const ledger = await withLedger(ctx.config, ctx.log, (db) => listSkuMaps(db, o.store));
      const fromConfig = Object.entries(configSkuMap(store)).filter(([k]) => !ledger.some((e) => e.storeSku === k));
      const rows: Array<{ storeSku: string; ordermeshSku: string; source: string; updatedBy?: string; updatedAt?: string }> = [
        ...ledger.map((e) => ({ ...e, source: 'ledger' })),
        ...fromConfig.map(([storeSku, ordermeshSku]) => ({ storeSku, ordermeshSku, source: 'config' })),
      ];
      if (o.json) writeJson({ summary: { store: o.store, ledger: ledger.length, config: fromConfig.length }, items: rows });
      else for (const r of rows) process.stdout.write(`${r.storeSku} → ${r.ordermeshSku}  (${r.source}${r.updatedBy ? `, ${r.updatedBy} ${r.updatedAt}` : ''})\n`);
    });
  sku
    .command('check')
    .description("checks every OrderMesh SKU the store would send (its map, and the store SKUs its orders pass through) against the merchant's enabled OrderMesh catalogue; lists unknown ones with the closest catalogue SKUs (exit 1 when any is unknown)")
    .requiredOption('--store <id>', 'store id (a config or ledger store)')
    .option('--json', 'machine-readable output')
    .action(async (o: { store: string; json?: boolean }, cmd: Command) => {
      const ctx = contextFrom(cmd);
      const store = await storeConfigOf(ctx, o.store);
      const report = await withCatalogue(ctx, (catalogue) => withLedger(ctx.config, ctx.log, (db) => checkStoreSkus(db, store, catalogue)));
      if (o.json) writeJson(skuCheckJson(report));
      else process.stdout.write(describeReport(report));
      if (report.catalogue !== 'read') process.exitCode = 2;
      else if (report.unknown.length) process.exitCode = 1;
    });
  sku
    .command('set <storeSku> <ordermeshSku>')
    .requiredOption('--store <id>', 'store id (a config or ledger store)')
    .option('--strict', "refuse an OrderMesh SKU the merchant's catalogue does not have (default: warn and set it)")
    .action(async (storeSku: string, ordermeshSkuArg: string, o: { store: string; strict?: boolean }, cmd: Command) => {
      const ctx = contextFrom(cmd);
      const store = await storeConfigOf(ctx, o.store);
      ordermeshSku(ordermeshSkuArg, 'ORDERMESH_SKU');
      const view = await withCatalogue(ctx, (catalogue) => catalogue.get(store.merchantId, 30_000));
      if (view && !view.skus.has(ordermeshSkuArg)) {
        const closest = closestSkus(ordermeshSkuArg, view.variants);
        const what = `${ordermeshSkuArg} is not in merchant ${store.merchantId}'s OrderMesh catalogue${closest.length ? ` (closest: ${closest.join(', ')})` : ''}`;
        if (o.strict) throw new UsageError(`${what}: not set (--strict)`);
        process.stderr.write(`warning: ${what}; orders using it will be rejected by OrderMesh\n`);
      } else if (!view && o.strict) {
        throw new UsageError(`merchant ${store.merchantId}'s OrderMesh catalogue could not be read (or there is none): not set (--strict)`);
      } else if (!view) {
        process.stderr.write(`warning: merchant ${store.merchantId}'s OrderMesh catalogue could not be read (or there is none): ${ordermeshSkuArg} is set unchecked\n`);
      }
      await withLedger(ctx.config, ctx.log, (db) => setSkuMaps(db, o.store, [{ storeSku, ordermeshSku: ordermeshSkuArg }], actor()));
      process.stdout.write(`${o.store}: ${storeSku} → ${ordermeshSkuArg}\n`);
    });
  sku
    .command('remove <storeSku>')
    .requiredOption('--store <id>', 'store id (a config or ledger store)')
    .action(async (storeSku: string, o: { store: string }, cmd: Command) => {
      const ctx = contextFrom(cmd);
      const store = await storeConfigOf(ctx, o.store);
      const removed = await withLedger(ctx.config, ctx.log, (db) => removeSkuMap(db, o.store, storeSku, actor()));
      const fallback = configSkuMap(store)[storeSku];
      const then = fallback ? `the config's skuMap entry applies again: ${storeSku} → ${fallback}` : 'the config has no entry for it: its items need a mapping again';
      process.stdout.write(removed ? `${o.store}: ${storeSku} removed (${then})\n` : `${o.store}: no ledger entry for ${storeSku}\n`);
      if (!removed) process.exitCode = 1;
    });
  sku
    .command('import <file>')
    .description('set every line of a CSV file: store_sku,ordermesh_sku')
    .requiredOption('--store <id>', 'store id (a config or ledger store)')
    .action(async (file: string, o: { store: string }, cmd: Command) => {
      const ctx = contextFrom(cmd);
      await storeConfigOf(ctx, o.store);
      const entries = parseSkuCsv(readCsv(file));
      await withLedger(ctx.config, ctx.log, (db) => setSkuMaps(db, o.store, entries, actor()));
      process.stdout.write(`${o.store}: ${entries.length} SKU map(s) set from ${file}\n`);
    });
  return sku;
}
