import { mkdirSync, readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { consoleFixture, OPERATOR, SECOND_STORE, VIEWER } from '../helpers/console.ts';
import { launchBrowser } from '../helpers/browser.ts';
import { declaredOutcomes, eventually, STORE_ID } from '../helpers/pipeline.ts';
import { explicitOrder, post } from '../helpers/shopify.ts';
import { simState } from '../helpers/ordermesh.ts';
import { FAILURES } from '../../src/db/order-states.ts';
import { Q } from '../../src/jobs/queues.ts';
import { simShops } from '../../src/sim/defaults.ts';

/**
 * The console's order list, an order name two stores share, the SKU-mapping fix loop and the live
 * refresh, in a real browser (Debian's Chromium) against one service of two stores. Outcomes are
 * judged from the ledger and the simulators: what OrderMesh received, what the Shopify simulator
 * declared for each order.
 */
const ARTIFACTS = new URL('../../test-artifacts/console/', import.meta.url).pathname;
mkdirSync(ARTIFACTS, { recursive: true });

const { db, om, service, base, ids, shop, api } = await consoleFixture(40, { secondStore: true });
// An order name both stores use (each shop numbers its own orders): the console must ask which.
const TWIN = '#TWIN-1001';
const twinLine = [{ sku: 'MUG-11OZ-WHITE', variant: { id: 'gid://shopify/ProductVariant/twin', sku: 'MUG-11OZ-WHITE' } as never, quantity: 1, currentQuantity: 1, unfulfilledQuantity: 1 }];
await post(`${shop.url}/_sim/orders`, { orders: [explicitOrder({ name: TWIN }, twinLine)] });
await post(`${shop.url}/_sim/orders`, { shop: simShops(2)[1]!.domain, orders: [explicitOrder({ name: TWIN }, twinLine)] });
const twins = () => db.selectFrom('orders').select(['id', 'store_id']).where('store_order_name', '=', TWIN).execute();
await eventually(
  async () => (await twins()).length === 2 || (await Promise.all([STORE_ID, SECOND_STORE].map((storeId) => service.boss.send(Q.pullOrders, { storeId }, { singletonKey: storeId }))), false),
  async () => JSON.stringify(await twins()),
  60_000,
);
// Orders produced, shipped and written back (fulfilled), the ledger quiet before the pages are read.
await eventually(
  async () => {
    const open = await db.selectFrom('orders').select(db.fn.countAll<string>().as('n')).where('state', 'in', ['submitted', 'in_production', 'pending', 'submitting']).executeTakeFirstOrThrow();
    if (Number(open.n) === 0) return true;
    await post(`${om.url}/_sim/advance`);
    await service.boss.send(Q.pollShipments, {}, { singletonKey: 'sweep' });
    await new Promise((r) => setTimeout(r, 500));
    return false;
  },
  async () => 'orders still open',
  120_000,
);
const browser = await launchBrowser();

async function signedIn(token: string): Promise<Page> {
  const page = await (await browser.newContext({ viewport: { width: 1280, height: 700 } })).newPage();
  await page.goto(`${base}/console`);
  await page.getByLabel('Admin token').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.locator('#who').filter({ hasText: '(' }).waitFor();
  return page;
}

const fulfilledOrder = async () => {
  const row = await db.selectFrom('orders').innerJoin('packages', 'packages.order_id', 'orders.id').select(['orders.id', 'orders.store_order_name', 'orders.ordermesh_order_id', 'orders.store_payload', 'packages.tracking_number']).where('orders.state', '=', 'fulfilled').where('packages.tracking_number', 'is not', null).orderBy('orders.id').executeTakeFirstOrThrow();
  return { ...row, email: (row.store_payload as { email: string }).email };
};
const ledgerTotal = async () => Number((await db.selectFrom('orders').select(db.fn.countAll<string>().as('n')).executeTakeFirstOrThrow()).n);

describe('the Orders page', () => {
  it('lists every order with its total, and finds a fulfilled one by name, OrderMesh id and (an operator) e-mail; exports the filter as CSV', async () => {
    const page = await signedIn(OPERATOR);
    await page.getByRole('link', { name: 'Orders', exact: true }).click();
    await page.locator('#all-orders').waitFor();
    expect(await page.locator('nav a[data-view="orders"]').getAttribute('aria-current')).toBe('page');
    expect(await page.locator('#orders-total').textContent()).toBe(`${await ledgerTotal()} order(s) match`);
    expect(await page.locator('#page-of').textContent()).toBe(`Page 1 of 1 (${await ledgerTotal()} order(s))`);
    await page.screenshot({ path: `${ARTIFACTS}orders.png` });

    const done = await fulfilledOrder();
    const all = await ledgerTotal();
    for (const key of [done.store_order_name!, done.ordermesh_order_id!, done.email]) {
      // From the whole list each time, so each search is seen to narrow it.
      await page.goto(`${base}/console#/orders`);
      await page.locator('#orders-total').filter({ hasText: `${all} order(s) match` }).waitFor();
      await page.getByLabel('Order, Shopify id, safeId, OrderMesh id or e-mail').fill(key);
      await page.getByRole('button', { name: 'Apply' }).click();
      await page.locator('#orders-total').filter({ hasText: '1 order(s) match' }).waitFor();
      expect(await page.locator('#all-orders tbody tr').count(), key).toBe(1);
      const row = (await page.locator(`#all-orders tr[data-order="${done.id}"]`).textContent())!;
      expect(row).toContain('fulfilled');
      expect(row).toContain(done.tracking_number!);
      expect(row).toContain(done.ordermesh_order_id!);
    }
    // The e-mail searched for stays out of the URL; the export carries it for an operator.
    expect(page.url()).not.toContain(done.email);
    const [file] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export CSV' }).click()]);
    const csv = readFileSync((await file.path())!, 'utf8').trim().split('\r\n');
    expect(csv).toHaveLength(2);
    expect(csv[0]).toContain('e-mail');
    expect(csv[1]).toContain(done.email);
    expect(csv[1]).toContain(done.tracking_number!);
  });

  it('does not let a viewer search by e-mail nor export personal data', async () => {
    const done = await fulfilledOrder();
    const page = await signedIn(VIEWER);
    await page.goto(`${base}/console#/orders`);
    await page.locator('#all-orders').waitFor();
    await page.getByLabel('Order, Shopify id, safeId or OrderMesh id', { exact: true }).fill(done.email);
    await page.getByRole('button', { name: 'Apply' }).click();
    await page.getByRole('alert').filter({ hasText: 'may not search by e-mail' }).waitFor();
    const search = await api('/api/v1/orders/search', { token: VIEWER, body: { q: done.email } });
    expect(search.status).toBe(403);
    expect((await api('/api/v1/orders/export', { token: VIEWER, body: { q: done.email } })).status).toBe(403);
    const csv = await api('/api/v1/orders/export', { token: VIEWER, body: { q: done.store_order_name } });
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toContain('text/csv');
    expect(csv.json).not.toContain('e-mail');
    expect(csv.json).not.toContain(done.email);
  });

  it('shows fixes as text with their commands as code, reasons as a list of the codes present, times local with UTC on hover', async () => {
    const page = await signedIn(OPERATOR);
    await page.goto(`${base}/console#/failures`);
    await page.locator('#reasons tr[data-reason="MISSING_SKU"] td.fix code').first().waitFor();
    expect(await page.locator('#reasons').textContent()).not.toContain('`');
    const present = (await db.selectFrom('orders').select('last_error_code').distinct().where('state', 'in', [...FAILURES]).execute()).map((r) => r.last_error_code).sort();
    expect((await page.locator('#f-reason option').allTextContents()).slice(1).sort()).toEqual(present);
    const when = page.locator('#orders time').first();
    expect(await when.getAttribute('title')).toBe(new Date((await when.getAttribute('datetime'))!).toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC'));
  });

  it('answers a bad list or export request with a 400 naming the field', async () => {
    const cases: Array<[string, unknown, string]> = [
      ['/api/v1/orders/search', { pageSize: 1000 }, 'pageSize'],
      ['/api/v1/orders/search', { state: ['nope'] }, 'state'],
      ['/api/v1/orders/export', { page: 2 }, 'page'],
      ['/api/v1/orders/export', { reason: 'lower case' }, 'reason'],
    ];
    for (const [path, body, field] of cases) {
      const r = await api(path, { body });
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.json.message).toContain(field);
    }
    expect((await api('/api/v1/orders/export', { token: null, body: {} })).status).toBe(401);
  });
});

describe('an order name two stores use', () => {
  it('asks which order, listing both, and opens the one chosen', async () => {
    const rows = await twins();
    const r = await api(`/api/v1/orders/${encodeURIComponent(TWIN)}`);
    expect(r.status).toBe(409);
    expect(r.json.candidates.map((c: { store: string }) => c.store).sort()).toEqual([STORE_ID, SECOND_STORE].sort());
    const one = await api(`/api/v1/orders/${encodeURIComponent(TWIN)}?store=${SECOND_STORE}`);
    expect(one.status).toBe(200);
    expect(one.json.order.id).toBe(rows.find((x) => x.store_id === SECOND_STORE)!.id);
    expect((await api(`/api/v1/orders/${encodeURIComponent(TWIN)}?shop=x`)).status).toBe(400);

    const page = await signedIn(VIEWER);
    await page.goto(`${base}/console#/orders/${encodeURIComponent(TWIN)}`);
    await page.locator('#candidates').waitFor();
    expect(await page.locator('#candidates tbody tr').count()).toBe(2);
    await page.locator(`#candidates tr[data-store="${SECOND_STORE}"] a`).click();
    await page.locator('#order-state').waitFor();
    expect(await page.locator('#o-h').textContent()).toContain(TWIN);
    expect(await page.locator('#view').textContent()).toContain(SECOND_STORE);
  });
});

describe('setting a SKU mapping from the console', () => {
  it('previews with the mapping just saved (the split: would submit / would fail again), and the run submits them', async () => {
    // Declared by the simulator: failing for an unmapped SKU alone (LEGACY-SKU-0042) is what the mapping fixes;
    // an item shipped without any SKU still fails (a tip has none, and is not shipped).
    const declared = await declaredOutcomes(shop, ids);
    const rows = await db.selectFrom('orders').select(['id', 'store_order_id', 'safe_id', 'store_payload']).where('store_id', '=', STORE_ID).where('last_error_code', '=', 'MISSING_SKU').execute();
    const fixable = rows.filter((r) => {
      const d = declared.get(r.store_order_id);
      const lines = (r.store_payload as { lineItems: Array<{ sku: string | null; requiresShipping: boolean }> }).lineItems;
      return d?.kind === 'failed' && d.codes.length === 1 && lines.every((li) => li.sku || !li.requiresShipping);
    });
    expect(fixable.length).toBeGreaterThan(0);

    const page = await signedIn(OPERATOR);
    await page.goto(`${base}/console#/failures?reason=MISSING_SKU&store=${STORE_ID}`);
    await page.getByRole('button', { name: 'Set a SKU mapping…' }).click();
    await page.getByLabel('Store SKU').fill('LEGACY-SKU-0042');
    await page.getByLabel('OrderMesh SKU').fill('POSTER-18X24-MATTE');
    await page.getByRole('button', { name: 'Save and preview reprocess' }).click();
    await page.locator('#preview-split').waitFor();
    expect(Number(await page.locator('#preview-split tr[data-action="would submit"] td.n').textContent())).toBe(fixable.length);
    const again = rows.length - fixable.length;
    if (again) expect(Number(await page.locator('#preview-split tr[data-action="would fail again"] td.n').textContent())).toBe(again);
    else expect(await page.locator('#preview-split tr[data-action="would fail again"]').count()).toBe(0);
    await page.screenshot({ path: `${ARTIFACTS}sku-preview.png`, fullPage: true });

    await page.getByRole('button', { name: 'Run reprocess' }).click();
    await page.locator('#reprocess-done').waitFor();
    // Judged from OrderMesh's side: each fixable order created there once.
    await eventually(
      async () => {
        const s = await simState(om);
        return fixable.every((r) => s.createRequestsBySafeId[r.safe_id] === 1) || false;
      },
      async () => JSON.stringify(await db.selectFrom('orders').select(['id', 'state', 'last_error_code']).where('id', 'in', fixable.map((r) => r.id)).execute()),
      60_000,
    );
  }, 120_000);
});

describe('the live refresh', () => {
  it('keeps typed text, ticked boxes, focus and scroll across a refresh; the nav highlight holds; paused, it makes no request', async () => {
    const page = await signedIn(OPERATOR);
    let requests = 0;
    page.on('request', (r) => void (r.url().includes('/api/v1/') && requests++));
    await page.goto(`${base}/console#/orders`);
    await page.locator('#all-orders').waitFor();
    // Every change of the nav's highlight is counted in the page (a flip and back would not show in a snapshot).
    await page.evaluate(`window.navFlips = 0; new MutationObserver((m) => (window.navFlips += m.length)).observe(document.querySelector('nav'), { attributes: true, subtree: true, attributeFilter: ['aria-current'] })`);
    await page.locator('#f-q').fill('#10');
    await page.locator('#filters input[value="fulfilled"]').check();
    await page.locator('#f-q').focus();
    await page.evaluate('window.scrollTo(0, 400)');
    expect(await page.evaluate('window.scrollY')).toBe(400);
    const updated = (await page.locator('#updated').textContent())!;
    const before = requests;
    // A refresh tick: the page asked the API again and says so.
    await page.locator('#updated').filter({ hasNotText: updated }).waitFor({ timeout: 15_000 });
    expect(requests).toBeGreaterThan(before);
    expect(await page.locator('#f-q').inputValue()).toBe('#10');
    expect(await page.locator('#filters input[value="fulfilled"]').isChecked()).toBe(true);
    expect(await page.evaluate('document.activeElement?.id')).toBe('f-q');
    expect(await page.evaluate('window.scrollY')).toBe(400);
    expect(await page.evaluate('window.navFlips')).toBe(0);
    expect(await page.locator('nav a[data-view="orders"]').getAttribute('aria-current')).toBe('page');

    await page.getByRole('button', { name: 'Pause refresh' }).click();
    await page.locator('#refresh-state').filter({ hasText: 'refresh paused' }).waitFor();
    // Paused (said by the page): over two refresh intervals the request count holds still.
    const paused = requests;
    await page.waitForTimeout(2 * 4000 + 500);
    expect(requests).toBe(paused);
    await page.getByRole('button', { name: 'Resume refresh' }).click();
    await expect.poll(() => requests, { timeout: 10_000 }).toBeGreaterThan(paused);
  }, 60_000);
});

describe('failed jobs', () => {
  it('lists a failed job with its error; an operator retries one and dismisses another, a viewer may not', async () => {
    const queue = 'console-test';
    await service.boss.createQueue(queue, { retryLimit: 0 });
    const failOne = async (n: number) => {
      const id = (await service.boss.send(queue, { storeId: STORE_ID, orderId: String(n) }))!;
      const [job] = await service.boss.fetch(queue);
      await service.boss.fail(queue, job!.id, { message: `boom ${n}` });
      return id;
    };
    const [a, b] = [await failOne(1), await failOne(2)];
    const list = await api(`/api/v1/jobs/failed?queue=${queue}`, { token: VIEWER });
    expect(list.status).toBe(200);
    expect(list.json.jobs.map((j: { id: string; error: string; store: string }) => [j.id, j.error, j.store]).sort()).toEqual([[a, 'boom 1', STORE_ID], [b, 'boom 2', STORE_ID]].sort());
    expect((await api(`/api/v1/jobs/failed?store=${SECOND_STORE}&queue=${queue}`)).json.total).toBe(0);
    expect((await api(`/api/v1/jobs/${queue}/${a}/retry`, { token: VIEWER, body: {} })).status).toBe(403);
    expect((await api('/api/v1/jobs/failed?queue=Not_A_Queue')).status).toBe(400);
    expect((await api(`/api/v1/jobs/${queue}/not-a-uuid/retry`, { body: {} })).status).toBe(400);
    expect((await api(`/api/v1/jobs/${queue}/00000000-0000-4000-8000-000000000000/dismiss`, { body: {} })).status).toBe(404);

    const page = await signedIn(OPERATOR);
    await page.goto(`${base}/console#/jobs?queue=${queue}`);
    await page.locator(`#failed-jobs tr[data-job="${a}"]`).waitFor();
    expect(await page.locator(`#failed-jobs tr[data-job="${a}"]`).textContent()).toContain('boom 1');
    expect(await page.locator(`#failed-jobs tr[data-job="${a}"] a`).getAttribute('href')).toBe('#/orders/1');
    await page.screenshot({ path: `${ARTIFACTS}failed-jobs.png` });
    await page.locator(`#failed-jobs tr[data-job="${a}"] button[data-act="retry"]`).click();
    await page.locator(`#failed-jobs tr[data-job="${a}"]`).waitFor({ state: 'detached' });
    await page.locator(`#failed-jobs tr[data-job="${b}"] button[data-act="dismiss"]`).click();
    await page.getByText('nothing here: no failed job').waitFor();
    const [ra] = await service.boss.findJobs(queue, { id: a });
    expect(ra?.state).toBe('retry');
    expect(await service.boss.findJobs(queue, { id: b })).toEqual([]);
  });
});
