import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.ts';
import { freshDb } from '../helpers/db.ts';
import { ordermeshSim, simState } from '../helpers/ordermesh.ts';
import { declaredOutcomes, pipelineConfigObject, writePipelineConfig } from '../helpers/pipeline.ts';
import { post, seedOrders, shopState, shopifySim } from '../helpers/shopify.ts';

/** `ordersync order show`: one order's story, judged against what the simulators hold and the generator declared. */
const { url: dbUrl } = await freshDb();
const om = await ordermeshSim();
const shop = await shopifySim({ restoreRate: 1000 });
const file = writePipelineConfig(pipelineConfigObject(om, shop));
const cli = (args: string[]) => runCli([...args, '--config', file], { DATABASE_URL: dbUrl });

describe('ordersync order show', () => {
  it("tells a shipped order's story: state, timeline, OrderMesh's id, each package's tracking as written to the store, what was sent", async () => {
    const ids = await seedOrders(shop, { count: 12, seed: 5 });
    const declared = await declaredOutcomes(shop, ids);
    expect((await cli(['run', '--once'])).code).toBe(0);
    const omOrder = (await simState(om)).orders[0]!;
    await post(`${om.url}/_sim/orders/${omOrder.orderId}/ship`, { packages: 2 });
    expect((await cli(['run', '--once'])).code).toBe(0);
    const storeOrder = (await shopState(shop)).orderList.find((o: any) => o.id === omOrder.meta.shopifyOrderId);
    const tracking = (await simState(om)).orders.find((o: any) => o.orderId === omOrder.orderId).shipments.flatMap((s: any) => s.packages.map((p: any) => p.carrierTrackingNumber));

    for (const key of [storeOrder.name, storeOrder.name.slice(1), storeOrder.id, storeOrder.id.split('/').pop(), omOrder.safeId, String(omOrder.orderId)]) {
      const res = await cli(['order', 'show', key, '--json']);
      expect(res.code, `${key}: ${res.stderr}`).toBe(0);
      const story = JSON.parse(res.stdout);
      expect(story.order).toMatchObject({ name: storeOrder.name, storeOrderId: storeOrder.id, safeId: omOrder.safeId, ordermeshOrderId: String(omOrder.orderId) });
      if (key !== storeOrder.name) continue;
      expect(story.packages.map((p: any) => p.trackingNumber).sort()).toEqual([...tracking].sort());
      // Written back, as the store itself has it.
      const storeTracking = storeOrder.fulfillments.map((f: any) => f.tracking.number);
      for (const p of story.packages) expect(p.writtenBack?.trackingNumber).toBe(p.trackingNumber);
      expect(storeTracking.sort()).toEqual([...tracking].sort());
      expect(story.packages.map((p: any) => p.writtenBack.fulfillment).sort()).toEqual(storeOrder.fulfillments.map((f: any) => f.id).sort());
      expect(story.order.state).toBe('fulfilled');
      const path = story.timeline.filter((e: any) => e.kind === 'state' || e.kind === 'ingested').map((e: any) => e.to);
      expect(path[0]).toBe('pending');
      expect(path).toContain('submitted');
      expect(path.at(-1)).toBe('fulfilled');
      expect(story.timeline.filter((e: any) => e.kind === 'tracking_written')).toHaveLength(tracking.length);
      expect(story.payloads.sent.safeId).toBe(omOrder.safeId);
      expect(story.payloads.store.id).toBe(storeOrder.id);
    }
    const text = await cli(['order', 'show', storeOrder.name]);
    expect(text.stdout).toContain(`${storeOrder.name} (${storeOrder.id}) in store`);
    expect(text.stdout).toContain('state: fulfilled');
    for (const t of tracking) expect(text.stdout).toContain(t);
    expect(text.stdout).toContain('sent to OrderMesh:');
    expect((await cli(['order', 'show', storeOrder.name, '--no-payloads'])).stdout).not.toContain('sent to OrderMesh:');

    // A failed order shows why, with the reason the generator built into it.
    const failedId = [...declared].find(([, d]) => d.kind === 'failed')?.[0];
    expect(failedId).toBeDefined();
    const failed = JSON.parse((await cli(['order', 'show', failedId!, '--json'])).stdout);
    expect(failed.order.state).toBe('failed_mapping');
    expect((declared.get(failedId!) as { codes: string[] }).codes).toContain(failed.order.lastError.code);
    expect(failed.order.ordermeshOrderId).toBeNull();
  });

  it('an order not in the ledger exits 1 saying so; an unknown store exits 2', async () => {
    const res = await cli(['order', 'show', '#99999']);
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('no order "#99999" in the ledger');
    const bad = await cli(['order', 'show', '#1001', '--store', 'nope']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--store: no store "nope"/);
  });
});
