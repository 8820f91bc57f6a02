import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.ts';
import { freshDatabaseUrl } from '../helpers/db.ts';
import { dateFlag, UsageError } from '../../src/cli/usage.ts';
import { pipelineConfigObject, writePipelineConfig } from '../helpers/pipeline.ts';

/** Usage errors end before any connection: exit 2 and one line naming what is wrong (README "Exit codes"). */
const base = pipelineConfigObject({ url: 'http://127.0.0.1:9' }, { url: 'http://127.0.0.1:9' });
const file = writePipelineConfig({ ...base, stores: [...base.stores, { ...base.stores[0], id: 'fs-shop', shopDomain: 'fs-shop.myshopify.com', mode: 'fulfillment-service' }] });
const dir = path.dirname(file);
const badCsv = path.join(dir, 'bad.csv');
writeFileSync(badCsv, 'store_sku,ordermesh_sku\nA,B,C\n');
const badSkuCsv = path.join(dir, 'bad-sku.csv');
writeFileSync(badSkuCsv, 'A-1,-dash-first\n');
// A database nobody listens on: a command that got as far as connecting would fail on it (exit 1), not 2.
const cli = (args: string[]) => runCli([...args, '--config', file], { DATABASE_URL: 'postgres://127.0.0.1:9/none' });

describe('usage errors', () => {
  it.each([
    [['backfill', '--store', 'fs-shop', '--since', '2026-01-01'], /--store: fs-shop is a fulfilment-service store: .*nothing to backfill/],
    [['backfill', '--store', 'sim-shop', '--since', 'last tuesday'], /--since: "last tuesday" is not a date/],
    [['backfill', '--store', 'sim-shop', '--since', '2026-02-01', '--until', '2026-01-01'], /--until must be after --since/],
    [['reprocess', '--state', 'broken'], /--state: unknown state "broken"/],
    [['reprocess', '--since', 'soon'], /--since: "soon" is not a date/],
    [['map', '--store', 'sim-shop'], /map: give exactly one of --order and --input/],
    [['sku', 'set', 'A', 'B'], /required option '--store <id>' not specified/],
    [['sku', 'import', '--store', 'sim-shop', path.join(dir, 'missing.csv')], /cannot read .*missing\.csv: no such file/],
    [['sku', 'import', '--store', 'sim-shop', badCsv], /line 2: expected "store_sku,ordermesh_sku", got "A,B,C"/],
    [['privacy', 'export'], /privacy export: give exactly one of --customer and --order/],
    [['privacy', 'export', '--customer', 'a@b.c', '--order', '1'], /privacy export: give exactly one of --customer and --order/],
    [['privacy', 'redact'], /privacy redact: give --customer or --store/],
    [['sku', 'set', '--store', 'sim-shop', 'A-1', 'bad sku'], /ORDERMESH_SKU: "bad sku" is not an OrderMesh SKU/],
    [['sku', 'import', '--store', 'sim-shop', badSkuCsv], /line 1: "-dash-first" is not an OrderMesh SKU/],
    [['reprocess', '--limit', 'abc'], /option '--limit <n>' argument 'abc' is invalid\. must be a whole number of at least 1/],
    [['reprocess', '--limit', '2.5'], /'--limit <n>' argument '2.5' is invalid/],
    [['reprocess', '--limit', '0'], /'--limit <n>' argument '0' is invalid/],
    [['demo', '--orders', 'abc'], /'--orders <n>' argument 'abc' is invalid/],
    [['backfill', '--store', 'sim-shop', '--since', '01/11/2026'], /--since: "01\/11\/2026" is not a date \(use YYYY-MM-DD/],
    [['backfill', '--store', 'sim-shop', '--since', '2026-02-30'], /--since: "2026-02-30" is not a date/],
    [['backfill', '--store', 'sim-shop', '--since', '2026-11-01T25:00'], /--since: "2026-11-01T25:00" is not a date/],
    [['backfill', '--store', 'sim-shop', '--since', '2026-11-01', '--until', 'Nov 2 2026'], /--until: "Nov 2 2026" is not a date/],
  ])('%j exits 2 naming what is wrong', async (args, message) => {
    const res = await cli(args as string[]);
    expect(res.code, res.stderr).toBe(2);
    const lines = res.stderr.trim().split('\n');
    expect(lines, res.stderr).toHaveLength(1);
    expect(lines[0]).toMatch(message);
  });
});

describe('a --store naming no store', () => {
  // Stores live in the ledger as well as in the file: an id the file lacks is looked up there first.
  const withDb = freshDatabaseUrl().then((url) => ({ DATABASE_URL: url }));
  it.each([
    ['backfill', '--store', 'nope', '--since', '2026-01-01'],
    ['reprocess', '--store', 'nope'],
    ['map', '--store', 'nope', '--order', '1'],
    ['sku', 'list', '--store', 'nope'],
    ['status', '--store', 'nope'],
    ['order', 'show', '1', '--store', 'nope'],
    ['reconcile', '--store', 'nope'],
    ['privacy', 'redact', '--store', 'nope'],
    ['shopify', 'register', '--store', 'nope'],
  ])('%j exits 2 listing the stores there are', async (...args) => {
    const res = await runCli([...args, '--config', file], await withDb);
    expect(res.code, res.stderr).toBe(2);
    expect(res.stderr.trim()).toBe('ordersync: --store: no store "nope" in the config or the ledger (sim-shop, fs-shop)');
  });
});

describe('date flags', () => {
  it.each([
    ['2026-11-01', '2026-11-01T00:00:00.000Z'],
    ['2026-11-01T08:30', '2026-11-01T08:30:00.000Z'],
    ['2026-11-01T08:30:15Z', '2026-11-01T08:30:15.000Z'],
    ['2026-11-01T08:30:15.250+02:00', '2026-11-01T06:30:15.250Z'],
    ['2024-02-29', '2024-02-29T00:00:00.000Z'],
  ])('%s is read as %s (no offset: UTC)', (value, iso) => {
    expect(dateFlag(value, '--since').toISOString()).toBe(iso);
  });

  it.each(['2025-02-29', '2026-13-01', '2026-1-5', '20261101', '2026-11-01 08:00', '1730419200', 'yesterday'])('%s is refused', (value) => {
    expect(() => dateFlag(value, '--since')).toThrow(UsageError);
  });
});

describe('no configuration given', () => {
  it.each([['start'], ['status'], ['reprocess'], ['backfill', '--store', 'x', '--since', '2026-01-01']])('%j exits 2 saying how to give one, before any connection', async (...args) => {
    const res = await runCli(args, { DATABASE_URL: 'postgres://127.0.0.1:9/none' });
    expect(res.code, res.stderr).toBe(2);
    expect(res.stderr.trim()).toBe(
      'config: --config: no configuration given: pass --config FILE or set ORDERSYNC_CONFIG (copy config/example.yaml to start one; `ordersync demo` needs none, `--config config/sim.yaml` talks to `ordersync sim`)',
    );
  });

  it('ORDERSYNC_CONFIG is read when --config is not given', async () => {
    const res = await runCli(['status', '--store', 'nope'], { ORDERSYNC_CONFIG: file, DATABASE_URL: await freshDatabaseUrl() });
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/--store: no store "nope" in the config or the ledger \(sim-shop, fs-shop\)/);
  });
});
