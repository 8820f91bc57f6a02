import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { sku as ordermeshSku } from '../connectors/ordermesh/contract.ts';
import { activity } from '../db/activity.ts';
import { fetchExport, listRequests } from '../db/privacy.ts';
import { COUNT_CAP, countMatching, orderFilterSchema } from '../db/order-filter.ts';
import { FAILURES, ORDER_STATES } from '../db/order-states.ts';
import { liveWorkers } from '../db/workers.ts';
import { setSkuMaps } from '../db/sku-maps.ts';
import { statusReport } from '../db/status.ts';
import { lastScans } from '../db/order-list.ts';
import { REQUESTS_STREAM } from '../jobs/scan-fulfillment-requests.ts';
import { FIXES, fixFor } from '../fixes.ts';
import type { JobDeps } from '../jobs/deps.ts';
import { reprocess } from '../jobs/reprocess.ts';
import { callerOf, requireRole, tokenChecker, type AdminToken } from './admin-auth.ts';
import { bad, isOrderId, NOT_AN_ORDER_ID, problems, type Guards } from './admin-common.ts';
import { registerJobs } from './admin-jobs.ts';
import { registerOrders } from './admin-orders.ts';
import { statusWithoutPersonalData } from './admin-personal.ts';
import { notInCatalogue, outcomeSplit, skuMapsNow } from './reprocess-preview.ts';

const asset = (name: string) => readFileSync(new URL(`./console/${name}`, import.meta.url), 'utf8');
const ASSETS = {
  '/console': ['text/html; charset=utf-8', 'index.html'],
  '/console/console.js': ['text/javascript; charset=utf-8', 'console.js'],
  '/console/console.css': ['text/css; charset=utf-8', 'console.css'],
} as const;

/** A reprocess touches at most this many orders per request (the preview says when a filter selects more). */
const MAX_REPROCESS = 1000;

const orderId = z.string().refine(isOrderId, NOT_AN_ORDER_ID);
const reprocessBody = z.strictObject({
  filter: orderFilterSchema.optional(),
  orderIds: z.array(orderId).min(1).max(MAX_REPROCESS).optional(),
  dryRun: z.boolean().default(true),
});
const skuBody = z.strictObject({ store: z.string().min(1).max(100), storeSku: z.string().min(1).max(255), ordermeshSku });

/**
 * The operator console (`/console`) and the admin API it uses (`/api/v1/`), both off (404) unless
 * `server.admin.tokens` is configured. Reading needs any token (a viewer's answers leave out the
 * customers' personal data: admin-personal.ts); acting (reprocess, SKU maps) an operator's; every
 * action is an audit event naming the token. The API calls the same functions as the CLI:
 * statusReport, orderStory, reprocess, setSkuMaps.
 */
export function registerAdmin(app: FastifyInstance<any, any, any, any>, deps: JobDeps, tokens: AdminToken[]): void {
  if (!tokens.length) return;
  const check = tokenChecker(tokens);
  const guards: Guards = { view: { preHandler: requireRole(check, 'viewer') }, act: { preHandler: requireRole(check, 'operator') } };

  // The page itself holds nothing secret: it asks for the token and sends it with every API call.
  for (const [path, [type, file]] of Object.entries(ASSETS)) {
    const body = asset(file);
    app.get(path, async (_req, reply) => reply.header('content-type', type).header('cache-control', 'no-store').header('content-security-policy', "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'").send(body));
  }

  registerOverview(app, deps, guards);
  registerOrders(app, deps, guards);
  registerActions(app, deps, guards);
  registerJobs(app, deps, guards);

  // Anything else under the API is a clear 404, not fastify's default page.
  app.all('/api/v1/*', async (_req, reply) => reply.code(404).send({ message: 'no such endpoint' }));
}

/** Who is asking, the workers, the status report with each failure's fix, recent activity. */
function registerOverview(app: FastifyInstance<any, any, any, any>, deps: JobDeps, { view }: Guards): void {
  app.get('/api/v1/whoami', view, async (req) => callerOf(req));
  app.get('/api/v1/workers', view, async () => ({ workers: await liveWorkers(deps.db) }));

  app.get('/api/v1/status', view, async (req, reply) => {
    const q = z.strictObject({ store: z.string().min(1).max(100).optional() }).safeParse(req.query);
    if (!q.success) return bad(reply, problems(q.error));
    if (q.data.store && !deps.config.stores.some((s) => s.id === q.data.store)) return reply.code(404).send({ message: `no store "${q.data.store}"` });
    const full = await statusReport(deps.db, q.data.store);
    const report = callerOf(req).personalData ? full : await statusWithoutPersonalData(deps.db, full);
    return { ...report, fixes: Object.fromEntries(report.stores.flatMap((s) => [...s.failures, ...s.writeBackFailures, ...s.warnings].map((g) => [g.code, fixFor(g.code) ?? null]))) };
  });

  app.get('/api/v1/activity', view, async (req, reply) => {
    const q = z.strictObject({ store: z.string().min(1).max(100).optional() }).safeParse(req.query);
    if (!q.success) return bad(reply, problems(q.error));
    const throttle = throttleLevels(deps);
    // One store asked for: its throttle level only (the upstreams are this worker's calls, not per store).
    return { ...(await activity(deps.db, q.data.store)), upstreams: deps.metrics.upstreams?.() ?? {}, throttle: q.data.store ? { [q.data.store]: throttle[q.data.store] ?? null } : throttle, scans: await fulfilmentScans(deps) };
  });

  app.get('/api/v1/fixes', view, async () => FIXES);
  app.get('/api/v1/order-states', view, async () => ({ all: ORDER_STATES, failures: FAILURES }));
}

/** What an operator may do: reprocess, map SKUs, hand over a privacy export. */
function registerActions(app: FastifyInstance<any, any, any, any>, deps: JobDeps, { view, act }: Guards): void {
  // The ledger's SKU map versions this API last put into the process's mappers (reprocess-preview.ts).
  const skuSeen = new Map<string, string>();
  app.post('/api/v1/reprocess', act, async (req, reply) => {
    const b = reprocessBody.safeParse(req.body ?? {});
    if (!b.success) return bad(reply, problems(b.error));
    if (!b.data.filter === !b.data.orderIds) return bad(reply, 'give exactly one of filter and orderIds');
    const caller = callerOf(req);
    const filter = b.data.filter;
    const matching = filter ? await countMatching(deps.db, filter) : b.data.orderIds!.length;
    if (filter && matching > MAX_REPROCESS && !b.data.dryRun) return bad(reply, `the filter selects ${matching > COUNT_CAP ? `more than ${COUNT_CAP}` : matching} orders; narrow it to at most ${MAX_REPROCESS} per reprocess`);
    const selection = filter ? { filter, limit: MAX_REPROCESS } : { ids: b.data.orderIds!, limit: MAX_REPROCESS };
    await skuMapsNow(deps, skuSeen, filter?.store ? [filter.store] : undefined);
    const result = await reprocess({ ...deps, actor: `console:${caller.name}` }, selection, b.data.dryRun);
    req.log.info({ actor: caller.name, dryRun: b.data.dryRun, orders: result.lines.length }, b.data.dryRun ? 'console: reprocess previewed' : 'console: reprocess');
    const refused = b.data.dryRun ? await notInCatalogue(deps, result.lines) : new Map<string, string[]>();
    const lines = result.lines.map((l) => (refused.has(l.id) ? { ...l, notInCatalogue: refused.get(l.id) } : l));
    return { dryRun: b.data.dryRun, matching, orders: lines.length, split: outcomeSplit(result.lines), lines, ...(result.unread ? { unread: result.unread } : {}) };
  });

  app.post('/api/v1/skus', act, async (req, reply) => {
    const b = skuBody.safeParse(req.body ?? {});
    if (!b.success) return bad(reply, problems(b.error));
    if (!deps.config.stores.some((s) => s.id === b.data.store)) return reply.code(404).send({ message: `no store "${b.data.store}"` });
    await setSkuMaps(deps.db, b.data.store, [{ storeSku: b.data.storeSku, ordermeshSku: b.data.ordermeshSku }], `console:${callerOf(req).name}`);
    // In effect in this process at once (the others read it within seconds): the preview that follows maps with it.
    await skuMapsNow(deps, skuSeen, [b.data.store]);
    return { store: b.data.store, storeSku: b.data.storeSku, ordermeshSku: b.data.ordermeshSku };
  });

  // Shopify's compliance requests: listed without whom they are about; an export is handed over once, to an operator.
  app.get('/api/v1/privacy/requests', view, async () => ({ requests: await listRequests(deps.db) }));
  app.post('/api/v1/privacy/requests/:id/fetch', act, async (req, reply) => {
    const id = (req.params as { id: string }).id;
    if (!/^\d{1,18}$/.test(id)) return bad(reply, 'id: not a request id');
    const r = await fetchExport(deps.db, id);
    if (!r.ok) return reply.code(r.reason === 'NOT_FOUND' ? 404 : 409).send({ message: r.message });
    req.log.info({ actor: callerOf(req).name, request: id }, 'console: privacy export fetched');
    return r.export;
  });
}

/**
 * For each fulfilment-service store, when its requests were last scanned: it does not pull orders, so
 * the status report's "last pull: never" said nothing about whether it is working.
 */
async function fulfilmentScans(deps: JobDeps): Promise<Record<string, string | null>> {
  const scans = await lastScans(deps.db, REQUESTS_STREAM);
  return Object.fromEntries(deps.config.stores.filter((s) => s.mode === 'fulfillment-service').map((s) => [s.id, scans.get(s.id)?.toISOString() ?? null]));
}

/** Each store's Shopify bucket as last read from its throttle status: how close to throttled it runs. */
function throttleLevels(deps: JobDeps): Record<string, { available: number; maximum: number } | null> {
  return Object.fromEntries(
    [...deps.stores].map(([id, s]) => {
      const status = s.shopify.bucket.status();
      return [id, status ? { available: Math.round(s.shopify.bucket.available() ?? status.currentlyAvailable), maximum: status.maximumAvailable } : null];
    }),
  );
}
