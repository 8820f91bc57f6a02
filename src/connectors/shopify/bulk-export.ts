import { z } from 'zod';
import type { ShopifyClient } from './client.ts';
import { bulkOrdersQuery } from './documents.ts';
import { ShopifyApiError } from './errors.ts';
import type { StoreOrderPayload } from './types.ts';

const bulkOperation = z.object({
  id: z.string(),
  status: z.enum(['CREATED', 'RUNNING', 'COMPLETED', 'CANCELING', 'CANCELED', 'FAILED', 'EXPIRED']),
  errorCode: z.string().nullable(),
  objectCount: z.string(),
  rootObjectCount: z.string(),
  url: z.string().nullable(),
  partialDataUrl: z.string().nullable(),
});
export type BulkOperation = z.infer<typeof bulkOperation>;

/** Starts a bulk export of orders updated in [since, until); returns the operation id to keep in the ledger. */
export async function startBulkExport(client: ShopifyClient, since: Date, until: Date): Promise<string> {
  const res = await client.query(
    'bulk-orders-run',
    z.object({ bulkOperationRunQuery: z.object({ bulkOperation: z.object({ id: z.string() }).nullable(), userErrors: z.array(z.object({ message: z.string(), code: z.string().nullable() })) }) }),
    { query: bulkOrdersQuery(since, until) },
  );
  const { bulkOperation, userErrors } = res.bulkOperationRunQuery;
  if (!bulkOperation) {
    throw new ShopifyApiError('BULK_FAILED', `bulk operation refused: ${userErrors.map((e) => `${e.code ?? ''} ${e.message}`.trim()).join('; ')}`);
  }
  return bulkOperation.id;
}

export async function bulkOperationStatus(client: ShopifyClient, id: string): Promise<BulkOperation | null> {
  return (await client.query('bulk-operation', z.object({ bulkOperation: bulkOperation.nullable() }), { id })).bulkOperation;
}

/** Polls until the operation ends; resumable, since the id is all it needs. */
export async function waitForBulkOperation(client: ShopifyClient, id: string, pollMs = 2_000): Promise<BulkOperation> {
  for (;;) {
    const op = await bulkOperationStatus(client, id);
    if (!op) throw new ShopifyApiError('BULK_FAILED', `bulk operation ${id} not found`);
    if (op.status === 'COMPLETED') return op;
    if (op.status !== 'CREATED' && op.status !== 'RUNNING') {
      throw new ShopifyApiError('BULK_FAILED', `bulk operation ${id} ended ${op.status}${op.errorCode ? ` (${op.errorCode})` : ''}`);
    }
    await new Promise((r) => setTimeout(r, pollMs));
  }
}

/**
 * Lines of a streamed body, read only as fast as they are consumed: readline's async iterator keeps
 * reading (and buffering) ahead of a slow consumer, which made memory grow with the file's size.
 */
async function* jsonLines(res: Response): AsyncGenerator<string> {
  const decoder = new TextDecoder();
  let rest = '';
  // `res` must stay reachable until the body is read: undici cancels the body of a Response that
  // has been garbage-collected, which cut long downloads off mid-way under memory pressure. The
  // `finally` below reads it after the loop, so the generator keeps it alive.
  try {
    for await (const chunk of res.body!) {
      rest += decoder.decode(chunk, { stream: true });
      // Walk the buffer with an offset and cut the remainder once: re-slicing per line is quadratic
      // in the chunk size, and chunks can be megabytes.
      let start = 0;
      let nl: number;
      while ((nl = rest.indexOf('\n', start)) >= 0) {
        yield rest.slice(start, nl);
        start = nl + 1;
      }
      rest = rest.slice(start);
    }
    rest += decoder.decode();
    if (rest) yield rest;
  } finally {
    liveResponses.delete(res);
  }
}

/** Responses being streamed, held strongly (see jsonLines). */
const liveResponses = new Set<Response>();

/** One assembled order, or the id of one whose children came after it was emitted (re-read it). */
export type BulkItem = { order: StoreOrderPayload & { lineItems: unknown[]; shippingLines: unknown[] } } | { refetch: string };

/**
 * Streams the JSONL result line by line, rebuilding orders from their child lines (`__parentId`).
 * Memory holds one order at a time: an order is emitted when the next top-level line starts. Children
 * normally follow their parent; one that arrives later (Shopify does not promise grouping without
 * `groupObjects`) turns into a `refetch` of its order instead of keeping every order in memory.
 */
export async function* streamBulkOrders(url: string): AsyncGenerator<BulkItem> {
  const res = await fetch(url);
  if (!res.ok || !res.body) throw new ShopifyApiError('BULK_FAILED', `bulk result download failed: HTTP ${res.status}`);
  let current: (StoreOrderPayload & { lineItems: unknown[]; shippingLines: unknown[] }) | undefined;
  let lastRefetch: string | undefined;
  liveResponses.add(res);
  for await (const line of jsonLines(res)) {
    if (!line.trim()) continue;
    const obj = JSON.parse(line) as Record<string, unknown> & { id?: string; __parentId?: string };
    const parent = obj.__parentId;
    if (!parent) {
      if (current) yield { order: current };
      current = { ...(obj as unknown as StoreOrderPayload), lineItems: [], shippingLines: [] };
      continue;
    }
    if (current && parent === current.id) {
      const { __parentId: _p, ...child } = obj;
      if (typeof child.id === 'string' && child.id.includes('/LineItem/')) current.lineItems.push(child);
      else current.shippingLines.push(child);
    } else if (parent !== lastRefetch) {
      // Repeats are harmless (a re-read is idempotent); remembering every emitted id would not be flat.
      lastRefetch = parent;
      yield { refetch: parent };
    }
  }
  if (current) yield { order: current };
}
