import { ConfigError, loadConfig, resolveConfigPath, resolveSecrets, type Secrets } from '../config/load.ts';
import type { Config } from '../config/schema.ts';
import { configHash } from '../config/hash.ts';
import { ordermeshClientFor } from '../connectors/ordermesh/from-config.ts';
import { OrderMeshError } from '../connectors/ordermesh/errors.ts';
import { storeAccess } from '../connectors/shopify/access.ts';
import { findService } from '../connectors/shopify/fulfillment-service/register.ts';
import { createDb } from '../db/connect.ts';
import { serverVersion } from '../db/database-server.ts';
import { pendingMigrations } from '../db/migrate.ts';
import { listDrift, type DriftRow } from '../db/ordermesh-drift.ts';
import { DRIFT_HINT } from '../fixes.ts';
import { openDatabase } from '../db/open.ts';
import type { Logger } from '../log.ts';
import type { Mapper } from '../mapping/registry.ts';
import type { ShopifyDefaultOptions } from '../mapping/shopify-default.ts';
import { buildStores, loadMappers, type StoreRuntime } from '../stores.ts';

export interface Check {
  check: string;
  status: 'ok' | 'warn' | 'fail' | 'skipped';
  detail: string;
  fix?: string;
}

const message = (err: unknown) => (err instanceof ConfigError ? err.problems.map((p) => (p.key ? `${p.key}: ${p.message}` : p.message)).join('; ') : (err as Error).message);

/**
 * `ordersync doctor`: every check a new installation needs, each with what to do when it fails. It
 * reads and asks, never writes: no migration is applied, no order is sent. A failed check does not stop
 * the ones that do not depend on it.
 */
export async function runDoctor(configFlag: string | undefined, log: Logger, env: NodeJS.ProcessEnv = process.env): Promise<Check[]> {
  const checks: Check[] = [];
  const add = (c: Check) => checks.push(c);
  let configPath: string;
  let config: Config;
  try {
    configPath = resolveConfigPath(configFlag, env);
    config = loadConfig(configPath);
    add({ check: 'config', status: 'ok', detail: `${configPath} (${configHash(config)}), ${config.stores.length} store(s)` });
  } catch (err) {
    add({ check: 'config', status: 'fail', detail: message(err), fix: 'fix the named keys (README "Configuration"; config/example.yaml is a commented example)' });
    return checks;
  }
  let secrets: Secrets | undefined;
  try {
    secrets = resolveSecrets(config, env);
    add({ check: 'secrets', status: 'ok', detail: 'every secret the config names is set' });
  } catch (err) {
    add({ check: 'secrets', status: 'fail', detail: message(err), fix: 'set the named environment variables (in the service\'s environment or env file)' });
  }
  await checkDatabase(config, log, env, add);
  let mappers;
  try {
    mappers = await loadMappers(config, configPath);
    add({ check: 'mapping modules', status: 'ok', detail: [...mappers.keys()].map((id) => `${id}: ${config.stores.find((s) => s.id === id)!.mapping.module}`).join(', ') || 'no enabled store' });
    externalIdChecks(config, mappers).forEach(add);
  } catch (err) {
    add({ check: 'mapping modules', status: 'fail', detail: message(err), fix: 'fix stores[].mapping (module path, options)' });
  }
  if (!secrets) {
    add({ check: 'Shopify and OrderMesh', status: 'skipped', detail: 'needs the secrets above' });
    return checks;
  }
  if (mappers) {
    const stores = buildStores(config, secrets, mappers, { log, shopifyAttempts: 2 });
    for (const [id, store] of stores) {
      try {
        const access = await storeAccess(store.shopify, store.cfg.mode);
        if (access.domain !== store.cfg.shopDomain) {
          add({ check: `store ${id}: Shopify`, status: 'warn', detail: `the credentials answer for ${access.domain}, the config says ${store.cfg.shopDomain}`, fix: `set stores[].shopDomain to ${access.domain}, or use this store's own credentials` });
        }
        if (access.missing.length) {
          add({
            check: `store ${id}: Shopify access scopes`,
            status: 'fail',
            detail: `missing ${access.missing.map((m) => `${m.anyOf.join(' or ')} (${m.for})`).join('; ')}; granted: ${access.scopes.join(', ') || 'none'}`,
            fix: `grant ${access.missing.map((m) => m.anyOf[0]).join(', ')} in the app's configuration, then approve the new scopes in the store (reinstall)`,
          });
        } else add({ check: `store ${id}: Shopify`, status: 'ok', detail: `${access.shopName} (${access.domain}); scopes ${access.scopes.join(', ')}` });
        if (store.cfg.mode === 'fulfillment-service' && !access.missing.length) await checkService(store, add);
        for (const m of access.missingOptional) add({ check: `store ${id}: Shopify ${m.anyOf.join(' or ')}`, status: 'warn', detail: `not granted: ${m.without}`, fix: `request ${m.anyOf[0]} (Shopify approves it per app) if older orders matter` });
      } catch (err) {
        add({ check: `store ${id}: Shopify`, status: 'fail', detail: message(err), fix: `check stores[].shopDomain${store.cfg.apiOrigin ? ' and apiOrigin' : ''}, the store's credentials (auth) and that the app is installed` });
      } finally {
        store.shopify.close();
      }
    }
  }
  await checkOrderMesh(config, secrets, log, add);
  await checkWebhooks(config, secrets, add);
  return checks;
}

/**
 * Stores whose OrderMesh externalIds can repeat, which OrderMesh refuses within a merchant
 * (shopify-default.ts, externalIdOf; issue 33):
 * - a store on `externalId: name` or `id` in fulfilment-service mode: each fulfilment request of an
 *   order is its own OrderMesh order, and every one carries the order's name and id;
 * - two stores of one merchant on `name`: every shop names its orders from #1001.
 * Stores on `id` do not collide: Shopify's order ids are its global ids, unique across shops (ASSUMED
 * from https://shopify.dev/docs/api/usage/gids), a name (#1001) never equals an id, and two stores of
 * one shop are refused by the config (one shop, one store).
 * The default (`unique`, the safeId, which starts with the store id) collides with nothing; what a
 * custom module sends is not known here.
 */
export function externalIdChecks(config: Config, mappers: Map<string, Mapper>): Check[] {
  const repeatable = config.stores.flatMap((cfg, index) => {
    const mapper = mappers.get(cfg.id);
    if (!mapper || mapper.module.name !== 'shopify-default') return [];
    const { externalId } = mapper.options as ShopifyDefaultOptions;
    return externalId === 'name' || externalId === 'id' ? [{ cfg, index, externalId }] : [];
  });
  return repeatable.flatMap(({ cfg, index, externalId }) => {
    const why: string[] = [];
    if (cfg.mode === 'fulfillment-service') why.push(`in fulfilment-service mode each fulfilment request of an order is its own OrderMesh order, and all of them carry the order's ${externalId}`);
    const peers = externalId === 'name' ? repeatable.filter((o) => o.cfg.id !== cfg.id && o.cfg.merchantId === cfg.merchantId && o.externalId === 'name') : [];
    if (peers.length) why.push(`store(s) ${peers.map((o) => o.cfg.id).join(', ')} send to the same OrderMesh merchant ${cfg.merchantId} with \`externalId: name\` too, and every shop names its orders from #1001`);
    if (!why.length) return [];
    const again = cfg.mode === 'fulfillment-service' ? 'requests rejected for it go again when the merchant requests fulfilment again in Shopify' : `\`ordersync reprocess --store ${cfg.id} --state rejected\` sends orders rejected for it again`;
    return [
      {
        check: `store ${cfg.id}: OrderMesh externalId`,
        status: 'warn' as const,
        detail: `\`externalId: ${externalId}\` can repeat: ${why.join('; ')}. OrderMesh refuses a merchant's second order with an externalId it already has`,
        fix: `remove stores[${index}].mapping.options.externalId: the default (\`unique\`) is one per store and fulfilment request, and the order name stays visible in OrderMesh as meta.shopifyOrderName. Orders already in OrderMesh keep theirs; ${again}`,
      },
    ];
  });
}

/**
 * Drift the service recorded (src/drift-recorder.ts): a warning per operation and kind read another way
 * than OrderMesh's docs show. An envelope the docs show neither way (`envelope:items`) is news, not a
 * deviation: shown as ok, so that a warning always asks for a look.
 */
export function driftChecks(rows: DriftRow[]): Check[] {
  return rows.map((r) => {
    const check = `OrderMesh drift: ${r.operation} ${r.kind}`;
    const seen = `${r.count} answer(s), last ${r.lastSeen}`;
    if (r.kind.startsWith('envelope:')) return { check, status: 'ok' as const, detail: `the docs show no envelope here; OrderMesh answers as ${r.seen} (${seen})` };
    return { check, status: 'warn' as const, detail: `${r.path || '$'}: expected ${r.expected}, seen ${r.seen} (${seen})`, fix: DRIFT_HINT };
  });
}

/** A fulfilment-service store's service, found in Shopify by its name. */
async function checkService(store: StoreRuntime, add: (c: Check) => void): Promise<void> {
  const check = `store ${store.cfg.id}: fulfilment service`;
  const found = await findService(store.shopify, store.cfg.fulfillmentService.name);
  if (!found) add({ check, status: 'fail', detail: `no fulfilment service named "${store.cfg.fulfillmentService.name}" in the store`, fix: `\`ordersync shopify register --store ${store.cfg.id}\`` });
  else add({ check, status: 'ok', detail: `"${found.name}" at location ${found.locationId}; callback ${found.callbackUrl ?? 'none (requests found by polling)'}` });
}

async function checkDatabase(config: Config, log: Logger, env: NodeJS.ProcessEnv, add: (c: Check) => void): Promise<void> {
  let database;
  try {
    // A doctor answers in seconds: a database that is starting up is reported as not reachable yet.
    database = await openDatabase(config, log, env, { waitMs: 5_000 });
  } catch (err) {
    add({ check: 'database', status: 'fail', detail: message(err), fix: env.DATABASE_URL ? 'check DATABASE_URL (host, port, user, password, database) and that PostgreSQL runs' : 'check database.embedded (dataDir writable, port free), or set DATABASE_URL' });
    return;
  }
  const db = createDb(database.url, 1);
  try {
    const version = await serverVersion(db);
    const pending = await pendingMigrations(db);
    add({ check: 'database', status: 'ok', detail: `${database.description}, PostgreSQL ${version}` });
    if (pending.length) add({ check: 'database migrations', status: 'warn', detail: `${pending.length} pending: ${pending.join(', ')}`, fix: '`ordersync migrate` (or `ordersync start`, which applies them first)' });
    else add({ check: 'database migrations', status: 'ok', detail: 'up to date' });
    // What the service's OrderMesh client read tolerantly (none before the migration that records it).
    const drift = await listDrift(db).catch((err: { code?: string }) => {
      if (err.code === '42P01') return [];
      throw err;
    });
    driftChecks(drift).forEach(add);
  } catch (err) {
    add({ check: 'database', status: 'fail', detail: message(err), fix: 'check that the database user may connect, create tables and read them' });
  } finally {
    await db.destroy();
    await database.close();
  }
}

async function checkOrderMesh(config: Config, secrets: Secrets, log: Logger, add: (c: Check) => void): Promise<void> {
  const client = ordermeshClientFor(config, secrets.ordermeshClientSecret, { timeoutMs: Math.min(config.ordermesh.timeoutMs, 10_000), log, retry: { maxAttempts: 2 } });
  try {
    await client.listOrders({ pageSize: 1 });
    add({ check: 'OrderMesh', status: 'ok', detail: `${config.ordermesh.baseUrl}: client ${config.ordermesh.clientId} authenticated` });
  } catch (err) {
    const denied = err instanceof OrderMeshError && (err.code === 'UNAUTHORIZED' || err.code === 'FORBIDDEN');
    add({ check: 'OrderMesh', status: 'fail', detail: message(err), fix: denied ? 'check ordermesh.clientId and its secret' : 'check ordermesh.baseUrl and that this machine reaches it' });
    client.close();
    return;
  }
  for (const merchantId of [...new Set(config.stores.filter((s) => s.enabled).map((s) => s.merchantId))]) {
    try {
      await client.listOrders({ pageSize: 1, merchantId });
      add({ check: `OrderMesh merchant ${merchantId}`, status: 'ok', detail: 'this client may act for it' });
    } catch (err) {
      const denied = err instanceof OrderMeshError && (err.code === 'FORBIDDEN' || err.code === 'UNAUTHORIZED');
      add({ check: `OrderMesh merchant ${merchantId}`, status: 'fail', detail: message(err), fix: denied ? `ask OrderMesh to give client ${config.ordermesh.clientId} access to merchant ${merchantId}, or fix stores[].merchantId` : 'check ordermesh.baseUrl' });
    }
  }
  client.close();
}

async function checkWebhooks(config: Config, secrets: Secrets, add: (c: Check) => void): Promise<void> {
  const receivers = [
    ...config.stores.filter((s) => s.enabled).map((s) => ({ name: `store ${s.id}`, secret: secrets.stores.get(s.id)?.webhookSecret, path: '/webhooks/shopify' })),
    // The callback URL to register in OrderMesh carries the secret (README, Webhooks); never printed.
    { name: 'OrderMesh', secret: secrets.ordermeshWebhookSecret, path: '/webhooks/ordermesh/<ordermesh.webhookSecret>' },
  ];
  const configured = receivers.filter((r) => r.secret);
  if (!configured.length) {
    add({ check: 'webhooks', status: 'skipped', detail: 'no webhook secret configured: the pull and the shipment poll carry the sync alone (webhooks only make it sooner)' });
    return;
  }
  if (!config.server.publicUrl) {
    add({ check: 'webhooks', status: 'warn', detail: `${configured.map((r) => r.name).join(', ')} can verify webhooks, but server.publicUrl is not set, so their reachability is not checked`, fix: 'set server.publicUrl to the https URL Shopify and OrderMesh reach this service at' });
    return;
  }
  const url = `${config.server.publicUrl.replace(/\/+$/, '')}/healthz`;
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(10_000) });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    add({ check: 'webhooks', status: 'ok', detail: `${url} answers: ${configured.map((r) => `${r.name} → ${r.path}`).join(', ')}` });
  } catch (err) {
    add({ check: 'webhooks', status: 'fail', detail: `${url}: ${(err as Error).message}`, fix: 'start the service (`ordersync start`) and make server.publicUrl reach it (reverse proxy, tunnel, firewall)' });
  }
}

const MARK = { ok: '✓', warn: '!', fail: '✗', skipped: '-' } as const;

export function formatChecks(checks: Check[]): string {
  const lines = checks.map((c) => `${MARK[c.status]} ${c.check}: ${c.detail}${c.fix ? `\n    fix: ${c.fix}` : ''}`);
  const failed = checks.filter((c) => c.status === 'fail').length;
  const warned = checks.filter((c) => c.status === 'warn').length;
  lines.push('', failed ? `${failed} check(s) failed, ${warned} warning(s)` : warned ? `all checks passed, ${warned} warning(s)` : 'all checks passed');
  return `${lines.join('\n')}\n`;
}
