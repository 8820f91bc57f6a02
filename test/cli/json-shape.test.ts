import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.ts';
import { freshDb } from '../helpers/db.ts';
import { ordermeshSim } from '../helpers/ordermesh.ts';
import { pipelineConfigObject, STORE_ID, writePipelineConfig } from '../helpers/pipeline.ts';
import { seedOrders, shopifySim } from '../helpers/shopify.ts';

/** Every command's `--json` is one object, `{ summary: {...}, items: [...] }` (issue 36, README "Machine-readable output"). */
const { url: dbUrl } = await freshDb();
const om = await ordermeshSim();
const shop = await shopifySim({ restoreRate: 1000, bulkDelayMs: 20 });
const file = writePipelineConfig(pipelineConfigObject(om, shop));
const cli = (args: string[]) => runCli([...args, '--json', '--config', file], { DATABASE_URL: dbUrl });
await seedOrders(shop, { count: 10, seed: 5 });

const COMMANDS: Array<[string[], number[]]> = [
  [['run', '--once'], [0]],
  [['backfill', '--store', STORE_ID, '--since', new Date(Date.now() - 3600_000).toISOString()], [0]],
  [['reprocess', '--dry-run'], [0]],
  [['status'], [0]],
  [['sku', 'list', '--store', STORE_ID], [0]],
  // Exit 1 (unknown SKUs) or 2 (no catalogue for the merchant) is a finding, still reported as one object.
  [['sku', 'check', '--store', STORE_ID], [0, 1, 2]],
  [['reconcile', '--store', STORE_ID], [0, 1]],
];

describe('--json is { summary, items } everywhere', () => {
  for (const [args, codes] of COMMANDS) {
    it(args.slice(0, 2).join(' '), async () => {
      const res = await cli(args);
      expect(codes, res.stdout + res.stderr).toContain(res.code);
      const out = JSON.parse(res.stdout);
      expect(out.summary).toBeTypeOf('object');
      expect(out.summary).not.toBeNull();
      expect(Array.isArray(out.items)).toBe(true);
    }, 120_000);
  }
});
