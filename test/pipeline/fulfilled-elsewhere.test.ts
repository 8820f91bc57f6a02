import { describe, expect, it } from 'vitest';
import { ingestOrders } from '../../src/db/orders.ts';
import { ingestAndEnqueue } from '../../src/jobs/pull-orders.ts';
import { Q } from '../../src/jobs/queues.ts';
import { freshDb } from '../helpers/db.ts';
import { ordermeshSim, simState } from '../helpers/ordermesh.ts';
import { config, eventually, pipelineConfigObject, startPipeline, STORE_ID } from '../helpers/pipeline.ts';
import { explicitOrder, shopifySim } from '../helpers/shopify.ts';

/**
 * Units the merchant fulfils elsewhere between our first read and the submission (issue 34): the copy
 * read again differs only in `unfulfilledQuantity`, and it is what OrderMesh must be sent. Judged from
 * what the OrderMesh simulator holds.
 */
const { url: dbUrl, db } = await freshDb();
const om = await ordermeshSim();
const shop = await shopifySim({ restoreRate: 1000 });
const service = await startPipeline(config(pipelineConfigObject(om, shop)), dbUrl);

describe('units fulfilled elsewhere before submission', () => {
  it('are not sent: the copy differing only in unfulfilledQuantity replaces the stored one', async () => {
    const first = explicitOrder({ name: '#FULFILLED-ELSEWHERE' }, [{ quantity: 2, currentQuantity: 2, unfulfilledQuantity: 2 }]);
    // Read with 2 units to make, and held (the service's submit jobs leave it alone meanwhile).
    await db.transaction().execute((trx) => ingestOrders(trx, { id: STORE_ID, holdMinutes: 60 }, [first], 'test'));
    // During the hold window the merchant fulfils 1 unit elsewhere; the pull reads the order again.
    const updatedAt = new Date(Date.parse(first.updatedAt) + 60_000).toISOString().replace('.000Z', 'Z');
    const fulfilledOne = { ...first, updatedAt, displayFulfillmentStatus: 'PARTIALLY_FULFILLED', lineItems: first.lineItems.map((li) => ({ ...li, unfulfilledQuantity: 1 })) };
    const res = await ingestAndEnqueue(service.deps, STORE_ID, [fulfilledOne]);
    expect(res).toMatchObject({ inserted: 0, updated: 1, unchanged: 0 });

    const held = await db.updateTable('orders').set({ hold_until: new Date(Date.now() - 1000) }).where('store_order_id', '=', first.id).returning(['id', 'safe_id', 'state']).executeTakeFirstOrThrow();
    expect(held.state).toBe('pending');
    await service.boss.send(Q.submitOrders, { storeId: STORE_ID });
    const sent = await eventually(
      async () => (await simState(om)).orders.find((o: any) => o.safeId === held.safe_id) ?? false,
      async () => `ledger: ${(await db.selectFrom('orders').select('state').where('id', '=', held.id).executeTakeFirst())?.state}`,
    );
    expect(sent.items.map((i: any) => i.quantity)).toEqual([1]);
  });
});
