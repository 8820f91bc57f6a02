import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { Q } from '../../src/jobs/queues.ts';
import { registerFulfillmentService } from '../../src/ops/register-service.ts';
import { SIM_DEFAULTS } from '../../src/sim/defaults.ts';
import { SHOPIFY_SIM_DEFAULTS } from '../../src/sim/shopify/server.ts';
import { hmacBase64 } from '../../src/util/hmac.ts';
import { freshDb } from '../helpers/db.ts';
import { ordermeshSim, simState } from '../helpers/ordermesh.ts';
import { config, eventually, pipelineConfigObject, startPipeline, STORE_ID } from '../helpers/pipeline.ts';
import { explicitOrder, post, shopState, shopifySim } from '../helpers/shopify.ts';
import { whereAre } from '../helpers/where-is.ts';

/**
 * A redacted order stays redacted in fulfilment-service mode (issue 34, item 5), as it does for a
 * merchant-managed store (privacy.test.ts): after a customers/redact, the store's later changes (a
 * note and a tag, a new address found by a request scan, our own write-back) bring none of the
 * customer's data back and send OrderMesh no address change. Judged by scanning every text, json and
 * array column of every table for the values the test planted, and by OrderMesh's own request count.
 */
const FS_SCOPES = ['read_orders', 'read_assigned_fulfillment_orders', 'write_assigned_fulfillment_orders', 'write_fulfillments'];
const OURS = ['MUG-11OZ-WHITE', 'TEE-BELLA3001-BLK-M'];

const { url: dbUrl, db } = await freshDb();
const om = await ordermeshSim();
const shop = await shopifySim({ restoreRate: 1000 });
const cfgObject = pipelineConfigObject(om, shop);
const service = await startPipeline(config({ ...cfgObject, stores: [{ ...cfgObject.stores[0], mode: 'fulfillment-service', fulfillmentService: { name: 'OrderMesh Print' } }] }), dbUrl);
const url = `http://127.0.0.1:${service.port}`;
await post(`${shop.url}/_sim/settings`, { scopes: FS_SCOPES, webhookUrl: `${url}/webhooks/shopify` });
await post(`${om.url}/_sim/settings`, { webhookUrl: `${url}/webhooks/ordermesh/${SIM_DEFAULTS.webhookSecret}` });
const store = service.deps.stores.get(STORE_ID)!;
const registration = await registerFulfillmentService(db, store.shopify, store.cfg, url);
await post(`${shop.url}/_sim/stock`, { locationId: registration.locationId, skus: OURS });

// The customer, as the test declares them: every value below must be gone after the redaction, and
// stay gone after the store's later changes.
const JANE = {
  email: 'perpetua.vandersloot@example.org', phone: '+44 20 7946 0588', firstName: 'Perpetua', lastName: 'Vandersloot', street: '31 Gooseberry Row', flat: 'Attic 2',
  city: 'Much Wenlock', zip: 'TF13 6AQ', note: 'Knock loudly, Perpetua is hard of hearing', engraving: 'To Ignatius, with love',
};
/** What the store holds of her after the redaction: never to be stored either. */
const LATER = { note: 'Parcel to the Vanderslooteries shed please', street: '8 Quince Crescent', flat: 'Annexe 5' };
const address = { firstName: JANE.firstName, lastName: JANE.lastName, company: null, address1: JANE.street, address2: JANE.flat, city: JANE.city, provinceCode: null, zip: JANE.zip, countryCodeV2: 'GB', phone: JANE.phone };
const line = (sku: string, properties: Array<{ key: string; value: string }> = []) => ({
  sku, variant: { id: `gid://shopify/ProductVariant/${sku}`, sku } as never, quantity: 1, currentQuantity: 1, unfulfilledQuantity: 1,
  customAttributes: [{ key: '_print_front', value: `https://cdn.example.com/art/${sku}-front.png` }, ...properties],
});
const janes = explicitOrder({ email: JANE.email, phone: JANE.phone, note: JANE.note, shippingAddress: address, billingAddress: address }, [
  line('MUG-11OZ-WHITE', [{ key: 'Engraving', value: JANE.engraving }]),
  line('TEE-BELLA3001-BLK-M'),
]);

/** Each declared value with where it still is, for those still somewhere. */
async function leftovers(values: Record<string, string>): Promise<Record<string, string[]>> {
  const where = await whereAre(db, Object.values(values));
  const out: Record<string, string[]> = {};
  for (const [k, v] of Object.entries(values)) if (where[v]!.length) out[`${k}: ${v}`] = where[v]!;
  return out;
}

const row = () => db.selectFrom('orders').selectAll().where('shopify_order_id', '=', janes.id).executeTakeFirstOrThrow();
const until = <T>(what: string, check: () => Promise<T | false>) =>
  eventually(check, async () => `${what}: ${JSON.stringify(await db.selectFrom('orders').select(['store_order_name', 'state', 'request_state', 'redacted_at', 'store_updated_at']).execute())}`, 60_000);
const shopOrder = async () => ((await shopState(shop)).orderList as any[]).find((o) => o.id === janes.id);
const omOrder = async () => (await simState(om)).orders.find((o: any) => o.meta?.shopifyOrderId === janes.id);
const updateRequests = async () => (await simState(om)).counts.requests.updateOrder ?? 0;
const scan = () => service.boss.send(Q.scanFulfillmentRequests, { storeId: STORE_ID }, { singletonKey: STORE_ID });
/**
 * Waits until the ledger holds the store's latest copy of the order and no job that reads the store or
 * carries a change to OrderMesh is waiting or running: the change job a copy asks for is enqueued by the
 * job that recorded it, so then whatever was not stored or sent never will be. `nudge` runs while the
 * copy is not held (a scan, when no webhook says it changed).
 */
async function ledgerHoldsStoreCopy(nudge?: () => Promise<unknown>): Promise<void> {
  const storeCopy = Date.parse((await shopOrder()).updatedAt);
  await until(`ledger holds ${new Date(storeCopy).toISOString()}`, async () => {
    if ((await row()).store_updated_at?.getTime() === storeCopy) return true;
    await nudge?.();
    return false;
  });
  const open = sql<{ n: number }>`select count(*)::int as n from pgboss.job
    where name in (${Q.refreshOrder}, ${Q.scanFulfillmentRequests}, ${Q.applyOrderChange}) and state in ('created', 'retry', 'active') and start_after <= now()`;
  await until('store reads and change jobs done', async () => (await open.execute(db)).rows[0]!.n === 0);
}

await post(`${shop.url}/_sim/orders`, { orders: [janes] });
await until('accepted', async () => (await shopOrder()).fulfillmentOrders.find((fo: any) => fo.locationId === registration.locationId)?.requestStatus === 'ACCEPTED');

describe('privacy in fulfilment-service mode: a redacted request stays redacted', () => {
  it('customers/redact removes the customer from the request it made', async () => {
    expect(await leftovers(JANE)).toEqual(Object.fromEntries(Object.entries(JANE).map(([k, v]) => [`${k}: ${v}`, expect.arrayContaining(['public.orders.store_payload'])])));
    const body = `{"shop_id":1,"shop_domain":"${SHOPIFY_SIM_DEFAULTS.shop.domain}","customer":{"id":5151,"email":"${JANE.email}","phone":"${JANE.phone}"},"orders_to_redact":[${janes.id.split('/').pop()}]}`;
    const res = await fetch(`${url}/webhooks/shopify/compliance`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-shopify-topic': 'customers/redact', 'x-shopify-shop-domain': SHOPIFY_SIM_DEFAULTS.shop.domain, 'x-shopify-hmac-sha256': hmacBase64(SHOPIFY_SIM_DEFAULTS.shop.appSecret, body), 'x-shopify-webhook-id': 'redact-5151' },
      body,
    });
    expect(res.status).toBe(200);
    await until('redaction done', async () => (await db.selectFrom('privacy_requests').select('status').where('topic', '=', 'customers/redact').executeTakeFirst())?.status === 'done');
    expect(await leftovers(JANE)).toEqual({});
    expect(await row()).toMatchObject({ state: 'submitted', request_state: 'accepted', redacted_at: expect.any(Date) });
  });

  it('a note and a tag (orders/updated): stored redacted, redacted_at kept, no update sent to OrderMesh', async () => {
    const { redacted_at: redactedAt } = await row();
    const updatesBefore = await updateRequests();
    await post(`${shop.url}/_sim/orders/${encodeURIComponent(janes.id)}/update`, { note: LATER.note, tags: ['vip'] });
    await ledgerHoldsStoreCopy();
    const changed = await row();
    expect(changed.store_payload).toMatchObject({ tags: ['vip'] });
    expect(changed).toMatchObject({ state: 'submitted', redacted_at: redactedAt, last_error_code: null });
    expect(await updateRequests()).toBe(updatesBefore);
    expect(await leftovers({ ...JANE, ...LATER })).toEqual({});
  });

  it('a new address found by a request scan (its webhook lost): not stored, not carried over; OrderMesh keeps the address it was sent', async () => {
    const { redacted_at: redactedAt } = await row();
    const updatesBefore = await updateRequests();
    await post(`${shop.url}/_sim/settings`, { webhookUrl: null });
    try {
      await post(`${shop.url}/_sim/orders/${encodeURIComponent(janes.id)}/update`, { shippingAddress: { address1: LATER.street, address2: LATER.flat } });
      await ledgerHoldsStoreCopy(scan);
    } finally {
      await post(`${shop.url}/_sim/settings`, { webhookUrl: `${url}/webhooks/shopify` });
    }
    expect(await row()).toMatchObject({ state: 'submitted', redacted_at: redactedAt, last_error_code: null });
    expect(await updateRequests()).toBe(updatesBefore);
    expect((await omOrder()).shippingAddress).toMatchObject({ line1: JANE.street, lastName: JANE.lastName });
    expect(await leftovers({ ...JANE, ...LATER })).toEqual({});
  });

  it('our own write-back of a package (in production): no false ADDRESS_CHANGE_TOO_LATE, the rest still ships', async () => {
    const { redacted_at: redactedAt } = await row();
    const updatesBefore = await updateRequests();
    const sent = await omOrder();
    await post(`${om.url}/_sim/orders/${sent.orderId}/ship`, { items: [{ orderItemId: sent.items[0].id, quantity: 1 }] });
    await until('first package written back', async () => (await shopOrder()).fulfillments.length === 1);
    await ledgerHoldsStoreCopy();
    expect(await row()).toMatchObject({ state: 'in_production', redacted_at: redactedAt, last_error_code: null });
    expect(await updateRequests()).toBe(updatesBefore);
    expect(await leftovers({ ...JANE, ...LATER })).toEqual({});

    await post(`${om.url}/_sim/orders/${sent.orderId}/ship`, {});
    await until('second package written back', async () => (await shopOrder()).fulfillments.length === 2);
    await until('fulfilled', async () => (await row()).state === 'fulfilled');
    expect((await row()).redacted_at).toEqual(redactedAt);
    expect(await leftovers({ ...JANE, ...LATER })).toEqual({});
  });
});
