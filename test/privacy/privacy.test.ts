import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import type { PrivacyTopic } from '../../src/db/schema.ts';
import { retentionSweep } from '../../src/jobs/privacy.ts';
import { Q } from '../../src/jobs/queues.ts';
import { SHOPIFY_SIM_DEFAULTS } from '../../src/sim/shopify/server.ts';
import { hmacBase64 } from '../../src/util/hmac.ts';
import { runCli } from '../helpers/cli.ts';
import { freshDb } from '../helpers/db.ts';
import { ordermeshSim, simState } from '../helpers/ordermesh.ts';
import { config, eventually, pipelineConfigObject, startPipeline, STORE_ID, writePipelineConfig } from '../helpers/pipeline.ts';
import { explicitOrder, post, shopState, shopifySim } from '../helpers/shopify.ts';

/**
 * Privacy end to end: Shopify's compliance webhooks (signed, idempotent, answered at once, done by a
 * job), a customer's export, their redaction, the retention sweep and shop/redact. "Nothing of the
 * customer remains" is judged by scanning every text, json and array column of every table of the
 * database, pg-boss's included, for each personal value the test itself put in the order.
 */
const { url: dbUrl, db } = await freshDb();
const om = await ordermeshSim();
const shop = await shopifySim({ restoreRate: 1000 });
const cfgObject = pipelineConfigObject(om, shop);
const service = await startPipeline(config(cfgObject), dbUrl);
const url = `http://127.0.0.1:${service.port}`;
const secret = SHOPIFY_SIM_DEFAULTS.shop.appSecret;
const domain = SHOPIFY_SIM_DEFAULTS.shop.domain;

// The customer, as the test declares them: every value below must be gone after the redaction, and stay
// gone after later changes in the store. Short values ("Li", "W1") and line-item properties (an
// engraving, a gift message) included: redaction used to leave them behind.
const JANE = {
  email: 'janetta.quibble@example.org', phone: '+44 20 7946 0321', firstName: 'Janetta', lastName: 'Li', street: '77 Marrowbone Lane', flat: 'Flat 9b', city: 'Little Snoring', zip: 'W1', note: 'Ring twice, Janetta',
  engraving: 'Forever yours, Bartholomew', giftMessage: 'Happy birthday from Aunt Perpetua',
};
/** What the customer writes in the store after the redaction: it must never be stored either. */
const LATER_NOTE = 'Leave it with Mrs Okonkwo, next door';
const address = { firstName: JANE.firstName, lastName: JANE.lastName, company: null, address1: JANE.street, address2: JANE.flat, city: JANE.city, provinceCode: null, zip: JANE.zip, countryCodeV2: 'GB', phone: JANE.phone };
const line = (sku: string, properties: Array<{ key: string; value: string }> = []) => ({
  sku, variant: { id: `gid://shopify/ProductVariant/${sku}`, sku } as never, quantity: 1, currentQuantity: 1, unfulfilledQuantity: 1,
  customAttributes: [{ key: '_print_front', value: `https://cdn.example.com/art/${sku}-front.png` }, ...properties],
});
const janes = explicitOrder({ email: JANE.email, phone: JANE.phone, note: JANE.note, shippingAddress: address, billingAddress: address }, [
  line('MUG-11OZ-WHITE', [{ key: 'Engraving', value: JANE.engraving }, { key: 'Gift message', value: JANE.giftMessage }]),
  line('TEE-BELLA3001-BLK-M'),
]);
// Two values that occur inside the order's own ids and print-file keys: a year she typed (digits of
// the order's id, so inside its line items' ids too) and an app's hidden print area. Redaction used to
// cut them out of the ids, so the redacted order could no longer be written back (issue 34).
const YEAR = janes.id.split('/').pop()!.slice(4, 9);
const PRINT_AREA = { key: '_print_area', value: 'front' };
janes.lineItems[0]!.customAttributes.push({ key: 'Year', value: YEAR }, PRINT_AREA);
/** What an operator wrote when asking OrderMesh for a refund: it names her. */
const REFUND_REASON = `${JANE.firstName} ${JANE.lastName} rang: the mug arrived cracked`;
/** What she writes in the store before a reprocess re-reads her order. */
const REPROCESS_NOTE = 'Please call Mr Featherstonehaugh instead';
// Another order of hers, held in Shopify by the merchant with notes that name her ("Li", "W1" as words).
const HOLD_NOTES = `${JANE.lastName} rang: hold until she confirms ${JANE.zip} is right`;
const janesHeld = explicitOrder({ shippingAddress: address, billingAddress: address }, [line('MUG-11OZ-WHITE')]);
const other = explicitOrder({ email: 'someone.else@example.com' }, [line('MUG-11OZ-WHITE')]);
const numeric = (gid: string) => gid.split('/').pop()!;

/**
 * Every place in the database that holds `value`: "schema.table.column". A value shorter than 4
 * characters ("Li") is looked for as a word of its own, case and all (inside "Little" it is not the
 * customer's); a longer one anywhere, in any case.
 */
async function whereIs(value: string): Promise<string[]> {
  const cols = await sql<{ s: string; t: string; c: string }>`
    select table_schema as s, table_name as t, column_name as c from information_schema.columns
    where table_schema in ('public', 'pgboss') and data_type in ('text', 'character varying', 'jsonb', 'json', 'ARRAY', 'bytea')
      and table_name in (select table_name from information_schema.tables where table_type = 'BASE TABLE' and table_schema in ('public', 'pgboss'))`.execute(db);
  const word = `(^|[^[:alnum:]])${value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}([^[:alnum:]]|$)`;
  const found: string[] = [];
  for (const { s, t, c } of cols.rows) {
    const holds = value.length < 4 ? sql`${sql.ref(c)}::text ~ ${word}` : sql`${sql.ref(c)}::text ilike ${`%${value}%`}`;
    const n = await sql<{ n: number }>`select count(*)::int as n from ${sql.table(`${s}.${t}`)} where ${holds}`.execute(db);
    if (n.rows[0]!.n) found.push(`${s}.${t}.${c}`);
  }
  return found;
}
/** Each declared value with where it still is, for those still somewhere. */
async function leftovers(values: Record<string, string>): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const [k, v] of Object.entries(values)) {
    const at = await whereIs(v);
    if (at.length) out[`${k}: ${v}`] = at;
  }
  return out;
}

function compliance(topic: string, body: string, sign: string = secret) {
  return fetch(`${url}/webhooks/shopify/compliance`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-shopify-topic': topic, 'x-shopify-shop-domain': domain, 'x-shopify-hmac-sha256': hmacBase64(sign, body), 'x-shopify-triggered-at': new Date(Date.now() - 6 * 3600_000).toISOString() },
    body,
  });
}
const row = (id: string) => db.selectFrom('orders').selectAll().where('store_order_id', '=', id).executeTakeFirstOrThrow();
const until = <T>(what: string, check: () => Promise<T | false>) => eventually(check, async () => `${what}: ${JSON.stringify(await db.selectFrom('orders').select(['store_order_name', 'state', 'redacted_at']).execute())}`, 30_000);
const requestDone = (topic: PrivacyTopic) => until(`${topic} done`, async () => (await db.selectFrom('privacy_requests').select(['id', 'status']).where('topic', '=', topic).orderBy('id', 'desc').executeTakeFirst())?.status === 'done');
const omOrder = async (gid: string) => (await simState(om)).orders.find((o: any) => o.meta?.shopifyOrderId === gid);
/**
 * Pulls, and waits until the ledger holds the store's latest copy of the order and every change job
 * that copy may have asked for has run: then what was not stored or sent never will be.
 */
async function ledgerHoldsStoreCopy(gid: string): Promise<void> {
  await service.boss.send(Q.pullOrders, { storeId: STORE_ID }, { singletonKey: STORE_ID });
  const storeCopy = ((await shopState(shop)).orderList as any[]).find((o) => o.id === gid).updatedAt as string;
  await until(`ledger holds ${storeCopy}`, async () => (await row(gid)).store_updated_at?.getTime() === Date.parse(storeCopy));
  await changeJobsDone();
}
/** Waits until no change job is waiting or running (one is enqueued in the transaction that records its cause). */
async function changeJobsDone(): Promise<void> {
  const open = sql<{ n: number }>`select count(*)::int as n from pgboss.job where name = ${Q.applyOrderChange} and state in ('created', 'retry', 'active')`;
  await until('change jobs done', async () => (await open.execute(db)).rows[0]!.n === 0);
}

await post(`${shop.url}/_sim/orders`, { orders: [janes, janesHeld, other] });
await post(`${shop.url}/_sim/orders/${encodeURIComponent(janesHeld.id)}/hold`, { reason: 'OTHER', reasonNotes: HOLD_NOTES });
await service.boss.send(Q.pullOrders, { storeId: STORE_ID }, { singletonKey: STORE_ID });
await until('both submitted', async () => (await db.selectFrom('orders').select('state').execute()).filter((r) => r.state === 'submitted').length === 2);
await until('held', async () => (await row(janesHeld.id)).hold_reason?.includes(HOLD_NOTES) === true);
// One of Jane's two items ships before her request; the other after it.
const first = await omOrder(janes.id);
await post(`${om.url}/_sim/orders/${first.orderId}/ship`, { items: [{ orderItemId: first.items[0].id, quantity: 1 }] });
await service.boss.send(Q.pollShipments, { orderIds: [(await row(janes.id)).id] });
await until('first package written back', async () => ((await shopState(shop)).orderList as any[]).find((o) => o.id === janes.id).fulfillments.length === 1);

describe('privacy: compliance webhooks, export, redaction, retention', () => {
  it('refuses a compliance webhook with a bad signature (401) or a body it cannot read (400)', async () => {
    const body = JSON.stringify({ shop_id: 1, shop_domain: domain, customer: { email: JANE.email }, orders_to_redact: [] });
    expect((await compliance('customers/redact', body, 'wrong-secret')).status).toBe(401);
    expect((await compliance('customers/redact', '{"shop_domain": 12}')).status).toBe(400);
    expect((await compliance('customers/redact', JSON.stringify({ shop_domain: 'other.myshopify.com' }))).status).toBe(400);
    expect(await db.selectFrom('privacy_requests').selectAll().execute()).toEqual([]);
  });

  it("a data request prepares the customer's export (their order, what we hold, the OrderMesh order that carries it), kept until fetched once", async () => {
    const body = `{"shop_id":1,"shop_domain":"${domain}","orders_requested":[${numeric(janes.id)}],"customer":{"id":191167,"email":"${JANE.email}","phone":null},"data_request":{"id":9999}}`;
    const res = await compliance('customers/data_request', body);
    expect(res.status).toBe(200);
    expect((await compliance('customers/data_request', body)).status).toBe(200); // Shopify's retry
    expect(await db.selectFrom('privacy_requests').select('topic').execute()).toHaveLength(1);
    await requestDone('customers/data_request');
    const req = await db.selectFrom('privacy_requests').selectAll().executeTakeFirstOrThrow();
    expect(req.subject).toBeNull();

    const file = writePipelineConfig(cfgObject);
    const listed = await runCli(['privacy', 'requests', '--config', file], { DATABASE_URL: dbUrl });
    expect(listed.stdout).toContain(`export ready: ordersync privacy requests --fetch ${req.id}`);
    const fetched = await runCli(['privacy', 'requests', '--fetch', req.id, '--config', file], { DATABASE_URL: dbUrl });
    expect(fetched.code, fetched.stderr).toBe(0);
    const exported = JSON.parse(fetched.stdout);
    expect(exported.orders.map((o: any) => o.shopifyOrderId)).toEqual([janes.id]);
    expect(exported.orders[0].storePayload.shippingAddress.address1).toBe(JANE.street);
    expect(exported.ordermeshOrders).toEqual([{ orderId: first.orderId, safeId: (await row(janes.id)).safe_id, merchantOrder: janes.name }]);
    const again = await runCli(['privacy', 'requests', '--fetch', req.id, '--config', file], { DATABASE_URL: dbUrl });
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/was fetched at .* and is no longer kept/);
  });

  it("customers/redact leaves nothing of the customer anywhere in the database (an operator's refund reason too); the order's state, tracking, ids, SKUs and print files stay", async () => {
    const file = writePipelineConfig(cfgObject);
    const refund = await runCli(['request', 'refund', '--order', janes.id, '--item', 'MUG-11OZ-WHITE', '--reason', REFUND_REASON, '--config', file], { DATABASE_URL: dbUrl });
    expect(refund.code, refund.stderr).toBe(0);
    expect((await db.selectFrom('ordermesh_requests').select('reason').executeTakeFirstOrThrow()).reason).toBe(REFUND_REASON);
    const before = await row(janes.id);
    for (const v of Object.values(JANE)) expect(await whereIs(v), v).not.toEqual([]);
    const body = `{"shop_id":1,"shop_domain":"${domain}","customer":{"id":191167,"email":"${JANE.email}","phone":"${JANE.phone}"},"orders_to_redact":[${numeric(janes.id)},${numeric(janesHeld.id)}]}`;
    expect((await compliance('customers/redact', body)).status).toBe(200);
    await requestDone('customers/redact');
    expect(await leftovers(JANE)).toEqual({});
    expect((await row(janesHeld.id)).hold_reason).toMatch(/rang: hold until she confirms .* is right/);

    const after = await row(janes.id);
    expect(after.state).toBe('in_production');
    expect((await db.selectFrom('ordermesh_requests').select('reason').executeTakeFirstOrThrow()).reason).toBe('[redacted] [redacted] rang: the mug arrived cracked');
    // What the sync works from, intact: the order's and its line items' ids, SKUs, print files (the app's print area too); her year gone.
    const stored = after.store_payload as any;
    expect(stored.id).toBe(janes.id);
    expect(stored.lineItems.map((l: any) => [l.id, l.sku, l.customAttributes])).toEqual([
      [janes.lineItems[0]!.id, 'MUG-11OZ-WHITE', [janes.lineItems[0]!.customAttributes[0], PRINT_AREA]],
      [janes.lineItems[1]!.id, 'TEE-BELLA3001-BLK-M', [janes.lineItems[1]!.customAttributes[0]]],
    ]);
    const items = (m: any) => m.items.map((i: any) => ({ sku: i.sku, images: i.images, meta: i.meta, externalId: i.externalId }));
    expect(items(after.mapped_payload)).toEqual(items(before.mapped_payload));
    expect((after.mapped_payload as any).meta).toEqual((before.mapped_payload as any).meta);
    expect(after.safe_id).toBe(before.safe_id);
    expect(after.redacted_at).not.toBeNull();
    expect((await db.selectFrom('packages').select('tracking_number').where('order_id', '=', after.id).execute())[0]!.tracking_number).toMatch(/^9400/);
    expect((await row(other.id)).store_payload).toMatchObject({ email: 'someone.else@example.com' });
  });

  it('a redacted order stays redacted when the store changes it (a note, a tag, a write-back): nothing comes back, OrderMesh hears of no address change, a later package is still written back', async () => {
    const redactedAt = (await row(janes.id)).redacted_at;
    expect(redactedAt).not.toBeNull();
    const updatesBefore = (await simState(om)).counts.requests.updateOrder ?? 0;
    await post(`${shop.url}/_sim/orders/${encodeURIComponent(janes.id)}/update`, { note: LATER_NOTE, tags: ['vip'] });
    await ledgerHoldsStoreCopy(janes.id);
    expect((await simState(om)).counts.requests.updateOrder ?? 0).toBe(updatesBefore);
    expect((await omOrder(janes.id)).shippingAddress).toMatchObject({ lastName: JANE.lastName, line1: JANE.street, zip: JANE.zip });
    const changed = await row(janes.id);
    expect(changed).toMatchObject({ state: 'in_production', redacted_at: redactedAt });
    expect(changed.store_payload).toMatchObject({ tags: ['vip'] });
    expect(await leftovers({ ...JANE, laterNote: LATER_NOTE })).toEqual({});
    // Asked to bring OrderMesh in line anyway (as a reprocess or a recorded submission does): nothing to send, nothing to park.
    await service.boss.send(Q.applyOrderChange, { orderId: changed.id, kind: 'recheck' });
    await changeJobsDone();
    expect((await simState(om)).counts.requests.updateOrder ?? 0).toBe(updatesBefore);
    expect((await row(janes.id)).state).toBe('in_production');

    await post(`${om.url}/_sim/orders/${first.orderId}/ship`, {});
    await service.boss.send(Q.pollShipments, { orderIds: [changed.id] });
    await until('second package written back', async () => ((await shopState(shop)).orderList as any[]).find((o) => o.id === janes.id).fulfillments.length === 2);
    await until('fulfilled', async () => (await row(janes.id)).state === 'fulfilled');
    await ledgerHoldsStoreCopy(janes.id);
    expect((await row(janes.id)).redacted_at).toEqual(redactedAt);
    expect(await leftovers({ ...JANE, laterNote: LATER_NOTE })).toEqual({});
  });

  it('a redacted order stays redacted through a reprocess (which re-reads the store): nothing comes back, redacted_at kept, one OrderMesh lacks left alone', async () => {
    const redactedAt = await Promise.all([janes, janesHeld].map(async (o) => (await row(o.id)).redacted_at));
    expect(redactedAt.every((r) => r !== null)).toBe(true);
    // A new copy in the store (her address in it, a new note): what the reprocess reads.
    await post(`${shop.url}/_sim/orders/${encodeURIComponent(janes.id)}/update`, { note: REPROCESS_NOTE });
    await post(`${shop.url}/_sim/orders/${encodeURIComponent(janesHeld.id)}/update`, { note: REPROCESS_NOTE });
    const file = writePipelineConfig(cfgObject);
    const done = await runCli(['reprocess', '--order', janes.id, janesHeld.id, '--json', '--config', file], { DATABASE_URL: dbUrl });
    expect(done.code, done.stderr).toBe(0);
    await changeJobsDone();
    // The reprocess read the new copies: the ledger holds them, redacted.
    for (const o of [janes, janesHeld]) {
      const storeCopy = ((await shopState(shop)).orderList as any[]).find((x) => x.id === o.id).updatedAt as string;
      expect((await row(o.id)).store_updated_at?.getTime()).toBe(Date.parse(storeCopy));
    }
    expect(await leftovers({ ...JANE, laterNote: LATER_NOTE, reprocessNote: REPROCESS_NOTE })).toEqual({});
    expect(await Promise.all([janes, janesHeld].map(async (o) => (await row(o.id)).redacted_at))).toEqual(redactedAt);
    const lines = JSON.parse(done.stdout).items as Array<{ storeOrderId: string; action: string }>;
    expect(Object.fromEntries(lines.map((l) => [l.storeOrderId, l.action]))).toEqual({
      [janes.id]: 're-checking against OrderMesh (never resubmitted)',
      [janesHeld.id]: 'left alone: its personal data was removed (a redaction): it can no longer be mapped',
    });
  });

  it('retention redacts exactly the final orders past the period', async () => {
    const make = async (email: string) => {
      const o = explicitOrder({ email }, [line('MUG-11OZ-WHITE')]);
      await post(`${shop.url}/_sim/orders`, { orders: [o] });
      return o;
    };
    const [oldFinal, recentFinal, oldOpen] = [await make('old.final@example.net'), await make('recent.final@example.net'), await make('old.open@example.net')];
    await service.boss.send(Q.pullOrders, { storeId: STORE_ID }, { singletonKey: STORE_ID });
    await until('submitted', async () => (await Promise.all([oldFinal, recentFinal, oldOpen].map((o) => db.selectFrom('orders').select('state').where('store_order_id', '=', o.id).executeTakeFirst()))).every((r) => r?.state === 'submitted'));
    for (const o of [oldFinal, recentFinal]) await post(`${om.url}/_sim/orders/${(await omOrder(o.id)).orderId}/ship`, {});
    await service.boss.send(Q.pollShipments, {}, { singletonKey: 'sweep' });
    await until('shipped', async () => (await row(oldFinal.id)).state === 'fulfilled' && (await row(recentFinal.id)).state === 'fulfilled');
    // Time, not the code under test: two of them became what they are 91 days ago.
    await db.updateTable('orders').set({ state_changed_at: sql`now() - interval '91 days'` as never }).where('store_order_id', 'in', [oldFinal.id, oldOpen.id]).execute();

    const before = new Set((await db.selectFrom('orders').select('id').where('redacted_at', 'is not', null).execute()).map((r) => r.id));
    expect(await retentionSweep(service.deps)).toBe(1);
    const now = (await db.selectFrom('orders').select(['id', 'store_order_id']).where('redacted_at', 'is not', null).execute()).filter((r) => !before.has(r.id));
    expect(now.map((r) => r.store_order_id)).toEqual([oldFinal.id]);
    expect(await whereIs('old.final@example.net')).toEqual([]);
    expect(await whereIs('recent.final@example.net')).not.toEqual([]);
    expect(await whereIs('old.open@example.net')).not.toEqual([]);
    expect(await retentionSweep(service.deps)).toBe(0);

    // A reprocess of the redacted order reads it from the store again, and keeps it redacted.
    const { reprocess } = await import('../../src/jobs/reprocess.ts');
    const redacted = await row(oldFinal.id);
    await post(`${shop.url}/_sim/orders/${encodeURIComponent(oldFinal.id)}/update`, { tags: ['reread'] });
    const res = await reprocess(service.deps, { ids: [redacted.id] }, false);
    expect(res.unread).toBeUndefined();
    expect(await row(oldFinal.id)).toMatchObject({ redacted_at: redacted.redacted_at, state: 'fulfilled', store_payload: expect.objectContaining({ tags: ['reread'] }) });
    await changeJobsDone();
    expect(await whereIs('old.final@example.net')).toEqual([]);
  });

  it('by hand: export prints what we hold of a customer; redact --dry-run counts and changes nothing; redact removes', async () => {
    const file = writePipelineConfig(cfgObject);
    const cli = (args: string[]) => runCli([...args, '--config', file], { DATABASE_URL: dbUrl });
    const exported = await cli(['privacy', 'export', '--customer', 'someone.else@example.com']);
    expect(exported.code, exported.stderr).toBe(0);
    expect(JSON.parse(exported.stdout).orders.map((o: any) => o.shopifyOrderId)).toEqual([other.id]);
    const dry = await cli(['privacy', 'redact', '--customer', 'someone.else@example.com', '--dry-run']);
    expect(JSON.parse(dry.stdout)).toMatchObject({ dryRun: true, orders: 1 });
    expect((await row(other.id)).redacted_at).toBeNull();
    expect(await whereIs('someone.else@example.com')).not.toEqual([]);
    const done = await cli(['privacy', 'redact', '--customer', 'someone.else@example.com']);
    expect(JSON.parse(done.stdout)).toMatchObject({ dryRun: false, orders: 1 });
    expect(await whereIs('someone.else@example.com')).toEqual([]);
  });

  it('shop/redact removes everything of the store: orders, events, packages, SKU maps, cursors', async () => {
    await db.insertInto('sku_maps').values({ store_id: STORE_ID, store_sku: 'X-1', ordermesh_sku: 'MUG-11OZ-WHITE', updated_by: 'test' }).execute();
    const body = JSON.stringify({ shop_id: 1, shop_domain: domain });
    expect((await compliance('shop/redact', body)).status).toBe(200);
    await requestDone('shop/redact');
    for (const table of ['orders', 'events', 'sku_maps', 'sync_cursors'] as const) {
      expect(Number((await db.selectFrom(table).select((eb) => eb.fn.countAll<string>().as('n')).where('store_id', '=', STORE_ID).executeTakeFirstOrThrow()).n), table).toBe(0);
    }
    expect(Number((await db.selectFrom('packages').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow()).n)).toBe(0);
    const done = await db.selectFrom('privacy_requests').select(['topic', 'result']).execute();
    expect(done.map((r) => r.topic)).toEqual(['shop/redact']);
    expect((done[0]!.result as any).removed.orders).toBeGreaterThan(0);
    expect(await db.selectFrom('orders').select('id').where('store_id', '=', STORE_ID).execute()).toEqual([]);
  });
});
