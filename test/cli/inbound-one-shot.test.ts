import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.ts';
import { freshDb } from '../helpers/db.ts';
import { ordermeshSim, simState } from '../helpers/ordermesh.ts';
import { pipelineConfigObject, STORE_ID, writePipelineConfig } from '../helpers/pipeline.ts';
import { explicitOrder, post, shopifySim } from '../helpers/shopify.ts';

/**
 * A one-shot command in inbound mode (issue 36): it has no endpoint for OrderMesh's OrderCreation
 * webhook, so it reads the verdict by safeId while it waits instead of waiting out the 15-minute
 * backstop (jobs.inboundTimeoutSeconds, left at its default here). OrderMesh's webhooks are off.
 */
const { url: dbUrl, db } = await freshDb();
const om = await ordermeshSim();
const shop = await shopifySim({ restoreRate: 1000, bulkDelayMs: 20 });
await post(`${om.url}/_sim/transformations`, { id: 'tr-mapped', kind: 'mapped' });
const base = pipelineConfigObject(om, shop) as any;
const { inboundTimeoutSeconds: _default, ...jobs } = base.jobs;
const file = writePipelineConfig({ ...base, jobs, stores: [{ ...base.stores[0], submit: { mode: 'inbound', transformationId: 'tr-mapped', body: 'mapped' } }] });
const cli = (args: string[]) => runCli([...args, '--config', file], { DATABASE_URL: dbUrl });
const place = async () => {
  const sku = 'MUG-11OZ-WHITE';
  const o = explicitOrder({}, [{ sku, variant: { id: 'gid://shopify/ProductVariant/1', sku } as never, quantity: 2, currentQuantity: 2, unfulfilledQuantity: 2 }]);
  await post(`${shop.url}/_sim/orders`, { orders: [o] });
  return o.id;
};
const row = (id: string) => db.selectFrom('orders').select(['state', 'safe_id', 'ordermesh_order_id', 'inbound_sent_at']).where('store_order_id', '=', id).executeTakeFirstOrThrow();

describe('a one-shot in inbound mode, no webhook', () => {
  it('run --once ends with the order submitted, read by safeId, sent once', async () => {
    const id = await place();
    const res = await cli(['run', '--once', '--json']);
    expect(res.code, res.stdout + res.stderr).toBe(0);
    const r = await row(id);
    expect(r).toMatchObject({ state: 'submitted', inbound_sent_at: null });
    const made = (await simState(om)).orders.filter((o: any) => o.safeId === r.safe_id);
    expect(made).toHaveLength(1);
    expect(r.ordermesh_order_id).toBe(made[0].orderId);
    const settled = JSON.parse(res.stdout).items.find((s: any) => s.storeId === STORE_ID).settled;
    expect(settled).toMatchObject({ busy: 0, submitted: 1 });
  }, 120_000);

  it('backfill ends with the range submitted the same way', async () => {
    const since = new Date(Date.now() - 2000).toISOString();
    const id = await place();
    const res = await cli(['backfill', '--store', STORE_ID, '--since', since, '--json']);
    expect(res.code, res.stdout + res.stderr).toBe(0);
    expect(await row(id)).toMatchObject({ state: 'submitted', inbound_sent_at: null });
    expect(JSON.parse(res.stdout).summary.settled).toMatchObject({ total: 1, submitted: 1, busy: 0 });
  }, 120_000);
});
