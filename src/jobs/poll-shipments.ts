import { OrderMeshError } from '../connectors/ordermesh/errors.ts';
import type { PackageModel, ShipmentModel } from '../connectors/ordermesh/reader.ts';
import { transitionMany } from '../db/batch-transitions.ts';
import { packageHintsOf, upsertShipments, type PackageHints, type ShipmentRecord } from '../db/packages.ts';
import type { OrderRow } from '../db/schema.ts';
import { claimOrdersToPoll } from '../db/shipment-polls.ts';
import type { JobDeps } from './deps.ts';
import { Q, enqueue, enqueueMany } from './queues.ts';

const BATCH = 200;

/** OrderMesh reads in flight at once while polling: the calls are per order, the waits need not be. */
const READS_IN_FLIGHT = 8;

export async function pollShipments(deps: JobDeps, orderIds?: string[]): Promise<{ polled: number; newTracking: number }> {
  const due = await claimOrdersToPoll(deps.db, deps.config.jobs, orderIds, BATCH);
  const read: Array<{ order: OrderRow; shipments: ShipmentModel[] }> = [];
  let next = 0;
  const reader = async () => {
    while (next < due.length) {
      const order = due[next++]!;
      try {
        const sent = new Map(((order.mapped_payload as { items?: Array<{ externalId?: string | null; quantity: number }> } | null)?.items ?? []).flatMap((i) => (i.externalId ? [[i.externalId, i.quantity] as const] : [])));
        read.push({ order, shipments: await deps.ordermesh.getShipmentsForOrder(order.ordermesh_order_id!, { sentQuantityOf: (externalId) => sent.get(externalId) }) });
      } catch (err) {
        if (!(err instanceof OrderMeshError && err.retryable)) throw err;
        // polled again at its next slot
      }
    }
  };
  const readers = await Promise.allSettled(Array.from({ length: Math.min(READS_IN_FLIGHT, due.length) }, reader));
  const failed = readers.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  // Quantities OrderMesh's webhooks gave for packages the API lists only by item id.
  const hints = await packageHintsOf(deps.db, read.map((r) => r.order.id));
  for (const r of read) withHints(r.shipments, hints);
  // What was read is recorded even when one read failed for good: the failure is then the job's.
  const newTracking = await recordShipments(deps, read);
  if (failed) throw failed.reason;
  if (due.length === BATCH && !orderIds) await enqueue(deps.boss, Q.pollShipments, {}, { singletonKey: 'sweep' });
  logPollRun(deps, { polled: due.length, packagesFound: read.reduce((n, r) => n + r.shipments.reduce((m, s) => m + s.packages.length, 0), 0), newTracking }, orderIds !== undefined);
  return { polled: due.length, newTracking };
}

/**
 * One line per poll run. A run for the orders a webhook named (one order each: thousands of them in a
 * busy hour) is debug, as is a sweep that found nothing new: the write-back's own info line says what
 * came of new tracking. A sweep that found some says so once at info, for all the orders it read.
 */
function logPollRun(deps: JobDeps, run: { polled: number; packagesFound: number; newTracking: number }, named: boolean): void {
  if (!run.polled) return;
  if (named || !run.newTracking) deps.log.debug(run, 'polled shipments');
  else deps.log.info(run, 'shipment poll run: orders polled, packages found');
}

/**
 * Packages the API read with quantities inferred from `orderItemIDs` take the quantities a
 * ShipmentUpdate webhook gave for them (the API says which packages and items exist, the webhook how
 * many of each: documented only there). What the hints confirm is taken out of the item's total, and
 * the rest is shared again over the item's packages that have no hint, in their order.
 */
export function withHints(shipments: ShipmentModel[], hints: PackageHints): ShipmentModel[] {
  const hintOf = (packageId: string) => (Object.hasOwn(hints, packageId) && Array.isArray(hints[packageId]) ? hints[packageId] : undefined);
  const packages = shipments.flatMap((s) => s.packages);
  const hinted = packages.filter((p) => p.quantitiesInferred && hintOf(p.packageId));
  if (!hinted.length) return shipments;
  // What the read knows of each item (its store ids), to name an item a hint gives to a package the guess gave none.
  const known = new Map(packages.flatMap((p) => p.items.map((i) => [i.orderItemId, i] as const)));
  const itemIds = new Set(hinted.flatMap((p) => hintOf(p.packageId)!.map((h) => h.orderItemId).filter((id) => p.listedItemIds.includes(id))));
  for (const id of itemIds) {
    const holders = packages.filter((p) => p.quantitiesInferred && p.listedItemIds.includes(id));
    const total = holders.reduce((a, p) => a + p.items.filter((i) => i.orderItemId === id).reduce((b, i) => b + i.quantity, 0), 0);
    const given = (p: PackageModel) => hintOf(p.packageId)?.find((h) => h.orderItemId === id)?.quantity;
    const confirmed = holders.filter((p) => given(p) !== undefined);
    const rest = holders.filter((p) => given(p) === undefined);
    const left = Math.max(0, total - confirmed.reduce((a, p) => a + given(p)!, 0));
    const setQuantity = (p: PackageModel, q: number) => {
      const base = p.items.find((i) => i.orderItemId === id) ?? { ...(known.get(id) ?? { orderItemId: id, externalId: null, shopifyLineItemId: null }), quantity: 0 };
      const others = p.items.filter((i) => i.orderItemId !== id);
      p.items = q > 0 ? [...others, { ...base, quantity: q }] : others;
    };
    for (const p of confirmed) setQuantity(p, given(p)!);
    rest.forEach((p, rank) => setQuantity(p, Math.floor(left / rest.length) + (rank < left % rest.length ? 1 : 0)));
  }
  for (const p of hinted) p.quantitiesInferred = !p.listedItemIds.every((id) => hintOf(p.packageId)!.some((h) => h.orderItemId === id));
  return shipments;
}

/**
 * Records what OrderMesh said for a batch of orders in one transaction and a constant number of
 * statements: shipments and packages upserted, a write-back job for each package with new or changed
 * tracking, orders with a first shipment moved to in_production.
 */
export async function recordShipments(deps: JobDeps, read: Array<{ order: OrderRow; shipments: ShipmentModel[] }>): Promise<number> {
  const records: ShipmentRecord[] = read.flatMap(({ order, shipments }) =>
    shipments.map((s) => ({
      id: s.shipmentId,
      orderId: order.id,
      status: s.status,
      packages: s.packages.map((p) => ({
        id: p.packageId,
        carrier: p.carrierName ?? null,
        carrierMethod: p.carrierMethodName ?? null,
        trackingNumber: p.carrierTrackingNumber ?? null,
        trackingUrl: p.carrierLink ?? null,
        items: p.items,
        shippedAt: p.shippedDate ?? null,
      })),
    })),
  );
  if (records.length === 0) return 0;
  return deps.db.transaction().execute(async (trx) => {
    const toWrite = await upsertShipments(trx, records);
    await enqueueMany(deps.boss, Q.writeTracking, toWrite.map((packageId) => ({ data: { packageId }, singletonKey: packageId })), { trx });
    const started = read.filter((r) => r.shipments.length && r.order.state === 'submitted');
    await transitionMany(
      trx,
      'submitted',
      started.map((r) => ({ order: r.order, to: 'in_production' as const, reason: 'SHIPMENT_CREATED', message: `${r.shipments.length} shipment(s) in OrderMesh` })),
      deps.actor,
    );
    return toWrite.length;
  });
}
