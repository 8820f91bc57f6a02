import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { afterAll } from 'vitest';
import { parseConfig, resolveSecrets } from '../../src/config/load.ts';
import type { Config } from '../../src/config/schema.ts';
import { createLogger } from '../../src/log.ts';
import { startService, type Service } from '../../src/service.ts';
import { SHOPIFY_SIM_DEFAULTS } from '../../src/sim/shopify/server.ts';

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
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ordersync-e2e-'));
  const file = path.join(dir, 'ordersync.yaml');
  writeFileSync(file, stringify(obj));
  return file;
}

/** The whole service in this process, on `databaseUrl`, stopped after the file. */
export async function startPipeline(config: Config, databaseUrl: string, opts: { schedules?: boolean; workers?: boolean } = {}): Promise<Service> {
  const service = await startService({
    config,
    secrets: resolveSecrets(config, {}),
    configPath: path.resolve('config/sim.yaml'),
    log: createLogger({ level: process.env.E2E_LOG ?? 'warn', destination: process.stderr as never }),
    env: { DATABASE_URL: databaseUrl },
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

/**
 * What the ledger must end with for these store orders, whatever happened on the way: each order's
 * final state as mapping alone decides it (fulfilled once shipped and written back).
 */
export async function expectedFinalStates(orders: import('../../src/connectors/shopify/types.ts').ShopifyOrder[]): Promise<Record<string, number>> {
  const { loadMapper, mapOrder } = await import('../../src/mapping/registry.ts');
  const { safeIdFor } = await import('../../src/mapping/safe-id.ts');
  const mapper = await loadMapper('shopify-default', SIM_MAPPING, 'm', '.');
  const out: Record<string, number> = {};
  for (const o of orders) {
    const r = mapOrder(mapper, o, { storeId: STORE_ID, merchantId: 'merchant-e2e', safeId: safeIdFor(STORE_ID, o.id) });
    const state = r.kind === 'failed' ? 'failed_mapping' : r.kind === 'skipped' ? (r.reason === 'ORDER_CANCELLED' ? 'cancelled' : 'skipped') : 'fulfilled';
    out[state] = (out[state] ?? 0) + 1;
  }
  return out;
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
