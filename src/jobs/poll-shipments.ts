import { sql } from 'kysely';
import { OrderMeshError } from '../connectors/ordermesh/errors.ts';
import type { ShipmentModel } from '../connectors/ordermesh/contract.ts';
import { transition } from '../db/orders.ts';
import type { OrderRow } from '../db/schema.ts';
import type { JobDeps } from './deps.ts';
import { Q, enqueue } from './queues.ts';

/** What the ledger keeps of each package item: enough to name the store line item it fulfils. */
export interface PackageItem {
  orderItemId: string;
  externalId: string | null;
  quantity: number;
  shopifyLineItemId: string | null;
}

const BATCH = 200;

/**
 * Claims orders OrderMesh has whose next poll is due and pushes their next poll out: recent orders
 * (submitted within jobs.recentOrderHours) every pollRecentSeconds, older ones every pollOldSeconds,
 * so 100,000 open orders do not mean 100,000 calls a minute. Specific orders (an OrderMesh webhook
 * named them) are polled at once.
 */
async function claimDue(deps: JobDeps, orderIds: string[] | undefined): Promise<OrderRow[]> {
  const { pollRecentSeconds, pollOldSeconds, recentOrderHours } = deps.config.jobs;
  const next = sql<Date>`now() + case when submitted_at > now() - make_interval(hours => ${recentOrderHours}) then make_interval(secs => ${pollRecentSeconds}) else make_interval(secs => ${pollOldSeconds}) end`;
  return deps.db
    .updateTable('orders')
    .set({ next_poll_at: next as never, last_polled_at: new Date() })
    .where('id', 'in', (eb) => {
      // needs_attention included: an order parked for a person (a change OrderMesh refused, a failed
      // job) is still being made, and what ships for it must still reach the store.
      let q = eb.selectFrom('orders').select('id').where('state', 'in', ['submitted', 'in_production', 'needs_attention']).where('ordermesh_order_id', 'is not', null);
      q = orderIds?.length ? q.where('id', 'in', orderIds) : q.where('next_poll_at', '<=', new Date()).orderBy('next_poll_at');
      return q.limit(BATCH).forUpdate().skipLocked();
    })
    .returningAll()
    .execute();
}

export async function pollShipments(deps: JobDeps, orderIds?: string[]): Promise<{ polled: number; newTracking: number }> {
  const due = await claimDue(deps, orderIds);
  let newTracking = 0;
  for (const order of due) {
    let shipments: ShipmentModel[];
    try {
      shipments = await deps.ordermesh.getShipmentsForOrder(order.ordermesh_order_id!);
    } catch (err) {
      if (err instanceof OrderMeshError && err.retryable) continue; // polled again at its next slot
      throw err;
    }
    newTracking += await recordShipments(deps, order, shipments);
  }
  if (due.length === BATCH && !orderIds) await enqueue(deps.boss, Q.pollShipments, {}, { singletonKey: 'sweep' });
  if (due.length) deps.log.info({ polled: due.length, newTracking }, 'polled shipments');
  return { polled: due.length, newTracking };
}

/** Upserts shipments and packages; a package with new or changed tracking gets a write-back job. */
export async function recordShipments(deps: JobDeps, order: OrderRow, shipments: ShipmentModel[]): Promise<number> {
  let queued = 0;
  await deps.db.transaction().execute(async (trx) => {
    for (const s of shipments) {
      await trx
        .insertInto('shipments')
        .values({ id: s.shipmentId, order_id: order.id, status: s.status })
        .onConflict((oc) => oc.column('id').doUpdateSet({ status: s.status, updated_at: new Date() }))
        .execute();
      for (const p of s.packages) {
        const items: PackageItem[] = p.packageOrderItems.map((i) => ({
          orderItemId: i.orderItemId,
          externalId: i.externalId ?? null,
          quantity: i.quantity,
          shopifyLineItemId: i.itemMeta?.shopifyLineItemId ?? null,
        }));
        const values = {
          carrier: p.carrierName ?? null,
          carrier_method: p.carrierMethodName ?? null,
          tracking_number: p.carrierTrackingNumber ?? null,
          tracking_url: p.carrierLink ?? null,
          items: JSON.stringify(items),
          shipped_at: p.shippedDate ?? null,
        };
        const row = await trx
          .insertInto('packages')
          .values({ id: p.packageId, shipment_id: s.shipmentId, order_id: order.id, ...values })
          .onConflict((oc) => oc.column('id').doUpdateSet({ ...values, updated_at: new Date() }))
          .returning(['id', 'tracking_number', 'written_tracking_number'])
          .executeTakeFirstOrThrow();
        if (row.tracking_number && row.tracking_number !== row.written_tracking_number) {
          await enqueue(deps.boss, Q.writeTracking, { packageId: row.id }, { trx, singletonKey: row.id });
          queued++;
        }
      }
    }
    if (shipments.length && order.state === 'submitted') {
      await transition(trx, order, ['submitted'], 'in_production', { actor: deps.actor, reason: 'SHIPMENT_CREATED', message: `${shipments.length} shipment(s) in OrderMesh` });
    }
  });
  return queued;
}
