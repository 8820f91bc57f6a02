import { fetchOrder } from '../connectors/shopify/pull-orders.ts';
import type { StoreOrderPayload } from '../connectors/shopify/types.ts';
import { PRE_SUBMISSION, transition } from '../db/orders.ts';
import type { OrderState } from '../db/schema.ts';
import { mapOrder } from '../mapping/registry.ts';
import type { MappingResult } from '../mapping/types.ts';
import { storeOf, type JobDeps } from './deps.ts';
import { ingestAndEnqueue } from './pull-orders.ts';
import { Q, enqueue } from './queues.ts';

export interface ReprocessSelection {
  /** Store order GIDs or numeric ids, order names (#1001), or safeIds. */
  orders?: string[];
  storeId?: string;
  states?: OrderState[];
  since?: Date;
  limit?: number;
}

export interface ReprocessLine {
  /** The ledger row, its store and store order id. */
  id: string;
  storeId: string;
  storeOrderId: string;
  order: string;
  state: OrderState;
  action: string;
  result?: MappingResult;
}

/** By default: everything that failed and is waiting for a fix. */
export const REPROCESSABLE: OrderState[] = ['failed_mapping', 'rejected', 'failed', 'needs_attention', 'skipped'];

/**
 * Re-reads each selected order from the store, maps it again and queues it for submission. An order
 * OrderMesh already has is never submitted again: it is re-checked against OrderMesh instead (its
 * address and cancellation carried over, its shipments polled). `dryRun` only maps and reports.
 */
export async function reprocess(deps: JobDeps, sel: ReprocessSelection, dryRun: boolean): Promise<ReprocessLine[]> {
  let q = deps.db.selectFrom('orders').selectAll().orderBy('id').limit(sel.limit ?? 1000);
  if (sel.storeId) q = q.where('store_id', '=', sel.storeId);
  if (sel.since) q = q.where('created_at', '>=', sel.since);
  if (sel.orders?.length) {
    const keys = sel.orders.flatMap((k) => [k, `gid://shopify/Order/${k}`]);
    q = q.where((eb) => eb.or([eb('store_order_id', 'in', keys), eb('store_order_name', 'in', keys), eb('safe_id', 'in', keys)]));
  }
  const states = sel.states ?? (sel.orders?.length ? undefined : REPROCESSABLE);
  if (states) q = q.where('state', 'in', states);
  const rows = await q.execute();

  const lines: ReprocessLine[] = [];
  const stores = new Set<string>();
  for (const row of rows) {
    const store = storeOf(deps, row.store_id);
    const name = row.store_order_name ?? row.store_order_id;
    const fresh = await fetchOrder(store.shopify, row.store_order_id).catch(() => null);
    const payload = fresh ?? (row.store_payload as StoreOrderPayload);
    if (dryRun) {
      const result = mapOrder(store.mapper, payload, { storeId: row.store_id, merchantId: store.cfg.merchantId, safeId: row.safe_id });
      lines.push({ id: row.id, storeId: row.store_id, storeOrderId: row.store_order_id, order: name, state: row.state, action: row.ordermesh_order_id ? 'in OrderMesh already: would re-check, never resubmit' : `would ${result.kind === 'mapped' ? 'submit' : result.kind === 'failed' ? 'fail again' : 'skip'}`, result });
      continue;
    }
    if (fresh) await ingestAndEnqueue(deps, row.store_id, [fresh]);
    const current = await deps.db.selectFrom('orders').selectAll().where('id', '=', row.id).executeTakeFirstOrThrow();
    if (current.ordermesh_order_id) {
      if (current.state === 'needs_attention') {
        await transition(deps.db, current, ['needs_attention'], 'submitted', { actor: deps.actor, reason: 'REPROCESS', message: 're-checking against OrderMesh' });
      }
      await enqueue(deps.boss, Q.applyOrderChange, { orderId: current.id, kind: 'recheck' }, { singletonKey: current.id });
      await enqueue(deps.boss, Q.pollShipments, { orderIds: [current.id] }, { singletonKey: `order:${current.id}` });
      lines.push({ id: row.id, storeId: row.store_id, storeOrderId: row.store_order_id, order: name, state: current.state, action: 're-checking against OrderMesh (never resubmitted)' });
    } else if (current.last_error_code === 'INVALID_TEXT') {
      // Its stored text had NUL or unpaired surrogates replaced: sending it would send altered text.
      // Fixed in the store, the re-read above has already moved it on.
      lines.push({ id: row.id, storeId: row.store_id, storeOrderId: row.store_order_id, order: name, state: current.state, action: 'left alone: fix the text in the store first (INVALID_TEXT)' });
    } else if ([...PRE_SUBMISSION, 'needs_attention' as const].includes(current.state)) {
      await transition(deps.db, current, [current.state], 'pending', {
        actor: deps.actor,
        reason: 'REPROCESS',
        message: 'queued for mapping and submission again',
        set: { attempts: 0, next_attempt_at: null, hold_until: null, last_error_code: null, last_error_message: null },
      });
      stores.add(current.store_id);
      lines.push({ id: row.id, storeId: row.store_id, storeOrderId: row.store_order_id, order: name, state: current.state, action: 'queued for submission' });
    } else {
      lines.push({ id: row.id, storeId: row.store_id, storeOrderId: row.store_order_id, order: name, state: current.state, action: `left alone (${current.state})` });
    }
  }
  for (const storeId of stores) await enqueue(deps.boss, Q.submitOrders, { storeId }, { singletonKey: storeId });
  return lines;
}
