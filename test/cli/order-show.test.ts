import { describe, expect, it } from 'vitest';
import { ingestOrders } from '../../src/db/orders.ts';
import { fixFor } from '../../src/fixes.ts';
import { runCli } from '../helpers/cli.ts';
import { freshDb } from '../helpers/db.ts';
import { order } from '../mapping/cases.ts';
import { ordermeshSim, simState } from '../helpers/ordermesh.ts';
import { declaredOutcomes, pipelineConfigObject, STORE_ID, writePipelineConfig } from '../helpers/pipeline.ts';
import { post, seedOrders, shopState, shopifySim } from '../helpers/shopify.ts';

/** `ordersync order show`: one order's story, judged against what the simulators hold and the generator declared. */
const { url: dbUrl, db } = await freshDb();
const om = await ordermeshSim();
const shop = await shopifySim({ restoreRate: 1000 });
const file = writePipelineConfig(pipelineConfigObject(om, shop));
const cli = (args: string[]) => runCli([...args, '--config', file], { DATABASE_URL: dbUrl });

/** What the text says about attempts: the head's count and the timeline's numbered attempts. */
function attemptsIn(text: string): { counted: number; shown: number } {
  return { counted: Number(/, (\d+) submission attempt\(s\)/.exec(text)?.[1] ?? 0), shown: text.match(/submission attempt \d+ {2}/g)?.length ?? 0 };
}

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
    const lines = text.stdout.split('\n');
    expect(lines[0]).toBe(`${storeOrder.name} (${storeOrder.id}) in store ${STORE_ID}`);
    expect(lines[1]).toMatch(/^ {2}state: fulfilled since \S+, 1 submission attempt\(s\)$/);
    expect(lines.indexOf('timeline:')).toBeLessThan(lines.indexOf('packages:'));
    for (const t of tracking) expect(text.stdout).toContain(t);
    // The payloads are hundreds of lines: not in the default text, nor any piece of them.
    for (const absent of ['sent to OrderMesh:', 'store order as last read:', '"lineItems"', `"safeId": "${omOrder.safeId}"`]) expect(text.stdout).not.toContain(absent);
    // Its hold window (none: holdMinutes 0) ended when it was created: it is not held.
    expect(text.stdout).not.toContain('held until');
    expect(attemptsIn(text.stdout)).toEqual({ counted: 1, shown: 1 });
    const full = (await cli(['order', 'show', storeOrder.name, '--payloads'])).stdout;
    expect(full.startsWith(text.stdout.slice(0, text.stdout.indexOf('\nOrderMesh notes:')))).toBe(true);
    for (const present of ['sent to OrderMesh:', 'store order as last read:', '"lineItems"', `"safeId": "${omOrder.safeId}"`]) expect(full).toContain(present);
    expect((await cli(['order', 'show', storeOrder.name, '--no-payloads'])).stdout).not.toContain('sent to OrderMesh:');

    // A failed order shows why, with the reason the generator built into it.
    const failedId = [...declared].find(([, d]) => d.kind === 'failed')?.[0];
    expect(failedId).toBeDefined();
    const failed = JSON.parse((await cli(['order', 'show', failedId!, '--json'])).stdout);
    expect(failed.order.state).toBe('failed_mapping');
    expect((declared.get(failedId!) as { codes: string[] }).codes).toContain(failed.order.lastError.code);
    expect(failed.order.ordermeshOrderId).toBeNull();
  }, 240_000);

  it('counts the attempts the timeline shows, and puts the last error and its fix before the timeline', async () => {
    // Reprocessed without a fix, a failed order fails again: its retry budget starts over, the attempts shown do not.
    const failedId = (await db.selectFrom('orders').select('store_order_id').where('state', '=', 'failed_mapping').orderBy('id').executeTakeFirstOrThrow()).store_order_id;
    expect((await cli(['reprocess', '--store', STORE_ID, '--state', 'failed_mapping'])).code).toBe(0);
    const again = JSON.parse((await cli(['order', 'show', failedId, '--json', '--no-ordermesh'])).stdout);
    expect(again.order.state).toBe('failed_mapping');
    const claims = again.timeline.filter((e: any) => e.kind === 'state' && e.from === 'pending' && e.to === 'submitting');
    expect(claims).toHaveLength(2);
    expect(again.order.attempts).toBe(2);
    const failedText = (await cli(['order', 'show', failedId, '--no-ordermesh'])).stdout;
    expect(attemptsIn(failedText)).toEqual({ counted: 2, shown: 2 });
    const [, state, lastError, fix] = failedText.split('\n');
    expect(state).toContain('state: failed_mapping');
    expect(lastError).toBe(`  last error: ${again.order.lastError.code}: ${again.order.lastError.message}`);
    expect(fix).toBe(`  fix: ${fixFor(again.order.lastError.code)}`);
  }, 180_000);

  it('says "held until" while the hold window is ahead, not after', async () => {
    const held = order({ id: 'gid://shopify/Order/424242', name: '#HELD-1', createdAt: new Date().toISOString() });
    await db.transaction().execute((trx) => ingestOrders(trx, { id: STORE_ID, holdMinutes: 60 }, [held], 'test'));
    const row = await db.selectFrom('orders').select(['state', 'hold_until']).where('store_order_name', '=', '#HELD-1').executeTakeFirstOrThrow();
    expect(row.state).toBe('pending');
    expect((await cli(['order', 'show', '#HELD-1', '--no-ordermesh'])).stdout).toContain(`  held until ${row.hold_until!.toISOString()}\n`);

    // The same window, already over: the order is waiting for the next submission, not held.
    const over = order({ id: 'gid://shopify/Order/434343', name: '#HELD-2', createdAt: new Date(Date.now() - 2 * 3_600_000).toISOString() });
    await db.transaction().execute((trx) => ingestOrders(trx, { id: STORE_ID, holdMinutes: 60 }, [over], 'test'));
    const past = await db.selectFrom('orders').select(['state', 'hold_until']).where('store_order_name', '=', '#HELD-2').executeTakeFirstOrThrow();
    expect(past).toMatchObject({ state: 'pending', hold_until: expect.any(Date) });
    expect((await cli(['order', 'show', '#HELD-2', '--no-ordermesh'])).stdout).not.toContain('held until');
  }, 120_000);

  it('an order not in the ledger exits 1 saying so; an unknown store exits 2', async () => {
    const res = await cli(['order', 'show', '#99999']);
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('no order "#99999" in the ledger');
    const bad = await cli(['order', 'show', '#1001', '--store', 'nope']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--store: no store "nope"/);
  });
});
