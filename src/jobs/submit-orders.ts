import type { CreateOrderModel } from '../connectors/ordermesh/contract.ts';
import type { CreateOutcome } from '../connectors/ordermesh/client.ts';
import { OrderMeshValidationError } from '../connectors/ordermesh/errors.ts';
import type { StoreOrderPayload } from '../connectors/shopify/types.ts';
import { claimPendingOrders, transition } from '../db/orders.ts';
import type { OrderRow } from '../db/schema.ts';
import { mapOrder } from '../mapping/registry.ts';
import type { MappingResult } from '../mapping/types.ts';
import { storeOf, type JobDeps } from './deps.ts';
import { Q, enqueue } from './queues.ts';

/** Retry delay for a transient failure, by attempt: base·2^(n-1), at most 30 minutes. */
export function retryDelaySeconds(base: number, attempt: number): number {
  return Math.min(1_800, base * 2 ** Math.max(0, attempt - 1));
}

function describeErrors(result: Extract<MappingResult, { kind: 'failed' }>): string {
  return result.errors.map((e) => `${e.path ? `${e.path}: ` : ''}${e.message}`).join('; ');
}

/**
 * One batch of a store's pending orders: claim, map, submit in bulk, record each outcome. A crash at
 * any point leaves orders `submitting`, which reconcile-submitting resolves by safeId: never a second
 * OrderMesh order, never an order stuck for good.
 */
export async function submitOrders(deps: JobDeps, storeId: string): Promise<{ claimed: number; outcomes: Record<string, number> }> {
  const store = storeOf(deps, storeId);
  const { submitBatchSize, maxSubmitAttempts, retryBaseSeconds } = deps.config.jobs;
  const claimed = await claimPendingOrders(deps.db, storeId, submitBatchSize, deps.actor);
  const outcomes: Record<string, number> = {};
  const count = (k: string) => (outcomes[k] = (outcomes[k] ?? 0) + 1);
  if (claimed.length === 0) return { claimed: 0, outcomes };

  const toSend: Array<{ row: OrderRow; model: CreateOrderModel }> = [];
  for (const row of claimed) {
    const payload = row.store_payload as StoreOrderPayload;
    const result = mapOrder(store.mapper, payload, { storeId, merchantId: store.cfg.merchantId, safeId: row.safe_id });
    if (result.kind === 'failed') {
      count('failed_mapping');
      await transition(deps.db, row, ['submitting'], 'failed_mapping', {
        actor: deps.actor,
        reason: result.errors[0]!.code,
        message: describeErrors(result),
        set: { last_error_code: result.errors[0]!.code, last_error_message: describeErrors(result), mapped_payload: null },
        data: { errors: result.errors },
      });
    } else if (result.kind === 'skipped') {
      count(result.reason);
      const to = result.reason === 'ORDER_CANCELLED' ? 'cancelled' : 'skipped';
      await transition(deps.db, row, ['submitting'], to, { actor: deps.actor, reason: result.reason, message: result.message, set: { last_error_code: null, last_error_message: null } });
    } else {
      await deps.db
        .updateTable('orders')
        .set({ mapped_payload: JSON.stringify(result.model), mapped_hash: row.payload_hash })
        .where('id', '=', row.id)
        .execute();
      toSend.push({ row, model: result.model });
    }
  }

  const results: CreateOutcome[] = toSend.length ? await deps.ordermesh.createOrders(toSend.map((t) => t.model)) : [];
  let retryIn: number | undefined;
  for (const [i, outcome] of results.entries()) {
    const { row } = toSend[i]!;
    count(outcome.outcome);
    await deps.db.transaction().execute(async (trx) => {
      if (outcome.outcome === 'created' || outcome.outcome === 'existing') {
        const moved = await transition(trx, row, ['submitting'], 'submitted', {
          actor: deps.actor,
          reason: outcome.outcome === 'existing' ? 'ALREADY_IN_ORDERMESH' : null,
          message: `OrderMesh order ${outcome.orderId}`,
          set: { ordermesh_order_id: outcome.orderId, submitted_at: new Date(), next_poll_at: new Date(), last_error_code: null, last_error_message: null },
        });
        // Changed in the store while we were submitting: carry the change over now.
        const now = await trx.selectFrom('orders').select(['payload_hash']).where('id', '=', row.id).executeTakeFirst();
        if (moved && now?.payload_hash !== row.payload_hash) await enqueue(deps.boss, Q.applyOrderChange, { orderId: row.id, kind: 'recheck' }, { trx, singletonKey: row.id });
      } else if (outcome.outcome === 'rejected') {
        const fields = outcome.error instanceof OrderMeshValidationError ? outcome.error.fieldErrors : undefined;
        await transition(trx, row, ['submitting'], 'rejected', {
          actor: deps.actor,
          reason: `ORDERMESH_${outcome.error.code}`,
          message: outcome.error.message,
          set: { last_error_code: `ORDERMESH_${outcome.error.code}`, last_error_message: outcome.error.message },
          data: fields ? { fieldErrors: fields } : undefined,
        });
      } else if (outcome.outcome === 'blocked') {
        const delay = retryDelaySeconds(retryBaseSeconds, row.attempts);
        retryIn = Math.min(retryIn ?? delay, delay);
        await transition(trx, row, ['submitting'], 'pending', {
          actor: deps.actor,
          reason: `ORDERMESH_${outcome.error.code}`,
          message: `${outcome.error.message}: check ordermesh.clientId/clientSecret and the merchant's access; retrying in ${delay}s`,
          // Not the order's fault: the attempt it was claimed with does not count.
          set: { attempts: row.attempts - 1, next_attempt_at: new Date(Date.now() + delay * 1000), last_error_code: `ORDERMESH_${outcome.error.code}`, last_error_message: outcome.error.message },
        });
      } else if (row.attempts >= maxSubmitAttempts) {
        await transition(trx, row, ['submitting'], 'failed', {
          actor: deps.actor,
          reason: 'TRANSIENT_EXHAUSTED',
          message: `gave up after ${row.attempts} attempts: ${outcome.error.message}`,
          set: { last_error_code: 'TRANSIENT_EXHAUSTED', last_error_message: outcome.error.message },
        });
      } else {
        const delay = retryDelaySeconds(retryBaseSeconds, row.attempts);
        retryIn = Math.min(retryIn ?? delay, delay);
        await transition(trx, row, ['submitting'], 'pending', {
          actor: deps.actor,
          reason: `ORDERMESH_${outcome.error.code}`,
          message: `${outcome.error.message}; retrying in ${delay}s`,
          set: { next_attempt_at: new Date(Date.now() + delay * 1000), last_error_code: `ORDERMESH_${outcome.error.code}`, last_error_message: outcome.error.message },
        });
      }
    });
  }
  if (claimed.length === submitBatchSize) await enqueue(deps.boss, Q.submitOrders, { storeId }, { singletonKey: storeId });
  else if (retryIn !== undefined) await enqueue(deps.boss, Q.submitOrders, { storeId }, { startAfter: retryIn, singletonKey: `${storeId}:retry` });
  deps.log.info({ store: storeId, claimed: claimed.length, outcomes }, 'submitted a batch');
  return { claimed: claimed.length, outcomes };
}
