import pg from 'pg';
import { describe, expect, inject, it } from 'vitest';
import { createDb } from '../../src/db/connect.ts';
import { Q } from '../../src/jobs/queues.ts';
import { safeIdFor } from '../../src/mapping/safe-id.ts';
import { runCli } from '../helpers/cli.ts';
import { freshDatabaseUrl } from '../helpers/db.ts';
import { ordermeshSim, simState } from '../helpers/ordermesh.ts';
import { duplicateCreates, eventually, pipelineConfigObject, stateCounts, STORE_ID, writePipelineConfig } from '../helpers/pipeline.ts';
import { explicitOrder, post, shopifySim, shopState } from '../helpers/shopify.ts';
import { unwrittenPackages, WorkerFleet } from '../helpers/workers.ts';
import { PgBoss } from 'pg-boss';

/**
 * A ledger restored from an old backup. Orders are submitted and some shipped; a copy of the database
 * is taken (as a nightly dump would be); traffic goes on (new orders submitted, everything shipped and
 * written back); then the database is replaced by that copy. `reconcile --fix` before the workers start
 * again must leave OrderMesh holding each order once (counted in create requests, not in orders the
 * simulator's safeId rule would keep unique), every package written to the store once (counted in
 * fulfilment mutations), and nothing lost. `npm run chaos` runs it bigger (RESTORE_ORDERS).
 */
const BEFORE = Number(process.env.RESTORE_ORDERS ?? 24);
const AFTER = BEFORE;
const liveUrl = await freshDatabaseUrl();
const live = new URL(liveUrl).pathname.slice(1);
const snapshot = `${live}_dump`;
const om = await ordermeshSim();
const shop = await shopifySim({ restoreRate: 1000 });
const cfgFile = writePipelineConfig(pipelineConfigObject(om, shop));
const fleet = new WorkerFleet(cfgFile, liveUrl);

async function admin(sql: string): Promise<void> {
  const c = new pg.Client({ connectionString: inject('pgAdminUrl') });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}
/** The test's own handles on the live database, closed before it is copied or replaced. */
async function handles() {
  const db = createDb(liveUrl, 2);
  const boss = new PgBoss({ connectionString: liveUrl, schema: 'pgboss', supervise: false, schedule: false });
  boss.on('error', () => {});
  await boss.start();
  if (!(await boss.getQueue(Q.pullOrders))) {
    await boss.stop({ graceful: false, close: true });
    throw new Error('the workers have not made the queues yet');
  }
  const nudge = async () => {
    await boss.send(Q.pullOrders, { storeId: STORE_ID }, { singletonKey: STORE_ID });
    await boss.send(Q.submitOrders, { storeId: STORE_ID }, { singletonKey: STORE_ID });
    await boss.send(Q.pollShipments, {}, { singletonKey: 'sweep' });
  };
  return { db, nudge, close: async () => (await boss.stop({ graceful: false, close: true }), await db.destroy()) };
}
const mug = { sku: 'MUG-11OZ-WHITE', variant: { id: 'gid://shopify/ProductVariant/1', sku: 'MUG-11OZ-WHITE' } as never, quantity: 1, currentQuantity: 1, unfulfilledQuantity: 1 };
async function place(n: number): Promise<string[]> {
  const orders = Array.from({ length: n }, () => explicitOrder({}, [mug]));
  await post(`${shop.url}/_sim/orders`, { orders });
  return orders.map((o) => o.id);
}
type H = Awaited<ReturnType<typeof handles>>;
const until = (h: H, what: string, check: (c: Record<string, number>) => Promise<boolean> | boolean) =>
  eventually(async () => {
    await h.nudge();
    return check(await stateCounts(h.db));
  }, async () => `${what}: ${JSON.stringify(await stateCounts(h.db))}`, Math.max(180_000, BEFORE * 600));
const total = (c: Record<string, number>) => Object.values(c).reduce((a, n) => a + n, 0);
const omOrders = async () => (await simState(om)).orders as Array<{ orderId: string; safeId: string; status: string; shipments: Array<{ packages: Array<{ carrierTrackingNumber: string }> }> }>;

describe('a ledger restored from an old backup', () => {
  it('after reconcile --fix and a restart: each order in OrderMesh once, each package written back once, nothing lost', async () => {
    // ---- before the backup: orders submitted, half of them shipped and written back
    // The first worker alone, so it makes the schema and queues before a second races it.
    fleet.start();
    let h = await eventually(async () => handles().catch(() => false as const), () => fleet.output.join(''), 60_000);
    fleet.start();
    const before = await place(BEFORE);
    await until(h, 'all submitted', (c) => total(c) === BEFORE && c.submitted === BEFORE);
    for (const o of (await omOrders()).slice(0, BEFORE / 2)) await post(`${om.url}/_sim/orders/${o.orderId}/ship`, {});
    await until(h, 'half fulfilled', (c) => c.fulfilled === BEFORE / 2);
    expect(fleet.alive).toHaveLength(2);
    await fleet.stopAll();
    await h.close();
    await admin(`select pg_terminate_backend(pid) from pg_stat_activity where datname = '${live}'`);
    await admin(`create database ${snapshot} template ${live}`);

    // ---- the traffic the backup misses: new orders submitted, everything shipped and written back
    fleet.start();
    fleet.start();
    h = await handles();
    const after = await place(AFTER);
    await until(h, 'the new orders submitted', (c) => total(c) === BEFORE + AFTER && !c.pending && !c.submitting);
    await until(h, 'everything fulfilled', async (c) => (await post(`${om.url}/_sim/advance`), c.fulfilled === BEFORE + AFTER && (await unwrittenPackages(h.db)) === 0));
    expect(fleet.alive).toHaveLength(2);
    await fleet.stopAll();
    await h.close();
    const writesBefore = (await shopState(shop)).operations.FulfillmentCreate.requests;

    // ---- the ledger is restored from the backup
    await admin(`drop database ${live} with (force)`);
    await admin(`create database ${live} template ${snapshot}`);
    await admin(`drop database ${snapshot}`);

    const env = { DATABASE_URL: liveUrl };
    const check = await runCli(['reconcile', '--store', STORE_ID, '--json', '--config', cfgFile], env);
    expect(check.code, check.stderr).toBe(1);
    const report = JSON.parse(check.stdout);
    // Declared by the run, not by the code: the orders placed after the backup are unknown to the
    // ledger; those shipped after it are further along in OrderMesh than the ledger knows.
    expect(report.items.filter((d: any) => d.kind === 'unknownToLedger').map((d: any) => d.storeOrderId).sort()).toEqual([...after].sort());
    expect(report.items.filter((d: any) => d.kind === 'stateDisagrees').map((d: any) => d.status)).toEqual(Array(BEFORE / 2).fill('Shipped'));
    expect(report.summary).toMatchObject({ ordermesh: { orders: BEFORE + AFTER, byStatus: { Shipped: BEFORE + AFTER } }, ledger: { orders: BEFORE, byState: { fulfilled: BEFORE / 2, submitted: BEFORE / 2 } }, shopify: { orders: BEFORE + AFTER }, differences: { unlinked: 0, missingInOrderMesh: 0 } });

    const fix = await runCli(['reconcile', '--store', STORE_ID, '--fix', '--config', cfgFile], env);
    expect(fix.code, fix.stderr).toBe(0);
    expect(fix.stdout).toContain(`in OrderMesh, unknown to the ledger: ${AFTER}`);
    const again = JSON.parse((await runCli(['reconcile', '--store', STORE_ID, '--json', '--config', cfgFile], env)).stdout);
    expect(again.summary.differences).toMatchObject({ unknownToLedger: 0, unlinked: 0 });

    // ---- the workers start again on the restored, reconciled ledger
    fleet.start();
    fleet.start();
    h = await handles();
    await until(h, 'everything fulfilled again', async (c) => c.fulfilled === BEFORE + AFTER && total(c) === BEFORE + AFTER && (await unwrittenPackages(h.db)) === 0);
    expect(fleet.alive).toHaveLength(2);
    await fleet.stopAll();

    // ---- judged from the simulators' own state
    const st = await simState(om);
    expect(duplicateCreates(st)).toEqual([]);
    expect(Object.values(st.createRequestsBySafeId)).toEqual(Array(BEFORE + AFTER).fill(1));
    const bySafeId = new Map((await omOrders()).map((o) => [o.safeId, o]));
    for (const id of [...before, ...after]) expect(bySafeId.get(safeIdFor(STORE_ID, id))?.status, id).toBe('Shipped');
    const shopNow = await shopState(shop);
    const fulfilments = (shopNow.orderList as Array<{ fulfillments: Array<{ tracking: { number: string } }> }>).flatMap((o) => o.fulfillments);
    const tracking = [...bySafeId.values()].flatMap((o) => o.shipments.flatMap((s) => s.packages.map((p) => p.carrierTrackingNumber)));
    expect(tracking).toHaveLength(BEFORE + AFTER);
    for (const t of tracking) expect(fulfilments.filter((f) => f.tracking.number === t), t).toHaveLength(1);
    // Not one fulfilment mutation more after the restore: every package was found written already.
    expect(shopNow.operations.FulfillmentCreate.requests).toBe(writesBefore);
    expect(await h.db.selectFrom('events').select('id').where('reason_code', '=', 'RELINKED_BY_RECONCILE').execute()).toHaveLength(AFTER);
    await h.close();
    // Each worker ended when the test stopped it, never by itself: with exit 0 after its shutdown, or
    // by the signal itself when it came while the worker was still loading (under load, a worker started
    // for a phase that others finished can be stopped before it has booted).
    expect(fleet.unexpectedExits.filter((e) => !e.includes('(code 0, signal null)') && !e.includes('(code null, signal SIGTERM)'))).toEqual([]);
  }, 900_000);
});
