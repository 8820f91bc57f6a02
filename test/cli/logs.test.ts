import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.ts';
import { freshDb } from '../helpers/db.ts';
import { ordermeshSim, simState } from '../helpers/ordermesh.ts';
import { declaredFinalStates, declaredOutcomes, pipelineConfigObject, writePipelineConfig } from '../helpers/pipeline.ts';
import { post, seedOrders, shopifySim } from '../helpers/shopify.ts';

/**
 * What an operator reads at info: one line per order outcome and per tracking number written, named by
 * order; nothing for quiet cycles. Counted against the simulators' own state and the generator's
 * declarations, not against the ledger.
 */
const { url: dbUrl } = await freshDb();
const om = await ordermeshSim();
const shop = await shopifySim({ restoreRate: 1000, bulkDelayMs: 20 });
const file = writePipelineConfig(pipelineConfigObject(om, shop, { log: { level: 'info' } }));
const run = (extra: string[] = []) => runCli(['run', '--once', '--config', file, ...extra], { DATABASE_URL: dbUrl });
const lines = (stderr: string) => stderr.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, any>);

describe('logs at info', () => {
  it('say each order submitted (or why not) and each tracking number written, by order, and stay quiet when nothing happens', async () => {
    const ids = await seedOrders(shop, { count: 15, seed: 91 });
    const declared = declaredFinalStates(await declaredOutcomes(shop, ids));
    const first = await run();
    expect(first.code, first.stderr).toBe(0);
    const log1 = lines(first.stderr);
    const submitted = log1.filter((l) => l.msg === 'order submitted to OrderMesh');
    const om1 = await simState(om);
    expect(submitted.map((l) => l.safeId).sort()).toEqual(om1.orders.map((o: any) => o.safeId).sort());
    expect(new Set(submitted.map((l) => l.ordermeshOrderId))).toEqual(new Set(om1.orders.map((o: any) => String(o.orderId))));
    expect(submitted.every((l) => /^#\d+$/.test(l.order) && l.level === 30)).toBe(true);
    const refused = log1.filter((l) => l.msg === 'order not submitted');
    expect(refused).toHaveLength(declared.failed_mapping ?? 0);
    expect(refused.every((l) => l.level === 40 && typeof l.reason === 'string' && l.message)).toBe(true);
    expect(log1.filter((l) => l.msg === 'order not sent: nothing to fulfil')).toHaveLength((declared.skipped ?? 0) + (declared.cancelled ?? 0));
    // Dates are dates, not {}.
    expect(first.stderr).not.toContain('{}');

    // OrderMesh ships everything: one info line per tracking number written, naming the order.
    for (const o of om1.orders) await post(`${om.url}/_sim/orders/${o.orderId}/ship`, {});
    const second = await run();
    expect(second.code, second.stderr).toBe(0);
    const written = lines(second.stderr).filter((l) => l.msg === 'tracking written to the store');
    const tracking = (await simState(om)).orders.flatMap((o: any) => o.shipments.flatMap((s: any) => s.packages.map((p: any) => p.carrierTrackingNumber)));
    expect(tracking.length).toBeGreaterThan(0);
    expect(written.map((l) => l.trackingNumber).sort()).toEqual(tracking.sort());
    expect(written.every((l) => /^#\d+$/.test(l.order) && l.trackingNumber)).toBe(true);
    expect(lines(second.stderr).filter((l) => l.msg === 'order submitted to OrderMesh')).toEqual([]);

    // A cycle with nothing to do says nothing at info.
    const third = await run();
    expect(third.code, third.stderr).toBe(0);
    expect(lines(third.stderr).filter((l) => l.level >= 30)).toEqual([]);
  });

  it('--log-format pretty prints readable lines even when stderr is not a terminal; json is JSON lines', async () => {
    const pretty = await run(['--log-format', 'pretty', '--log-level', 'debug']);
    expect(pretty.code, pretty.stderr).toBe(0);
    const first = pretty.stderr.trim().split('\n')[0]!;
    expect(() => JSON.parse(first)).toThrow();
    expect(first).toMatch(/DEBUG|INFO/);
    expect(pretty.stderr).not.toContain('\u001b['); // no colour codes into a file
    const json = await run(['--log-format', 'json', '--log-level', 'debug']);
    expect(lines(json.stderr).length).toBeGreaterThan(0);
  });
});
