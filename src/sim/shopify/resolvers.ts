import { GraphQLError } from 'graphql';
import { bulkView, runBulk } from './bulk.ts';
import { connection, fulfillmentOrderView, fulfillmentView, orderFilter, orderView, pad } from './graphql.ts';
import { acceptCancellation, acceptRequest, assignedFulfillmentOrders, createService, holdByApp, rejectCancellation, rejectRequest, releaseByApp } from './fulfillment-orders.ts';
import { denied, FULFIL_SCOPES, HOLD_SCOPES, scopeChecks } from './scopes.ts';
import type { ShopState, SimFulfillmentOrder, SimFulfillmentService, SimOrder } from './shop.ts';
import type { ShopifySimWorld } from './world.ts';

/**
 * The root value of one shop's Admin API: its queries and mutations over the shop's state, each field
 * checked against the app's scopes. In bulk mode (a bulk operation's query) connections are unbounded.
 */
export function rootFor(world: ShopifySimWorld, state: ShopState, bulk = false) {
  return { ...queryRoot(world, state, bulk), ...mutationRoot(world, state, bulk) };
}

function viewsOf(world: ShopifySimWorld, state: ShopState, bulk: boolean) {
  const scopes = scopeChecks(() => world.settings.scopes);
  const visible = scopes.visibleTo(state);
  const foView = (fo: SimFulfillmentOrder) => fulfillmentOrderView(fo, () => orderView(state, state.find(fo.orderId)!, bulk, visible));
  const foAnswer = (r: { fulfillmentOrder: SimFulfillmentOrder | null; userErrors: unknown[] }) => ({ fulfillmentOrder: r.fulfillmentOrder ? foView(r.fulfillmentOrder) : null, userErrors: r.userErrors });
  return { ...scopes, visible, foView, foAnswer };
}

function queryRoot(world: ShopifySimWorld, state: ShopState, bulk: boolean) {
  const { need, visible, foView } = viewsOf(world, state, bulk);
  return {
    shop: {
      name: state.domain,
      myshopifyDomain: state.domain,
      fulfillmentServices: [...state.services.values()].map(serviceView),
    },
    currentAppInstallation: { accessScopes: world.settings.scopes.map((handle) => ({ handle, description: handle })) },
    orders: (args: { first?: number; after?: string; query?: string; reverse?: boolean }) => {
      need('read_orders');
      return mapConnection(connection(sortedOrders(state, args.query, Boolean(args.reverse)), args, sortKey, { bulk }), (o) => orderView(state, o, bulk, visible));
    },
    order: ({ id }: { id: string }) => {
      need('read_orders');
      const o = state.find(id);
      return o ? orderView(state, o, bulk, visible) : null;
    },
    ordersCount: ({ query, limit }: { query?: string; limit?: number | null }) => {
      const n = sortedOrders(state, query, false).length;
      return limit != null && n > limit ? { count: limit, precision: 'AT_LEAST' } : { count: n, precision: 'EXACT' };
    },
    // Orders and fulfilment orders are Node-resolvable here; another id answers null, as an unknown id does on Shopify.
    nodes: ({ ids }: { ids: string[] }) => {
      if (ids.length > 250) throw new GraphQLError('The ids argument accepts at most 250 ids.');
      return ids.map((id) => {
        if (id.startsWith('gid://shopify/FulfillmentOrder/')) {
          const f = state.findFulfillmentOrder(id);
          return f && visible(f.fo) ? foView(f.fo) : null;
        }
        need('read_orders');
        const o = state.find(id);
        return o ? { __typename: 'Order', ...orderView(state, o, bulk, visible) } : null;
      });
    },
    fulfillmentOrder: ({ id }: { id: string }) => {
      const f = state.findFulfillmentOrder(id);
      return f && visible(f.fo) ? foView(f.fo) : null;
    },
    // The shop's fulfilment orders the app's scopes let it see, CLOSED ones only with includeClosed. Of
    // Shopify's search terms, `status:` is honoured; any other term is refused rather than ignored, so a
    // caller relying on one finds out here.
    fulfillmentOrders: (args: { first?: number; after?: string; query?: string | null; includeClosed?: boolean | null }) => {
      const terms = (args.query ?? '').trim().split(/\s+/).filter(Boolean);
      const status = terms.map((t) => /^status:(\w+)$/i.exec(t)?.[1]?.toUpperCase());
      if (status.some((x) => x === undefined)) throw new GraphQLError(`the simulator supports only status: in fulfillmentOrders(query:), got "${args.query}"`);
      // One pass without intermediate arrays, the status tested first: asked before every submission
      // batch, it must not cost the simulator (sharing the machine with what it measures) per order held.
      const all: SimFulfillmentOrder[] = [];
      for (const o of state.orders.values()) {
        for (const fo of o.fulfillmentOrders) {
          if ((status.length === 0 || status.includes(fo.status)) && (args.includeClosed || fo.status !== 'CLOSED') && visible(fo)) all.push(fo);
        }
      }
      return mapConnection(connection(all, args, (fo) => pad(fo.id)), foView);
    },
    assignedFulfillmentOrders: (args: { assignmentStatus?: string; locationIds?: string[]; first?: number; after?: string }) => {
      need('read_assigned_fulfillment_orders', 'write_assigned_fulfillment_orders');
      return mapConnection(connection(assignedFulfillmentOrders(state, args), args, (fo) => pad(fo.id)), foView);
    },
    bulkOperation: ({ id }: { id: string }) => bulkView(world, world.bulkOps.get(id)),
    currentBulkOperation: () => bulkView(world, [...world.bulkOps.values()].filter((b) => b.shop === state.domain).at(-1)),
  };
}

function mutationRoot(world: ShopifySimWorld, state: ShopState, bulk: boolean) {
  const { need, needToWrite, foView, foAnswer } = viewsOf(world, state, bulk);
  /** Holds: the merchant-managed or third-party scopes. The app's own service's fulfilment orders are neither, whatever its scopes, so a fulfilment service cannot hold what it was asked to fulfil. */
  const needToHold = (id: string) => {
    const f = state.findFulfillmentOrder(id);
    if (f && state.serviceAt(f.fo.locationId)) throw denied(HOLD_SCOPES);
    need(...HOLD_SCOPES);
  };
  return {
    fulfillmentServiceCreate: (args: Parameters<typeof createService>[1]) => {
      need('write_fulfillments');
      const r = createService(state, args);
      return { fulfillmentService: r.fulfillmentService ? serviceView(r.fulfillmentService) : null, userErrors: r.userErrors };
    },
    fulfillmentOrderAcceptFulfillmentRequest: (args: Parameters<typeof acceptRequest>[1]) => {
      need('write_assigned_fulfillment_orders');
      return foAnswer(acceptRequest(state, args));
    },
    fulfillmentOrderRejectFulfillmentRequest: (args: Parameters<typeof rejectRequest>[1]) => {
      need('write_assigned_fulfillment_orders');
      return foAnswer(rejectRequest(state, args));
    },
    fulfillmentOrderAcceptCancellationRequest: (args: Parameters<typeof acceptCancellation>[1]) => {
      need('write_assigned_fulfillment_orders');
      return foAnswer(acceptCancellation(state, args));
    },
    fulfillmentOrderRejectCancellationRequest: (args: Parameters<typeof rejectCancellation>[1]) => {
      need('write_assigned_fulfillment_orders');
      return foAnswer(rejectCancellation(state, args));
    },
    fulfillmentOrderHold: (args: Parameters<typeof holdByApp>[1]) => {
      needToHold(args.id);
      const r = holdByApp(state, args);
      return { ...r, fulfillmentOrder: r.fulfillmentOrder ? foView(r.fulfillmentOrder) : null, fulfillmentHold: r.fulfillmentHold ? { ...r.fulfillmentHold, heldByRequestingApp: true, displayReason: r.fulfillmentHold.reason } : null };
    },
    fulfillmentOrderReleaseHold: (args: Parameters<typeof releaseByApp>[1]) => {
      needToHold(args.id);
      return foAnswer(releaseByApp(state, args));
    },
    bulkOperationRunQuery: ({ query }: { query: string }) => runBulk(world, state, query, () => rootFor(world, state, true)),
    fulfillmentCreate: ({ fulfillment }: { fulfillment: Parameters<ShopState['createFulfillment']>[0] }) => {
      needToWrite(state, fulfillment.lineItemsByFulfillmentOrder.map((g) => g.fulfillmentOrderId));
      const r = state.createFulfillment(fulfillment);
      return { fulfillment: r.fulfillment ? fulfillmentView(r.fulfillment) : null, userErrors: r.userErrors };
    },
    fulfillmentTrackingInfoUpdate: ({ fulfillmentId, trackingInfoInput }: { fulfillmentId: string; trackingInfoInput: { number?: string; url?: string; company?: string } }) => {
      need(...FULFIL_SCOPES);
      const r = state.updateTracking(fulfillmentId, trackingInfoInput);
      return { fulfillment: r.fulfillment ? fulfillmentView(r.fulfillment) : null, userErrors: r.userErrors };
    },
  };
}

// A pull asks for the same listing page after page: it is computed once per query and shop version,
// not filtered and sorted again for every page (which made the simulator, not the client, the limit).
const listings = new WeakMap<ShopState, { version: number; query: string; reverse: boolean; list: SimOrder[] }>();
const sortKey = (o: SimOrder) => `${o.order.updatedAt}|${o.order.id.padStart(48, '0')}`;

function sortedOrders(state: ShopState, query: string | null | undefined, reverse: boolean): SimOrder[] {
  const cached = listings.get(state);
  if (cached && cached.version === state.version && cached.query === (query ?? '') && cached.reverse === reverse) return cached.list;
  const keep = orderFilter(query);
  const list = [...state.orders.values()].filter(keep);
  list.sort((a, b) => (sortKey(a) < sortKey(b) ? -1 : 1));
  if (reverse) list.reverse();
  listings.set(state, { version: state.version, query: query ?? '', reverse, list });
  return list;
}

function serviceView(s: SimFulfillmentService) {
  return {
    id: s.id,
    serviceName: s.serviceName,
    handle: s.handle,
    callbackUrl: s.callbackUrl,
    location: { id: s.locationId, name: s.serviceName },
    trackingSupport: s.trackingSupport,
    inventoryManagement: s.inventoryManagement,
    permitsSkuSharing: true,
    fulfillmentOrdersOptIn: true,
    requiresShippingMethod: true,
    type: 'THIRD_PARTY',
  };
}

function mapConnection<T, U>(c: ReturnType<typeof connection<T>>, f: (t: T) => U) {
  return { ...c, nodes: c.nodes.map(f), edges: c.edges.map((e) => ({ ...e, node: f(e.node) })) };
}
