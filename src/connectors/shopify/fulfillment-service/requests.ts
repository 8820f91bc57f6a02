import { z } from 'zod';
import type { ShopifyClient } from '../client.ts';

const line = z.object({ id: z.string(), totalQuantity: z.number().int(), remainingQuantity: z.number().int(), lineItem: z.object({ id: z.string() }) });
export const assignedFulfillmentOrder = z.object({
  id: z.string(),
  orderId: z.string(),
  status: z.string(),
  requestStatus: z.string(),
  updatedAt: z.string(),
  assignedLocation: z.object({ location: z.object({ id: z.string() }).nullable() }),
  fulfillmentHolds: z.array(z.object({ id: z.string(), reason: z.string(), reasonNotes: z.string().nullable() })),
  lineItems: z.object({ pageInfo: z.object({ hasNextPage: z.boolean(), endCursor: z.string().nullable() }), nodes: z.array(line) }),
});
export type AssignedFulfillmentOrder = z.infer<typeof assignedFulfillmentOrder>;

const morePage = z.object({ fulfillmentOrder: z.object({ lineItems: assignedFulfillmentOrder.shape.lineItems }).nullable() });

/** The fulfilment order with every line (a request of more than 250 lines comes in pages); null if it vanished meanwhile. */
export async function withAllLines(client: ShopifyClient, fo: AssignedFulfillmentOrder): Promise<AssignedFulfillmentOrder | null> {
  let page = fo.lineItems;
  const nodes = [...page.nodes];
  while (page.pageInfo.hasNextPage) {
    const more = (await client.query('fulfillment-order-line-items', morePage, { id: fo.id, after: page.pageInfo.endCursor })).fulfillmentOrder;
    if (!more) return null;
    page = more.lineItems;
    nodes.push(...page.nodes);
  }
  return { ...fo, lineItems: { pageInfo: page.pageInfo, nodes } };
}

export type AssignmentStatus = 'FULFILLMENT_REQUESTED' | 'CANCELLATION_REQUESTED' | 'FULFILLMENT_ACCEPTED';

const page = z.object({
  assignedFulfillmentOrders: z.object({ pageInfo: z.object({ hasNextPage: z.boolean(), endCursor: z.string().nullable() }), nodes: z.array(assignedFulfillmentOrder) }),
});

/** The fulfilment orders at our location in one assignment status, page by page. */
export async function* assignedFulfillmentOrders(client: ShopifyClient, locationId: string, status: AssignmentStatus): AsyncGenerator<AssignedFulfillmentOrder[]> {
  let after: string | null = null;
  for (;;) {
    const res: z.infer<typeof page> = await client.query('assigned-fulfillment-orders', page, { status, locationIds: [locationId], after });
    yield res.assignedFulfillmentOrders.nodes;
    if (!res.assignedFulfillmentOrders.pageInfo.hasNextPage) return;
    after = res.assignedFulfillmentOrders.pageInfo.endCursor;
  }
}

/** Fulfilment orders by id; one the app can no longer see (or that does not exist) is absent. */
export async function readFulfillmentOrders(client: ShopifyClient, ids: string[]): Promise<Map<string, AssignedFulfillmentOrder>> {
  const out = new Map<string, AssignedFulfillmentOrder>();
  for (let i = 0; i < ids.length; i += 50) {
    const res = await client.query('fulfillment-orders-by-ids', z.object({ nodes: z.array(z.union([assignedFulfillmentOrder, z.object({}).strict()]).nullable()) }), { ids: ids.slice(i, i + 50) });
    for (const n of res.nodes) {
      if (!n || !('id' in n)) continue;
      const whole = await withAllLines(client, n as AssignedFulfillmentOrder);
      if (whole) out.set(whole.id, whole);
    }
  }
  return out;
}

const answerResult = z.object({ fulfillmentOrder: z.object({ id: z.string(), requestStatus: z.string() }).nullable(), userErrors: z.array(z.object({ message: z.string() })) });

export type Answer = { ok: true; requestStatus: string } | { ok: false; message: string };

const ANSWERS = {
  accept: { doc: 'fulfillment-request-accept', field: 'fulfillmentOrderAcceptFulfillmentRequest', done: 'ACCEPTED' },
  reject: { doc: 'fulfillment-request-reject', field: 'fulfillmentOrderRejectFulfillmentRequest', done: 'REJECTED' },
  acceptCancellation: { doc: 'cancellation-request-accept', field: 'fulfillmentOrderAcceptCancellationRequest', done: 'CANCELLATION_ACCEPTED' },
  rejectCancellation: { doc: 'cancellation-request-reject', field: 'fulfillmentOrderRejectCancellationRequest', done: 'CANCELLATION_REJECTED' },
} as const;

/**
 * Answers a request. Idempotent: refused because the fulfilment order already has the answer (our
 * earlier call whose response was lost, a second worker) counts as done, read back from Shopify.
 */
export async function answerRequest(
  client: ShopifyClient,
  kind: keyof typeof ANSWERS,
  variables: { id: string; message?: string; reason?: string; estimatedShippedAt?: string },
): Promise<Answer> {
  const a = ANSWERS[kind];
  const res = (await client.query(a.doc, z.object({ [a.field]: answerResult }), variables)) as Record<string, z.infer<typeof answerResult>>;
  const r = res[a.field]!;
  if (r.fulfillmentOrder && r.userErrors.length === 0) return { ok: true, requestStatus: r.fulfillmentOrder.requestStatus };
  const now = (await readFulfillmentOrders(client, [variables.id])).get(variables.id);
  if (now?.requestStatus === a.done) return { ok: true, requestStatus: now.requestStatus };
  return { ok: false, message: r.userErrors.map((e) => e.message).join('; ') || 'no fulfilment order returned' };
}
