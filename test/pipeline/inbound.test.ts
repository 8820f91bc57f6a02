import { describe, expect, it } from 'vitest';
import { hmacBase64 } from '../../src/util/hmac.ts';
import { runCli } from '../helpers/cli.ts';
import { statusReport } from '../../src/db/status.ts';
import { inboundStack } from '../helpers/inbound.ts';
import { setFaults, simState } from '../helpers/ordermesh.ts';
import { eventually, SIM_MAPPING, STORE_ID } from '../helpers/pipeline.ts';
import { post } from '../helpers/shopify.ts';

/**
 * Inbound orders: submitted through the merchant's Transformation (`POST /v1/inbound/orders`), the
 * outcome told by OrderMesh's OrderCreation webhook, or, when that is lost, by a read by safeId. Judged
 * from the OrderMesh simulator's state: its orders, and the inbound requests it counted per safeId.
 */
const MERCHANT = 'merchant-e2e';

describe('inbound orders through a Transformation, our mapped payload as the body', async () => {
  const s = await inboundStack('mapped');
  const inbound = async (safeId: string) => (await simState(s.om)).inboundRequestsBySafeId[safeId] ?? 0;

  it('is sent once, stays submitting until the OrderCreation webhook, then is submitted with the order OrderMesh made', async () => {
    const o = await s.place();
    const r = await s.until(o.id, ['submitted']);
    const st = await simState(s.om);
    const made = st.orders.filter((x: any) => x.safeId === r.safe_id);
    expect(made).toHaveLength(1);
    expect(r.ordermesh_order_id).toBe(made[0].orderId);
    expect(made[0].money).toMatchObject({ currencyCode: o.presentmentCurrencyCode, customerTotal: Number(o.currentTotalPriceSet.presentmentMoney.amount) });
    expect(await inbound(r.safe_id)).toBe(1);
    // Not created directly: the inbound endpoint was the only way in.
    expect(st.createRequestsBySafeId[r.safe_id]).toBeUndefined();
    const events = await s.db.selectFrom('events').select(['reason_code']).where('order_id', '=', (await s.db.selectFrom('orders').select('id').where('safe_id', '=', r.safe_id).executeTakeFirstOrThrow()).id).orderBy('id').execute();
    expect(events.map((e) => e.reason_code)).toEqual(expect.arrayContaining(['INBOUND_RECEIVED', 'INBOUND_CREATED']));
  });

  it("a creation that fails is rejected with OrderMesh's description, and is reprocessable once fixed", async () => {
    await post(`${s.om.url}/_sim/catalog`, { merchantId: MERCHANT, variants: Object.values(SIM_MAPPING.skuMap).filter((k) => k !== 'POSTER-18X24-MATTE').map((sku) => ({ sku })) });
    const o = await s.place('POSTER-18X24-MATTE');
    const r = await s.until(o.id, ['rejected']);
    expect(r).toMatchObject({ last_error_code: 'ORDERMESH_CREATION_FAILED', ordermesh_order_id: null });
    expect(r.last_error_message).toContain("SKU POSTER-18X24-MATTE is not in the merchant's enabled catalog");
    expect((await simState(s.om)).orders.filter((x: any) => x.safeId === r.safe_id)).toEqual([]);

    await post(`${s.om.url}/_sim/catalog`, { merchantId: MERCHANT, variants: Object.values(SIM_MAPPING.skuMap).map((sku) => ({ sku })) });
    const res = await runCli(['reprocess', '--store', STORE_ID, '--state', 'rejected', '--config', s.cfgFile], { DATABASE_URL: s.dbUrl });
    expect(res.code, res.stderr).toBe(0);
    const again = await s.until(o.id, ['submitted']);
    expect((await simState(s.om)).orders.filter((x: any) => x.safeId === again.safe_id)).toHaveLength(1);
    expect(await inbound(again.safe_id)).toBe(2);
  });

  it('a lost OrderCreation webhook: the order is found by safeId once it is overdue, and not sent again', async () => {
    await post(`${s.om.url}/_sim/settings`, { webhookDropRate: 1 });
    const o = await s.place();
    await s.until(o.id, ['submitting']);
    const waiting = await eventually(async () => ((await s.row(o.id))?.inbound_sent_at ? (await s.row(o.id))! : false), () => 'sent', 20_000);
    expect(waiting.state).toBe('submitting');
    expect((await statusReport(s.db, STORE_ID)).stores[0]!.inbound.awaiting).toBeGreaterThanOrEqual(1);
    const r = await s.until(o.id, ['submitted']);
    expect(r.ordermesh_order_id).toBe((await simState(s.om)).orders.find((x: any) => x.safeId === r.safe_id).orderId);
    expect(await inbound(r.safe_id)).toBe(1);
    await post(`${s.om.url}/_sim/settings`, { webhookDropRate: 0 });
  });

  it('a lost answer to the send counts as sent: it waits for the webhook instead of sending again', async () => {
    await setFaults(s.om, { createInboundOrder: { lostResponse: 1, count: 1 } });
    // OrderMesh's queue slower than our retry delay: a resend would go out before the verdict comes.
    await post(`${s.om.url}/_sim/settings`, { inboundDelayMs: 2_500 });
    const o = await s.place();
    const r = await s.until(o.id, ['submitted']);
    await post(`${s.om.url}/_sim/settings`, { inboundDelayMs: 50 });
    expect(await inbound(r.safe_id)).toBe(1);
    expect((await simState(s.om)).orders.filter((x: any) => x.safeId === r.safe_id)).toHaveLength(1);
  });

  it('a late or repeated verdict changes nothing: a success delivered twice, a failure after the success', async () => {
    const o = await s.place();
    const r = await s.until(o.id, ['submitted']);
    const send = async (p: object) => {
      const raw = JSON.stringify(p);
      const res = await fetch(s.webhookUrl, { method: 'POST', headers: { 'content-type': 'application/json', 'x-ordermesh-signature': hmacBase64('sim-ordermesh-webhook-secret', raw) }, body: raw });
      expect(res.status).toBe(200);
    };
    const base = { SafeId: r.safe_id, ExternalOrderId: 'x', SubscriberId: MERCHANT, EventType: 'OrderCreation' };
    await send({ ...base, IsSuccessful: true, OrderId: r.ordermesh_order_id, Description: 'Order created', RequestId: 'late-1' });
    await send({ ...base, IsSuccessful: true, OrderId: r.ordermesh_order_id, Description: 'Order created', RequestId: 'late-1' });
    await send({ ...base, IsSuccessful: false, ResponseCode: 400, Description: 'Order could not be created', RequestId: 'late-2' });
    await new Promise((res) => setTimeout(res, 2_000));
    expect(await s.row(o.id)).toMatchObject({ state: 'submitted', ordermesh_order_id: r.ordermesh_order_id, last_error_code: null });
  });
});

