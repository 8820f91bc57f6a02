import type { KnownOrderStatus, OrderMeshOrder, OrderStatus } from '../connectors/ordermesh/reader.ts';
import { countOrders, fetchOrders } from '../connectors/shopify/pull-orders.ts';
import { ingestOrders } from '../db/orders.ts';
import { AGREES_WITH_ORDERMESH, FINAL, inOrderMesh } from '../db/order-states.ts';
import { ledgerCounts, linkToOrderMesh, linkedOrders, ordersBySafeId, pollNow, unlink, type Link } from '../db/reconcile.ts';
import type { OrderRow, OrderState } from '../db/schema.ts';
import { storeOf, type JobDeps } from '../jobs/deps.ts';
import { Q, enqueue } from '../jobs/queues.ts';
import { mapOrder } from '../mapping/registry.ts';
import { safeIdFor } from '../mapping/safe-id.ts';

/** Where a re-linked order starts: a poll then brings its shipments and moves it on, as for any order. */
const LINKED: Record<KnownOrderStatus, OrderState> = {
  Open: 'submitted',
  ReadyForFulfillment: 'submitted',
  InProduction: 'in_production',
  PartiallyShipped: 'in_production',
  Shipped: 'in_production',
  Cancelled: 'cancelled',
  CustomerCareHold: 'on_hold',
};
/** A status OrderMesh sent that we do not know (kept as sent, reported as drift) agrees with no state, and links as submitted: a poll moves it on. */
const agrees = (status: OrderStatus): readonly OrderState[] => AGREES_WITH_ORDERMESH[status] ?? [];
const linkedState = (status: OrderStatus): OrderState => LINKED[status as KnownOrderStatus] ?? 'submitted';
type Listed = OrderMeshOrder & { safeId: string };

export interface Difference {
  safeId: string;
  storeOrderId: string | null;
  ordermeshOrderId: string | null;
  status: OrderStatus | null;
  ledgerState: OrderState | null;
  /** With --fix: what was done. */
  fixed?: string;
}

export interface ReconcileReport {
  store: string;
  merchantId: string;
  since: string | null;
  ordermesh: { orders: number; byStatus: Record<string, number> };
  ledger: { orders: number; byState: Record<string, number> };
  /** Orders the store holds in the period (null: it could not be counted). */
  shopify: { orders: number | null };
  /** OrderMesh has them; the ledger has no row (an order pulled after the backup was taken). */
  unknownToLedger: Difference[];
  /** OrderMesh has them; the ledger's row does not say so (or names another OrderMesh order). */
  unlinked: Difference[];
  /** The ledger says OrderMesh has them; OrderMesh has no order by that safeId (--fix submits again only those not final). */
  missingInOrderMesh: Difference[];
  /** Both know the order; the ledger's state is not what OrderMesh's status implies. */
  stateDisagrees: Difference[];
  /**
   * The ledger links orders to OrderMesh and OrderMesh has none of them: most likely the wrong
   * OrderMesh (environment, credentials or merchant), not orders OrderMesh lost (issue 34).
   */
  ordermeshKnowsNone: boolean;
  /** Why --fix changed nothing (null: it acted, or was not asked to). */
  refused: string | null;
  fixed: boolean;
}

/** What `reconcile --fix` says when OrderMesh has none of the ledger's linked orders. */
export const KNOWS_NONE_MESSAGE =
  'OrderMesh has none of the orders the ledger links to it: most likely the wrong OrderMesh environment, credentials or merchant. --fix changed nothing; check the configuration, or run again with --fix --even-if-ordermesh-knows-none if OrderMesh really lost them';

const countBy = <T>(xs: T[], key: (x: T) => string) => xs.reduce<Record<string, number>>((a, x) => ((a[key(x)] = (a[key(x)] ?? 0) + 1), a), {});

/**
 * Compares the ledger with OrderMesh (the merchant's orders, by safeId) and with the store (how many
 * orders it holds), for one store; with `fix`, re-links OrderMesh orders to their store orders instead
 * of submitting them again, puts back to pending what OrderMesh does not have (never a final order:
 * fulfilled, cancelled or skipped), and has every order
 * OrderMesh is further along with polled now. Safe to run twice, or beside running workers: each
 * change is a guarded transition from the state it was read in. When OrderMesh has none of the
 * ledger's linked orders, `fix` changes nothing (`refused`) unless `evenIfOrderMeshKnowsNone`.
 */
export async function reconcileStore(deps: JobDeps, storeId: string, opts: { since?: Date; fix: boolean; evenIfOrderMeshKnowsNone?: boolean }): Promise<ReconcileReport> {
  const store = storeOf(deps, storeId);
  const { merchantId } = store.cfg;
  // This store's orders among the merchant's: a safeId is the store's prefix and the store order's id.
  const ours: Listed[] = [];
  for await (const page of deps.ordermesh.allOrders({ merchantId, ...(opts.since ? { createdFrom: opts.since } : {}) })) {
    for (const o of page) {
      const storeOrderId = o.meta?.shopifyOrderId;
      if (o.safeId?.startsWith(`${storeId}-`) && (!storeOrderId || safeIdFor(storeId, storeOrderId) === o.safeId)) ours.push(o as Listed);
    }
  }
  const rows = await ordersBySafeId(deps.db, storeId, ours.map((o) => o.safeId));
  const report: ReconcileReport = {
    store: storeId,
    merchantId,
    since: opts.since?.toISOString() ?? null,
    ordermesh: { orders: ours.length, byStatus: countBy(ours, (o) => o.status) },
    ledger: { orders: 0, byState: await ledgerCounts(deps.db, storeId, opts.since) },
    shopify: { orders: await countOrders(store.shopify, opts.since ?? new Date(0), new Date()).catch(() => null) },
    unknownToLedger: [],
    unlinked: [],
    missingInOrderMesh: [],
    stateDisagrees: [],
    ordermeshKnowsNone: false,
    refused: null,
    fixed: opts.fix,
  };
  report.ledger.orders = Object.values(report.ledger.byState).reduce((a, n) => a + n, 0);
  const diff = (o: OrderMeshOrder | null, row: Pick<OrderRow, 'safe_id' | 'store_order_id' | 'state' | 'ordermesh_order_id'> | undefined): Difference => ({
    safeId: o?.safeId ?? row!.safe_id,
    storeOrderId: row?.store_order_id ?? o?.meta?.shopifyOrderId ?? null,
    ordermeshOrderId: o?.id ?? row?.ordermesh_order_id ?? null,
    status: o?.status ?? null,
    ledgerState: row?.state ?? null,
  });

  const behind: string[] = [];
  for (const o of ours) {
    const row = rows.get(o.safeId);
    if (!row) report.unknownToLedger.push(diff(o, undefined));
    else if (row.ordermesh_order_id !== o.id || !inOrderMesh(row) && !agrees(o.status).includes(row.state)) report.unlinked.push(diff(o, row));
    else if (!agrees(o.status).includes(row.state)) {
      report.stateDisagrees.push(diff(o, row));
      behind.push(row.id);
    }
  }
  // What the ledger links that OrderMesh did not list: asked one by one, as the list may be filtered by date.
  const listed = new Set(ours.map((o) => o.safeId));
  const linked = await linkedOrders(deps.db, storeId, opts.since);
  for (const row of linked) {
    if (listed.has(row.safe_id)) continue;
    const o = await deps.ordermesh.getOrderBySafeId(row.safe_id);
    if (!o) report.missingInOrderMesh.push({ ...diff(null, { ...row, store_order_id: '' }), storeOrderId: null });
    else if (o.id !== row.ordermesh_order_id) report.unlinked.push(diff(o, { ...row, store_order_id: '' }));
  }
  // Not one linked order known: resubmitting them all would duplicate every order in the OrderMesh that
  // does have them, so --fix waits for an operator to say OrderMesh really lost them.
  report.ordermeshKnowsNone = linked.length > 0 && report.missingInOrderMesh.length === linked.length;
  if (opts.fix && report.ordermeshKnowsNone && !opts.evenIfOrderMeshKnowsNone) {
    report.refused = KNOWS_NONE_MESSAGE;
    report.fixed = false;
    return report;
  }
  if (opts.fix) await applyFixes(deps, storeId, report, ours, behind);
  return report;
}

async function applyFixes(deps: JobDeps, storeId: string, report: ReconcileReport, ours: Listed[], behind: string[]): Promise<void> {
  const store = storeOf(deps, storeId);
  const bySafeId = new Map<string, OrderMeshOrder>(ours.map((o) => [o.safeId, o]));
  const linkFor = (row: OrderRow, o: OrderMeshOrder, why: string): Link => {
    const mapped = row.mapped_payload ? null : mapOrder(store.mapper, row.store_payload, { storeId, merchantId: store.cfg.merchantId, safeId: row.safe_id });
    return {
      row,
      ordermeshOrderId: o.id,
      to: linkedState(o.status),
      createdAt: o.createdAt ? new Date(o.createdAt) : new Date(),
      mapped: mapped?.kind === 'mapped' ? { payload: mapped.model, hash: row.payload_hash } : null,
      hold: o.status === 'CustomerCareHold',
      message: `${why}; OrderMesh has it as ${o.id} (${o.status})`,
    };
  };

  // The ledger's rows for them: found by safeId again, as a worker may have moved them since the report.
  if (report.unlinked.length) {
    const rows = await ordersBySafeId(deps.db, storeId, report.unlinked.map((d) => d.safeId));
    for (const d of report.unlinked) {
      const row = rows.get(d.safeId);
      const o = bySafeId.get(d.safeId) ?? (await deps.ordermesh.getOrderBySafeId(d.safeId));
      if (!row || !o) continue;
      d.fixed = (await linkToOrderMesh(deps.db, linkFor(row, o, `the ledger had it ${row.state}`), deps.actor)) ? `re-linked: ${linkedState(o.status)}` : 'moved meanwhile: run again';
    }
  }

  // Unknown to the ledger: read from the store and recorded as OrderMesh has them, never as new orders to submit.
  const unknownIds = report.unknownToLedger.flatMap((d) => (d.storeOrderId ? [d.storeOrderId] : []));
  for (let i = 0; i < unknownIds.length; i += 50) {
    const chunk = unknownIds.slice(i, i + 50);
    const orders = await fetchOrders(store.shopify, chunk);
    await deps.db.transaction().execute(async (trx) => {
      await ingestOrders(trx, { id: storeId, holdMinutes: store.cfg.holdMinutes }, orders, deps.actor);
      const rows = await ordersBySafeId(trx, storeId, orders.map((o) => safeIdFor(storeId, o.id)));
      for (const row of rows.values()) {
        const o = bySafeId.get(row.safe_id)!;
        const d = report.unknownToLedger.find((x) => x.safeId === row.safe_id)!;
        d.fixed = (await linkToOrderMesh(trx, linkFor(row, o, 'not in the ledger'), deps.actor)) ? `recorded from the store: ${linkedState(o.status)}` : 'moved meanwhile: run again';
      }
    });
  }
  for (const d of report.unknownToLedger) d.fixed ??= d.storeOrderId ? 'the store did not return the order' : 'no store order id in its meta';

  if (report.missingInOrderMesh.length) {
    const rows = await ordersBySafeId(deps.db, storeId, report.missingInOrderMesh.map((d) => d.safeId));
    let unlinked = 0;
    for (const d of report.missingInOrderMesh) {
      const row = rows.get(d.safeId);
      if (!row) continue;
      // A final order is done in the ledger: OrderMesh no longer having it (purged, or another
      // environment) is no reason to make and ship it again (issue 34).
      if (FINAL.includes(row.state)) {
        d.fixed = `left ${row.state}: a final order is never submitted again`;
        continue;
      }
      unlinked++;
      d.fixed = (await unlink(deps.db, row, deps.actor, `the ledger had it ${row.state} as ${row.ordermesh_order_id}; OrderMesh has no order ${row.safe_id}: submitting again (by safeId)`)) ? 'back to pending' : 'moved meanwhile: run again';
    }
    if (unlinked) await enqueue(deps.boss, Q.submitOrders, { storeId }, { singletonKey: storeId });
  }

  await pollNow(deps.db, behind);
  for (const d of report.stateDisagrees) d.fixed = 'polled now';
  await enqueue(deps.boss, Q.pollShipments, {}, { singletonKey: 'sweep' });
  await enqueue(deps.boss, Q.syncHolds, { storeId }, { singletonKey: storeId });
}
