import type { FastifyInstance, FastifyReply } from 'fastify';
import { execute, getOperationAST, Kind, parse, validate, type DocumentNode, type FragmentDefinitionNode, type GraphQLError } from 'graphql';
import { SHOPIFY_SIM_DEFAULTS } from '../defaults.ts';
import { operationCost } from './cost.ts';
import { fieldResolver, unsupportedRootFields } from './graphql.ts';
import { rootFor } from './resolvers.ts';
import type { ShopifySimWorld } from './world.ts';

export const gqlError = (reply: FastifyReply, status: number, errors: unknown, extensions?: unknown) => reply.code(status).send({ errors, ...(extensions ? { extensions } : {}) });

/**
 * The Admin GraphQL endpoint: the token, the pinned API versions, the query checked against the real
 * schema, injected faults, then the cost-based leaky bucket (requested cost up front, the unused part
 * refunded once the actual cost is known), as Shopify documents its rate limits.
 */
export function registerAdminGraphql(app: FastifyInstance, world: ShopifySimWorld): void {
  const { schema, throttle, faults } = world;
  app.post('/admin/api/:version/graphql.json', async (req, reply) => {
    const { version } = req.params as { version: string };
    if (!(SHOPIFY_SIM_DEFAULTS.apiVersions as readonly string[]).includes(version)) return reply.code(404).send({ errors: 'Not Found' });
    const auth = world.tokens.get(String(req.headers['x-shopify-access-token'] ?? ''));
    if (!auth || Date.now() >= auth.expiresAt) {
      world.counters.unauthorized++;
      return gqlError(reply, 401, '[API] Invalid API key or access token (unrecognized login or wrong password)');
    }
    const shop = world.shopOf(auth.shop);
    shop.stats.requests!++;
    const body = (req.body ?? {}) as { query?: string; variables?: Record<string, unknown>; operationName?: string };
    let document: DocumentNode;
    try {
      document = parse(body.query ?? '');
    } catch (err) {
      return gqlError(reply, 200, [{ message: (err as GraphQLError).message }]);
    }
    const validation = validate(schema, document);
    if (validation.length) return gqlError(reply, 200, validation.map((e) => ({ message: e.message, locations: e.locations })));
    const op = getOperationAST(document, body.operationName);
    if (!op) return gqlError(reply, 200, [{ message: 'no operation to run' }]);
    const unsupported = unsupportedRootFields(op);
    if (unsupported.length) {
      return gqlError(reply, 200, [{ message: `the ordersync Shopify simulator does not implement ${op.operation} field(s): ${unsupported.join(', ')}` }]);
    }

    const fault = faults.decide(op.name?.value ?? 'graphql');
    if (fault.latencyMs) await sleep(fault.latencyMs);
    if (fault.kind === 'status429') {
      shop.stats.rateLimited!++;
      reply.header('retry-after', String(fault.retryAfterSeconds));
      return gqlError(reply, 429, 'Exceeded 2 calls per second for api client. Reduce request rates to resume uninterrupted service.');
    }
    if (fault.kind === 'status500' || fault.kind === 'status503') return gqlError(reply, fault.kind === 'status500' ? 500 : 503, 'Internal Server Error (injected)');
    if (fault.kind === 'status403') return gqlError(reply, 403, 'Forbidden (injected)');
    if (fault.kind === 'timeout') await sleep(fault.timeoutMs);

    const fragments = new Map(
      document.definitions.filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION).map((d) => [d.name.value, d]),
    );
    const variables = body.variables ?? {};
    const requested = operationCost(schema, op, fragments, variables);
    const now = Date.now();
    shop.bucket.available = Math.min(throttle.maximumAvailable, shop.bucket.available + ((now - shop.bucket.at) / 1000) * throttle.restoreRate);
    shop.bucket.at = now;
    const status = () => ({ maximumAvailable: throttle.maximumAvailable, currentlyAvailable: Math.floor(shop.bucket.available), restoreRate: throttle.restoreRate });
    if (requested > throttle.maximumAvailable) {
      return gqlError(reply, 200, [{ message: `Query cost is ${requested}, which exceeds the single query max cost limit (${throttle.maximumAvailable}).`, extensions: { code: 'MAX_COST_EXCEEDED' } }], {
        cost: { requestedQueryCost: requested, actualQueryCost: null, throttleStatus: status() },
      });
    }
    if (shop.bucket.available < requested) {
      shop.stats.throttled!++;
      return gqlError(reply, 200, [{ message: 'Throttled', extensions: { code: 'THROTTLED', documentation: 'https://shopify.dev/api/usage/rate-limits' } }], {
        cost: { requestedQueryCost: requested, actualQueryCost: null, throttleStatus: status() },
      });
    }
    shop.bucket.available -= requested;

    const result = await execute({ schema, document, rootValue: rootFor(world, shop.state), variableValues: variables, operationName: body.operationName ?? null, fieldResolver });
    let data = result.data;
    if ((fault.blankFields > 0 || fault.brokenIds > 0) && data) {
      // On a copy: the resolvers hand out the shop's own objects, which a fault must not change.
      data = JSON.parse(JSON.stringify(data)) as typeof data;
      if (fault.blankFields > 0) faults.blank(data, fault.blankFields);
      if (fault.brokenIds > 0) faults.breakIds(data, fault.brokenIds);
    }
    const actual = result.errors ? requested : operationCost(schema, op, fragments, variables, result.data);
    const opStats = (shop.operations[op.name?.value ?? 'anonymous'] ??= { requests: 0, actualCost: 0 });
    opStats.requests++;
    opStats.actualCost += actual;
    for (const sel of op.selectionSet.selections) if (sel.kind === Kind.FIELD) shop.rootFields[sel.name.value] = (shop.rootFields[sel.name.value] ?? 0) + 1;
    shop.stats.actualCost! += actual;
    shop.bucket.available = Math.min(throttle.maximumAvailable, shop.bucket.available + (requested - actual));
    const payload = {
      ...(data !== undefined ? { data } : {}),
      ...(result.errors ? { errors: result.errors.map((e) => ({ message: e.message, path: e.path })) } : {}),
      extensions: { cost: { requestedQueryCost: requested, actualQueryCost: actual, throttleStatus: status() } },
    };
    if (fault.kind === 'lostResponse') {
      reply.hijack();
      req.raw.socket.destroy();
      return;
    }
    return reply.code(200).send(payload);
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
