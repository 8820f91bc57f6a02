import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { installSchedules } from '../../src/jobs/index.ts';
import { Q } from '../../src/jobs/queues.ts';
import { jitterSeconds, storeSweep } from '../../src/jobs/store-sweep.ts';
import { freshDb } from '../helpers/db.ts';
import { config, pipelineConfigObject, startPipeline } from '../helpers/pipeline.ts';

/**
 * The store sweep: one schedule for every store, enqueuing what each store has due. Judged from pg-boss's
 * own job and schedule tables (no worker runs here: what the sweep queued stays queued).
 */
const { url: dbUrl, db } = await freshDb();
const sims = { url: 'http://127.0.0.1:9' };
const base = pipelineConfigObject(sims, sims);
const store = (id: string, over: Record<string, unknown> = {}) => ({ ...base.stores[0]!, id, shopDomain: `${id}.myshopify.com`, ...over });
const STORES = ['due', 'recent', 'busy', 'fs', 'omega'];
const cfg = config({
  ...base,
  stores: [store('due'), store('recent'), store('busy'), store('fs', { mode: 'fulfillment-service' }), store('omega')],
});
const service = await startPipeline(cfg, dbUrl, { workers: false });
const queued = async (name: string) =>
  (await sql<{ singleton_key: string; start_after: Date; created_on: Date }>`select singleton_key, start_after, created_on from pgboss.job where name = ${name} and state = 'created' order by singleton_key`.execute(db)).rows;
const clear = () => sql`delete from pgboss.job where name in ('pull-orders', 'submit-orders', 'sync-holds', 'sync-notes', 'scan-fulfillment-requests')`.execute(db);

async function order(storeId: string, n: number, state: string, over: Record<string, unknown> = {}) {
  await db.insertInto('orders').values({ store_id: storeId, store_order_id: `gid://shopify/Order/${n}`, safe_id: `${storeId}-${n}`, state: state as never, store_payload: JSON.stringify({ id: `gid://shopify/Order/${n}`, note: 'gift', customAttributes: [] }), ...over }).execute();
}

describe('the store sweep', () => {
  it('installs a fixed handful of schedules whatever the number of stores, and removes the per-store ones of earlier versions', async () => {
    await service.boss.createQueue(Q.pullOrders).catch(() => {});
    await service.boss.schedule(Q.pullOrders, '* * * * *', { storeId: 'due', scheduled: true }, { key: 'due' });
    await installSchedules(service.boss, service.deps);
    const schedules = (await service.boss.getSchedules()).map((s) => `${s.name}:${s.key}`).sort();
    expect(schedules).toEqual(['poll-shipments:sweep', 'reconcile-submitting:all', 'retention:all', 'store-sweep:all']);
  });

  it('enqueues per store only what is due: a pull whose interval passed, a submit with due orders, holds and notes for orders in flight', async () => {
    await clear();
    await db.insertInto('sync_cursors').values({ store_id: 'recent', stream: 'orders', scheduled_at: new Date() }).execute();
    await order('due', 1, 'pending');
    await order('due', 2, 'pending', { hold_until: new Date(Date.now() + 3_600_000) });
    await order('busy', 3, 'submitted', { ordermesh_order_id: 'om-3' });
    await order('busy', 4, 'fulfilled', { ordermesh_order_id: 'om-4' });
    await order('recent', 5, 'fulfilled', { ordermesh_order_id: 'om-5' });

    const counts = await storeSweep(service.deps);
    expect(counts).toEqual({ stores: 5, pulls: 3, scans: 1, submits: 1, holds: 2, notes: 1 });
    expect((await queued(Q.pullOrders)).map((j) => j.singleton_key)).toEqual(['busy', 'due', 'omega']);
    expect((await queued(Q.scanFulfillmentRequests)).map((j) => j.singleton_key)).toEqual(['fs']);
    expect((await queued(Q.submitOrders)).map((j) => j.singleton_key)).toEqual(['due']);
    expect((await queued(Q.syncHolds)).map((j) => j.singleton_key)).toEqual(['busy', 'due']);
    expect((await queued(Q.syncNotes)).map((j) => j.singleton_key)).toEqual(['busy']);
    // Spread over the minute, the same offset for a store every time.
    for (const j of await queued(Q.pullOrders)) expect(Math.round((j.start_after.getTime() - j.created_on.getTime()) / 1000)).toBe(jitterSeconds(j.singleton_key));
    expect(new Set(STORES.map((s) => jitterSeconds(s))).size).toBeGreaterThan(1);

    // Run again at once: the singletons collapse the repeats (one queued per store and queue).
    await storeSweep(service.deps);
    expect(await queued(Q.pullOrders)).toHaveLength(3);
    expect(await queued(Q.syncHolds)).toHaveLength(2);
  });

  it('pulls every store each interval whatever its offset in the minute: one slotted at its offset a minute ago is due again', async () => {
    await clear();
    await db.deleteFrom('sync_cursors').execute();
    // The case that went without a pull every other minute: an offset past the tick's 30 s of slack.
    expect(jitterSeconds('omega')).toBeGreaterThan(30);
    const now = Date.now();
    // The last sweep, an interval ago (pulls 60 s, request scans 120 s), slotted each at its store's offset. 'recent' was slotted just now.
    const slot = (id: string, interval = 60) => new Date(now - interval * 1000 + jitterSeconds(id) * 1000);
    await db.insertInto('sync_cursors').values([...['due', 'busy', 'omega'].map((id) => ({ store_id: id, stream: 'orders', scheduled_at: slot(id) })), { store_id: 'recent', stream: 'orders', scheduled_at: new Date(now) }]).execute();
    await db.insertInto('sync_cursors').values({ store_id: 'fs', stream: 'fulfillment-requests', scheduled_at: slot('fs', 120) }).execute();
    expect(await storeSweep(service.deps, { now: new Date(now) })).toMatchObject({ pulls: 3, scans: 1 });
    expect((await queued(Q.pullOrders)).map((j) => j.singleton_key)).toEqual(['busy', 'due', 'omega']);
  });

  it('does not skip an interval when the last pull waited in the lanes and finished late, nor queue a second while one waits', async () => {
    await clear();
    await db.deleteFrom('sync_cursors').execute();
    // The sweep's own clock, whole minutes as the cron ticks.
    const t0 = Date.parse('2026-12-02T12:00:00Z');
    const tick = (minutes: number) => storeSweep(service.deps, { now: new Date(t0 + minutes * 60_000) });
    const pulled = ['busy', 'due', 'omega', 'recent'];
    expect(await tick(0)).toMatchObject({ pulls: 4, scans: 1 });
    // The workers take them (and the scan), each 45 s after its slot (behind a thousand others), and finish: what a pull leaves in the ledger.
    await clear();
    for (const id of [...pulled, 'fs']) {
      const finished = new Date(t0 + (jitterSeconds(id) + 45) * 1000);
      await db.updateTable('sync_cursors').set({ watermark: finished, last_success_at: finished }).where('store_id', '=', id).execute();
    }
    // Twenty seconds on (a second sweep in the minute) nothing is due yet.
    expect(await storeSweep(service.deps, { now: new Date(t0 + 20_000) })).toMatchObject({ pulls: 0, scans: 0 });
    // The next minute every store is pulled again (judged from when each finished, none was: 15 s after a pull, under the interval less the slack).
    expect(await tick(1)).toMatchObject({ pulls: 4 });
    expect((await queued(Q.pullOrders)).map((j) => j.singleton_key)).toEqual(pulled);
    // Not taken yet at the next minute: still one queued per store, which serves that interval too.
    await tick(2);
    expect((await queued(Q.pullOrders)).map((j) => j.singleton_key)).toEqual(pulled);
    // The request scan (every 120 s) came due on its own schedule.
    expect((await queued(Q.scanFulfillmentRequests)).map((j) => j.singleton_key)).toEqual(['fs']);
  });
});
