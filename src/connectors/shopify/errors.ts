/**
 * THROTTLED/RATE_LIMITED/SERVER_ERROR/NETWORK are transient (retried); UNAUTHORIZED means the store's
 * credentials are wrong or revoked; GRAPHQL_ERROR a query Shopify refused; USER_ERROR a mutation
 * refused with userErrors (e.g. a fulfilment order that is closed or on hold); NOT_FOUND an order
 * that no longer exists or is outside the app's scopes; INVALID_RESPONSE an answer without the shape our
 * query asked for (retried: it is Shopify's fault, not the order's); QUERY_TOO_COSTLY a query whose
 * requested cost exceeds the store's bucket (the pull asks for smaller pages).
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
  | 'BULK_FAILED'
  | 'INVALID_RESPONSE'
  | 'QUERY_TOO_COSTLY';

const TRANSIENT = new Set<ShopifyReason>(['THROTTLED', 'RATE_LIMITED', 'SERVER_ERROR', 'NETWORK', 'INVALID_RESPONSE']);

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
