import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { DriftEntry } from '../../src/connectors/ordermesh/drift.ts';
import { listDrift, recordDrift } from '../../src/db/ordermesh-drift.ts';
import { migrateToLatest } from '../../src/db/migrate.ts';
import { formatStatus, statusReport } from '../../src/db/status.ts';
import { DriftRecorder } from '../../src/drift-recorder.ts';
import { DRIFT_HINT } from '../../src/fixes.ts';
import { createLogger } from '../../src/log.ts';
import { createMetrics } from '../../src/metrics.ts';
import { freshDb } from '../helpers/db.ts';

/** OrderMesh drift reaches the ledger (for `status`, `doctor`, the console) and /metrics, coalesced, never lost to a failed write. */
const { db } = await freshDb();
await migrateToLatest(db);

function capture() {
  const lines: Array<{ level: number; msg: string; [k: string]: unknown }> = [];
  const log = createLogger({ level: 'debug', destination: new Writable({ write: (chunk, _e, cb) => (lines.push(JSON.parse(String(chunk))), cb()) }) as never });
  return { log, lines };
}

const entry = (over: Partial<DriftEntry>): DriftEntry => ({ operation: 'getOrder', kind: 'envelope', path: '$', expected: '{order: …}', seen: 'an object with id', count: 1, firstSeen: '2026-12-07T10:00:00.000Z', lastSeen: '2026-12-07T10:00:00.000Z', ...over });

describe('ordermesh_drift in the ledger', () => {
  it('adds counts per operation and kind, keeps the first sighting and the latest example, from several writers', async () => {
    await recordDrift(db, [entry({ kind: 'integer-status', path: 'order.status', expected: 'a status name', seen: '3', count: 2 }), entry({})]);
    await recordDrift(db, [
      entry({ kind: 'integer-status', path: 'order.items[0].status', expected: 'a status name', seen: '1', count: 5, firstSeen: '2026-12-07T11:00:00.000Z', lastSeen: '2026-12-07T11:00:00.000Z' }),
      // An older example of the same key, in the same write: summed, not the example.
      entry({ kind: 'integer-status', path: 'order.status', seen: '9', count: 1, firstSeen: '2026-12-07T09:00:00.000Z', lastSeen: '2026-12-07T09:00:00.000Z' }),
    ]);
    await Promise.all([recordDrift(db, [entry({ count: 3 })]), recordDrift(db, [entry({ count: 4 })])]);
    await recordDrift(db, []);
    expect(await listDrift(db)).toEqual([
      { operation: 'getOrder', kind: 'envelope', path: '$', expected: '{order: …}', seen: 'an object with id', count: 8, firstSeen: '2026-12-07T10:00:00.000Z', lastSeen: '2026-12-07T10:00:00.000Z' },
      { operation: 'getOrder', kind: 'integer-status', path: 'order.items[0].status', expected: 'a status name', seen: '1', count: 8, firstSeen: '2026-12-07T09:00:00.000Z', lastSeen: '2026-12-07T11:00:00.000Z' },
    ]);
  });

  it('stores what OrderMesh named however long or broken (clipped, NUL replaced)', async () => {
    await recordDrift(db, [entry({ operation: 'listOrders', kind: 'field-name', path: 'x', expected: 'id', seen: `a\u0000b${'x'.repeat(2000)}` })]);
    const row = (await listDrift(db)).find((r) => r.operation === 'listOrders')!;
    expect(row.seen.length).toBeLessThanOrEqual(500);
    expect(row.seen.startsWith('a\uFFFDb')).toBe(true);
    await db.deleteFrom('ordermesh_drift').where('operation', '=', 'listOrders').execute();
  });

  it('is in the status report, with the hint, as text and JSON', async () => {
    const report = await statusReport(db);
    expect(report.ordermeshDrift.map((d) => [d.operation, d.kind, d.count])).toEqual([
      ['getOrder', 'envelope', 8],
      ['getOrder', 'integer-status', 8],
    ]);
    expect(report.ordermeshDriftHint).toBe(DRIFT_HINT);
    const text = formatStatus(report);
    expect(text).toMatch(/^no stores configured\n/);
    expect(text).toContain('OrderMesh drift (operation, kind: path, expected → seen, count, last seen):');
    expect(text).toContain(`  ${DRIFT_HINT}`);
    expect(text).toContain('  getOrder integer-status: order.items[0].status, expected a status name → 1 × 8, last 2026-12-07T11:00:00.000Z');
  });
});

describe('DriftRecorder (the service\'s DriftLog)', () => {
  it('counts every answer in /metrics at once, logs each operation and kind once, and writes the counts once per flush', async () => {
    const { log, lines } = capture();
    const metrics = createMetrics();
    const writes: DriftEntry[][] = [];
    const rec = new DriftRecorder({ write: async (e) => void writes.push(e), log, counter: metrics.ordermeshDrift });
    for (let i = 0; i < 50; i++) rec.drift.record('getShipmentsForOrder', { kind: 'string-status', path: '[0].shipmentStatus', expected: 'an integer status', seen: 'Fulfilled' });
    rec.drift.record('listOrders', { kind: 'envelope:items', path: '$', expected: 'not documented', seen: '{items}' });
    const scraped = await metrics.registry.metrics();
    expect(scraped).toContain('ordersync_ordermesh_drift_total{operation="getShipmentsForOrder",kind="string-status"} 50');
    expect(scraped).toContain('ordersync_ordermesh_drift_total{operation="listOrders",kind="envelope:items"} 1');
    const told = lines.filter((l) => String(l.msg).startsWith('OrderMesh answered in a shape'));
    expect(told.map((l) => [l.operation, l.kind, l.level])).toEqual([
      ['getShipmentsForOrder', 'string-status', 40],
      ['listOrders', 'envelope:items', 20], // news, not a deviation: debug
    ]);
    expect(writes).toEqual([]);
    await Promise.all([rec.flush(), rec.flush()]);
    expect(writes).toHaveLength(1);
    expect(writes[0]!.map((e) => [e.operation, e.kind, e.count])).toEqual([
      ['getShipmentsForOrder', 'string-status', 50],
      ['listOrders', 'envelope:items', 1],
    ]);
    await rec.flush();
    expect(writes).toHaveLength(1);
    rec.drift.record('listOrders', { kind: 'envelope:items', path: '$', expected: 'not documented', seen: '{items}' });
    await rec.flush();
    expect(writes[1]!.map((e) => [e.operation, e.kind, e.count])).toEqual([['listOrders', 'envelope:items', 1]]);
  });

  it('keeps the counts of a failed write for the next one, warns once, and never throws', async () => {
    const { log, lines } = capture();
    let fail = true;
    const written: DriftEntry[][] = [];
    const rec = new DriftRecorder({
      write: async (e) => {
        if (fail) throw new Error('connection refused');
        written.push(e);
      },
      log,
    });
    const notice = { kind: 'no-timezone', path: '[0].createdAt', expected: 'a timezone', seen: '2026-12-07T10:00:00' };
    rec.drift.record('getShipmentsForOrder', notice);
    await expect(rec.flush()).resolves.toBeUndefined();
    rec.drift.record('getShipmentsForOrder', notice);
    await rec.flush();
    expect(rec.pending().map((e) => e.count)).toEqual([2]);
    expect(lines.filter((l) => l.msg.startsWith('recording OrderMesh drift') && l.level === 40)).toHaveLength(1);
    fail = false;
    rec.drift.record('getShipmentsForOrder', notice);
    await rec.flush();
    expect(written.map((w) => w.map((e) => e.count))).toEqual([[3]]);
    expect(rec.pending()).toEqual([]);
    expect(lines.some((l) => l.msg === 'recording OrderMesh drift in the ledger works again')).toBe(true);
  });

  it('writes into the ledger through recordDrift on its timer', async () => {
    const { log } = capture();
    const rec = new DriftRecorder({ write: (e) => recordDrift(db, e), log });
    const stop = rec.start(50);
    try {
      rec.drift.record('clientToken', { kind: 'field-name', path: 'accessToken', expected: 'accessToken', seen: 'access_token' });
      await expect.poll(async () => (await listDrift(db)).find((r) => r.operation === 'clientToken')?.count, { timeout: 5_000 }).toBe(1);
    } finally {
      stop();
    }
  });
});
