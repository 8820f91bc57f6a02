import { describe, expect, it } from 'vitest';
import { pollShipments } from '../../src/jobs/poll-shipments.ts';
import { pullOrders } from '../../src/jobs/pull-orders.ts';
import { submitOrders } from '../../src/jobs/submit-orders.ts';
import { runCli } from '../helpers/cli.ts';
import { freshDb } from '../helpers/db.ts';
import { clientFor, ordermeshSim, simState } from '../helpers/ordermesh.ts';
import { config, eventually, pipelineConfigObject, startPipeline, stateCounts, STORE_ID, writePipelineConfig } from '../helpers/pipeline.ts';
import { explicitOrder, post, shopifySim } from '../helpers/shopify.ts';

/**
 * `reconcile --fix` against an OrderMesh that does not have the ledger's orders (issue 34): another
 * environment, other credentials, or orders OrderMesh purged. Three orders go through the live OrderMesh
 * (one shipped and written back: fulfilled); the live service stops; reconcile then runs against fresh
 * simulators, and whatever it puts back to pending is submitted by a service on that simulator. Judged
 * by the ledger and by the simulators' create requests.
 */
const { url: dbUrl, db } = await freshDb();
const liveOm = await ordermeshSim();
const shop = await shopifySim({ restoreRate: 1000 });
const live = await startPipeline(config(pipelineConfigObject(liveOm, shop)), dbUrl);
const env = { DATABASE_URL: dbUrl };
const mug = { sku: 'MUG-11OZ-WHITE', variant: { id: 'gid://shopify/ProductVariant/1', sku: 'MUG-11OZ-WHITE' } as never, quantity: 1, currentQuantity: 1, unfulfilledQuantity: 1 };
const ledger = async () => Object.fromEntries((await db.selectFrom('orders').select(['safe_id', 'state', 'ordermesh_order_id']).execute()).map((r) => [r.safe_id, { state: r.state, ordermeshOrderId: r.ordermesh_order_id }]));
const eventCount = async () => (await db.selectFrom('events').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow()).n;

/** Another OrderMesh (fresh simulator), a config naming it, and a service on it that only submits when told. */
async function elsewhere() {
  const om = await ordermeshSim();
  const cfgFile = writePipelineConfig(pipelineConfigObject(om, shop));
  const service = await startPipeline(config(pipelineConfigObject(om, shop)), dbUrl, { workers: false });
  return { om, cfgFile, submit: () => submitOrders(service.deps, STORE_ID) };
}

// ---- through the live OrderMesh: three orders submitted, the first shipped and written back
await post(`${shop.url}/_sim/orders`, { orders: Array.from({ length: 3 }, () => explicitOrder({}, [mug])) });
await eventually(async () => (await pullOrders(live.deps, STORE_ID), await submitOrders(live.deps, STORE_ID), (await stateCounts(db)).submitted === 3), async () => JSON.stringify(await stateCounts(db)));
const [shipped, ...open] = (await simState(liveOm)).orders as Array<{ orderId: string; safeId: string }>;
await post(`${liveOm.url}/_sim/orders/${shipped!.orderId}/ship`, {});
await eventually(async () => (await pollShipments(live.deps), (await ledger())[shipped!.safeId]!.state === 'fulfilled'), async () => JSON.stringify(await ledger()), 60_000);
await live.stop();
const FULFILLED = shipped!.safeId;
const [B, C] = open.map((o) => o.safeId) as [string, string];
const other = await elsewhere();
const stranger = await elsewhere();

describe('reconcile --fix against an OrderMesh without the ledger\'s orders', () => {
  it('leaves a fulfilled order OrderMesh no longer has fulfilled, and never submits it again', async () => {
    // This OrderMesh knows one of the orders (so it is not a stranger): the others are missing from it.
    const row = await db.selectFrom('orders').select('mapped_payload').where('safe_id', '=', B).executeTakeFirstOrThrow();
    const client = clientFor(other.om);
    await client.createOrder(row.mapped_payload as never);
    client.close();
    const before = await ledger();

    const fix = await runCli(['reconcile', '--store', STORE_ID, '--fix', '--json', '--config', other.cfgFile], env);
    expect(fix.code, fix.stderr).toBe(0);
    await other.submit();

    const after = await ledger();
    expect(after[FULFILLED]).toEqual(before[FULFILLED]); // still fulfilled, still linked to the live OrderMesh's order
    expect(after[C]!.state).toBe('submitted'); // not final: submitted again, to this OrderMesh
    const st = await simState(other.om);
    expect(st.createRequestsBySafeId[FULFILLED]).toBeUndefined();
    expect(st.createRequestsBySafeId[C]).toBe(1);
    // Reported as missing in OrderMesh, and as left alone.
    const report = JSON.parse(fix.stdout);
    expect(report.items.filter((d: any) => d.kind === 'missingInOrderMesh').map((d: any) => d.safeId).sort()).toEqual([FULFILLED, C].sort());
    expect(report.items.find((d: any) => d.kind === 'missingInOrderMesh' && d.safeId === FULFILLED).fixed).toMatch(/final/);
    expect(report.summary.ordermeshKnowsNone).toBe(false);
  });

  it('refuses to fix anything when OrderMesh knows none of the linked orders, and with --even-if-ordermesh-knows-none resubmits only the non-final ones', async () => {
    const before = await ledger();
    const events = await eventCount();

    const refused = await runCli(['reconcile', '--store', STORE_ID, '--fix', '--config', stranger.cfgFile], env);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/wrong OrderMesh environment, credentials or merchant/);
    expect(refused.stdout).toMatch(/OrderMesh has none of the orders the ledger links to it/);
    await stranger.submit();
    expect(await ledger()).toEqual(before);
    expect(await eventCount()).toBe(events);
    expect((await simState(stranger.om)).createRequestsBySafeId).toEqual({});

    const forced = await runCli(['reconcile', '--store', STORE_ID, '--fix', '--even-if-ordermesh-knows-none', '--json', '--config', stranger.cfgFile], env);
    expect(forced.code, forced.stderr).toBe(0);
    expect(JSON.parse(forced.stdout).summary).toMatchObject({ ordermeshKnowsNone: true, refused: null, fixed: true });
    await stranger.submit();
    const after = await ledger();
    expect(after[FULFILLED]).toEqual(before[FULFILLED]);
    expect([after[B]!.state, after[C]!.state]).toEqual(['submitted', 'submitted']);
    expect((await simState(stranger.om)).createRequestsBySafeId).toEqual({ [B]: 1, [C]: 1 });
  });

  it('takes --even-if-ordermesh-knows-none only with --fix', async () => {
    const r = await runCli(['reconcile', '--store', STORE_ID, '--even-if-ordermesh-knows-none', '--config', writePipelineConfig(pipelineConfigObject(liveOm, shop))], env);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/only with --fix/);
  });
});
