import { describe, expect, it } from 'vitest';
import { ShopifyClient } from '../../src/connectors/shopify/client.ts';
import { SHOPIFY_SIM_DEFAULTS } from '../../src/sim/shopify/server.ts';
import { runInCallScope } from '../../src/util/call-scope.ts';
import { clientFor, ordermeshSim, setFaults, simState, validOrder } from '../helpers/ordermesh.ts';
import { post, shopifySim } from '../helpers/shopify.ts';

/**
 * A store job's calls (call-scope.ts, one scope per job in a store lane): once one times out, none is
 * retried or sent in that job, so a hung store gives its lane back after one call's timeout (issue 34,
 * item 14). Judged from the requests each simulator received.
 */
const om = await ordermeshSim();
const shop = await shopifySim();
const HELD_MS = 3_000;

const omRequests = async (route: string): Promise<number> => (await simState(om)).counts.requests[route] ?? 0;
const shopRequests = async (): Promise<number> => ((await (await fetch(`${shop.url}/_sim/state`)).json()) as any).shops[SHOPIFY_SIM_DEFAULTS.shop.domain].requests;

describe("a store job's calls after one timed out", () => {
  it('OrderMesh: the create that timed out is not retried, its order is not looked up, and another store job goes on', async () => {
    const client = clientFor(om, { timeoutMs: 300, retry: { maxAttempts: 3, baseDelayMs: 20 } });
    await post(`${om.url}/_sim/settings`, { slowMerchants: { 'm-hung': HELD_MS } });
    const hung = runInCallScope(() => client.createOrders([validOrder({ merchantId: 'm-hung' })]));
    const healthyOrder = validOrder({ merchantId: 'm-ok' });
    const healthy = runInCallScope(() => client.createOrders([healthyOrder]));
    const [hungOutcome] = await hung;
    const [healthyOutcome] = await healthy;
    expect(hungOutcome!.outcome).toBe('transient');
    expect(healthyOutcome!.outcome).toBe('created');
    // One create each (the hung one held past the timeout, never retried); no read by safeId was sent.
    expect(await omRequests('createOrdersBulk')).toBe(2);
    expect(await omRequests('getOrderBySafeId')).toBe(0);
    expect((await simState(om)).orders.map((o: any) => o.safeId)).toContain(healthyOrder.safeId);
    client.close();
  });

  it("OrderMesh: a create in flight is not cut short when another call of the job times out: its answer is heard, and no second create is needed", async () => {
    // Two clients in one job's scope: the read times out (300 ms) while the create is held (1.5 s) and
    // answered within its own timeout (5 s).
    const reader = clientFor(om, { timeoutMs: 300, retry: { maxAttempts: 1 } });
    const writer = clientFor(om, { timeoutMs: 5_000, retry: { maxAttempts: 1 } });
    await post(`${om.url}/_sim/settings`, { slowMerchants: { 'm-slow': 1_500 } });
    await setFaults(om, { getOrderBySafeId: { timeout: 1, timeoutMs: 2_000 } });
    const order = validOrder({ merchantId: 'm-slow' });
    try {
      const [read, created] = await runInCallScope(() => Promise.allSettled([reader.getOrderBySafeId('someone-else'), writer.createOrders([order])]));
      expect(read).toMatchObject({ status: 'rejected', reason: { code: 'TIMEOUT' } });
      expect(created).toMatchObject({ status: 'fulfilled', value: [expect.objectContaining({ outcome: 'created' })] });
      const st = await simState(om);
      expect([st.createRequestsBySafeId[order.safeId], st.unansweredCreatesBySafeId[order.safeId] ?? 0]).toEqual([1, 0]);
    } finally {
      await fetch(`${om.url}/_sim/faults`, { method: 'DELETE' });
      await post(`${om.url}/_sim/settings`, { slowMerchants: {} });
      reader.close();
      writer.close();
    }
  });

  it('Shopify: the call that timed out is not retried and the next call of the job is not sent', async () => {
    const client = new ShopifyClient(
      { shopDomain: SHOPIFY_SIM_DEFAULTS.shop.domain, apiVersion: '2026-01', apiOrigin: shop.url, auth: { type: 'accessToken', accessToken: SHOPIFY_SIM_DEFAULTS.shop.accessToken } },
      { timeoutMs: 300, maxAttempts: 3 },
    );
    await post(`${shop.url}/_sim/faults`, { '*': { timeout: 1, timeoutMs: HELD_MS } });
    const before = await shopRequests();
    await expect(runInCallScope(async () => {
      await client.request('app-access').catch(() => undefined);
      return client.request('orders-count', { query: '' });
    })).rejects.toMatchObject({ code: 'NETWORK' });
    expect((await shopRequests()) - before).toBe(1);
    await fetch(`${shop.url}/_sim/faults`, { method: 'DELETE' });
    client.close();
  });
});
