import { randomBytes } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import {
  ORDER_STATUSES,
  addRefundModel,
  cancelOrderModel,
  clientTokenCamel,
  clientTokenSnake,
  createNoteModel,
  createOrderBulkModel,
  createOrderModel,
  customerCareHoldModel,
  inboundOrderModel,
  loginModel,
  parseBody,
  propertyName,
  refreshModel,
  releaseHoldModel,
  updateNoteModel,
  updateOrderModel,
  type OrderStatus,
} from './documented.ts';
import type { SimCatalogue } from './catalogue.ts';
import { CATALOG_PAGE_MAX } from './catalogue.ts';
import type { SimInbound } from './inbound.ts';
import type { SimNotes } from './notes.ts';
import type { SimRefunds } from './refunds.ts';
import type { RouteId } from './routes.ts';
import { SimRefusal, type OrderMeshState, type SimOrder } from './state.ts';
import type { Variants } from './variants.ts';
import { bulkAnswer, clientTokenAnswer, errorAnswer, orderItemModel, orderList, orderModel, orderStatus, shipmentList, shipmentModel, wrapOrder, wrapOrderItem, type BulkResult } from './wire.ts';

export interface SimParts {
  state: OrderMeshState;
  catalogue: SimCatalogue;
  inbound: SimInbound;
  notes: SimNotes;
  refunds: SimRefunds;
  settings: { tokenTtlSeconds: number; merchants: string[] | null; variants: Variants };
  credentials: { clientId: string; clientSecret: string; username: string; password: string };
  tokens: Map<string, number>;
  refreshTokens: Set<string>;
  counters: { tokenRequests: number };
}

export type Handler = (req: FastifyRequest) => { status: number; body?: unknown };

/** Page and page size: defaults 1 and 50 (getting-started.txt "Pagination"); the maximum is not documented: capped at 100 (harsh). */
function paging(q: { page?: string; pageSize?: string }): { page: number; pageSize: number } {
  const int = (name: string, raw: string | undefined, dflt: number) => {
    if (raw === undefined) return dflt;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 1) throw new SimRefusal(400, 'One or more validation errors occurred.', [{ propertyName: propertyName([name]), errorMessage: 'must be a whole number, 1 or more', attemptedValue: raw }]);
    return n;
  };
  return { page: int('page', q.page, 1), pageSize: Math.min(100, int('pageSize', q.pageSize, 50)) };
}

function param(req: FastifyRequest, name: string): string {
  return (req.params as Record<string, string>)[name]!;
}

/** The handlers of the OrderMesh operations, answering in the documented shapes (wire.ts) the variants pick. */
export function handlersFor(p: SimParts): Record<RouteId, Handler> {
  const c = common(p);
  return { ...tokenHandlers(p, c), ...orderHandlers(p, c), ...otherHandlers(p, c) };
}

type Common = ReturnType<typeof common>;

/** What the handlers share: the variants, an order's documented model, the merchant check, a create as OrderMesh checks it. */
function common(p: SimParts) {
  const { state, catalogue, settings } = p;
  const v = () => settings.variants;
  const priceOf = (m: string, sku: string) => catalogue.priceOf(m, sku);
  const order = (o: SimOrder) => orderModel(o, state.shipments, v(), priceOf);

  /** The merchants this client may act for (null: any). ASSUMED behaviour: another merchant's order is refused 403. */
  const mayActFor = (merchantId: unknown) => {
    if (settings.merchants && typeof merchantId === 'string' && !settings.merchants.includes(merchantId)) {
      throw new SimRefusal(403, `This client may not act for merchant ${merchantId}`, [{ propertyName: 'MerchantId', errorMessage: 'this client may not act for this merchant', attemptedValue: merchantId }]);
    }
  };

  /** A create as OrderMesh checks it beyond the schema: the merchant, SKUs against the catalogue, a reprint against its original. */
  const create = (raw: unknown): SimOrder => {
    mayActFor((raw as { merchantId?: unknown } | null)?.merchantId);
    const model = parseBody(createOrderModel, raw);
    const skuErrors = catalogue.check(model.merchantId, model.items);
    if (skuErrors.length) throw new SimRefusal(400, 'One or more validation errors occurred.', skuErrors);
    if (model.reprint) {
      const original = state.orders.get(model.reprint.originalOrderId);
      if (!original || original.merchantId !== model.merchantId) {
        throw new SimRefusal(400, 'One or more validation errors occurred.', [{ propertyName: 'Reprint.OriginalOrderId', errorMessage: "is not one of this merchant's orders", attemptedValue: model.reprint.originalOrderId }]);
      }
    }
    return state.create(model, v().duplicateStatus);
  };

  return { v, priceOf, order, mayActFor, create };
}

/** The token routes: client credentials (either casing), login and refresh. */
function tokenHandlers(p: SimParts, { v }: Common): Pick<Record<RouteId, Handler>, 'clientToken' | 'login' | 'refresh'> {
  const { settings } = p;
  const issue = (withRefresh: boolean) => {
    const accessToken = `omsim_${randomBytes(18).toString('hex')}`;
    p.tokens.set(accessToken, Date.now() + settings.tokenTtlSeconds * 1000);
    if (!withRefresh) return clientTokenAnswer(accessToken, settings.tokenTtlSeconds, v());
    const refreshToken = `omsim_r_${randomBytes(18).toString('hex')}`;
    p.refreshTokens.add(refreshToken);
    // The login / refresh answer of user-login.txt and getting-started.txt: always camelCase.
    return { accessToken, scope: 'email profile', tokenType: 'Bearer', refreshToken, expiresIn: settings.tokenTtlSeconds };
  };

  return {
    clientToken: (req) => {
      p.counters.tokenRequests++;
      const body = req.body as Record<string, unknown> | null | undefined;
      const snake = body && typeof body === 'object' && ('client_id' in body || 'client_secret' in body);
      const given = snake ? parseBody(clientTokenSnake, body) : parseBody(clientTokenCamel, body);
      const [id, secret] = 'client_id' in given ? [given.client_id, given.client_secret] : [given.clientId, given.clientSecret];
      if (id !== p.credentials.clientId || secret !== p.credentials.clientSecret) throw new SimRefusal(401, 'Invalid client credentials');
      return { status: 200, body: issue(false) };
    },
    login: (req) => {
      const body = parseBody(loginModel, req.body);
      if (body.username !== p.credentials.username || body.password !== p.credentials.password) throw new SimRefusal(401, 'Invalid username or password');
      return { status: 200, body: issue(true) };
    },
    refresh: (req) => {
      const body = parseBody(refreshModel, req.body);
      if (!p.refreshTokens.delete(body.refreshToken)) throw new SimRefusal(401, 'Invalid refresh token');
      return { status: 200, body: issue(true) };
    },
  };
}

/** Orders: create (one or in bulk), list, read, change, cancel, hold and release. */
function orderHandlers(p: SimParts, { v, priceOf, order, mayActFor, create }: Common) {
  const { state } = p;
  return {
    createOrder: (req) => {
      state.countCreateRequest((req.body as { safeId?: unknown } | undefined)?.safeId);
      return { status: 201, body: { orderId: create(req.body).id } };
    },
    createOrdersBulk: (req) => {
      const { bulk } = parseBody(createOrderBulkModel, req.body);
      const results = bulk.map((raw, index): BulkResult => {
        const safeId = (raw as { safeId?: unknown } | null)?.safeId;
        state.countCreateRequest(safeId);
        const s = typeof safeId === 'string' ? safeId : null;
        try {
          return { index, safeId: s, statusCode: 201, orderId: create(raw).id };
        } catch (err) {
          if (!(err instanceof SimRefusal)) throw err;
          return { index, safeId: s, statusCode: err.status, errors: errorAnswer(err, { ...v(), errorBody: 'list' }) as BulkResult['errors'] };
        }
      });
      return { status: 200, body: bulkAnswer(results, v()) };
    },
    listOrders: (req) => {
      const q = req.query as { page?: string; pageSize?: string; merchantId?: string; status?: string; createdFrom?: string };
      const { page, pageSize } = paging(q);
      mayActFor(q.merchantId);
      const status = q.status === undefined ? undefined : (ORDER_STATUSES as readonly string[]).includes(q.status) ? (q.status as OrderStatus) : v().integerStatuses === true ? ORDER_STATUSES[Number(q.status) - 1] : undefined;
      if (q.status !== undefined && !status) throw new SimRefusal(400, 'One or more validation errors occurred.', [{ propertyName: 'Status', errorMessage: 'is not an order status', attemptedValue: q.status }]);
      const from = q.createdFrom !== undefined ? Date.parse(q.createdFrom) : undefined;
      if (Number.isNaN(from)) throw new SimRefusal(400, 'One or more validation errors occurred.', [{ propertyName: 'CreatedFrom', errorMessage: 'is not a date', attemptedValue: q.createdFrom }]);
      const all = [...state.orders.values()].filter((o) => (q.merchantId === undefined || o.merchantId === q.merchantId) && (!status || o.status === status) && (from === undefined || Date.parse(o.createdAt) >= from));
      const items = all.slice((page - 1) * pageSize, page * pageSize).map(order);
      return { status: 200, body: orderList(items, page, pageSize, all.length, v()) };
    },
    getOrder: (req) => ({ status: 200, body: wrapOrder(order(state.get(param(req, 'orderId'))), v()) }),
    getOrderBySafeId: (req) => ({ status: 200, body: wrapOrder(order(state.getBySafeId(param(req, 'safeId'))), v()) }),
    getOrderItem: (req) => {
      const { order: o, item } = state.getItem(param(req, 'orderItemId'));
      return { status: 200, body: wrapOrderItem(orderItemModel(o, item, v(), priceOf), v()) };
    },
    updateOrder: (req) => ({ status: 200, body: wrapOrder(order(state.update(param(req, 'orderId'), parseBody(updateOrderModel, req.body))), v()) }),
    cancelOrder: (req) => {
      const o = state.cancel(param(req, 'orderId'), parseBody(cancelOrderModel, req.body ?? {}));
      return { status: 200, body: { orderId: o.id, status: orderStatus(o.status, v()) } };
    },
    customerCareHold: (req) => {
      parseBody(customerCareHoldModel, req.body ?? {});
      const o = state.hold(param(req, 'orderId'));
      return { status: 200, body: { orderId: o.id, status: orderStatus(o.status, v()) } };
    },
    releaseCustomerCareHold: (req) => {
      parseBody(releaseHoldModel, req.body ?? {});
      const o = state.release(param(req, 'orderId'));
      return { status: 200, body: { orderId: o.id, status: orderStatus(o.status, v()) } };
    },
  } satisfies Partial<Record<RouteId, Handler>>;
}

/** Refunds, shipments, the catalogue, inbound orders and notes. */
function otherHandlers(p: SimParts, { v, mayActFor }: Common) {
  const { state, catalogue, inbound, notes, refunds } = p;
  return {
    addRefund: (req) => {
      const o = state.get(param(req, 'orderId'));
      const done = refunds.add(o, param(req, 'orderId'), parseBody(addRefundModel, req.body));
      // The answer is not documented (ASSUMED): the refunds made, each with its transactionId.
      return { status: 201, body: { orderId: o.id, refunds: done.map((r) => ({ itemId: r.itemId, transactionId: r.transactionId, isShippingRefund: r.isShippingRefund, amount: r.amount, reason: r.reason })) } };
    },
    getShipmentsForOrder: (req) => {
      const o = state.get(param(req, 'orderId'));
      return { status: 200, body: shipmentList(o.shipmentIds.map((id) => shipmentModel(state.shipments.get(id)!, o, v())), v()) };
    },
    getShipment: (req) => {
      const s = state.shipments.get(param(req, 'shipmentId'));
      if (!s) throw new SimRefusal(404, 'Shipment not found');
      return { status: 200, body: shipmentModel(s, state.get(s.orderId), v()) };
    },
    merchantCatalogVariants: (req) => {
      const q = req.query as { merchantId?: string; page?: string; pageSize?: string };
      if (!q.merchantId) throw new SimRefusal(400, 'One or more validation errors occurred.', [{ propertyName: 'MerchantId', errorMessage: 'is required', attemptedValue: null }]);
      mayActFor(q.merchantId);
      const { page, pageSize } = paging(q);
      return { status: 200, body: catalogue.page(q.merchantId, page, Math.min(CATALOG_PAGE_MAX, pageSize)) };
    },
    createInboundOrder: (req) => {
      const body = parseBody(inboundOrderModel, req.body);
      mayActFor(body.merchantId);
      return { status: 202, body: inbound.receive(body) };
    },
    createNote: (req) => {
      const body = parseBody(createNoteModel, req.body);
      return { status: 201, body: { id: notes.create(body.entityId, body.text, body.externalId, (id) => state.orders.has(id)).id } };
    },
    listNotes: (req) => {
      const q = req.query as { entityType?: string; entityId?: string };
      return { status: 200, body: { items: notes.of(q.entityType, q.entityId) } };
    },
    updateNote: (req) => ({ status: 200, body: notes.update(param(req, 'id'), parseBody(updateNoteModel, req.body).text) }),
    deleteNote: (req) => {
      notes.delete(param(req, 'id'));
      return { status: 204 };
    },
  } satisfies Partial<Record<RouteId, Handler>>;
}
