import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';
import { afterAll } from 'vitest';
import { parseConfig, resolveSecrets } from '../../src/config/load.ts';
import type { Config } from '../../src/config/schema.ts';
import { createLogger } from '../../src/log.ts';
import { startService, type Service } from '../../src/service.ts';
import { SHOPIFY_SIM_DEFAULTS } from '../../src/sim/shopify/server.ts';
import { tempDir } from './temp.ts';

export const STORE_ID = 'sim-shop';

/** The simulator's catalogue, mapped one to one; LEGACY-SKU-0042 is left out on purpose (MISSING_SKU). */
export const SIM_MAPPING = {
  passthroughSku: false,
  skuMap: Object.fromEntries(
    ['MUG-11OZ-WHITE', 'TEE-BELLA3001-BLK-M', 'TEE-BELLA3001-WHT-L', 'POSTER-18X24-MATTE', 'HOODIE-G185-NAVY-XL', 'TOTE-BLANK-NATURAL', 'DIGITAL-WALLPAPER'].map((s) => [s, s]),
  ),
  blankSkus: ['TOTE-BLANK-NATURAL'],
  shippingMethods: { EXPRESS: 'Expedited' },
};

/** A config for one store on the two simulators, no hold window, fast retries. */
export function pipelineConfigObject(om: { url: string }, shop: { url: string }, over: Record<string, unknown> = {}) {
  return {
    ordermesh: {
      baseUrl: om.url,
      clientId: 'sim-client',
      clientSecret: { env: 'T_OM_SECRET', default: 'sim-secret' },
      webhookSecret: { env: 'T_OM_WEBHOOK', default: 'sim-ordermesh-webhook-secret' },
      timeoutMs: 5_000,
    },
    stores: [
      {
        id: STORE_ID,
        shopDomain: SHOPIFY_SIM_DEFAULTS.shop.domain,
        apiOrigin: shop.url,
        auth: { type: 'accessToken', accessToken: { env: 'T_SHOP_TOKEN', default: SHOPIFY_SIM_DEFAULTS.shop.accessToken } },
        webhookSecret: { env: 'T_SHOP_SECRET', default: SHOPIFY_SIM_DEFAULTS.shop.appSecret },
        merchantId: 'merchant-e2e',
        holdMinutes: 0,
        mapping: { module: 'shopify-default', options: SIM_MAPPING },
      },
    ],
    server: { port: 0, host: '127.0.0.1' },
    jobs: { submitBatchSize: 50, retryBaseSeconds: 1, stuckSubmittingSeconds: 3, firstPollDelaySeconds: 0, pollRecentSeconds: 1, pollOldSeconds: 1, shutdownTimeoutSeconds: 5, concurrency: 2 },
    log: { level: 'warn' },
    ...over,
  };
}

/** Writes the config to a file (for CLI processes) and returns its path. */
export function writePipelineConfig(obj: object): string {
  const dir = tempDir('ordersync-e2e-');
  const file = path.join(dir, 'ordersync.yaml');
  writeFileSync(file, stringify(obj));
  return file;
}

/** The whole service in this process, on `databaseUrl`, stopped after the file. */
export async function startPipeline(config: Config, databaseUrl: string, opts: { schedules?: boolean; workers?: boolean; env?: NodeJS.ProcessEnv } = {}): Promise<Service> {
  const service = await startService({
    config,
    secrets: resolveSecrets(config, {}),
    configPath: path.resolve('config/sim.yaml'),
    log: createLogger({ level: process.env.E2E_LOG ?? 'warn', destination: process.stderr as never }),
    env: { ...opts.env, DATABASE_URL: databaseUrl },
    schedules: opts.schedules ?? false,
    workers: opts.workers ?? true,
  });
  afterAll(() => service.stop());
  return service;
}

export function config(obj: object): Config {
  return parseConfig(obj);
}

/** Polls `check` until it returns true (or a value), failing with `describe()` after `timeoutMs`. */
export async function eventually<T>(check: () => Promise<T | false>, describe: () => Promise<string> | string, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out: ${await describe()}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Counts of ledger orders per state. */
export async function stateCounts(db: import('kysely').Kysely<import('../../src/db/schema.ts').Database>): Promise<Record<string, number>> {
  const rows = await db.selectFrom('orders').select(['state', (eb) => eb.fn.countAll<string>().as('n')]).groupBy('state').execute();
  return Object.fromEntries(rows.map((r) => [r.state, Number(r.n)]));
}

type Declared = import('../../src/sim/shopify/seed.ts').DeclaredOutcome;

/**
 * What the order generator declared must become of these store orders under the standard mapping
 * (SIM_MAPPING, presentment currency), read from the Shopify simulator's own state: the oracle every
 * pipeline test judges by, never the mapping under test.
 */
export async function declaredOutcomes(shop: { url: string }, ids: string[]): Promise<Map<string, Declared>> {
  const { shopState } = await import('./shopify.ts');
  const list = (await shopState(shop)).orderList as Array<{ id: string; declared: { presentment: Declared } | null }>;
  const byId = new Map(list.map((o) => [o.id, o.declared?.presentment]));
  return new Map(
    ids.map((id) => {
      const d = byId.get(id);
      if (!d) throw new Error(`the simulator declared nothing for ${id} (not a generated order)`);
      return [id, d];
    }),
  );
}

/** The ledger state each declared outcome ends in once OrderMesh has shipped everything it made. */
export function declaredFinalStates(declared: Map<string, Declared>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const d of declared.values()) {
    const state = d.kind === 'sent' ? 'fulfilled' : d.kind === 'failed' ? 'failed_mapping' : d.reason === 'ORDER_CANCELLED' ? 'cancelled' : 'skipped';
    out[state] = (out[state] ?? 0) + 1;
  }
  return out;
}

/**
 * Judges OrderMesh's own state against the declarations: every order declared sent is there once,
 * in its declared currency and total to the cent; no order declared failed or skipped is there (unless
 * `mayBeSent` says a fix made it sendable); and no safeId got more create requests than one plus those
 * whose answer never reached the client (counted by the simulator, not inferred from its 409s).
 * Returns the problems found, empty when all is well.
 */
export async function judgeOrderMesh(om: { url: string }, declared: Map<string, Declared>, opts: { mayBeSent?: (d: Declared) => boolean } = {}): Promise<string[]> {
  const { simState } = await import('./ordermesh.ts');
  const st = await simState(om);
  const held = new Map<string, any[]>();
  for (const o of st.orders) {
    const id = o.meta?.shopifyOrderId as string | undefined;
    if (id) held.set(id, [...(held.get(id) ?? []), o]);
  }
  const problems: string[] = [];
  for (const [id, d] of declared) {
    const there = held.get(id) ?? [];
    if (there.length > 1) problems.push(`${id}: ${there.length} OrderMesh orders`);
    if (d.kind === 'sent') {
      if (there.length === 0) problems.push(`${id}: declared sent (${d.total} ${d.currency}), not in OrderMesh`);
      else if (there[0].money.currencyCode !== d.currency || there[0].money.customerTotal !== Number(d.total)) {
        problems.push(`${id}: declared ${d.total} ${d.currency}, OrderMesh holds ${there[0].money.customerTotal} ${there[0].money.currencyCode}`);
      }
    } else if (there.length && !opts.mayBeSent?.(d)) problems.push(`${id}: declared ${JSON.stringify(d)}, but OrderMesh has it`);
  }
  problems.push(...duplicateCreates(st));
  return problems;
}

/** SafeIds asked for more often than once plus the answers lost on the way: a second create OrderMesh's 409 would have hidden. */
export function duplicateCreates(st: { createRequestsBySafeId: Record<string, number>; unansweredCreatesBySafeId: Record<string, number> }): string[] {
  return Object.entries(st.createRequestsBySafeId)
    .filter(([safeId, n]) => n > 1 + (st.unansweredCreatesBySafeId[safeId] ?? 0))
    .map(([safeId, n]) => `${safeId}: ${n} create requests, ${st.unansweredCreatesBySafeId[safeId] ?? 0} of them unanswered`);
}

type Db = import('kysely').Kysely<import('../../src/db/schema.ts').Database>;

/** Waits until all `total` orders are in the ledger and none is waiting or being submitted. */
export function untilSubmitted(db: Db, total: number, nudge?: () => Promise<void>, timeoutMs = 180_000) {
  return eventually(async () => {
    await nudge?.();
    const c = await stateCounts(db);
    return Object.values(c).reduce((a, n) => a + n, 0) === total && !c.pending && !c.submitting;
  }, async () => JSON.stringify(await stateCounts(db)), timeoutMs);
}

/** Waits until no order is left waiting for shipment or write-back. */
export function untilShipped(db: Db, nudge: () => Promise<void>, timeoutMs = 180_000) {
  return eventually(async () => {
    await nudge();
    const c = await stateCounts(db);
    return !c.submitted && !c.in_production;
  }, async () => JSON.stringify(await stateCounts(db)), timeoutMs);
}
