/**
 * THROTTLED/RATE_LIMITED/SERVER_ERROR/NETWORK are transient (retried); UNAUTHORIZED means the store's
 * credentials are wrong or revoked; GRAPHQL_ERROR a query Shopify refused; USER_ERROR a mutation
 * refused with userErrors (e.g. a fulfilment order that is closed or on hold); NOT_FOUND an order
 * that no longer exists or is outside the app's scopes.
 */
export type ShopifyReason =
  | 'THROTTLED'
  | 'RATE_LIMITED'
  | 'SERVER_ERROR'
  | 'NETWORK'
  | 'UNAUTHORIZED'
  | 'GRAPHQL_ERROR'
  | 'USER_ERROR'
  | 'NOT_FOUND'
  | 'BULK_FAILED';

const TRANSIENT = new Set<ShopifyReason>(['THROTTLED', 'RATE_LIMITED', 'SERVER_ERROR', 'NETWORK']);

export class ShopifyApiError extends Error {
  readonly code: ShopifyReason;
  readonly retryable: boolean;
  readonly status: number | undefined;
  constructor(code: ShopifyReason, message: string, opts: { status?: number; cause?: unknown } = {}) {
    super(`Shopify: ${message}`, { cause: opts.cause });
    this.name = 'ShopifyApiError';
    this.code = code;
    this.status = opts.status;
    this.retryable = TRANSIENT.has(code);
  }
}
