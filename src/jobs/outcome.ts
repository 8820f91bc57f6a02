import { OrderMeshError } from '../connectors/ordermesh/errors.ts';
import { ShopifyApiError } from '../connectors/shopify/errors.ts';
import { NotRegisteredError } from './scan-fulfillment-requests.ts';

/**
 * The one rule every job follows when it throws (as stripe-node has one retry rule):
 * - `retry`: worth trying again (an upstream's transient failure, a database hiccup, anything we
 *   cannot classify): the job fails, pg-boss retries it with backoff, then dead-letters it;
 * - `record`: trying again cannot help (refused credentials, a request the upstream calls invalid,
 *   a resource that is gone): the failure is recorded on the job's order or package with its reason,
 *   visible in `status`, and the job completes instead of burning its retries.
 */
export type ErrorOutcome = { kind: 'retry' } | { kind: 'record'; reason: string; message: string };

export function errorOutcome(err: unknown): ErrorOutcome {
  if (err instanceof OrderMeshError && !err.retryable) return { kind: 'record', reason: `ORDERMESH_${err.code}`, message: err.message };
  if (err instanceof ShopifyApiError && !err.retryable) return { kind: 'record', reason: `SHOPIFY_${err.code}`, message: err.message };
  if (err instanceof NotRegisteredError) return { kind: 'record', reason: err.code, message: err.message };
  return { kind: 'retry' };
}
