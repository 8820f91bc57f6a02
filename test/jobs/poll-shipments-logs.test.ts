import { describe, expect, it } from 'vitest';
import { pollShipments } from '../../src/jobs/poll-shipments.ts';
import { createLogger } from '../../src/log.ts';
import { runCli } from '../helpers/cli.ts';
import { freshDb } from '../helpers/db.ts';
import { ordermeshSim, simState } from '../helpers/ordermesh.ts';
import { config, pipelineConfigObject, startPipeline, writePipelineConfig } from '../helpers/pipeline.ts';
import { explicitOrder, post, seedOrders, shopifySim } from '../helpers/shopify.ts';

/**
 * What shipment polling says at info: one summary line for a sweep that found new tracking, and
 * nothing for the one-order polls OrderMesh's webhooks ask for (thousands an hour; the write-back's
 * own line says what came of them). Packages counted against the OrderMesh simulator's own state.
 */
const { url: dbUrl, db } = await freshDb();
const om = await ordermeshSim();
const shop = await shopifySim({ restoreRate: 1000 });
const cfg = pipelineConfigObject(om, shop);
const service = await startPipeline(config(cfg), dbUrl, { workers: false });

/** deps whose log lines (debug and up) are kept, parsed. */
function capturing() {
  const lines: Array<Record<string, any>> = [];
  const log = createLogger({ level: 'debug', destination: { write: (s: string) => void lines.push(JSON.parse(s)) } });
  return { deps: { ...service.deps, log }, lines, polls: () => lines.filter((l) => /poll/.test(l.msg)) };
}

const packagesOf = (st: any, ordermeshId: string) => st.orders.find((o: any) => String(o.orderId) === ordermeshId).shipments.reduce((n: number, s: any) => n + s.packages.length, 0);

describe('shipment polling logs', () => {
  it('says a sweep that found tracking once at info, with orders polled and packages found; a webhook-named poll only at debug', async () => {
    await seedOrders(shop, { orders: [explicitOrder(), explicitOrder(), explicitOrder()] });
    const file = writePipelineConfig(cfg);
    const once = await runCli(['run', '--once', '--config', file], { DATABASE_URL: dbUrl });
    expect(once.code, once.stderr).toBe(0);
    const [a, b] = (await simState(om)).orders;
    const ledgerId = async (o: any) => (await db.selectFrom('orders').select('id').where('ordermesh_order_id', '=', String(o.orderId)).executeTakeFirstOrThrow()).id;

    await post(`${om.url}/_sim/orders/${a.orderId}/ship`, {});
    const shippedA = packagesOf(await simState(om), String(a.orderId));
    expect(shippedA).toBeGreaterThan(0);
    const named = capturing();
    expect(await pollShipments(named.deps, [await ledgerId(a)])).toEqual({ polled: 1, newTracking: shippedA });
    expect(named.polls()).toEqual([expect.objectContaining({ level: 20, msg: 'polled shipments', polled: 1, packagesFound: shippedA, newTracking: shippedA })]);
    expect(named.lines.filter((l) => l.level >= 30)).toEqual([]);

    await post(`${om.url}/_sim/orders/${b.orderId}/ship`, {});
    const sweepStart = new Date();
    const sweep = capturing();
    const run = await pollShipments(sweep.deps);
    const st = await simState(om);
    expect(run.newTracking).toBe(packagesOf(st, String(b.orderId)));
    const polledIds = (await db.selectFrom('orders').select('ordermesh_order_id').where('last_polled_at', '>=', sweepStart).execute()).map((r) => r.ordermesh_order_id!);
    expect(sweep.polls()).toEqual([
      expect.objectContaining({ level: 30, polled: run.polled, packagesFound: polledIds.reduce((n, id) => n + packagesOf(st, id), 0), newTracking: run.newTracking }),
    ]);
    expect(polledIds.length).toBe(run.polled);

    // A sweep that finds nothing new says so at debug only.
    const quiet = capturing();
    expect((await pollShipments(quiet.deps)).newTracking).toBe(0);
    expect(quiet.lines.filter((l) => l.level >= 30)).toEqual([]);
  }, 180_000);
});
