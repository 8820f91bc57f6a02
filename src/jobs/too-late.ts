import { OrderMeshError } from '../connectors/ordermesh/errors.ts';
import { transition } from '../db/orders.ts';
import type { OrderRow, OrderState } from '../db/schema.ts';
import type { JobDeps } from './deps.ts';

/**
 * OrderMesh refusing a change because the order is past the point where it can take it (in production,
 * shipped): the client's CONFLICT (contract.ts: updateOrder, cancelOrder, customerCareHold notes).
 * Retrying cannot help; a person must know the store and OrderMesh now disagree.
 */
export const isTooLate = (err: unknown): err is OrderMeshError => err instanceof OrderMeshError && err.code === 'CONFLICT';

/**
 * Sends a store change to OrderMesh. If OrderMesh refuses it as too late, the order is parked as
 * `needs_attention` with `code` and OrderMesh's refusal as the message (`describe` words it), and
 * false is returned (`moved`: whether this call parked it); any other error is thrown, for the job to retry. True: OrderMesh took it.
 */
export async function sendUnlessTooLate(
  deps: JobDeps,
  row: Pick<OrderRow, 'id' | 'store_id' | 'state'>,
  code: string,
  send: () => Promise<unknown>,
  opts: { describe?: (refusal: string) => string; from?: OrderState[]; set?: Record<string, unknown> } = {},
): Promise<{ sent: true } | { sent: false; moved: boolean }> {
  try {
    await send();
    return { sent: true };
  } catch (err) {
    if (!isTooLate(err)) throw err;
    const message = opts.describe ? opts.describe(err.message) : err.message;
    const moved = await transition(deps.db, row, opts.from ?? [row.state], 'needs_attention', { actor: deps.actor, reason: code, message, set: { ...opts.set, last_error_code: code, last_error_message: message } });
    return { sent: false, moved };
  }
}
