import { describe, expect, it } from 'vitest';
import { fetchOrder } from '../../src/connectors/shopify/pull-orders.ts';
import { claimPendingOrders, ingestOrders } from '../../src/db/orders.ts';
import { reconcileSubmitting } from '../../src/jobs/reconcile-submitting.ts';
import { reprocess } from '../../src/jobs/reprocess.ts';
import { mapOrder } from '../../src/mapping/registry.ts';
import { recordDeadLetter } from '../../src/jobs/dead-letters.ts';
import { formatStatus, statusReport } from '../../src/db/status.ts';
import { Q } from '../../src/jobs/queues.ts';
import { buildStores, loadMappers } from '../../src/stores.ts';
import { parseConfig, resolveSecrets } from '../../src/config/load.ts';
import { createLogger } from '../../src/log.ts';
import { order } from '../mapping/cases.ts';
import { freshDb } from '../helpers/db.ts';
import { ordermeshSim, simState } from '../helpers/ordermesh.ts';
import { config, eventually, pipelineConfigObject, startPipeline, stateCounts, STORE_ID } from '../helpers/pipeline.ts';
import { explicitOrder, post, seedOrders, shopifySim, shopState } from '../helpers/shopify.ts';

const { url: dbUrl, db } = await freshDb();
const om = await ordermeshSim();
const shop = await shopifySim({ restoreRate: 1000 });
const service = await startPipeline(config(pipelineConfigObject(om, shop)), dbUrl);
const deps = service.deps;

describe('ledger rules', () => {
  it('does not retry a job whose failure retries cannot fix: records it with its reason, once', async () => {
    const [gid] = await seedOrders(shop, { count: 1, seed: 909 });
    await post(`${shop.url}/_sim/faults`, { OrdersByIds: { status403: 1 } });
    const jobId = (await service.boss.send(Q.refreshOrder, { storeId: STORE_ID, storeOrderId: gid! }))!;
    const job = await eventually(async () => {
      const j = await service.boss.getJobById(Q.refreshOrder, jobId);
      return j?.state === 'completed' ? j : false;
    }, async () => JSON.stringify(await service.boss.getJobById(Q.refreshOrder, jobId)));
    expect(job.retryCount).toBe(0);
    const event = await eventually(
      async () => (await db.selectFrom('events').selectAll().where('kind', '=', 'job_failed').where('reason_code', '=', 'SHOPIFY_UNAUTHORIZED').executeTakeFirst()) ?? false,
      () => 'the failure was never recorded',
    );
    expect(event.message).toContain('403');
    const injected = ((await (await fetch(`${shop.url}/_sim/state?summary`)).json()) as any).faultsInjected;
    expect(injected.OrdersByIds.status403).toBe(1);
    await post(`${shop.url}/_sim/faults`, {});
  });

  it('records an order with text PostgreSQL cannot store as failed with its fields named, and blocks no other order', async () => {
    const poisonNote = explicitOrder({ name: '#NUL', note: 'gift\u0000wrap' });
    const poisonName = explicitOrder({ name: '#SURROGATE', shippingAddress: { ...explicitOrder().shippingAddress!, lastName: 'Lovel\ud800ace' } });
    const fine = explicitOrder({ name: '#FINE' });
    await seedOrders(shop, { orders: [poisonNote, poisonName, fine] });
    await service.boss.send(Q.pullOrders, { storeId: STORE_ID }, { singletonKey: STORE_ID });
    const rows = await eventually(async () => {
      const r = await db.selectFrom('orders').selectAll().where('store_order_id', 'in', [poisonNote.id, poisonName.id, fine.id]).execute();
      return r.length === 3 && r.every((x) => x.state !== 'pending' && x.state !== 'submitting') ? r : false;
    }, async () => JSON.stringify(await stateCounts(db)));
    const byId = new Map(rows.map((r) => [r.store_order_id, r]));
    expect(byId.get(fine.id)!.state).toBe('submitted');
    for (const [o, path] of [[poisonNote, 'note'], [poisonName, 'shippingAddress.lastName']] as const) {
      expect(byId.get(o.id)).toMatchObject({ state: 'failed_mapping', last_error_code: 'INVALID_TEXT' });
      expect(byId.get(o.id)!.last_error_message).toContain(path);
    }
    expect((await db.selectFrom('sync_cursors').select('last_success_at').where('store_id', '=', STORE_ID).executeTakeFirstOrThrow()).last_success_at).not.toBeNull();
    // A reprocess without a fix in the store sends nothing: the stored text is not what the customer wrote.
    const { lines } = await reprocess(deps, { orders: [poisonNote.id] }, false);
    expect(lines.map((l) => l.action)).toEqual(['left alone: fix the text in the store first (INVALID_TEXT)']);
    expect((await db.selectFrom('orders').select('state').where('store_order_id', '=', poisonNote.id).executeTakeFirstOrThrow()).state).toBe('failed_mapping');
  });

  it('carries a store change made while the order was submitting over to OrderMesh when that worker died', async () => {
    const [gid] = await seedOrders(shop, { orders: [explicitOrder({ name: '#DIED' })] });
    const store = deps.stores.get(STORE_ID)!;
    const read = async () => (await fetchOrder(store.shopify, gid!))!;
    const first = await read();
    // Held, so the service's own submit jobs leave it to this test's dying worker.
    await db.transaction().execute((trx) => ingestOrders(trx, { id: STORE_ID, holdMinutes: 60 }, [first], 'test'));
    // A worker claims it, maps it, sends it, and dies before recording the answer.
    const [row] = await db.updateTable('orders').set({ state: 'submitting', attempts: 1 }).where('store_order_id', '=', gid!).returningAll().execute();
    const mapped = mapOrder(store.mapper, row!.store_payload, { storeId: STORE_ID, merchantId: store.cfg.merchantId, safeId: row!.safe_id });
    if (mapped.kind !== 'mapped') throw new Error(JSON.stringify(mapped));
    await db.updateTable('orders').set({ mapped_payload: JSON.stringify(mapped.model), mapped_hash: row!.payload_hash }).where('id', '=', row!.id).execute();
    expect((await deps.ordermesh.createOrders([mapped.model]))[0]!.outcome).toBe('created');
    // Meanwhile the customer cancels in the store, and the pull records it (left for the dead submit job).
    await post(`${shop.url}/_sim/orders/${encodeURIComponent(gid!)}/cancel`);
    const cancelled = await read();
    await db.transaction().execute((trx) => ingestOrders(trx, { id: STORE_ID, holdMinutes: 0 }, [cancelled], 'test'));
    await db.updateTable('orders').set({ state_changed_at: new Date(Date.now() - 3_600_000) }).where('id', '=', row!.id).execute();

    await reconcileSubmitting(deps);
    const omOrder = await eventually(async () => {
      const o = (await simState(om)).orders.find((x: any) => x.safeId === row!.safe_id);
      return o?.status === 'Cancelled' ? o : false;
    }, async () => JSON.stringify((await simState(om)).orders.find((x: any) => x.safeId === row!.safe_id)?.status));
    expect(omOrder.createRequests).toBe(1);
    // The ledger records the cancellation after OrderMesh answers it: on a busy machine, a moment later.
    const state = async () => (await db.selectFrom('orders').select('state').where('id', '=', row!.id).executeTakeFirstOrThrow()).state;
    await eventually(async () => (await state()) === 'cancelled', async () => `ledger: ${await state()}`, 10_000);
  });

  it('never rejects an order because OrderMesh refused us access: it waits, attempts untouched, and goes through once access is back', async () => {
    await post(`${om.url}/_sim/faults`, { createOrdersBulk: { status403: 1 } });
    const [gid] = await seedOrders(shop, { orders: [explicitOrder({ name: '#403' })] });
    await service.boss.send(Q.refreshOrder, { storeId: STORE_ID, storeOrderId: gid! });
    const waiting = await eventually(async () => {
      const r = await db.selectFrom('orders').selectAll().where('store_order_id', '=', gid!).executeTakeFirst();
      return r?.last_error_code === 'ORDERMESH_FORBIDDEN' ? r : false;
    }, () => 'the refused submission was never recorded');
    expect(waiting.state).toBe('pending');
    expect(waiting.attempts).toBe(0);
    await post(`${om.url}/_sim/faults`, {});
    await db.updateTable('orders').set({ next_attempt_at: null }).where('id', '=', waiting.id).execute();
    await service.boss.send(Q.submitOrders, { storeId: STORE_ID });
    await eventually(async () => (await db.selectFrom('orders').select('state').where('id', '=', waiting.id).executeTakeFirstOrThrow()).state === 'submitted', () => 'never submitted');
  });

  it('backs off while OrderMesh keeps refusing us access, attempts untouched, then goes through', async () => {
    const refused = async () => ((await simState(om)).counts.faultsInjected.createOrdersBulk?.status403 ?? 0) as number;
    const before = await refused();
    await post(`${om.url}/_sim/faults`, { createOrdersBulk: { status403: 1, count: 3 } });
    const [gid] = await seedOrders(shop, { orders: [explicitOrder({ name: '#403x3' })] });
    await service.boss.send(Q.refreshOrder, { storeId: STORE_ID, storeOrderId: gid! });
    // retryBaseSeconds is 1: 1 s, 2 s, 4 s between the refusals, each submit job queued after the last.
    const done = await eventually(async () => {
      const r = await db.selectFrom('orders').selectAll().where('store_order_id', '=', gid!).executeTakeFirst();
      return r?.state === 'submitted' ? r : false;
    }, async () => JSON.stringify(await db.selectFrom('orders').select(['state', 'last_error_message', 'access_retries']).where('store_order_id', '=', gid!).execute()));
    const refusals = await db.selectFrom('events').select('message').where('order_id', '=', done.id).where('reason_code', '=', 'ORDERMESH_FORBIDDEN').orderBy('id').execute();
    expect(refusals.map((e) => /retrying in (\d+)s/.exec(e.message ?? '')?.[1])).toEqual(['1', '2', '4']);
    expect([done.attempts, done.access_retries]).toEqual([1, 0]);
    expect((await refused()) - before).toBe(3);
    await post(`${om.url}/_sim/faults`, {});
  });

  it('records an order sent without its unusable billing address as a warning, shown in status', async () => {
    const bad = { ...explicitOrder().billingAddress!, city: null };
    const [gid] = await seedOrders(shop, { orders: [explicitOrder({ name: '#NOBILL', billingAddress: bad })] });
    await service.boss.send(Q.refreshOrder, { storeId: STORE_ID, storeOrderId: gid! });
    const omOrder = await eventually(async () => (await simState(om)).orders.find((o: any) => o.meta?.shopifyOrderName === '#NOBILL') ?? false, () => 'never sent');
    expect(omOrder.billingAddress ?? null).toBeNull();
    const report = await statusReport(db, STORE_ID);
    const group = report.stores[0]!.warnings.find((g) => g.code === 'BILLING_ADDRESS_DROPPED');
    expect(group?.examples.map((e) => e.order)).toContain('#NOBILL');
    expect(formatStatus(report)).toContain('BILLING_ADDRESS_DROPPED');
  });

  it('holds a new order for the hold window before it can be claimed for submission', async () => {
    const fresh = order({ id: 'gid://shopify/Order/777000001', name: '#HOLD', createdAt: new Date().toISOString().replace(/\.\d+Z$/, 'Z') });
    await db.transaction().execute((trx) => ingestOrders(trx, { id: STORE_ID, holdMinutes: 10 }, [fresh], 'test'));
    const row = await db.selectFrom('orders').selectAll().where('store_order_id', '=', fresh.id).executeTakeFirstOrThrow();
    expect(row.hold_until!.getTime() - Date.parse(fresh.createdAt)).toBe(10 * 60_000);
    const claimed = await claimPendingOrders(db, STORE_ID, 50, 'test', 300);
    expect(claimed.map((c) => c.store_order_id)).not.toContain(fresh.id);
    // An older copy of the order (webhooks arrive out of order) changes nothing.
    const stale = { ...fresh, note: 'older', updatedAt: '2020-01-01T00:00:00Z' };
    const res = await db.transaction().execute((trx) => ingestOrders(trx, { id: STORE_ID, holdMinutes: 10 }, [stale], 'test'));
    expect(res).toMatchObject({ inserted: 0, updated: 0, unchanged: 1 });
  });

  it('marks an address change after production as needs_attention, with its reason', async () => {
    const [gid] = await seedOrders(shop, {
      orders: [
        explicitOrder({
          name: '#LATE',
          shippingAddress: { firstName: 'Ada', lastName: 'Lovelace', company: null, address1: '1 Early St', address2: null, city: 'Springfield', provinceCode: 'IL', zip: '62701', countryCodeV2: 'US', phone: null },
        }),
      ],
    });
    await service.boss.send(Q.refreshOrder, { storeId: STORE_ID, storeOrderId: gid! });
    const row = await eventually(async () => {
      const r = await db.selectFrom('orders').selectAll().where('store_order_id', '=', gid!).executeTakeFirst();
      return r?.state === 'submitted' ? r : false;
    }, async () => JSON.stringify(await db.selectFrom('orders').selectAll().where('store_order_id', '=', gid!).execute()));
    await post(`${om.url}/_sim/advance`);
    await post(`${om.url}/_sim/advance`); // InProduction
    await post(`${shop.url}/_sim/orders/${encodeURIComponent(gid!)}/update`, { shippingAddress: { address1: '1 Too Late St' } });
    await service.boss.send(Q.refreshOrder, { storeId: STORE_ID, storeOrderId: gid! });
    const after = await eventually(async () => {
      const r = await db.selectFrom('orders').selectAll().where('id', '=', row.id).executeTakeFirstOrThrow();
      return r.state === 'needs_attention' ? r : false;
    }, async () => JSON.stringify(await stateCounts(db)));
    expect(after.last_error_code).toBe('ADDRESS_CHANGE_TOO_LATE');
    expect((await simState(om)).orders.find((o: any) => o.safeId === row.safe_id).shippingAddress.line1).not.toBe('1 Too Late St');

    // Parked for a person, still made and shipped: its tracking must reach the store all the same.
    await post(`${om.url}/_sim/advance`);
    const shipped = await eventually(
      async () => {
        await service.boss.send(Q.pollShipments, {}, { singletonKey: 'sweep' });
        const order = (await shopState(shop)).orderList.find((o: any) => o.id === gid);
        return order?.fulfillmentsCreated > 0 ? order : false;
      },
      async () => JSON.stringify(await db.selectFrom('packages').selectAll().where('order_id', '=', row.id).execute()),
    );
    expect(shipped.fulfillments[0].tracking.number).toBeTruthy();
    expect((await db.selectFrom('orders').select('state').where('id', '=', row.id).executeTakeFirstOrThrow()).state).toBe('needs_attention');
  });

  it('records a job that ran out of retries on its order', async () => {
    const row = await db.selectFrom('orders').select(['id']).where('state', '=', 'pending').limit(1).executeTakeFirst()
      ?? (await db.selectFrom('orders').select(['id']).limit(1).executeTakeFirstOrThrow());
    await recordDeadLetter(deps, { id: 'job-1', name: Q.applyOrderChange, data: { orderId: row.id, kind: 'recheck' } } as never);
    const r = await db.selectFrom('orders').selectAll().where('id', '=', row.id).executeTakeFirstOrThrow();
    expect(r.state).toBe('needs_attention');
    expect(r.last_error_code).toBe('JOB_FAILED');
  });

  it('uses the custom mapping module a store names in its config', async () => {
    const raw = pipelineConfigObject(om, shop) as any;
    raw.stores[0].mapping = { module: '../examples/custom-mapping.ts', options: { sizeSuffix: true } };
    const cfg = parseConfig(raw);
    const stores = buildStores(cfg, resolveSecrets(cfg, {}), await loadMappers(cfg, new URL('../../config/sim.yaml', import.meta.url).pathname), { log: createLogger({ level: 'silent' }) });
    expect(stores.get(STORE_ID)!.mapper.module.name).toBe('example-size-suffix');
  });
});
