import { SIM_DEFAULTS } from '../../src/sim/defaults.ts';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { Q } from '../../src/jobs/queues.ts';
import { freshDb } from '../helpers/db.ts';
import { ordermeshSim, simState } from '../helpers/ordermesh.ts';
import { config, declaredOutcomes, eventually, judgeOrderMesh, pipelineConfigObject, startPipeline, STORE_ID } from '../helpers/pipeline.ts';
import { post, seedOrders, shopState, shopifySim } from '../helpers/shopify.ts';

const { url: dbUrl, db } = await freshDb();
const om = await ordermeshSim();
const shop = await shopifySim({ restoreRate: 1000 });
const service = await startPipeline(config(pipelineConfigObject(om, shop)), dbUrl);
const base = `http://127.0.0.1:${service.port}`;
await post(`${shop.url}/_sim/settings`, { webhookUrl: `${base}/webhooks/shopify` });
await post(`${om.url}/_sim/settings`, { webhookUrl: `${base}/webhooks/ordermesh/${SIM_DEFAULTS.webhookSecret}` });

const counts = async () =>
  Object.fromEntries((await db.selectFrom('orders').select(['state', (eb) => eb.fn.countAll<string>().as('n')]).groupBy('state').execute()).map((r) => [r.state, Number(r.n)]));
const busy = async () => {
  const c = await counts();
  return (c.pending ?? 0) + (c.submitting ?? 0);
};

describe('the pipeline end to end, both simulators and a real Postgres', () => {
  it('pulls, maps, submits, carries over cancellations and new addresses, ships and writes tracking back, exactly once each', async () => {
    const ids = await seedOrders(shop, { count: Number(process.env.E2E_ORDERS ?? 500), seed: 2026, spreadSeconds: 600 });
    await service.boss.send(Q.pullOrders, { storeId: STORE_ID }, { singletonKey: STORE_ID });
    await eventually(async () => (await db.selectFrom('orders').select(db.fn.countAll<string>().as('n')).executeTakeFirstOrThrow()).n === String(process.env.E2E_ORDERS ?? 500) && (await busy()) === 0, async () => JSON.stringify(await counts()), 120_000);

    // After submission: some orders are cancelled, some re-addressed in the store (webhooks tell us).
    const submitted = await db.selectFrom('orders').select(['store_order_id', 'safe_id']).where('state', '=', 'submitted').orderBy('id').limit(10).execute();
    const cancelled = submitted.slice(0, 4);
    const readdressed = submitted.slice(4, 7);
    for (const o of cancelled) await post(`${shop.url}/_sim/orders/${encodeURIComponent(o.store_order_id)}/cancel`);
    for (const o of readdressed) await post(`${shop.url}/_sim/orders/${encodeURIComponent(o.store_order_id)}/update`, { shippingAddress: { address1: '99 Changed Rd' } });
    await eventually(
      async () => {
        const states = await db.selectFrom('orders').select(['state']).where('safe_id', 'in', cancelled.map((c) => c.safe_id)).execute();
        return states.every((s) => s.state === 'cancelled');
      },
      async () => JSON.stringify(await counts()),
    );
    await eventually(
      async () => {
        const st = await simState(om);
        return readdressed.every((r) => st.orders.find((o: any) => o.safeId === r.safe_id)?.shippingAddress.line1 === '99 Changed Rd');
      },
      () => 'addresses never reached OrderMesh',
    );

    // OrderMesh produces and ships everything; its webhooks trigger shipment polls and write-back.
    for (let i = 0; i < 3; i++) await post(`${om.url}/_sim/advance`);
    await service.boss.send(Q.pollShipments, {}, { singletonKey: 'sweep' });
    await eventually(
      async () => {
        const c = await counts();
        return (c.submitted ?? 0) + (c.in_production ?? 0) === 0;
      },
      async () => JSON.stringify(await counts()) + JSON.stringify((await sql`select name, state, singleton_key, count(*)::int from pgboss.job group by 1,2,3 order by 1`.execute(db)).rows),
      120_000,
    );

    // Judged from OrderMesh: each order declared sent is there once with its declared total, nothing
    // else is, no safeId was asked for twice; and the ledger agrees with what OrderMesh holds.
    expect(await judgeOrderMesh(om, await declaredOutcomes(shop, ids))).toEqual([]);
    const ledger = await db.selectFrom('orders').selectAll().execute();
    const st = await simState(om);
    const withOm = ledger.filter((o) => o.ordermesh_order_id);
    expect(st.orders.length).toBe(withOm.length);
    for (const o of withOm) expect(st.orders.find((x: any) => x.safeId === o.safe_id)?.orderId).toBe(o.ordermesh_order_id);

    // Every order ended somewhere explained; every failure has a reason.
    const c = await counts();
    expect(Object.keys(c).sort()).toEqual(expect.arrayContaining(['cancelled', 'failed_mapping', 'fulfilled']));
    for (const o of ledger.filter((x) => ['failed_mapping', 'rejected', 'failed', 'needs_attention'].includes(x.state))) {
      expect(o.last_error_code, o.safe_id).toMatch(/^[A-Z_]+$/);
      expect(o.last_error_message).toBeTruthy();
    }
    expect(ledger.filter((o) => o.state === 'failed_mapping').map((o) => o.last_error_code)).toEqual(expect.arrayContaining(['MISSING_SKU']));

    // Cancellations reached OrderMesh.
    for (const o of cancelled) expect(st.orders.find((x: any) => x.safeId === o.safe_id).status).toBe('Cancelled');

    // Every package produced exactly one Shopify fulfilment, with its tracking.
    const packages = await db.selectFrom('packages').selectAll().execute();
    expect(packages.length).toBeGreaterThan(Number(process.env.E2E_ORDERS ?? 500) * 0.6);
    const shopOrders = (await shopState(shop)).orderList as Array<{ id: string; fulfillments: Array<{ tracking: { number: string } }> }>;
    const byTracking = new Map<string, number>();
    for (const so of shopOrders) for (const f of so.fulfillments) byTracking.set(f.tracking.number, (byTracking.get(f.tracking.number) ?? 0) + 1);
    for (const p of packages) {
      expect(p.written_tracking_number).toBe(p.tracking_number);
      expect(byTracking.get(p.tracking_number!)).toBe(1);
    }
    expect([...byTracking.values()].reduce((a, n) => a + n, 0)).toBe(packages.length);
  }, 300_000);
});
