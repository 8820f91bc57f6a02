import { describe, expect, it } from 'vitest';
import { pullOrders } from '../../src/jobs/pull-orders.ts';
import { submitOrders } from '../../src/jobs/submit-orders.ts';
import { syncHolds } from '../../src/jobs/sync-holds.ts';
import { reconcileStore } from '../../src/ops/reconcile.ts';
import { freshDb } from '../helpers/db.ts';
import { ordermeshSim } from '../helpers/ordermesh.ts';
import { config, eventually, pipelineConfigObject, startPipeline, STORE_ID } from '../helpers/pipeline.ts';
import { explicitOrder, post, shopifySim } from '../helpers/shopify.ts';

/**
 * Holds and reconcile agree on what "OrderMesh has the order" means (issue 35: reconcile's own set left
 * out `on_hold`, so an order on OrderMesh's Customer Care Hold, its id the one OrderMesh has, was
 * reported "unlinked" and `--fix` re-linked it as submitted behind the holds job's back). OrderMesh
 * releases its hold before the holds job has run: the ledger is behind, not unlinked; reconcile leaves
 * the order to the holds job, which gives it back. No workers and no webhooks: each job runs when called.
 */
const { url: dbUrl, db } = await freshDb();
const om = await ordermeshSim();
const shop = await shopifySim({ restoreRate: 1000 });
const service = await startPipeline(config(pipelineConfigObject(om, shop)), dbUrl, { workers: false });
const deps = service.deps;
const row = (id: string) => db.selectFrom('orders').select(['safe_id', 'state', 'hold_source', 'ordermesh_order_id']).where('store_order_id', '=', id).executeTakeFirstOrThrow();
/** The order's state changes, in order: what each job did to it. */
const moves = async (orderId: string) =>
  (await db.selectFrom('events').innerJoin('orders', 'orders.id', 'events.order_id').select(['events.from_state', 'events.to_state']).where('orders.store_order_id', '=', orderId).where('events.to_state', 'is not', null).orderBy('events.id').execute()).map((e) => `${e.from_state}→${e.to_state}`);

describe('reconcile and holds on one definition of "in OrderMesh"', () => {
  it('an order whose OrderMesh hold was released before the holds job ran is behind, not unlinked: --fix leaves it to the holds job', async () => {
    const o = explicitOrder({}, [{ sku: 'MUG-11OZ-WHITE', variant: { id: 'gid://shopify/ProductVariant/1', sku: 'MUG-11OZ-WHITE' } as never, quantity: 1, currentQuantity: 1, unfulfilledQuantity: 1 }]);
    await post(`${shop.url}/_sim/orders`, { orders: [o] });
    await eventually(async () => (await pullOrders(deps, STORE_ID), await submitOrders(deps, STORE_ID), (await row(o.id)).state === 'submitted'), async () => JSON.stringify(await row(o.id)));
    const { safe_id: safeId, ordermesh_order_id: omId } = await row(o.id);

    await post(`${om.url}/_sim/orders/${omId}/hold`);
    await syncHolds(deps, STORE_ID);
    expect(await row(o.id)).toMatchObject({ state: 'on_hold', hold_source: 'ordermesh', ordermesh_order_id: omId });

    await post(`${om.url}/_sim/orders/${omId}/release`);
    const movesBefore = await moves(o.id);
    const report = await reconcileStore(deps, STORE_ID, { fix: true });
    expect(report.unlinked).toEqual([]);
    expect(report.stateDisagrees.map((d) => d.safeId)).toEqual([safeId]);
    expect(await row(o.id)).toMatchObject({ state: 'on_hold', ordermesh_order_id: omId });

    await syncHolds(deps, STORE_ID);
    expect(await row(o.id)).toMatchObject({ state: 'submitted', hold_source: null, ordermesh_order_id: omId });
    // The release is the one move since the hold; reconcile made none.
    expect(await moves(o.id)).toEqual([...movesBefore, 'on_hold→submitted']);
  });
});
