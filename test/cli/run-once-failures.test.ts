import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.ts';
import { freshDb } from '../helpers/db.ts';
import { ordermeshSim } from '../helpers/ordermesh.ts';
import { pipelineConfigObject, STORE_ID, writePipelineConfig } from '../helpers/pipeline.ts';
import { post, shopifySim } from '../helpers/shopify.ts';

/**
 * `run --once` from a scheduler, which sees its exit code alone: a step that fails (here the
 * fulfilment-request scan of a fulfillment-service store, Shopify refusing it) ends the run non-zero,
 * naming the step, not "nothing to do".
 */
const FS_SCOPES = ['read_orders', 'read_assigned_fulfillment_orders', 'write_assigned_fulfillment_orders', 'write_fulfillments'];
const { url: dbUrl } = await freshDb();
const om = await ordermeshSim();
const shop = await shopifySim({ restoreRate: 1000 });
const base = pipelineConfigObject(om, shop) as any;
const file = writePipelineConfig({
  ...base,
  stores: [{ ...base.stores[0], mode: 'fulfillment-service', fulfillmentService: { name: 'OrderMesh Print' } }],
  server: { ...base.server, publicUrl: 'http://127.0.0.1:9' },
});
const cli = (args: string[]) => runCli([...args, '--config', file], { DATABASE_URL: dbUrl });
await post(`${shop.url}/_sim/settings`, { scopes: FS_SCOPES });
await cli(['migrate']);
const registered = await cli(['shopify', 'register', '--store', STORE_ID]);
expect(registered.code, registered.stdout + registered.stderr).toBe(0);

describe('run --once fails loudly when a step fails', () => {
  it('a fulfilment-request scan Shopify refuses makes the run exit non-zero, naming the step and the store', async () => {
    const ok = await cli(['run', '--once']);
    expect(ok.code, ok.stdout + ok.stderr).toBe(0);
    expect(ok.stdout).not.toContain('FAILED');

    await post(`${shop.url}/_sim/faults`, { AssignedFulfillmentOrders: { status403: 1 } });
    try {
      const text = await cli(['run', '--once']);
      expect(text.code, text.stdout + text.stderr).toBe(1);
      expect(text.stdout).toContain(`FAILED scan-fulfillment-requests (store ${STORE_ID})`);
      expect(text.stdout).toContain('run incomplete: 1 step(s) failed: scan-fulfillment-requests');
      expect(text.stdout).not.toContain('nothing to do');

      const json = await cli(['run', '--once', '--json']);
      expect(json.code, json.stderr).toBe(1);
      expect(JSON.parse(json.stdout).failed).toEqual([expect.objectContaining({ step: 'scan-fulfillment-requests', storeId: STORE_ID })]);
    } finally {
      await post(`${shop.url}/_sim/faults`, {});
    }
  });
});
