import { describe, expect, it } from 'vitest';
import { createHmac } from 'node:crypto';
import { backfill } from '../../src/jobs/backfill.ts';
import { Q } from '../../src/jobs/queues.ts';
import { reprocess } from '../../src/jobs/reprocess.ts';
import { statusReport } from '../../src/db/status.ts';
import { SHOPIFY_SIM_DEFAULTS } from '../../src/sim/shopify/server.ts';
import { runCli } from '../helpers/cli.ts';
import { freshDb } from '../helpers/db.ts';
import { ordermeshSim, simState } from '../helpers/ordermesh.ts';
import { config, declaredOutcomes, eventually, pipelineConfigObject, SIM_MAPPING, startPipeline, stateCounts, STORE_ID, writePipelineConfig } from '../helpers/pipeline.ts';
import { post, seedOrders, shopifySim } from '../helpers/shopify.ts';

const { url: dbUrl, db } = await freshDb();
const om = await ordermeshSim();
const shop = await shopifySim({ restoreRate: 1000, bulkDelayMs: 20 });
const cfgObject = pipelineConfigObject(om, shop);
const service = await startPipeline(config(cfgObject), dbUrl);
const deps = service.deps;
const base = `http://127.0.0.1:${service.port}`;
const quiet = async () => {
  const c = await stateCounts(db);
  return !c.pending && !c.submitting;
};

describe('backfill', () => {
  it('imports a date range through a bulk operation, and a second run over the same range changes nothing', async () => {
    const ids = await seedOrders(shop, { count: 120, seed: 9, spreadSeconds: 7200 });
    const range = { storeId: STORE_ID, since: new Date(Date.now() - 3 * 3600_000), until: new Date(Date.now() + 60_000) };
    const dry = await backfill(deps, { ...range, dryRun: true });
    expect(dry.orders).toBe(120);
    expect(await stateCounts(db)).toEqual({});
    // Each order counted once, and as the generator declared it.
    const declared = [...(await declaredOutcomes(shop, ids)).values()];
    const total = (r: Record<string, number>) => Object.values(r).reduce((a, n) => a + n, 0);
    expect([dry.alreadyInOrderMesh, dry.wouldSubmit, total(dry.wouldFail), total(dry.wouldSkip)]).toEqual([0, ...(['sent', 'failed', 'skipped'] as const).map((k) => declared.filter((d) => d.kind === k).length)]);

    const first = await backfill(deps, { ...range, dryRun: false });
    expect(first).toMatchObject({ mode: 'bulk', orders: 120, inserted: 120 });
    await eventually(quiet, async () => JSON.stringify(await stateCounts(db)));
    const second = await backfill(deps, { ...range, dryRun: false });
    expect(second).toMatchObject({ orders: 120, inserted: 0, updated: 0, unchanged: 120 });
    expect((await simState(om)).orders.length).toBe((await stateCounts(db)).submitted);
    // A dry run now: what OrderMesh has is said so, never "would submit".
    const again = await backfill(deps, { ...range, dryRun: true });
    expect([again.alreadyInOrderMesh, again.wouldSubmit]).toEqual([(await stateCounts(db)).submitted, 0]);
  });

  it('resumes the bulk operation of an interrupted backfill instead of starting another', async () => {
    const { startBulkExport } = await import('../../src/connectors/shopify/bulk-export.ts');
    const shopify = deps.stores.get(STORE_ID)!.shopify;
    const range = { since: new Date(Date.now() - 3 * 3600_000), until: new Date(Date.now() + 120_000) };
    // A backfill that started its export, then died before reading it.
    const opId = await startBulkExport(shopify, range.since, range.until);
    const stream = `backfill:${range.since.toISOString()}..${range.until.toISOString()}`;
    await db.insertInto('sync_cursors').values({ store_id: STORE_ID, stream, bulk_operation_id: opId }).execute();
    const res = await backfill(deps, { storeId: STORE_ID, ...range, dryRun: false });
    expect(res.orders).toBe(120);
    const latest = (await (await fetch(`${shop.url}/admin/api/2026-01/graphql.json`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-shopify-access-token': SHOPIFY_SIM_DEFAULTS.shop.accessToken },
      body: JSON.stringify({ query: '{ currentBulkOperation { id } }' }),
    }).then((r) => r.json())) as any).data.currentBulkOperation.id;
    expect(latest).toBe(opId);
  });

  it('falls back to the paged pull when Shopify refuses the bulk operation', async () => {
    for (let i = 0; i < 5; i++) await post(`${shop.url}/_sim/settings`, { bulkDelayMs: 60_000 });
    // Five running bulk operations is the per-shop limit: the sixth is refused.
    const { startBulkExport } = await import('../../src/connectors/shopify/bulk-export.ts');
    for (let i = 0; i < 5; i++) await startBulkExport(deps.stores.get(STORE_ID)!.shopify, new Date(0), new Date());
    const res = await backfill(deps, { storeId: STORE_ID, since: new Date(Date.now() - 3 * 3600_000), until: new Date(Date.now() + 60_000), dryRun: true });
    expect(res.mode).toBe('paged');
    expect(res.orders).toBe(120);
    await post(`${shop.url}/_sim/settings`, { bulkDelayMs: 20 });
  });
});

describe('reprocess', () => {
  it('sends failed orders again once the fix is in, and never resubmits an order OrderMesh has', async () => {
    const failed = await db.selectFrom('orders').select(['store_order_name', 'last_error_code']).where('state', '=', 'failed_mapping').execute();
    const missingSku = failed.filter((f) => f.last_error_code === 'MISSING_SKU');
    expect(missingSku.length).toBeGreaterThan(0);

    // Dry run: same verdict, nothing changes.
    const { lines: dry } = await reprocess(deps, { states: ['failed_mapping'] }, true);
    expect(dry.every((l) => l.result?.kind === 'failed')).toBe(true);
    expect((await stateCounts(db)).failed_mapping).toBe(failed.length);

    // The operator adds the SKU; the store's mapper is rebuilt from the new config.
    // The simulator's unmapped SKU, and its sticker that has no SKU at all (mapped by variant id).
    const fixed = { ...SIM_MAPPING, skuMap: { ...SIM_MAPPING.skuMap, 'LEGACY-SKU-0042': 'Art_Print_Legacy_42', '40000000000009': 'Sticker_DieCut' } };
    const { loadMapper } = await import('../../src/mapping/registry.ts');
    deps.stores.get(STORE_ID)!.mapper = await loadMapper('shopify-default', fixed, 'm', '.');
    const before = (await simState(om)).orders.length;
    const { lines } = await reprocess(deps, { orders: missingSku.map((m) => m.store_order_name!) }, false);
    expect(lines.every((l) => l.action === 'queued for submission')).toBe(true);
    await eventually(quiet, async () => JSON.stringify(await stateCounts(db)));
    const after = await simState(om);
    const nowFailed = await db.selectFrom('orders').select('last_error_code').where('state', '=', 'failed_mapping').execute();
    expect(nowFailed.every((f) => f.last_error_code !== 'MISSING_SKU')).toBe(true);
    expect(after.orders.length - before).toBe(missingSku.length - (await db.selectFrom('orders').select('id').where('store_order_name', 'in', missingSku.map((m) => m.store_order_name!)).where('state', '=', 'failed_mapping').execute()).length);

    const submitted = await db.selectFrom('orders').select(['store_order_name', 'safe_id']).where('state', '=', 'submitted').limit(5).execute();
    const { lines: again } = await reprocess(deps, { orders: submitted.map((s) => s.store_order_name!) }, false);
    expect(again.every((l) => l.action.startsWith('re-checking against OrderMesh'))).toBe(true);
    await eventually(quiet, () => 'settle');
    const final = await simState(om);
    expect(final.orders.length).toBe(after.orders.length);
    for (const s of submitted) expect(final.createRequestsBySafeId[s.safe_id]).toBe(1);
  });
});

describe('webhooks', () => {
  const body = (gid: string) => JSON.stringify({ id: 1, admin_graphql_api_id: gid });
  const sign = (raw: string, secret: string = SHOPIFY_SIM_DEFAULTS.shop.appSecret) => createHmac('sha256', secret).update(raw).digest('base64');
  const send = (raw: string, signature: string, id = `${Math.random()}`, triggeredAt = new Date().toISOString()) =>
    fetch(`${base}/webhooks/shopify`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-shopify-hmac-sha256': signature, 'x-shopify-shop-domain': SHOPIFY_SIM_DEFAULTS.shop.domain, 'x-shopify-topic': 'orders/create', 'x-shopify-webhook-id': id, 'x-shopify-triggered-at': triggeredAt },
      body: raw,
    });
  const sendOrderMesh = (raw: string, signature = sign(raw, 'sim-ordermesh-webhook-secret')) =>
    fetch(`${base}/webhooks/ordermesh`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-ordermesh-signature': signature }, body: raw });
  const refreshJobs = async () => (await service.boss.getQueue(Q.refreshOrder))!;

  it('rejects a forged Shopify webhook with 401 and records nothing', async () => {
    const [gid] = await seedOrders(shop, { count: 1, seed: 404 });
    const receipts = async () => (await db.selectFrom('webhook_receipts').select('delivery_id').where('source', '=', 'shopify').execute()).length;
    const receiptsBefore = await receipts();
    const raw = body(gid!);
    const res = await send(raw, sign(raw, 'not-the-app-secret'));
    expect(res.status).toBe(401);
    // The receiver answers after its transaction (receipt and job together): nothing can come later.
    expect(await receipts()).toBe(receiptsBefore);
    expect((await service.boss.findJobs<{ storeOrderId: string }>(Q.refreshOrder)).filter((j) => j.data.storeOrderId === gid)).toEqual([]);
    expect(await db.selectFrom('orders').select('id').where('store_order_id', '=', gid!).execute()).toEqual([]);
  });

  it('turns a valid Shopify webhook into the order in the ledger, once however often it is delivered', async () => {
    const [gid] = await seedOrders(shop, { count: 1, seed: 405 });
    const raw = body(gid!);
    const first = await send(raw, sign(raw), 'delivery-1');
    const again = await send(raw, sign(raw), 'delivery-1');
    expect(first.status).toBe(200);
    expect(await again.json()).toMatchObject({ duplicate: true });
    await eventually(async () => (await db.selectFrom('orders').select('id').where('store_order_id', '=', gid!).execute()).length === 1, () => 'webhook order never reached the ledger');
  });

  it('reads a burst of webhook orders together: a few coalesced reads by id, not one read per order', async () => {
    const gids = await seedOrders(shop, { count: 40, seed: 407 });
    const ops = async () => ((await (await fetch(`${shop.url}/_sim/state?summary`)).json()) as any).shops[SHOPIFY_SIM_DEFAULTS.shop.domain].operations;
    const before = await ops();
    await Promise.all(gids.map((gid) => send(body(gid), sign(body(gid)))));
    const inLedger = async () => (await db.selectFrom('orders').select('id').where('store_order_id', 'in', gids).execute()).length;
    await eventually(async () => (await inLedger()) === gids.length, async () => `${await inLedger()} of ${gids.length} webhook orders in the ledger`);
    const after = await ops();
    const reads = (after.OrdersByIds?.requests ?? 0) - (before.OrdersByIds?.requests ?? 0);
    expect(reads).toBeGreaterThanOrEqual(1);
    // 40 webhooks inside about a second: gathered into a handful of reads (50 ids each at most).
    expect(reads).toBeLessThanOrEqual(6);
    expect(after.OrderById?.requests ?? 0).toBe(before.OrderById?.requests ?? 0);
  });

  it('answers a signed but bad request with a short 4xx, queues nothing, and leaks no internals', async () => {
    const queuedBefore = (await refreshJobs()).totalCount;
    const checks: Array<[Response, number]> = [
      [await send('', sign('')), 400],
      [await send('[]', sign('[]')), 400],
      [await send(body('gid://shopify/Order/12\u0000'), sign(body('gid://shopify/Order/12\u0000'))), 400],
      [await send(body('gid://shopify/Product/12'), sign(body('gid://shopify/Product/12'))), 400],
      [await sendOrderMesh(''), 400],
      [await sendOrderMesh(JSON.stringify({ EventType: 'OrderUpdate', RequestId: 'r1', SafeId: 'sim-shop-1\u0000' })), 400],
      [await sendOrderMesh(JSON.stringify({ EventType: 'OrderUpdate', RequestId: 'r2', OrderId: 'x'.repeat(5000) })), 400],
    ];
    for (const [res, status] of checks) {
      expect(res.status).toBe(status);
      const text = await res.text();
      expect(text.length).toBeLessThan(200);
      expect(text).not.toMatch(/postgres|invalid byte|sequence|stack|at .*\.ts/i);
    }
    expect((await refreshJobs()).totalCount).toBe(queuedBefore);
  });

  it('accepts only a canonical signature, dedupes replays under a new delivery id, and ignores deliveries outside the age window', async () => {
    const [gid] = await seedOrders(shop, { count: 1, seed: 406 });
    const raw = body(gid!);
    expect((await send(raw, `${sign(raw)}junk`)).status).toBe(401);
    expect((await send(raw, `${sign(raw)}\u00e9`.slice(0, -1) + '!')).status).toBe(401);
    const stale = await send(raw, sign(raw), 'old-1', new Date(Date.now() - 2 * 3600_000).toISOString());
    expect(await stale.json()).toMatchObject({ ignored: 'outside the age window' });
    expect((await send(raw, sign(raw), 'd-1', 'yesterday-ish')).status).toBe(400);
    expect(await (await send(raw, sign(raw), 'd-2')).json()).toMatchObject({ received: true, duplicate: false });
    // The delivery id is not covered by the HMAC: a replay under another id is the same event.
    expect(await (await send(raw, sign(raw), 'd-3-replayed')).json()).toMatchObject({ received: true, duplicate: true });
  });

  it('takes OrderMesh webhooks at a callback URL carrying the secret (no delivery authentication is documented), refuses a wrong one, and dedupes per event and order, not by RequestId', async () => {
    const toUrl = (secret: string, raw: string) => fetch(`${base}/webhooks/ordermesh/${secret}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: raw });
    const linked = await db.selectFrom('orders').select(['id', 'safe_id', 'ordermesh_order_id']).where('ordermesh_order_id', 'is not', null).orderBy('id').limit(2).execute();
    expect(linked).toHaveLength(2);
    const start = new Date(Date.now() - 1_000);
    const polls = async () => (await service.boss.findJobs<{ orderIds?: string[] }>(Q.pollShipments)).filter((j) => j.data.orderIds?.length && new Date(j.createdOn) >= start);
    // The docs' examples share one RequestId across events for different orders.
    const events = linked.map((o) => JSON.stringify({ EventType: 'OrderUpdate', RequestId: 'shared-request-1', OrderId: o.ordermesh_order_id, SafeId: o.safe_id, OldStatus: 'Open', NewStatus: 'ReadyForFulfillment' }));
    expect((await toUrl('not-the-secret', events[0]!)).status).toBe(401);
    expect(await (await toUrl('sim-ordermesh-webhook-secret', events[0]!)).json()).toMatchObject({ received: true, duplicate: false });
    expect(await (await toUrl('sim-ordermesh-webhook-secret', events[1]!)).json()).toMatchObject({ received: true, duplicate: false });
    expect(await (await toUrl('sim-ordermesh-webhook-secret', events[0]!)).json()).toMatchObject({ received: true, duplicate: true });
    // A failed OrderCreation names no OrderId: the order is found by its SafeId.
    const failed = JSON.stringify({ EventType: 'OrderCreation', RequestId: 'shared-request-1', SafeId: linked[0]!.safe_id, IsSuccessful: false, ResponseCode: 400, Description: 'failed' });
    expect(await (await toUrl('sim-ordermesh-webhook-secret', failed)).json()).toMatchObject({ received: true });
    const queued = (await polls()).flatMap((j) => j.data.orderIds!);
    expect(new Set(queued)).toEqual(new Set(linked.map((o) => o.id)));
  });

  it('rejects an OrderMesh webhook without a valid signature', async () => {
    const res = await fetch(`${base}/webhooks/ordermesh`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-ordermesh-signature': 'bogus' }, body: '{}' });
    expect(res.status).toBe(401);
  });
});

describe('status', () => {
  it('groups failures by reason code with examples and shows the last pull and queue depths', async () => {
    await service.boss.send(Q.pullOrders, { storeId: STORE_ID }, { singletonKey: STORE_ID });
    await eventually(async () => (await statusReport(db)).stores[0]!.lastPullAt !== null && (await quiet()), () => 'no pull recorded');
    const report = await statusReport(db, STORE_ID);
    const s = report.stores[0]!;
    expect(s.total).toBeGreaterThan(100);
    for (const g of s.failures) {
      expect(g.code).toMatch(/^[A-Z_]+$/);
      expect(g.examples.length).toBeGreaterThan(0);
      expect(g.count).toBe(await db.selectFrom('orders').select('id').where('last_error_code', '=', g.code).where('state', 'in', ['failed_mapping', 'rejected', 'failed', 'needs_attention']).execute().then((r) => r.length));
    }
    await service.boss.send(Q.submitOrders, { storeId: STORE_ID }, { startAfter: 3600, singletonKey: 'status-test' });
    expect((await statusReport(db, STORE_ID)).queues[Q.submitOrders]?.queued).toBeGreaterThanOrEqual(1);

    const file = writePipelineConfig(cfgObject);
    const cli = await runCli(['status', '--json', '--config', file], { DATABASE_URL: dbUrl });
    expect(cli.code, cli.stderr).toBe(0);
    expect(JSON.parse(cli.stdout).items[0].states).toEqual(s.states);
  });
});
