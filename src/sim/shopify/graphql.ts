import { GraphQLError, Kind, type GraphQLFieldResolver, type OperationDefinitionNode } from 'graphql';
import type { ShopState, SimOrder, SimFulfillment, SimFulfillmentOrder } from './shop.ts';

/**
 * Resolvers for the subset of the Admin API the connector uses, over the real schema. Objects are
 * plain values; a field whose value is a function is called with its arguments (connections, lists).
 * A root field outside the subset answers a clear GraphQL error instead of a silent null.
 */
export const SUPPORTED_ROOT_FIELDS = {
  query: new Set(['orders', 'ordersCount', 'order', 'nodes', 'fulfillmentOrder', 'fulfillmentOrders', 'assignedFulfillmentOrders', 'bulkOperation', 'currentBulkOperation', 'shop', 'currentAppInstallation']),
  mutation: new Set([
    'bulkOperationRunQuery',
    'fulfillmentCreate',
    'fulfillmentTrackingInfoUpdate',
    'fulfillmentServiceCreate',
    'fulfillmentOrderAcceptFulfillmentRequest',
    'fulfillmentOrderRejectFulfillmentRequest',
    'fulfillmentOrderAcceptCancellationRequest',
    'fulfillmentOrderRejectCancellationRequest',
    'fulfillmentOrderHold',
    'fulfillmentOrderReleaseHold',
  ]),
};

export function unsupportedRootFields(op: OperationDefinitionNode): string[] {
  const allowed = op.operation === 'mutation' ? SUPPORTED_ROOT_FIELDS.mutation : op.operation === 'query' ? SUPPORTED_ROOT_FIELDS.query : new Set<string>();
  return op.selectionSet.selections.filter((s) => s.kind === Kind.FIELD && !allowed.has(s.name.value)).map((s) => (s.kind === Kind.FIELD ? s.name.value : ''));
}

export const fieldResolver: GraphQLFieldResolver<any, any, any> = (source, args, ctx, info) => {
  const v = source?.[info.fieldName];
  return typeof v === 'function' ? v(args, ctx, info) : v;
};

interface PageArgs {
  first?: number | null;
  after?: string | null;
  last?: number | null;
}

const encodeCursor = (key: string) => Buffer.from(key).toString('base64url');
const decodeCursor = (c: string) => Buffer.from(c, 'base64url').toString('utf8');

/**
 * A keyset connection: the cursor names the last item's sort key, so items that change position while
 * a client pages (an order updated mid-pull) are neither skipped nor fatal, as on Shopify. `first` is
 * unbounded in bulk mode.
 */
export function connection<T>(items: T[], args: PageArgs, keyOf: (t: T) => string, opts: { bulk?: boolean } = {}) {
  let start = 0;
  if (args.after) {
    const after = decodeCursor(args.after);
    start = items.findIndex((t) => keyOf(t) > after);
    if (start < 0) start = items.length;
  }
  const limit = opts.bulk ? Infinity : Math.min(args.first ?? args.last ?? 0, 250);
  if (!opts.bulk && !(limit > 0)) throw new GraphQLError('you must provide one of first or last');
  const page = items.slice(start, start + limit);
  const hasNextPage = start + page.length < items.length;
  const endCursor = page.length ? encodeCursor(keyOf(page[page.length - 1]!)) : null;
  return {
    nodes: page,
    edges: page.map((node) => ({ node, cursor: encodeCursor(keyOf(node)) })),
    pageInfo: { hasNextPage, hasPreviousPage: start > 0, endCursor, startCursor: page.length ? encodeCursor(keyOf(page[0]!)) : null },
  };
}

export const pad = (id: string) => id.replace(/\d+$/, (d) => d.padStart(24, '0'));

/** Shopify's search syntax, the part we use: `updated_at` / `created_at` with >, >=, <, <=, joined by AND. */
export function orderFilter(query: string | null | undefined): (o: SimOrder) => boolean {
  if (!query) return () => true;
  const terms = query.split(/\s+AND\s+/i).map((t) => t.trim()).filter(Boolean);
  const tests = terms.map((term) => {
    const m = /^(updated_at|created_at):(>=|<=|>|<)?'?([^']+)'?$/.exec(term);
    if (!m) throw new GraphQLError(`the simulator does not understand the search term "${term}"`);
    const [, field, op = '>=', value] = m;
    const at = Date.parse(value!);
    if (Number.isNaN(at)) throw new GraphQLError(`invalid date in "${term}"`);
    return (o: SimOrder) => {
      const t = Date.parse(field === 'updated_at' ? o.order.updatedAt : o.order.createdAt);
      return op === '>=' ? t >= at : op === '>' ? t > at : op === '<=' ? t <= at : t < at;
    };
  });
  return (o) => tests.every((t) => t(o));
}

function fulfillmentView(f: SimFulfillment) {
  return {
    id: f.id,
    status: f.status,
    createdAt: f.createdAt,
    trackingInfo: () => (f.tracking.number || f.tracking.url ? [{ number: f.tracking.number, url: f.tracking.url, company: f.tracking.company }] : []),
    fulfillmentLineItems: (args: PageArgs) =>
      connection(
        f.lines.map((l, i) => ({ id: `${f.id}-${i}`, quantity: l.quantity, lineItem: { id: l.lineItemId } })),
        args,
        (l) => pad(l.id),
      ),
  };
}

/** Which fulfilment orders the app's scopes let it see (Shopify leaves the others out of every list). */
export type FulfillmentOrderVisibility = (fo: SimFulfillmentOrder) => boolean;

export function orderView(shop: ShopState, sim: SimOrder, bulk: boolean, visible: FulfillmentOrderVisibility = () => true) {
  const o = sim.order;
  return {
    ...o,
    lineItems: (args: PageArgs) =>
      connection(
        o.lineItems.map((li) => ({ ...li, unfulfilledQuantity: shop.unfulfilled(sim, li.id) })),
        args,
        (li) => pad(li.id),
        { bulk },
      ),
    shippingLines: (args: PageArgs) => connection(o.shippingLines, args, (s) => s.title, { bulk }),
    displayFulfillmentStatus: (() => {
      const left = o.lineItems.filter((l) => l.requiresShipping).reduce((a, l) => a + shop.unfulfilled(sim, l.id), 0);
      const total = o.lineItems.filter((l) => l.requiresShipping).reduce((a, l) => a + l.quantity, 0);
      return left === 0 && total > 0 ? 'FULFILLED' : left < total ? 'PARTIALLY_FULFILLED' : 'UNFULFILLED';
    })(),
    fulfillmentOrders: (args: PageArgs) => connection(sim.fulfillmentOrders.filter(visible).map((fo) => fulfillmentOrderView(fo)), args, (fo) => pad(fo.id)),
    fulfillments: (args: { first?: number | null }) => sim.fulfillments.slice(0, args.first ?? undefined).map(fulfillmentView),
  };
}

export function fulfillmentOrderView(fo: SimFulfillmentOrder, orderOf?: () => unknown) {
  return {
    __typename: 'FulfillmentOrder',
    id: fo.id,
    orderId: fo.orderId,
    order: orderOf,
    status: fo.status,
    requestStatus: fo.requestStatus,
    updatedAt: fo.updatedAt,
    assignedLocation: { location: { id: fo.locationId } },
    fulfillmentHolds: fo.holds.map((h) => ({ id: h.id, reason: h.reason, reasonNotes: h.reasonNotes, handle: h.handle, heldByRequestingApp: h.byApp, displayReason: h.reason.toLowerCase().replace(/_/g, ' ') })),
    lineItems: (a: PageArgs) =>
      connection(
        fo.lines.map((l) => ({ id: l.id, remainingQuantity: l.remainingQuantity, totalQuantity: l.totalQuantity, lineItem: { id: l.lineItemId } })),
        a,
        (l) => pad(l.id),
      ),
  };
}

export { fulfillmentView };
