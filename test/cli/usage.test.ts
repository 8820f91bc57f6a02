import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.ts';
import { pipelineConfigObject, writePipelineConfig } from '../helpers/pipeline.ts';

/** Usage errors end before any connection: exit 2 and one line naming what is wrong (README "Exit codes"). */
const file = writePipelineConfig(pipelineConfigObject({ url: 'http://127.0.0.1:9' }, { url: 'http://127.0.0.1:9' }));
const dir = path.dirname(file);
const badCsv = path.join(dir, 'bad.csv');
writeFileSync(badCsv, 'store_sku,ordermesh_sku\nA,B,C\n');
const badSkuCsv = path.join(dir, 'bad-sku.csv');
writeFileSync(badSkuCsv, 'A-1,-dash-first\n');
// A database nobody listens on: a command that got as far as connecting would fail on it (exit 1), not 2.
const cli = (args: string[]) => runCli([...args, '--config', file], { DATABASE_URL: 'postgres://127.0.0.1:9/none' });

describe('usage errors', () => {
  it.each([
    [['backfill', '--store', 'nope', '--since', '2026-01-01'], /--store: no store "nope" in the config \(sim-shop\)/],
    [['backfill', '--store', 'sim-shop', '--since', 'last tuesday'], /--since: "last tuesday" is not a date/],
    [['backfill', '--store', 'sim-shop', '--since', '2026-02-01', '--until', '2026-01-01'], /--until must be after --since/],
    [['reprocess', '--state', 'broken'], /--state: unknown state "broken"/],
    [['reprocess', '--store', 'nope'], /--store: no store "nope"/],
    [['reprocess', '--since', 'soon'], /--since: "soon" is not a date/],
    [['map', '--store', 'sim-shop'], /map: give exactly one of --order and --input/],
    [['map', '--store', 'nope', '--order', '1'], /--store: no store "nope"/],
    [['sku', 'set', 'A', 'B'], /required option '--store <id>' not specified/],
    [['sku', 'list', '--store', 'nope'], /--store: no store "nope"/],
    [['sku', 'import', '--store', 'sim-shop', path.join(dir, 'missing.csv')], /cannot read .*missing\.csv: no such file/],
    [['sku', 'import', '--store', 'sim-shop', badCsv], /line 2: expected "store_sku,ordermesh_sku", got "A,B,C"/],
    [['status', '--store', 'nope'], /--store: no store "nope"/],
    [['sku', 'set', '--store', 'sim-shop', 'A-1', 'bad sku'], /ORDERMESH_SKU: "bad sku" is not an OrderMesh SKU/],
    [['sku', 'import', '--store', 'sim-shop', badSkuCsv], /line 1: "-dash-first" is not an OrderMesh SKU/],
  ])('%j exits 2 naming what is wrong', async (args, message) => {
    const res = await cli(args as string[]);
    expect(res.code, res.stderr).toBe(2);
    const lines = res.stderr.trim().split('\n');
    expect(lines, res.stderr).toHaveLength(1);
    expect(lines[0]).toMatch(message);
  });
});
