import type { ErrorBody } from './reader.ts';

/**
 * What went wrong, in words an operator can act on (shown by `ordersync status`):
 * VALIDATION (fix the mapping or the store order), UNAUTHORIZED/FORBIDDEN (credentials or merchant
 * access), NOT_FOUND, CONFLICT, RATE_LIMITED, SERVER_ERROR/UNAVAILABLE/TIMEOUT/NETWORK (transient:
 * retried), BAD_RESPONSE (OrderMesh answered something the contract does not describe).
 */
export type OrderMeshReason =
  | 'VALIDATION'
  | 'UNAUTHORIZED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'RATE_LIMITED'
  | 'SERVER_ERROR'
  | 'UNAVAILABLE'
  | 'TIMEOUT'
  | 'NETWORK'
  | 'BAD_RESPONSE';

const TRANSIENT: ReadonlySet<OrderMeshReason> = new Set(['RATE_LIMITED', 'SERVER_ERROR', 'UNAVAILABLE', 'TIMEOUT', 'NETWORK']);

export class OrderMeshError extends Error {
  readonly code: OrderMeshReason;
  readonly status: number | undefined;
  readonly body: ErrorBody | undefined;
  readonly operation: string;
  /** Worth trying again later: the request may not have been applied, and a repeat is safe. */
  readonly retryable: boolean;

  constructor(code: OrderMeshReason, operation: string, message: string, opts: { status?: number; body?: ErrorBody; cause?: unknown } = {}) {
    super(`OrderMesh ${operation}: ${message}`, { cause: opts.cause });
    this.name = 'OrderMeshError';
    this.code = code;
    this.status = opts.status;
    this.body = opts.body;
    this.operation = operation;
    this.retryable = TRANSIENT.has(code);
  }
}

export class OrderMeshValidationError extends OrderMeshError {
  /** Field path → messages, as OrderMesh reported them. */
  readonly fieldErrors: Record<string, string[]>;
  constructor(operation: string, body: ErrorBody | undefined, status = 400) {
    const fieldErrors = body?.fieldErrors ?? {};
    const summary = Object.entries(fieldErrors)
      .map(([k, v]) => `${k}: ${v.join('; ')}`)
      .join(', ');
    super('VALIDATION', operation, `${body?.message ?? 'validation failed'}${summary ? ` (${summary})` : ''}`, { status, ...(body ? { body } : {}) });
    this.name = 'OrderMeshValidationError';
    this.fieldErrors = fieldErrors;
  }
}

export class OrderMeshRateLimitError extends OrderMeshError {
  readonly retryAfterMs: number | undefined;
  constructor(operation: string, retryAfterMs: number | undefined, body: ErrorBody | undefined) {
    super('RATE_LIMITED', operation, `rate limited${retryAfterMs !== undefined ? `, retry after ${retryAfterMs} ms` : ''}`, {
      status: 429,
      ...(body ? { body } : {}),
    });
    this.name = 'OrderMeshRateLimitError';
    this.retryAfterMs = retryAfterMs;
  }
}

/** The one place an HTTP status becomes an error class and reason code. */
export function errorFromResponse(operation: string, status: number, body: ErrorBody | undefined, retryAfterMs?: number): OrderMeshError {
  const msg = body?.message ?? `HTTP ${status}`;
  const opts = { status, ...(body ? { body } : {}) };
  if (status === 400 || status === 422) return new OrderMeshValidationError(operation, body, status);
  if (status === 401) return new OrderMeshError('UNAUTHORIZED', operation, msg, opts);
  if (status === 403) return new OrderMeshError('FORBIDDEN', operation, msg, opts);
  if (status === 404) return new OrderMeshError('NOT_FOUND', operation, msg, opts);
  if (status === 409) return new OrderMeshError('CONFLICT', operation, msg, opts);
  if (status === 429) return new OrderMeshRateLimitError(operation, retryAfterMs, body);
  if (status === 502 || status === 503 || status === 504) return new OrderMeshError('UNAVAILABLE', operation, msg, opts);
  if (status >= 500) return new OrderMeshError('SERVER_ERROR', operation, msg, opts);
  return new OrderMeshError('BAD_RESPONSE', operation, `unexpected HTTP ${status}: ${msg}`, opts);
}

/** Retry-After in seconds (decimals allowed) or an HTTP date. */
export function parseRetryAfter(value: string | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.ceil(seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
