import { describe, expect, it } from 'vitest';
import Fastify from 'fastify';
import { sql } from 'kysely';
import { registerAdmin } from '../../src/server/admin.ts';
import { statusReport } from '../../src/db/status.ts';
import { consoleFixture, ledgerStates, OPERATOR, VIEWER } from '../helpers/console.ts';
import { eventually, STORE_ID } from '../helpers/pipeline.ts';
import { simState } from '../helpers/ordermesh.ts';
import { shopState } from '../helpers/shopify.ts';

const { db, om, shop, service, api } = await consoleFixture(60);
const failedStates = ['failed_mapping', 'rejected', 'failed', 'needs_attention'];
const ledgerCount = async (where: (q: any) => any) => Number((await where(db.selectFrom('orders').select(db.fn.countAll<string>().as('n'))).executeTakeFirstOrThrow()).n);

/** A malformed order id's answer: 400 naming the field, short, nothing of PostgreSQL's. */
const refusedId = (r: { status: number; json: any }, field: RegExp, what: string) => {
  expect(r.status, what).toBe(400);
  expect(r.json.message, what).toMatch(field);
  expect(r.json.message.length, what).toBeLessThan(160);
  expect(JSON.stringify(r.json), what).not.toMatch(/invalid input|out of range|bigint|syntax|postgres|sql/i);
};

describe('admin API: access', () => {
  it('is off (404) when no token is configured', async () => {
    const app = Fastify();
    registerAdmin(app, service.deps, []);
    for (const url of ['/console', '/api/v1/status', '/api/v1/orders']) expect((await app.inject({ url, headers: { authorization: `Bearer ${OPERATOR}` } })).statusCode).toBe(404);
  });

  it('answers 401 without a valid token, 403 when a viewer acts, and never echoes the token', async () => {
    for (const token of [null, 'wrong-token-0123456789abcdef', `${VIEWER}x`, VIEWER.slice(0, -1)]) {
      const r = await api('/api/v1/status', { token });
      expect(r.status, String(token)).toBe(401);
      expect(r.headers.get('www-authenticate')).toBe('Bearer');
    }
    expect((await api('/api/v1/status', { token: VIEWER })).status).toBe(200);
    const acts = [
      ['/api/v1/reprocess', { orderIds: ['1'], dryRun: true }],
      ['/api/v1/skus', { store: STORE_ID, storeSku: 'A', ordermeshSku: 'B' }],
    ] as const;
    for (const [path, body] of acts) {
      const r = await api(path, { token: VIEWER, body });
      expect(r.status).toBe(403);
      expect(r.json.message).toContain('"watcher" is a viewer');
      expect(JSON.stringify(r.json)).not.toContain(VIEWER);
    }
    // The page itself is served to anyone (it holds nothing); it asks for the token.
    const page = await fetch(`${service.port ? `http://127.0.0.1:${service.port}` : ''}/console`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('id="signin"');
  });
});

describe('admin API: reading', () => {
  it('GET /api/v1/status is the `ordersync status --json` report, and its counts are the ledger\'s', async () => {
    const r = await api('/api/v1/status', { token: VIEWER });
    expect(r.status).toBe(200);
    const { fixes, ...report } = r.json;
    expect(report).toEqual(JSON.parse(JSON.stringify(await statusReport(db))));
    expect(report.stores[0].states).toEqual(await ledgerStates(db));
    expect(fixes.MISSING_SKU).toContain('ordersync sku set');
    expect((await api('/api/v1/status?store=nope', { token: VIEWER })).status).toBe(404);
    expect((await api('/api/v1/status?bogus=1', { token: VIEWER })).status).toBe(400);
  });

  it('GET /api/v1/orders filters, pages and searches by name, Shopify id, safeId and (for an operator) e-mail; bad filters are 400', async () => {
    const failures = await api(`/api/v1/orders?failures=true&store=${STORE_ID}&pageSize=5`, { token: VIEWER });
    expect(failures.status).toBe(200);
    expect(failures.json.total).toBe(await ledgerCount((q) => q.where('state', 'in', failedStates)));
    expect(failures.json.items).toHaveLength(Math.min(5, failures.json.total));
    expect(failures.json.items.every((o: any) => failedStates.includes(o.state) && o.fix)).toBe(true);
    const missingSku = await api('/api/v1/orders?reason=MISSING_SKU&pageSize=200', { token: VIEWER });
    expect(missingSku.json.total).toBe(await ledgerCount((q) => q.where('last_error_code', '=', 'MISSING_SKU')));
    expect(missingSku.json.total).toBeGreaterThan(0);
    const page2 = await api('/api/v1/orders?pageSize=10&page=2', { token: VIEWER });
    const page1 = await api('/api/v1/orders?pageSize=10&page=1', { token: VIEWER });
    expect(page1.json.items.map((o: any) => o.id)).not.toEqual(page2.json.items.map((o: any) => o.id));
    expect(page1.json.hasMore).toBe(true);

    const row = await db.selectFrom('orders').select(['id', 'store_order_id', 'store_order_name', 'safe_id', 'store_payload']).where('state', '=', 'submitted').where(sql<string>`store_payload->>'email'`, 'like', '%@%').orderBy('id').executeTakeFirstOrThrow();
    const email = (row.store_payload as { email: string | null }).email!;
    expect(email).toContain('@');
    for (const q of [row.store_order_name!, row.store_order_name!.slice(1), row.store_order_id, row.store_order_id.split('/').pop()!, row.safe_id]) {
      const r = await api(`/api/v1/orders?q=${encodeURIComponent(q)}`, { token: VIEWER });
      expect(r.json.items.map((o: any) => o.id), q).toEqual([row.id]);
    }
    // By e-mail: a token that sees personal data (a viewer's is refused: admin-personal-data.test.ts).
    const byEmail = await api('/api/v1/orders/search', { body: { q: email.toUpperCase() } });
    expect(byEmail.status).toBe(200);
    expect(byEmail.json.items.map((o: any) => o.id)).toContain(row.id);
    expect(byEmail.json.total).toBe(await ledgerCount((q) => q.where((eb: any) => eb(eb.fn('lower', [eb.ref('store_payload', '->>').key('email')]), '=', email.toLowerCase()))));

    for (const bad of ['pageSize=201', 'pageSize=0', 'page=abc', 'state=shipped', 'reason=missing%20sku', `q=${'x'.repeat(201)}`, 'since=yesterday', 'nope=1']) {
      const r = await api(`/api/v1/orders?${bad}`, { token: VIEWER });
      expect(r.status, bad).toBe(400);
      expect(typeof r.json.message).toBe('string');
    }
  });

  it('GET /api/v1/orders/:id tells the order\'s story with its fix; an unknown order is 404', async () => {
    const failed = await db.selectFrom('orders').select(['id', 'last_error_code']).where('state', '=', 'failed_mapping').orderBy('id').executeTakeFirstOrThrow();
    const r = await api(`/api/v1/orders/${failed.id}`, { token: VIEWER });
    expect(r.status).toBe(200);
    expect(r.json.order.lastError.code).toBe(failed.last_error_code);
    expect(r.json.fix).toBeTruthy();
    expect(r.json.timeline[0]).toMatchObject({ kind: 'ingested', to: 'pending' });
    expect(r.json.timeline.at(-1)).toMatchObject({ kind: 'state', to: 'failed_mapping', reason: failed.last_error_code });
    expect(r.json.links.shopify).toMatch(/^https:\/\/admin\.shopify\.com\/store\/sim-shop\/orders\/\d+$/);
    expect((await api('/api/v1/orders/999999999', { token: VIEWER })).status).toBe(404);
    expect((await api('/api/v1/orders/%23no-such-order', { token: VIEWER })).status).toBe(404);
    expect((await api('/api/v1/nothing-here', { token: VIEWER })).status).toBe(404);
  });

  it('GET /api/v1/orders/:id refuses an all-digit id beyond the ledger\'s range with 400; a search takes any key', async () => {
    for (const id of ['9223372036854775808', '99999999999999999999999']) refusedId(await api(`/api/v1/orders/${id}`, { token: VIEWER }), /^id: /, id);
    expect((await api('/api/v1/orders/9223372036854775807', { token: VIEWER })).status).toBe(404);
    expect((await api('/api/v1/orders/abc', { token: VIEWER })).status).toBe(404);
    // A search never reaches the bigint column: such keys find nothing, and are not refused.
    for (const q of ['abc', '99999999999999999999999']) {
      const r = await api('/api/v1/orders/search', { token: VIEWER, body: { q } });
      expect(r.status, q).toBe(200);
      expect(r.json.items, q).toEqual([]);
    }
  });
});

describe('admin API: the overview and workers', () => {
  it('GET /api/v1/activity gives 288 five-minute buckets whose sums are the audit trail\'s and the packages\' counts', async () => {
    const r = await api('/api/v1/activity', { token: VIEWER });
    expect(r.status).toBe(200);
    expect(r.json.bucketMinutes).toBe(5);
    expect(r.json.series).toHaveLength(288);
    const sum = (k: string) => r.json.series.reduce((a: number, b: any) => a + b[k], 0);
    const events = async (kind: string, to?: string) => ledgerCount(() => { let q = db.selectFrom('events').select(db.fn.countAll<string>().as('n')).where('kind', '=', kind); if (to) q = q.where('to_state', '=', to); return q; });
    expect(sum('pulled')).toBe(await events('ingested'));
    expect(sum('submitted')).toBe(await events('state', 'submitted'));
    expect(sum('writtenBack')).toBe(await events('tracking_written'));
    expect(sum('pulled')).toBe(60);
    // This worker's own calls: the pull and the submissions reached both upstreams.
    expect(r.json.upstreams.shopify.calls).toBeGreaterThan(0);
    expect(r.json.upstreams.ordermesh.calls).toBeGreaterThan(0);
    expect(r.json.throttle[STORE_ID]).toMatchObject({ maximum: expect.any(Number), available: expect.any(Number) });
    expect((await api('/api/v1/activity?store=x&y=1', { token: VIEWER })).status).toBe(400);
  });

  it('GET /api/v1/workers, /whoami and /fixes', async () => {
    const w = await api('/api/v1/workers', { token: VIEWER });
    expect(w.json.workers.map((x: any) => x.actor)).toEqual([service.deps.actor]);
    expect(w.json.workers[0].configHash).toBe(service.configHash());
    expect((await api('/api/v1/whoami', { token: VIEWER })).json).toEqual({ name: 'watcher', role: 'viewer', personalData: false });
    expect((await api('/api/v1/whoami')).json).toEqual({ name: 'ops', role: 'operator', personalData: true });
    const fixes = (await api('/api/v1/fixes', { token: VIEWER })).json;
    expect(fixes.find((f: any) => f.codes.includes('MISSING_SKU')).fix).toContain('sku set');
  });
});

describe('admin API: acting', () => {
  it('previews a reprocess (how many it touches; for one order what it would send or the errors), then runs it as the token\'s name', async () => {
    const missing = await db.selectFrom('orders').select(['id']).where('last_error_code', '=', 'MISSING_SKU').orderBy('id').execute();
    const one = await api('/api/v1/reprocess', { body: { orderIds: [missing[0]!.id], dryRun: true } });
    expect(one.status).toBe(200);
    expect(one.json).toMatchObject({ dryRun: true, orders: 1, matching: 1 });
    expect(one.json.lines[0].result.kind).toBe('failed');
    expect(one.json.lines[0].result.errors.map((e: any) => e.code)).toContain('MISSING_SKU');
    const filter = { store: STORE_ID, reason: 'MISSING_SKU', state: ['failed_mapping'] };
    const preview = await api('/api/v1/reprocess', { body: { filter, dryRun: true } });
    expect(preview.json.matching).toBe(missing.length);
    expect(preview.json.orders).toBe(missing.length);
    // Nothing changed by the previews.
    expect(await ledgerCount((q) => q.where('last_error_code', '=', 'MISSING_SKU'))).toBe(missing.length);

    // The fix: the SKU mapped (the `ordersync sku set` code path), then every MISSING_SKU of the store reprocessed.
    for (const bad of [{ store: STORE_ID, storeSku: 'X', ordermeshSku: 'bad sku' }, { store: STORE_ID, storeSku: '', ordermeshSku: 'OK-1' }, { store: STORE_ID, storeSku: 'A', ordermeshSku: 'B', extra: 1 }]) {
      expect((await api('/api/v1/skus', { body: bad })).status).toBe(400);
    }
    expect((await api('/api/v1/skus', { body: { store: 'nope', storeSku: 'A', ordermeshSku: 'B' } })).status).toBe(404);
    expect((await api('/api/v1/skus', { body: { store: STORE_ID, storeSku: 'LEGACY-SKU-0042', ordermeshSku: 'POSTER-18X24-MATTE' } })).status).toBe(200);
    const mapped = await db.selectFrom('events').select(['actor']).where('kind', '=', 'sku_map_set').execute();
    expect(mapped.map((e) => e.actor)).toEqual(['console:ops']);
    await eventually(async () => (service.deps.stores.get(STORE_ID)!.mapper.options as { skuMap: Record<string, string> }).skuMap['LEGACY-SKU-0042'] !== undefined, () => 'sku map', 30_000);

    const before = (await simState(om)).orders.length;
    const run = await api('/api/v1/reprocess', { body: { filter, dryRun: false } });
    expect(run.status).toBe(200);
    expect(run.json.orders).toBe(missing.length);
    const reprocessed = await db.selectFrom('events').select(['order_id', 'actor']).where('reason_code', '=', 'REPROCESS').execute();
    expect(reprocessed.length).toBe(missing.length);
    expect(reprocessed.every((e) => e.actor === 'console:ops')).toBe(true);
    // Judged from the simulators: the ones whose only fault was the SKU reach OrderMesh, once each.
    const storeIds = new Set((await shopState(shop)).orderList.map((o: any) => o.id));
    await eventually(async () => (await ledgerCount((q) => q.where('state', 'in', ['pending', 'submitting']))) === 0, () => 'settle');
    const after = await simState(om);
    expect(after.orders.length).toBeGreaterThan(before);
    expect(Object.values(after.createRequestsBySafeId as Record<string, number>).every((n) => n === 1)).toBe(true);
    expect(after.orders.every((o: any) => storeIds.has(o.meta.shopifyOrderId))).toBe(true);
  });

  it('refuses bad reprocess requests with 400: both or neither of filter and orderIds, a bad filter, too many ids', async () => {
    for (const body of [{}, { filter: {}, orderIds: ['1'] }, { filter: { state: ['nope'] } }, { orderIds: [] }, { orderIds: Array.from({ length: 1001 }, (_, i) => String(i)) }, { filter: {}, dryRun: 'yes' }]) {
      const r = await api('/api/v1/reprocess', { body });
      expect(r.status, JSON.stringify(body).slice(0, 80)).toBe(400);
    }
  });

  it('refuses a malformed order id in a reprocess with 400 naming the field, never a 500 or the database\'s text', async () => {
    const acted = () => db.selectFrom('events').select(db.fn.countAll<string>().as('n')).where('actor', '=', 'console:ops').executeTakeFirstOrThrow();
    const before = await acted();
    for (const id of ['abc', '9223372036854775808', '99999999999999999999999', '-1', '1.5', ' 1', '']) {
      for (const dryRun of [true, false]) {
        const body = { orderIds: ['1', id], dryRun };
        refusedId(await api('/api/v1/reprocess', { body }), /^orderIds\.1: /, JSON.stringify(body));
      }
    }
    // The largest id there can be is an id: no such order, nothing to do.
    const largest = await api('/api/v1/reprocess', { body: { orderIds: ['9223372036854775807'], dryRun: true } });
    expect(largest.status).toBe(200);
    expect(largest.json.orders).toBe(0);
    // Nothing acted on.
    expect(await acted()).toEqual(before);
  });

  it('keeps tokens out of the ledger', async () => {
    const rows = await db.selectFrom('events').select(['actor', 'message', 'data']).execute();
    const text = JSON.stringify(rows);
    expect(text).not.toContain(OPERATOR);
    expect(text).not.toContain(VIEWER);
  });
});

describe('admin API: privacy requests', () => {
  it('lists compliance requests without whom they are about; an operator fetches an export once; bad ids are 400, unknown 404', async () => {
    const { hmacBase64 } = await import('../../src/util/hmac.ts');
    const { SHOPIFY_SIM_DEFAULTS } = await import('../../src/sim/shopify/server.ts');
    const order = await db.selectFrom('orders').select(['store_order_id', 'store_payload']).where('ordermesh_order_id', 'is not', null).limit(1).executeTakeFirstOrThrow();
    const email = (order.store_payload as { email: string }).email;
    const body = `{"shop_id":1,"shop_domain":"${SHOPIFY_SIM_DEFAULTS.shop.domain}","orders_requested":[${order.store_order_id.split('/').pop()}],"customer":{"id":7,"email":"${email}","phone":null},"data_request":{"id":77}}`;
    const sent = await fetch(`http://127.0.0.1:${service.port}/webhooks/shopify`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-shopify-topic': 'customers/data_request', 'x-shopify-shop-domain': SHOPIFY_SIM_DEFAULTS.shop.domain, 'x-shopify-hmac-sha256': hmacBase64(SHOPIFY_SIM_DEFAULTS.shop.appSecret, body), 'x-shopify-triggered-at': new Date().toISOString() },
      body,
    });
    expect(sent.status).toBe(200);
    const listed = await eventually(async () => {
      const r = await api('/api/v1/privacy/requests', { token: VIEWER });
      return r.json.requests[0]?.exportReady ? r : false;
    }, () => 'no export ready', 30_000);
    expect(listed.json.requests).toEqual([expect.objectContaining({ store: STORE_ID, topic: 'customers/data_request', status: 'done', orders: 1, exportReady: true })]);
    expect(JSON.stringify(listed.json)).not.toContain(email);
    const id = listed.json.requests[0].id;
    expect((await api(`/api/v1/privacy/requests/${id}/fetch`, { token: VIEWER, body: {} })).status).toBe(403);
    expect((await api('/api/v1/privacy/requests/x1/fetch', { body: {} })).status).toBe(400);
    expect((await api('/api/v1/privacy/requests/999999/fetch', { body: {} })).status).toBe(404);
    const fetched = await api(`/api/v1/privacy/requests/${id}/fetch`, { body: {} });
    expect(fetched.status).toBe(200);
    expect(fetched.json.orders.map((o: any) => o.shopifyOrderId)).toEqual([order.store_order_id]);
    expect(fetched.json.orders[0].storePayload.email).toBe(email);
    const again = await api(`/api/v1/privacy/requests/${id}/fetch`, { body: {} });
    expect(again.status).toBe(409);
    expect(again.json.message).toMatch(/no longer kept/);
  });
});
