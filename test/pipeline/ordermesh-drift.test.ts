import { describe, expect, it } from 'vitest';
import { listDrift } from '../../src/db/ordermesh-drift.ts';
import { DRIFT_HINT } from '../../src/fixes.ts';
import { runCli } from '../helpers/cli.ts';
import { freshDb } from '../helpers/db.ts';
import { clientFor, ordermeshSim, validOrder } from '../helpers/ordermesh.ts';
import { config, eventually, pipelineConfigObject, startPipeline, writePipelineConfig } from '../helpers/pipeline.ts';
import { post, shopifySim } from '../helpers/shopify.ts';

/**
 * Issue 33, item 3: an OrderMesh answer the service read tolerantly is counted in /metrics at once, and
 * reaches the ledger within seconds, where `status`, `doctor` and the console (other processes) see it.
 */
const { url, db } = await freshDb();
const om = await ordermeshSim();
const shop = await shopifySim();
// Answers in shapes the docs do not show: the token in snake_case, an order without its {order} envelope.
await post(`${om.url}/_sim/settings`, { variants: { tokenCasing: 'snake', orderEnvelope: 'bare' } });
const cfgObject = pipelineConfigObject(om, shop);
const service = await startPipeline(config(cfgObject), url);
const file = writePipelineConfig(cfgObject);

describe('OrderMesh drift seen by the service', () => {
  it('is counted in /metrics per operation and kind, written to the ledger, and shown by status (text and JSON) and doctor', async () => {
    const created = await clientFor(om, { tokenRequestCasing: 'camel' }).createOrder(validOrder({ merchantId: 'merchant-e2e' }));
    if (created.outcome !== 'created') throw new Error(JSON.stringify(created));
    // The service's client reads an answer (as a poll or a conflict resolution would), twice.
    await service.deps.ordermesh.getOrder(created.orderId);
    await service.deps.ordermesh.getOrder(created.orderId);

    const metrics = await (await fetch(`http://127.0.0.1:${service.port}/metrics`)).text();
    expect(metrics).toContain('# TYPE ordersync_ordermesh_drift_total counter');
    expect(metrics).toContain('ordersync_ordermesh_drift_total{operation="getOrder",kind="envelope"} 2');
    expect(metrics).toMatch(/ordersync_ordermesh_drift_total\{operation="clientToken",kind="field-name"\} [1-9]/);

    // Flushed within seconds, coalesced: one row per operation and kind, with its count.
    const rows = await eventually(
      async () => {
        const r = await listDrift(db);
        return r.find((d) => d.operation === 'getOrder' && d.kind === 'envelope')?.count === 2 ? r : false;
      },
      async () => JSON.stringify(await listDrift(db)),
      20_000,
    );
    expect(rows.find((d) => d.operation === 'getOrder')).toMatchObject({ kind: 'envelope', path: '$', expected: '{order: …}' });
    expect(rows.some((d) => d.operation === 'clientToken' && d.kind === 'field-name' && /^(access_token|expires_in)$/.test(d.seen))).toBe(true);

    const json = await runCli(['status', '--json', '--config', file], { DATABASE_URL: url });
    expect(json.code, json.stderr).toBe(0);
    const report = JSON.parse(json.stdout);
    expect(report.summary.ordermeshDriftHint).toBe(DRIFT_HINT);
    expect(report.summary.ordermeshDrift).toEqual(expect.arrayContaining([expect.objectContaining({ operation: 'getOrder', kind: 'envelope', count: 2, lastSeen: expect.any(String) })]));
    const text = await runCli(['status', '--config', file], { DATABASE_URL: url });
    expect(text.stdout).toContain('OrderMesh drift (operation, kind: path, expected → seen, count, last seen):');
    expect(text.stdout).toContain(DRIFT_HINT);
    expect(text.stdout).toMatch(/getOrder envelope: \$, expected \{order: …\} → an object with .* × 2, last /);

    const doctor = await runCli(['doctor', '--json', '--config', file], { DATABASE_URL: url });
    const checks = JSON.parse(doctor.stdout) as Array<{ check: string; status: string; detail: string; fix?: string }>;
    expect(checks.find((c) => c.check === 'OrderMesh drift: getOrder envelope')).toMatchObject({ status: 'warn', detail: expect.stringContaining('$: expected {order: …}, seen an object with'), fix: DRIFT_HINT });
    expect(checks.find((c) => c.check === 'OrderMesh drift: clientToken field-name')?.status).toBe('warn');
  });
});
