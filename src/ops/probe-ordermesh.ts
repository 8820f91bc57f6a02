import { randomBytes } from 'node:crypto';
import type { OrderMeshClient } from '../connectors/ordermesh/client.ts';
import { operations, type OperationId } from '../connectors/ordermesh/contract.ts';
import { OrderMeshError } from '../connectors/ordermesh/errors.ts';
import type { DriftNotice, OrderMeshOrder } from '../connectors/ordermesh/reader.ts';

/**
 * ok: answered as documented (or in an envelope the docs show neither way: a note, not drift);
 * drift: answered, read tolerantly (each deviation listed); refused: an HTTP error; unreadable: a 2xx
 * the tolerant reader cannot read (a field the worker needs is missing); unreachable: no answer;
 * unexpected: an answer that would mislead the worker (an order for a safeId nobody has); skipped: an
 * earlier read it needs failed or found nothing.
 */
export type ProbeStatus = 'ok' | 'drift' | 'refused' | 'unreadable' | 'unreachable' | 'unexpected' | 'skipped';

export interface ProbeDrift extends DriftNotice {
  /** The operation whose answer it was (a shipments read may read the order too). */
  operation: string;
}

export interface ProbeResult {
  /** What was read, in words. */
  step: string;
  operation: OperationId;
  /** The request, as the contract (or `ordermesh.paths`) has it. */
  request: string;
  status: ProbeStatus;
  detail: string;
  /** The HTTP status of a refusal. */
  httpStatus?: number;
  drift: ProbeDrift[];
  fix?: string;
}

/** A probe fails when a read the worker relies on was refused, unreadable, unreachable or misleading; drift alone does not. */
export const probeFailed = (results: ProbeResult[]) => results.some((r) => r.status !== 'ok' && r.status !== 'drift' && r.status !== 'skipped');

/** An envelope the docs show neither way (`envelope:items`) is news, not a deviation (reader.ts listOf). */
export const isNote = (d: { kind: string }) => d.kind.startsWith('envelope:');

/**
 * `ordersync doctor --ordermesh`: each read the worker relies on, once, against a real account, read by
 * the tolerant reader; reads only, nothing in OrderMesh changes. `client` must report its drift to
 * `onDrift` (a DriftLog of the probe's own, whose onNotice is wired here by the caller), so every
 * deviation of every answer is listed, not only the first of each kind.
 *
 * The token is asked for by the first read (the client holds no token call of its own): a refusal
 * named `clientToken` is the token's, and every later read is skipped.
 */
export async function probeOrderMesh(
  client: OrderMeshClient,
  notices: { take(): ProbeDrift[] },
  opts: { merchantId?: string; paths?: Partial<Record<OperationId, string>> } = {},
): Promise<ProbeResult[]> {
  const results: ProbeResult[] = [];
  const request = (op: OperationId, query = '') => `${operations[op].method} ${opts.paths?.[op] ?? operations[op].path}${query}`;
  const { merchantId } = opts;
  notices.take();

  // 1 and 2. The token, then one order of the merchant.
  const listQuery = `?page=1&pageSize=1${merchantId ? `&merchantId=${merchantId}` : ''}`;
  let listed: OrderMeshOrder[] = [];
  let tokenOk = true;
  try {
    const page = await client.listOrders({ pageSize: 1, ...(merchantId ? { merchantId } : {}) });
    listed = page.orders;
    const seen = notices.take();
    results.push(outcome('client token', 'clientToken', request('clientToken'), 'issued', seen.filter((d) => d.operation === 'clientToken')));
    const detail = listed.length ? `${page.total !== null ? `${page.total} order(s); ` : ''}read ${listed[0]!.id} (${listed[0]!.status})` : 'no order yet';
    results.push(outcome(`list orders (pageSize 1${merchantId ? `, merchant ${merchantId}` : ''})`, 'listOrders', request('listOrders', listQuery), detail, seen.filter((d) => d.operation !== 'clientToken')));
  } catch (err) {
    const seen = notices.take();
    if (err instanceof OrderMeshError && err.operation === 'clientToken') {
      tokenOk = false;
      results.push(failure('client token', 'clientToken', request('clientToken'), err, seen, { merchantId }));
    } else {
      results.push(outcome('client token', 'clientToken', request('clientToken'), 'issued', seen.filter((d) => d.operation === 'clientToken')));
      results.push(failure(`list orders (pageSize 1${merchantId ? `, merchant ${merchantId}` : ''})`, 'listOrders', request('listOrders', listQuery), err, seen.filter((d) => d.operation !== 'clientToken'), { merchantId }));
    }
  }
  const skip = (step: string, op: OperationId, req: string, why: string) => results.push({ step, operation: op, request: req, status: 'skipped', detail: why, drift: [] });
  const run = async (step: string, op: OperationId, req: string, read: () => Promise<{ detail: string; unexpected?: boolean }>) => {
    if (!tokenOk) return skip(step, op, req, 'needs a token');
    try {
      const r = await read();
      const res = outcome(step, op, req, r.detail, notices.take());
      if (r.unexpected) res.status = 'unexpected';
      results.push(res);
    } catch (err) {
      results.push(failure(step, op, req, err, notices.take(), { merchantId }));
    }
  };

  // 3. By safeId, one nobody has: the read that tells "it exists" from "it does not" after a lost create.
  const nobody = `ordersync-probe-${randomBytes(6).toString('hex')}`;
  await run(`order by safeId (${nobody}, which does not exist)`, 'getOrderBySafeId', request('getOrderBySafeId'), async () => {
    const found = await client.getOrderBySafeId(nobody);
    // A path OrderMesh does not serve answers 404 too: the listed order's safeId, below, tells them apart.
    if (!found) return { detail: '404, as expected (a wrong path would answer 404 as well: the next read by safeId confirms the path)' };
    return { detail: `answered order ${found.id} for a safeId nobody has: a lost create would be taken for an existing order. Check ordermesh.paths.getOrderBySafeId`, unexpected: true };
  });

  // 4. The order the list returned (the latest of the page), by id and by its safeId.
  const latest = [...listed].sort((a, b) => Date.parse(b.createdAt ?? '') - Date.parse(a.createdAt ?? '') || 0)[0];
  if (!latest) {
    skip('order by id', 'getOrder', request('getOrder'), tokenOk ? 'the list returned no order' : 'needs a token');
    if (tokenOk) skip('order by safeId (a listed order\'s)', 'getOrderBySafeId', request('getOrderBySafeId'), 'no order listed, so the path is unconfirmed (a path OrderMesh does not serve answers 404 for every safeId): run the probe again once the merchant has an order');
  } else {
    await run(`order by id (${latest.id})`, 'getOrder', request('getOrder'), async () => {
      const o = await client.getOrder(latest.id);
      return { detail: `${o.status}, ${o.items.length} item(s), ${o.shipmentIds.length} shipment id(s)` };
    });
    if (latest.safeId) {
      const safeId = latest.safeId;
      await run(`order by safeId (${safeId})`, 'getOrderBySafeId', request('getOrderBySafeId'), async () => {
        const o = await client.getOrderBySafeId(safeId);
        if (!o) return { detail: `404 for the safeId the list shows on order ${latest.id}: a lost create would be sent again. Check ordermesh.paths.getOrderBySafeId`, unexpected: true };
        if (o.id !== latest.id) return { detail: `answered order ${o.id}, the list shows ${latest.id} with this safeId`, unexpected: true };
        return { detail: `order ${o.id}, as listed` };
      });
    } else {
      skip('order by safeId (a listed order\'s)', 'getOrderBySafeId', request('getOrderBySafeId'), `the listed order ${latest.id} shows no safeId, so the path is unconfirmed: a path OrderMesh does not serve answers 404 for every safeId, and a repeated create would then be taken for a new order's refusal. Confirm ordermesh.paths.getOrderBySafeId with OrderMesh`);
    }
  }

  // 5. The shipments of that order.
  if (!latest) skip('shipments of the listed order', 'getShipmentsForOrder', request('getShipmentsForOrder'), tokenOk ? 'the list returned no order' : 'needs a token');
  else {
    await run(`shipments of order ${latest.id}`, 'getShipmentsForOrder', request('getShipmentsForOrder'), async () => {
      const shipments = await client.getShipmentsForOrder(latest.id);
      const packages = shipments.reduce((n, s) => n + s.packages.length, 0);
      return { detail: shipments.length ? `${shipments.length} shipment(s) (${shipments.map((s) => s.status).join(', ')}), ${packages} package(s)` : 'none yet' };
    });
  }

  // 6. The merchant's catalogue (the client reads every page of it; one attempt).
  if (!merchantId) skip('catalogue', 'merchantCatalogVariants', request('merchantCatalogVariants'), 'no store, so no merchant to read it for');
  else {
    await run(`catalogue of merchant ${merchantId}`, 'merchantCatalogVariants', request('merchantCatalogVariants', `?merchantId=${merchantId}&page=1&pageSize=100`), async () => {
      const variants = await client.catalogVariants(merchantId, 1);
      return { detail: variants === null ? 'none (404): SKUs are not checked before submission' : `${variants.length} variant(s)` };
    });
  }
  return results;
}

function outcome(step: string, operation: OperationId, request: string, detail: string, drift: ProbeDrift[]): ProbeResult {
  return { step, operation, request, status: drift.some((d) => !isNote(d)) ? 'drift' : 'ok', detail, drift: dedupe(drift) };
}

function failure(step: string, operation: OperationId, request: string, err: unknown, drift: ProbeDrift[], ctx: { merchantId?: string | undefined }): ProbeResult {
  const base = { step, operation, request, drift: dedupe(drift) };
  if (!(err instanceof OrderMeshError)) return { ...base, status: 'unreadable', detail: (err as Error).message };
  if (err.code === 'TIMEOUT' || err.code === 'NETWORK') return { ...base, status: 'unreachable', detail: err.message, fix: 'check ordermesh.baseUrl and that this machine reaches it' };
  // A 2xx the reader could not read (a field the worker needs is missing): the message names its path.
  if (err.code === 'BAD_RESPONSE' && (err.status === undefined || (err.status >= 200 && err.status < 300))) {
    return { ...base, status: 'unreadable', detail: err.message, fix: 'the answer lacks what the worker needs: tell us the path (and the answer, without personal data), or override the path (README, Assumptions about OrderMesh)' };
  }
  const fix =
    err.code === 'UNAUTHORIZED' ? 'check ordermesh.clientId and its secret'
    : err.code === 'FORBIDDEN' && ctx.merchantId ? `ask OrderMesh to give this client access to merchant ${ctx.merchantId}, or fix stores[].merchantId`
    : err.code === 'NOT_FOUND' ? `OrderMesh has no ${operation} at this path: check ordermesh.baseUrl, or set ordermesh.paths.${operation} (README, Assumptions about OrderMesh)`
    : undefined;
  return { ...base, status: 'refused', ...(err.status !== undefined ? { httpStatus: err.status } : {}), detail: err.message.replace(/^OrderMesh \w+: /, ''), ...(fix ? { fix } : {}) };
}

/** One line per operation, kind and place: list items differ only in their index (`[3].status` is `[0].status` again). */
function dedupe(drift: ProbeDrift[]): ProbeDrift[] {
  const seen = new Set<string>();
  return drift.filter((d) => {
    const key = `${d.operation}\u0000${d.kind}\u0000${d.path.replace(/\[\d+\]/g, '[]')}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
