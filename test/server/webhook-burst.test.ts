import { readFileSync } from 'node:fs';
import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { Q } from '../../src/jobs/queues.ts';
import { buildServer } from '../../src/server/http.ts';
import { registerWebhooks } from '../../src/server/webhooks.ts';
import { SIM_DEFAULTS } from '../../src/sim/defaults.ts';
import { freshDb } from '../helpers/db.ts';
import { ordermeshSim, simState } from '../helpers/ordermesh.ts';
import { config, eventually, pipelineConfigObject, startPipeline, STORE_ID, untilSubmitted } from '../helpers/pipeline.ts';
import { post, seedOrders, shopifySim } from '../helpers/shopify.ts';

/**
 * Issue 34, item 15: a burst of OrderMesh webhooks (every order shipped at once: an OrderUpdate, a
 * ShipmentCreated and a ShipmentUpdate each, sent by the simulator all at the same moment) is answered,
 * recorded and acted on, and leaves no pile of open sockets. Polling is off (an hour away), so what the
 * ledger holds afterwards came through the webhooks alone. The simulator, the service and its workers
 * share this process, so the burst is a few hundred here; bench/run.ts (`webhookBurst`) sends thousands
 * to a worker process of its own and measures its sockets and memory.
 */
const ORDERS = 200;
const { url: dbUrl, db } = await freshDb();
const om = await ordermeshSim();
const shop = await shopifySim({ restoreRate: 100_000, maximumAvailable: 1_000_000 });
const service = await startPipeline(
  config(pipelineConfigObject(om, shop, { jobs: { submitBatchSize: 100, firstPollDelaySeconds: 3_600, pollRecentSeconds: 3_600, pollOldSeconds: 3_600, retryBaseSeconds: 1, shutdownTimeoutSeconds: 5, concurrency: 4 } })),
  dbUrl,
);
const base = `http://127.0.0.1:${service.port}`;

async function metric(name: string, labels: Record<string, string> = {}): Promise<number> {
  const text = await (await fetch(`${base}/metrics`)).text();
  const want = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (want.every((w) => line.includes(w))) sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}

/** Established TCP connections whose local port is the service's: the server's side of each (Linux). */
function serverSockets(): number {
  const port = service.port.toString(16).toUpperCase().padStart(4, '0');
  let n = 0;
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const line of readFileSync(file, 'utf8').split('\n').slice(1)) {
      const [, local, , state] = line.trim().split(/\s+/);
      if (local?.endsWith(`:${port}`) && state === '01') n++;
    }
  }
  return n;
}

/** Jobs of these queues still to run or running (pg-boss's own table). */
async function jobsLeft(names: string[]): Promise<number> {
  const r = await sql<{ n: number }>`select count(*)::int as n from pgboss.job where name in (${sql.join(names)}) and state in ('created', 'retry', 'active')`.execute(db);
  return r.rows[0]!.n;
}

describe('a burst of OrderMesh webhooks', () => {
  it('is answered without a failed delivery, every event acted on, and its sockets closed', { timeout: 240_000 }, async () => {
    await seedOrders(shop, { count: ORDERS, seed: 34 });
    await service.boss.send(Q.pullOrders, { storeId: STORE_ID });
    await untilSubmitted(db, ORDERS);
    // Into production without webhooks, then every order ships at once, with them.
    await post(`${om.url}/_sim/advance`);
    await post(`${om.url}/_sim/advance`);
    await post(`${om.url}/_sim/settings`, { webhookUrl: `${base}/webhooks/ordermesh/${SIM_DEFAULTS.webhookSecret}` });
    const shipped = (await post(`${om.url}/_sim/advance`)).moved as number;
    expect(shipped).toBeGreaterThan(120);

    // The simulator retries a refused or unanswered delivery twice; `failed` counts those that never got a 2xx.
    const sent = await post(`${om.url}/_sim/webhooks/drain`);
    expect(sent).toEqual({ delivered: shipped * 3, failed: 0 });

    // Every shipment OrderMesh made is in the ledger with its tracking, once the polls the webhooks asked for ran.
    await eventually(async () => (await jobsLeft([Q.pollShipments])) === 0, async () => `${await jobsLeft([Q.pollShipments])} polls left`, 120_000);
    const truth = (await simState(om)).orders.flatMap((o: any) => o.shipments.flatMap((s: any) => s.packages.map((p: any) => `${p.packageId} ${p.carrierTrackingNumber}`)));
    expect(truth.length).toBeGreaterThanOrEqual(shipped);
    const ledger = (await db.selectFrom('packages').select(['id', 'tracking_number']).execute()).map((p) => `${p.id} ${p.tracking_number}`);
    expect(ledger.sort()).toEqual(truth.sort());
    // And each ShipmentUpdate's quantities were kept.
    const hinted = await db.selectFrom('ordermesh_package_hints').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow();
    expect(Number(hinted.n)).toBe(truth.length);

    // The simulator keeps an idle socket as long as the server allows (Fastify's default: 72 s): the
    // burst's must end with it, all but the 64 the server keeps alive. Counted by the kernel.
    await eventually(async () => serverSockets() <= 64, () => `${serverSockets()} connections to the server still open`, 20_000);
    expect(await metric('ordersync_http_open_connections')).toBeLessThanOrEqual(65);
    expect(await metric('ordersync_webhook_deliveries_total', { source: 'ordermesh', outcome: 'received' })).toBe(shipped * 3);
    expect(await metric('ordersync_webhook_failures_total')).toBe(0);
  });
});

describe('a delivery the receiver cannot take now', () => {
  it('is answered 503 with Retry-After past the intake\'s bound, counted and logged, and taken when retried', { timeout: 120_000 }, async () => {
    // A receiver of its own with room for 3 waiting deliveries, on the same ledger, jobs and metrics.
    const deps = service.deps;
    const small = buildServer({ db: deps.db, boss: deps.boss, metrics: deps.metrics, log: deps.log, isAccepting: () => true });
    registerWebhooks(small, { db: deps.db, boss: deps.boss, log: deps.log, metrics: deps.metrics, stores: deps.stores, ordermeshSecret: SIM_DEFAULTS.webhookSecret, maxAgeSeconds: 3600, intake: { maxPendingEvents: 3, answerWithinMs: 60_000 } });
    await small.listen({ port: 0, host: '127.0.0.1' });
    afterAll(() => small.close());
    const url = `http://127.0.0.1:${(small.server.address() as { port: number }).port}/webhooks/ordermesh/${SIM_DEFAULTS.webhookSecret}`;
    const order = await db.selectFrom('orders').select(['safe_id', 'ordermesh_order_id']).where('ordermesh_order_id', 'is not', null).executeTakeFirstOrThrow();
    const delivery = (n: number) => fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ EventType: 'OrderUpdate', RequestId: `busy-${n}`, OrderId: order.ordermesh_order_id, SafeId: order.safe_id, NewStatus: 'Shipped', OldStatus: 'InProduction', Description: `busy ${n}` }) });
    const receipts = async () => Number((await sql<{ n: string }>`select count(*) as n from webhook_receipts where delivery_id like 'OrderUpdate:%'`.execute(db)).rows[0]!.n);
    const before = { receipts: await receipts(), overCapacity: await metric('ordersync_webhook_failures_total', { source: 'ordermesh', reason: 'over_capacity' }) };

    // The ledger's receipts table held by another transaction: the first batch waits, and three deliveries with it.
    const locker = new pg.Client({ connectionString: dbUrl });
    await locker.connect();
    await locker.query('begin');
    await locker.query('lock table webhook_receipts in exclusive mode');
    const waiting = [1, 2, 3].map(delivery);
    await eventually(async () => (await metric('ordersync_webhook_intake_pending')) === 3, async () => `${await metric('ordersync_webhook_intake_pending')} waiting`, 30_000);
    const refused = await delivery(4);
    expect(refused.status).toBe(503);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await metric('ordersync_webhook_failures_total', { source: 'ordermesh', reason: 'over_capacity' })).toBe(before.overCapacity + 1);
    expect(await metric('ordersync_webhook_deliveries_total', { source: 'ordermesh', outcome: 'unavailable' })).toBeGreaterThanOrEqual(1);

    await locker.query('rollback');
    await locker.end();
    expect((await Promise.all(waiting)).map((r) => r.status)).toEqual([200, 200, 200]);
    // The sender's retry of the refused one is taken.
    expect((await delivery(4)).status).toBe(200);
    expect(await receipts()).toBe(before.receipts + 4);

    // Refusals of bad deliveries are counted by reason too.
    const wrongSecret = await fetch(url.replace(SIM_DEFAULTS.webhookSecret, 'not-the-secret'), { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(wrongSecret.status).toBe(401);
    expect(await metric('ordersync_webhook_failures_total', { source: 'ordermesh', reason: 'unauthorized' })).toBe(1);
  });
});
