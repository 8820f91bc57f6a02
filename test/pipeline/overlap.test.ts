import { describe, expect, it } from 'vitest';
import { pullOrders } from '../../src/jobs/pull-orders.ts';
import { freshDb } from '../helpers/db.ts';
import { ordermeshSim } from '../helpers/ordermesh.ts';
import { config, pipelineConfigObject, startPipeline, STORE_ID } from '../helpers/pipeline.ts';
import { seedOrders, shopState, shopifySim } from '../helpers/shopify.ts';

const { url: dbUrl, db } = await freshDb();
const om = await ordermeshSim();
const shop = await shopifySim({ restoreRate: 1000 });
const service = await startPipeline(config(pipelineConfigObject(om, shop)), dbUrl, { workers: false });

const ops = async () => (await shopState(shop, true)).operations as Record<string, { requests: number; actualCost: number }>;
const delta = (a: Record<string, { requests: number }>, b: Record<string, { requests: number }>, op: string) => (b[op]?.requests ?? 0) - (a[op]?.requests ?? 0);

describe('the pull overlap', () => {
  it('re-reads only ids and update times, then by id just the orders that changed or are missing', async () => {
    const ids = await seedOrders(shop, { count: 300, seed: 61, spreadSeconds: 120 });
    await pullOrders(service.deps, STORE_ID);
    expect(Number((await db.selectFrom('orders').select(db.fn.countAll<string>().as('n')).executeTakeFirstOrThrow()).n)).toBe(300);

    // Nothing changed: the overlap costs id pages only.
    const before = await ops();
    await pullOrders(service.deps, STORE_ID);
    const quiet = await ops();
    expect(delta(before, quiet, 'OrdersUpdatedIds')).toBeGreaterThanOrEqual(1);
    expect(delta(before, quiet, 'OrdersByIds')).toBe(0);

    // One order the ledger holds an older copy of (a write it read before the last one), one it lost
    // track of (as if the search index had lagged at its first read): both are read, by id, together.
    const held = await db.selectFrom('orders').select(['store_updated_at']).where('store_order_id', '=', ids[10]!).executeTakeFirstOrThrow();
    await db.updateTable('orders').set({ store_updated_at: new Date(held.store_updated_at!.getTime() - 10_000), payload_hash: 'older' }).where('store_order_id', '=', ids[10]!).execute();
    await db.deleteFrom('events').where('order_id', 'in', db.selectFrom('orders').select('id').where('store_order_id', '=', ids[20]!)).execute();
    await db.deleteFrom('orders').where('store_order_id', '=', ids[20]!).execute();
    await pullOrders(service.deps, STORE_ID);
    const after = await ops();
    expect(delta(quiet, after, 'OrdersByIds')).toBe(1);
    const refreshed = await db.selectFrom('orders').select(['store_updated_at', 'payload_hash']).where('store_order_id', '=', ids[10]!).executeTakeFirstOrThrow();
    expect(refreshed.store_updated_at).toEqual(held.store_updated_at);
    expect(refreshed.payload_hash).not.toBe('older');
    expect(await db.selectFrom('orders').select('id').where('store_order_id', '=', ids[20]!).executeTakeFirst()).toBeDefined();
  });
});
