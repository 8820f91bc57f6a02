import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { Q } from '../../src/jobs/queues.ts';
import { SIM_DEFAULTS } from '../../src/sim/defaults.ts';
import { freshDb } from '../helpers/db.ts';
import { ordermeshSim, setFaults, simState } from '../helpers/ordermesh.ts';
import { config, declaredOutcomes, eventually, judgeOrderMesh, pipelineConfigObject, startPipeline, STORE_ID } from '../helpers/pipeline.ts';
import { post, seedOrders, shopState, shopifySim } from '../helpers/shopify.ts';

/**
 * The whole pipeline against the OrderMesh simulator in its documented mode (bulk `{bulk}`, `{order}`
 * reads, shipments with integer statuses, no timezone and empty packageOrderItems, duplicates refused
 * with 400, unsigned webhooks to a callback URL carrying the secret), and then with each variant the
 * docs leave open switched on. Every round drops one bulk answer. Judged from the simulators' own
 * state: each order the Shopify simulator declared sent is in OrderMesh once (no safeId asked for twice
 * beyond unanswered requests), none is rejected or stuck, and every package's tracking number is on
 * exactly one Shopify fulfilment. The first shipment poll is an hour away and nothing schedules one:
 * tracking can only come through OrderMesh's webhooks.
 */
const { url: dbUrl, db } = await freshDb();
const om = await ordermeshSim();
const shop = await shopifySim({ restoreRate: 1000 });
const service = await startPipeline(
  config(pipelineConfigObject(om, shop, { jobs: { submitBatchSize: 25, retryBaseSeconds: 1, stuckSubmittingSeconds: 3, firstPollDelaySeconds: 3_600, pollRecentSeconds: 3_600, pollOldSeconds: 3_600, shutdownTimeoutSeconds: 5, concurrency: 2 } })),
  dbUrl,
);
const base = `http://127.0.0.1:${service.port}`;
await post(`${shop.url}/_sim/settings`, { webhookUrl: `${base}/webhooks/shopify` });

const ROUNDS: Array<[string, Record<string, unknown>]> = [
  ['documented defaults', {}],
  ['snake_case token, bare bulk answer, error bodies as a bare list', { tokenCasing: 'snake', bulkEnvelope: 'bare', errorBody: 'list' }],
  ['bulk results without index, duplicates answered 409', { bulkEnvelope: 'results', duplicateStatus: 409 }],
  ['bare order reads and lists, every status an integer', { orderEnvelope: 'bare', listEnvelope: 'bare', integerStatuses: true }],
  ['statuses as names, dates with a timezone, shipments as {items}', { integerStatuses: false, datesWithTimezone: true, shipmentsEnvelope: 'items' }],
  ['one shipment as one object, older id names', { shipmentsEnvelope: 'single', legacyShipmentIds: true }],
  ['packageOrderItems filled, {shipments}', { packageOrderItems: true, shipmentsEnvelope: 'shipments' }],
  ['webhook Packages as one object, signed webhooks', { webhookPackagesAsObject: true, webhookSignature: true }],
];

const stuck = async (safeIds: string[]) =>
  db.selectFrom('orders').select(['safe_id', 'state', 'last_error_code']).where('safe_id', 'in', safeIds).where('state', 'in', ['pending', 'submitting', 'rejected', 'failed']).execute();

describe('against OrderMesh as its documentation shows it', () => {
  let round = 0;
  for (const [name, variants] of ROUNDS) {
    it(`${name}: every mappable order once, none rejected or stuck, every package's tracking on a Shopify fulfilment (through webhooks alone)`, async () => {
      round++;
      await post(`${om.url}/_sim/settings`, { variants: null });
      await post(`${om.url}/_sim/settings`, { variants, webhookUrl: `${base}/webhooks/ordermesh${variants.webhookSignature ? '' : `/${SIM_DEFAULTS.webhookSecret}`}` });
      await setFaults(om, { createOrdersBulk: { lostResponse: 1, count: 1 } });
      const ids = await seedOrders(shop, { count: 24, seed: 3300 + round, spreadSeconds: 30 });
      const declared = await declaredOutcomes(shop, ids);
      await service.boss.send(Q.pullOrders, { storeId: STORE_ID }, { singletonKey: `${STORE_ID}:${round}` });
      const ledger = async () => db.selectFrom('orders').select(['safe_id', 'store_order_id', 'state', 'ordermesh_order_id']).where('store_order_id', 'in', ids).execute();
      await eventually(
        async () => {
          const rows = await ledger();
          if (rows.length < ids.length || rows.some((r) => r.state === 'pending' || r.state === 'submitting')) return false;
          // An order whose bulk answer was lost waits for a retry: the submit sweep (off in tests) would send it.
          return true;
        },
        async () => JSON.stringify((await ledger()).map((r) => r.state)),
        90_000,
      );
      const rows = await ledger();
      expect(await stuck(rows.map((r) => r.safe_id))).toEqual([]);
      expect(await judgeOrderMesh(om, declared)).toEqual([]);

      // OrderMesh makes and ships everything; only its webhooks tell the service.
      const st0 = await simState(om);
      const ours = st0.orders.filter((o: any) => rows.some((r) => r.safe_id === o.safeId));
      expect(ours.length).toBeGreaterThanOrEqual(8);
      for (const o of ours) {
        await post(`${om.url}/_sim/orders/${o.orderId}/advance`);
        await post(`${om.url}/_sim/orders/${o.orderId}/advance`);
        const lines = o.items.filter((i: any) => i.status !== 'Cancelled');
        // Orders with two or more lines ship in two packages (one line of three units split across them when it can be).
        await post(`${om.url}/_sim/orders/${o.orderId}/ship`, { packages: lines.length > 1 ? 2 : 1 });
      }
      await post(`${om.url}/_sim/webhooks/drain`);
      const packagesOf = async () => {
        const st = await simState(om);
        return st.orders.filter((o: any) => rows.some((r) => r.safe_id === o.safeId)).flatMap((o: any) => o.shipments.flatMap((s: any) => s.packages.map((p: any) => p.carrierTrackingNumber as string)));
      };
      const tracking = await packagesOf();
      expect(tracking.length).toBeGreaterThanOrEqual(ours.length);
      await eventually(
        async () => {
          const fulfilled = new Map<string, number>();
          for (const so of (await shopState(shop)).orderList as Array<{ fulfillments: Array<{ tracking: { number: string } }> }>) {
            for (const f of so.fulfillments) fulfilled.set(f.tracking.number, (fulfilled.get(f.tracking.number) ?? 0) + 1);
          }
          return tracking.every((t: string) => fulfilled.get(t) === 1) ? true : false;
        },
        async () => {
          const known = await db.selectFrom('packages').select(['tracking_number', 'written_tracking_number', 'write_back_error_code']).execute();
          const st = await simState(om);
          const missing = st.orders.filter((o: any) => o.shipments.some((sh: any) => sh.packages.some((p: any) => tracking.includes(p.carrierTrackingNumber) && !known.some((k) => k.written_tracking_number === p.carrierTrackingNumber))));
          const rowsOf = await db.selectFrom('orders').select(['id', 'safe_id', 'state', 'last_polled_at', 'last_error_code', 'ordermesh_order_id']).where('safe_id', 'in', missing.map((o: any) => o.safeId).concat(['-'])).execute();
          const receipts = await db.selectFrom('webhook_receipts').selectAll().where('source', '=', 'ordermesh').execute();
          const jobs = await sql<{ state: string; data: unknown }>`select state, data, created_on, started_on, completed_on from pgboss.job where name = 'poll-shipments'`.execute(db);
          const events = await db.selectFrom('events').select(['at', 'kind', 'from_state', 'to_state', 'reason_code']).where('order_id', 'in', rowsOf.map((o) => o.id).concat(['0'])).orderBy('at').execute();
          return `tracking not on the store for ${missing.length} order(s): ${JSON.stringify(rowsOf)} (OrderMesh ids ${JSON.stringify(missing.map((o: any) => o.orderId))}); receipts ${JSON.stringify(receipts.filter((r) => rowsOf.some((o) => r.delivery_id.includes(`:${o.id}:`))))}; poll jobs ${JSON.stringify(jobs.rows.filter((j) => rowsOf.some((o) => JSON.stringify(j.data).includes(`"${o.id}"`))))}; events ${JSON.stringify(events)}; packages ${JSON.stringify(known.filter((p) => tracking.includes(p.tracking_number!) && p.written_tracking_number !== p.tracking_number))}; webhooks ${JSON.stringify(st.counts.webhooks)}`;
        },
        90_000,
      );
      // Nothing polled on a schedule: the ledger's polls came from webhooks.
      expect((await simState(om)).counts.requests.getShipmentsForOrder ?? 0).toBeGreaterThan(0);
    }, 240_000);
  }
});
