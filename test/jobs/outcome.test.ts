import { describe, expect, it } from 'vitest';
import { OrderMeshError } from '../../src/connectors/ordermesh/errors.ts';
import { ShopifyApiError } from '../../src/connectors/shopify/errors.ts';
import { errorOutcome } from '../../src/jobs/outcome.ts';

describe('the one error-to-outcome rule', () => {
  it('records what retries cannot fix, with its reason, and retries everything else', () => {
    expect(errorOutcome(new OrderMeshError('VALIDATION', 'createOrder', 'bad'))).toEqual({ kind: 'record', reason: 'ORDERMESH_VALIDATION', message: 'OrderMesh createOrder: bad' });
    expect(errorOutcome(new OrderMeshError('NOT_FOUND', 'getOrder', 'gone'))).toEqual({ kind: 'record', reason: 'ORDERMESH_NOT_FOUND', message: 'OrderMesh getOrder: gone' });
    expect(errorOutcome(new OrderMeshError('UNAVAILABLE', 'getOrder', 'down'))).toEqual({ kind: 'retry' });
    expect(errorOutcome(new OrderMeshError('TIMEOUT', 'getOrder', 'slow'))).toEqual({ kind: 'retry' });
    expect(errorOutcome(new ShopifyApiError('UNAUTHORIZED', 'HTTP 401'))).toEqual({ kind: 'record', reason: 'SHOPIFY_UNAUTHORIZED', message: 'Shopify: HTTP 401' });
    expect(errorOutcome(new ShopifyApiError('SERVER_ERROR', 'HTTP 502'))).toEqual({ kind: 'retry' });
    expect(errorOutcome(new ShopifyApiError('THROTTLED', 'wait'))).toEqual({ kind: 'retry' });
    expect(errorOutcome(new Error('connection reset'))).toEqual({ kind: 'retry' });
    expect(errorOutcome('a string')).toEqual({ kind: 'retry' });
  });
});
