import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { FaultInjector } from '../faults.ts';
import type { SimAccess } from './access.ts';
import type { Handler } from './handlers.ts';
import { SimRefusal } from './refusal.ts';
import { ROUTES, type RouteId } from './routes.ts';
import type { OrderMeshState } from './state.ts';
import type { Variants } from './variants.ts';
import { errorAnswer } from './wire.ts';

export interface ApiParts {
  handlers: Record<RouteId, Handler>;
  faults: FaultInjector;
  settings: { slowMerchants: Record<string, number>; variants: Variants };
  state: OrderMeshState;
  access: SimAccess;
  /** Requests per route, and when each came: what tests and benchmarks count. */
  requests: Partial<Record<RouteId, number>>;
  requestTimes: Partial<Record<RouteId, number[]>>;
}

/**
 * OrderMesh's operations (routes.ts) on the server: each request counted, then injected faults, a slow
 * merchant's hold, the token and the rate limit, then its handler; refusals answered in the error shape
 * the variants pick.
 */
export function registerApi(app: FastifyInstance, p: ApiParts): void {
  for (const [id, spec] of Object.entries(ROUTES) as Array<[RouteId, (typeof ROUTES)[RouteId]]>) {
    app.route({ method: spec.method, url: spec.path.replace(/\{(\w+)\}/g, ':$1'), handler: routeHandler(p, id, spec.auth) });
  }
}

function routeHandler(p: ApiParts, id: RouteId, auth: boolean) {
  const { faults, settings, state, access } = p;
  const creates = id === 'createOrder' || id === 'createOrdersBulk';
  /** The orders a create request names (one, or the bulk's). */
  const ordersOf = (req: FastifyRequest) => (id === 'createOrder' ? [req.body] : (req.body as { bulk?: unknown } | null)?.bulk);
  const sendError = (reply: FastifyReply, status: number, message: string, retryAfter?: string) => {
    if (retryAfter) reply.header('retry-after', retryAfter);
    return reply.code(status).send(errorAnswer({ message, errors: [] }, settings.variants));
  };
  return async (req: FastifyRequest, reply: FastifyReply) => {
    p.requests[id] = (p.requests[id] ?? 0) + 1;
    (p.requestTimes[id] ??= []).push(Date.now());
    // A client that gives up while the request waits (a fault's latency, a slow merchant) never hears
    // the answer to what is then applied: watched from the start, not only once the handler runs.
    let clientGone = false;
    if (creates) reply.raw.once('close', () => (clientGone ||= !reply.raw.writableFinished));
    const fault = faults.decide(id);
    if (fault.latencyMs) await sleep(fault.latencyMs);
    if (fault.kind === 'status429') return sendError(reply, 429, 'Rate limit exceeded (injected)', String(fault.retryAfterSeconds));
    if (fault.kind === 'status500') return sendError(reply, 500, 'Internal error (injected)');
    if (fault.kind === 'status503') return sendError(reply, 503, 'Service unavailable (injected)');
    if (fault.kind === 'status403') return sendError(reply, 403, 'Forbidden (injected)');
    if (fault.kind === 'timeout') await sleep(fault.timeoutMs);
    const slow = creates ? merchantDelay(ordersOf(req), settings.slowMerchants) : 0;
    if (slow) await sleep(slow);
    try {
      if (auth) {
        access.authorise(req);
        const wait = access.takeRateToken();
        if (wait !== undefined) return sendError(reply, 429, 'Rate limit exceeded', wait.toFixed(3));
      }
      // Whether the client hears the answer to a create: one it never hears makes asking again legitimate.
      const safeIds = creates ? createdSafeIds(ordersOf(req)) : [];
      let unanswered = fault.kind === 'lostResponse' || fault.kind === 'timeout' || clientGone;
      if (safeIds.length) {
        if (unanswered) state.countUnanswered(safeIds);
        // A client that gave up or died before the answer was written.
        else reply.raw.once('close', () => !reply.raw.writableFinished && !unanswered && (unanswered = true) && state.countUnanswered(safeIds));
      }
      const result = p.handlers[id](req);
      if (fault.kind === 'lostResponse') {
        // Applied above; now the client never hears of it.
        reply.hijack();
        req.raw.socket.destroy();
        return;
      }
      return result.body === undefined ? reply.code(result.status).send() : reply.code(result.status).send(result.body);
    } catch (err) {
      if (err instanceof SimRefusal) return reply.code(err.status).send(errorAnswer(err, settings.variants));
      throw err;
    }
  };
}

/** The longest hold among the merchants a create request's orders name. */
function merchantDelay(orders: unknown, slow: Record<string, number>): number {
  if (!Array.isArray(orders)) return 0;
  return Math.max(0, ...orders.map((o) => slow[String((o as { merchantId?: unknown } | null)?.merchantId)] ?? 0));
}

/** The safeIds the orders of a create request name. */
function createdSafeIds(orders: unknown): string[] {
  if (!Array.isArray(orders)) return [];
  return orders.flatMap((o) => (o && typeof (o as { safeId?: unknown }).safeId === 'string' ? [(o as { safeId: string }).safeId] : []));
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
