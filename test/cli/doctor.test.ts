import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.ts';
import { freshDatabaseUrl, freshDb } from '../helpers/db.ts';
import { clientFor, ordermeshSim, validOrder } from '../helpers/ordermesh.ts';
import { pipelineConfigObject, STORE_ID, writePipelineConfig } from '../helpers/pipeline.ts';
import { post, shopifySim } from '../helpers/shopify.ts';

/** `ordersync doctor` against simulators set up right, then wrong in each way it must name. */
const om = await ordermeshSim();
const shop = await shopifySim();
// Stands in for the running service behind server.publicUrl.
const service = http.createServer((req, res) => res.writeHead(req.url === '/healthz' ? 200 : 404).end());
await new Promise<void>((r) => service.listen(0, '127.0.0.1', () => r()));
afterAll(() => service.close());
const publicUrl = `http://127.0.0.1:${(service.address() as AddressInfo).port}`;
const cfg = pipelineConfigObject(om, shop) as any;
const good = writePipelineConfig({ ...cfg, server: { ...cfg.server, publicUrl } });
const doctor = async (file: string, env: Record<string, string>) => {
  const res = await runCli(['doctor', '--json', '--config', file], env);
  return { code: res.code, checks: JSON.parse(res.stdout) as Array<{ check: string; status: string; detail: string; fix?: string }>, stderr: res.stderr };
};
const byName = <C extends { check: string }>(checks: C[], name: string) => checks.find((c) => c.check === name);

describe('ordersync doctor', () => {
  it('passes every check on a correct installation, and changes nothing (pending migrations are reported, not applied)', async () => {
    const url = await freshDatabaseUrl();
    const first = await doctor(good, { DATABASE_URL: url });
    expect(byName(first.checks, 'database migrations')).toMatchObject({ status: 'warn', fix: expect.stringContaining('ordersync migrate') });
    expect((await doctor(good, { DATABASE_URL: url })).checks.find((c) => c.check === 'database migrations')?.status).toBe('warn');
    expect((await runCli(['migrate', '--config', good], { DATABASE_URL: url })).code).toBe(0);
    const res = await doctor(good, { DATABASE_URL: url });
    expect(res.code, JSON.stringify(res.checks, null, 2)).toBe(0);
    expect(res.checks.map((c) => [c.check, c.status])).toEqual([
      ['config', 'ok'],
      ['secrets', 'ok'],
      ['database', 'ok'],
      ['database migrations', 'ok'],
      ['mapping modules', 'ok'],
      [`store ${STORE_ID}: Shopify`, 'ok'],
      ['OrderMesh', 'ok'],
      ['OrderMesh merchant merchant-e2e', 'ok'],
      ['webhooks', 'ok'],
    ]);
    const text = await runCli(['doctor', '--config', good], { DATABASE_URL: url });
    expect(text.stdout).toContain('all checks passed');
  });

  it('names what is wrong and how to fix it: missing scopes, a merchant the client may not act for, bad credentials, a missing secret, an unreachable webhook URL', async () => {
    const { url } = await freshDb();
    await post(`${shop.url}/_sim/settings`, { scopes: ['read_orders', 'read_merchant_managed_fulfillment_orders'] });
    await post(`${om.url}/_sim/settings`, { merchants: ['someone-else'] });
    try {
      const res = await doctor(writePipelineConfig({ ...cfg, server: { ...cfg.server, publicUrl: 'http://127.0.0.1:9' } }), { DATABASE_URL: url });
      expect(res.code).toBe(1);
      expect(byName(res.checks, `store ${STORE_ID}: Shopify access scopes`)).toMatchObject({ status: 'fail', detail: expect.stringContaining('missing write_merchant_managed_fulfillment_orders (writing tracking back'), fix: expect.stringContaining('grant write_merchant_managed_fulfillment_orders') });
      expect(byName(res.checks, `store ${STORE_ID}: Shopify read_all_orders`)).toMatchObject({ status: 'warn', detail: expect.stringContaining('last 60 days') });
      expect(byName(res.checks, 'OrderMesh')?.status).toBe('ok');
      expect(byName(res.checks, 'OrderMesh merchant merchant-e2e')).toMatchObject({ status: 'fail', detail: expect.stringContaining('may not act for merchant merchant-e2e'), fix: expect.stringContaining('access to merchant merchant-e2e') });
      expect(byName(res.checks, 'webhooks')).toMatchObject({ status: 'fail', detail: expect.stringContaining('http://127.0.0.1:9/healthz') });
    } finally {
      await post(`${shop.url}/_sim/settings`, { scopes: ['read_orders', 'read_all_orders', 'read_merchant_managed_fulfillment_orders', 'write_merchant_managed_fulfillment_orders'] });
      await post(`${om.url}/_sim/settings`, { merchants: null });
    }

    const wrongSecret = await doctor(good, { DATABASE_URL: url, T_OM_SECRET: 'not-the-secret' });
    expect(byName(wrongSecret.checks, 'OrderMesh')).toMatchObject({ status: 'fail', fix: 'check ordermesh.clientId and its secret' });
    expect(wrongSecret.stderr + JSON.stringify(wrongSecret.checks)).not.toContain('not-the-secret');
    const wrongToken = await doctor(good, { DATABASE_URL: url, T_SHOP_TOKEN: 'shpat_wrong_token_123' });
    expect(byName(wrongToken.checks, `store ${STORE_ID}: Shopify`)).toMatchObject({ status: 'fail', fix: expect.stringContaining("the store's credentials") });

    const needsEnv = writePipelineConfig({ ...cfg, ordermesh: { ...cfg.ordermesh, clientSecret: { env: 'T_DOCTOR_MISSING' } } });
    const missing = await doctor(needsEnv, { DATABASE_URL: url });
    expect(missing.code).toBe(1);
    expect(byName(missing.checks, 'secrets')).toMatchObject({ status: 'fail', detail: expect.stringContaining('T_DOCTOR_MISSING') });
    // The database is still checked without the secrets; the upstreams cannot be.
    expect(byName(missing.checks, 'database')?.status).toBe('ok');
    expect(byName(missing.checks, 'Shopify and OrderMesh')?.status).toBe('skipped');

    const noDb = await doctor(good, { DATABASE_URL: 'postgres://postgres@127.0.0.1:9/none' });
    expect(byName(noDb.checks, 'database')).toMatchObject({ status: 'fail', fix: expect.stringContaining('DATABASE_URL') });
  }, 120_000);

  it('in fulfilment-service mode checks that mode\'s scopes and that the service is registered', async () => {
    const url = await freshDatabaseUrl();
    const fs = writePipelineConfig({ ...cfg, server: { ...cfg.server, publicUrl }, stores: [{ ...cfg.stores[0], mode: 'fulfillment-service' }] });
    const fsScopes = ['read_orders', 'read_assigned_fulfillment_orders', 'write_assigned_fulfillment_orders', 'write_fulfillments'];
    try {
      // The merchant-managed scopes are not what this mode needs.
      const wrong = await doctor(fs, { DATABASE_URL: url });
      expect(byName(wrong.checks, `store ${STORE_ID}: Shopify access scopes`)).toMatchObject({ status: 'fail', detail: expect.stringContaining('missing read_assigned_fulfillment_orders or write_assigned_fulfillment_orders') });
      await post(`${shop.url}/_sim/settings`, { scopes: fsScopes });
      const unregistered = await doctor(fs, { DATABASE_URL: url });
      expect(byName(unregistered.checks, `store ${STORE_ID}: fulfilment service`)).toMatchObject({ status: 'fail', fix: `\`ordersync shopify register --store ${STORE_ID}\`` });
      expect(unregistered.code).toBe(1);
      const reg = await runCli(['shopify', 'register', '--store', STORE_ID, '--config', fs], { DATABASE_URL: url });
      expect(reg.code, reg.stderr).toBe(0);
      expect(reg.stdout).toContain('created fulfilment service "OrderMesh"');
      expect(reg.stdout).toContain(`callback  ${publicUrl}/webhooks/shopify/fulfillment-service/${STORE_ID}`);
      const registered = await doctor(fs, { DATABASE_URL: url });
      expect(byName(registered.checks, `store ${STORE_ID}: fulfilment service`)).toMatchObject({ status: 'ok', detail: expect.stringContaining(`${publicUrl}/webhooks/shopify/fulfillment-service/${STORE_ID}`) });
      expect((await runCli(['shopify', 'register', '--store', STORE_ID, '--config', fs], { DATABASE_URL: url })).stdout).toContain('found fulfilment service "OrderMesh"');
    } finally {
      await post(`${shop.url}/_sim/settings`, { scopes: ['read_orders', 'read_all_orders', 'read_merchant_managed_fulfillment_orders', 'write_merchant_managed_fulfillment_orders'] });
    }
  }, 120_000);
});

describe('ordersync doctor --ordermesh', () => {
  interface Probe {
    ok: boolean;
    merchantId: string | null;
    results: Array<{ step: string; operation: string; status: string; detail: string; httpStatus?: number; drift: Array<{ operation: string; kind: string; path: string; expected: string; seen: string }> }>;
  }
  const probe = async (env: Record<string, string> = {}) => {
    const res = await runCli(['doctor', '--ordermesh', '--json', '--config', good], env);
    return { code: res.code, report: JSON.parse(res.stdout || '{}') as Probe, stderr: res.stderr };
  };
  const counts = async () => {
    const { counts: c } = (await (await fetch(`${om.url}/_sim/state?summary`)).json()) as { counts: { orders: number; shipments: number; byStatus: unknown; notes: number; requests: Record<string, number> } };
    return c;
  };
  const READS = ['clientToken', 'listOrders', 'getOrderBySafeId', 'getOrder', 'getShipmentsForOrder', 'merchantCatalogVariants'];

  // One order of the store's merchant in OrderMesh, shipped: the list returns it, its shipments are read.
  let orderId: string;
  beforeAll(async () => {
    const created = await clientFor(om).createOrder(validOrder({ merchantId: 'merchant-e2e' }));
    if (created.outcome !== 'created') throw new Error(`could not create the probe's order: ${JSON.stringify(created)}`);
    orderId = created.orderId;
    await post(`${om.url}/_sim/orders/${orderId}/ship`, {});
  });

  it('reads token, one order of the first store\'s merchant, an unknown safeId (404), that order by id and safeId, its shipments and the catalogue: ok each, and changes nothing', async () => {
    const before = await counts();
    const { code, report, stderr } = await probe();
    expect(code, stderr).toBe(0);
    expect(report.ok).toBe(true);
    expect(report.merchantId).toBe('merchant-e2e');
    expect(report.results.map((r) => [r.operation, r.status])).toEqual([
      ['clientToken', 'ok'],
      ['listOrders', 'ok'],
      ['getOrderBySafeId', 'ok'],
      ['getOrder', 'ok'],
      ['getOrderBySafeId', 'ok'],
      ['getShipmentsForOrder', 'ok'],
      ['merchantCatalogVariants', 'ok'],
    ]);
    expect(report.results[1]!.detail).toContain(orderId);
    expect(report.results[2]!.detail).toMatch(/^404, as expected/);
    expect(report.results[5]!.detail).toMatch(/^1 shipment\(s\)/);
    // Only notes (envelopes the docs show neither way), no deviation.
    expect(report.results.flatMap((r) => r.drift).every((d) => d.kind.startsWith('envelope:'))).toBe(true);
    const after = await counts();
    // Nothing made or moved; only reads asked (and a token).
    expect({ ...after, requests: undefined, tokenRequests: undefined }).toEqual({ ...before, requests: undefined, tokenRequests: undefined });
    const asked = Object.keys(after.requests).filter((k) => after.requests[k] !== before.requests[k]);
    expect(asked.filter((k) => !READS.includes(k))).toEqual([]);

    const text = await runCli(['doctor', '--ordermesh', '--config', good]);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('reads only: nothing in OrderMesh changes');
    expect(text.stdout).toMatch(/^ok +client token: issued$/m);
    expect(text.stdout).toContain('every read answered as documented');
  });

  it('names each deviation when OrderMesh answers in another shape (snake_case token, bare order, statuses as names, shipments in {items}), and still exits 0', async () => {
    await post(`${om.url}/_sim/settings`, { variants: { shipmentsEnvelope: 'items', integerStatuses: false, tokenCasing: 'snake', orderEnvelope: 'bare' } });
    try {
      const { code, report, stderr } = await probe();
      expect(code, stderr).toBe(0);
      const of = (op: string) => report.results.find((r) => r.operation === op)!;
      expect(of('clientToken')).toMatchObject({ status: 'drift', drift: expect.arrayContaining([expect.objectContaining({ kind: 'field-name', path: 'accessToken', seen: 'access_token' })]) });
      expect(of('getOrder')).toMatchObject({ status: 'drift', drift: [expect.objectContaining({ kind: 'envelope', path: '$', expected: '{order: …}' })] });
      const shipments = of('getShipmentsForOrder');
      expect(shipments.status).toBe('drift');
      expect(shipments.drift).toEqual(expect.arrayContaining([expect.objectContaining({ kind: 'envelope:items', seen: '{items}' }), expect.objectContaining({ kind: 'string-status', expected: 'an integer status' })]));
      const text = await runCli(['doctor', '--ordermesh', '--config', good]);
      expect(text.stdout).toMatch(/^drift +client token: issued$/m);
      expect(text.stdout).toContain('field-name: accessToken: expected accessToken, seen access_token');
      expect(text.stdout).toContain('note: the docs show no envelope here; the answer is {items}');
      expect(text.stdout).toContain('If a status or field is wrong, override it (README, Assumptions about OrderMesh)');
    } finally {
      await post(`${om.url}/_sim/settings`, { variants: null });
    }
  });

  it('reports refused 401 when the credentials are refused, skips what needs a token, exits 1, and never prints the secret', async () => {
    const { code, report, stderr } = await probe({ T_OM_SECRET: 'not-the-secret' });
    expect(code).toBe(1);
    expect(report.ok).toBe(false);
    expect(report.results[0]).toMatchObject({ operation: 'clientToken', status: 'refused', httpStatus: 401 });
    expect(report.results.slice(1).every((r) => r.status === 'skipped')).toBe(true);
    const text = await runCli(['doctor', '--ordermesh', '--config', good], { T_OM_SECRET: 'not-the-secret' });
    expect(text.code).toBe(1);
    expect(text.stdout).toMatch(/^refused 401 client token: /m);
    expect(text.stdout).toContain('fix: check ordermesh.clientId and its secret');
    expect(stderr + text.stdout + text.stderr + JSON.stringify(report)).not.toContain('not-the-secret');
  });
});
