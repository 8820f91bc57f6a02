import { randomBytes } from 'node:crypto';
import { ACCEPTED, FAILURES, FINAL, SUBMISSION_QUEUE, type OrderState } from '../db/order-states.ts';
import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { parseConfig, resolveSecrets } from '../config/load.ts';
import { formatStatus, statusReport } from '../db/status.ts';
import { Q } from '../jobs/queues.ts';
import { reprocess } from '../jobs/reprocess.ts';
import { waitUntilSettled } from '../jobs/settle.ts';
import { orderOutcomes } from '../db/orders.ts';
import { countOrders } from '../db/order-counts.ts';
import { packagesWrittenBack, storePayloads } from '../db/demo-report.ts';
import { setSkuMaps } from '../db/sku-maps.ts';
import { createLogger } from '../log.ts';
import { onShutdown } from '../util/shutdown.ts';
import { startService } from '../service.ts';
import { SIM_DEFAULTS } from '../sim/defaults.ts';
import { startOrderMeshSim } from '../sim/ordermesh/server.ts';
import { startShopifySim } from '../sim/shopify/server.ts';
import { EXIT } from './context.ts';
import type { Kysely } from 'kysely';
import { parseShopifyOrder, type MoneyBag } from '../connectors/shopify/types.ts';
import type { Database } from '../db/schema.ts';

const SIM_CONFIG = fileURLToPath(new URL('../../config/sim.yaml', import.meta.url));

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

async function until(check: () => Promise<boolean>, what: string, timeoutMs = 180_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`demo: timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

const say = (line: string) => process.stdout.write(`${line}\n`);

/**
 * Judged from the simulators' own state: every OrderMesh order's customerTotal against the Shopify
 * order's currentTotalPriceSet (presentment money, the default currency mode). An order sent whole
 * must match to the cent; one sent in part (gift cards, tips, digital items, units fulfilled
 * elsewhere left out) carries the sum of what was sent.
 */
async function moneyReport(omUrl: string, shopUrl: string, db: Kysely<Database>): Promise<string[]> {
  const om = (await (await fetch(`${omUrl}/_sim/state`)).json()) as { orders: Array<{ items: Array<{ quantity: number }>; money: { currencyCode: string; customerTotal: number; customerTotalDiscountAndPromotions: number }; meta: { shopifyOrderId: string; shopifyOrderName: string } }> };
  const shopState = (await (await fetch(`${shopUrl}/_sim/state`)).json()) as { shops: Record<string, { orderList: Array<{ id: string; taxesIncluded: boolean; currentTotalPriceSet: MoneyBag }> }> };
  const store = new Map(Object.values(shopState.shops).flatMap((s) => s.orderList).map((o) => [o.id, o]));
  const payloads = new Map((await storePayloads(db)).map((r) => [r.store_order_id, parseShopifyOrder(r.store_payload)]));
  let whole = 0;
  let matched = 0;
  let partial = 0;
  const examples: string[] = [];
  for (const o of om.orders) {
    const s = store.get(o.meta.shopifyOrderId);
    const parsed = payloads.get(o.meta.shopifyOrderId);
    if (!s || !parsed?.ok) continue;
    const liveUnits = parsed.order.lineItems.reduce((a, li) => a + li.currentQuantity, 0);
    const sentUnits = o.items.reduce((a, i) => a + i.quantity, 0);
    if (sentUnits !== liveUnits) {
      partial++;
      continue;
    }
    whole++;
    const shopify = s.currentTotalPriceSet.presentmentMoney;
    const same = shopify.currencyCode === o.money.currencyCode && Math.round(Number(shopify.amount) * 1000) === Math.round(o.money.customerTotal * 1000);
    if (same) matched++;
    const traits = [o.money.customerTotalDiscountAndPromotions > 0 && 'discounted', s.taxesIncluded && 'tax-inclusive', parsed.order.presentmentCurrencyCode !== parsed.order.currencyCode && `paid in ${o.money.currencyCode}`].filter(Boolean);
    if (traits.length >= 2 && examples.length < 4) examples.push(`${o.meta.shopifyOrderName.padEnd(6)} ${traits.join(', ')}: OrderMesh ${o.money.customerTotal} ${o.money.currencyCode} ${same ? '=' : '≠'} Shopify ${shopify.amount} ${shopify.currencyCode}`);
  }
  return [`orders sent whole: ${whole}, customerTotal equal to Shopify's current total to the cent: ${matched}`, `orders sent in part (items left out, totals are the sums of what was sent): ${partial}`, ...examples];
}

/**
 * The whole loop on a throwaway machine: both simulators, an embedded PostgreSQL in a temp folder,
 * config/sim.yaml pointed at them (no hold window). Seeds a store, pulls, maps, submits, lets the
 * OrderMesh simulator produce and ship, writes tracking back, prints what happened.
 */
export async function runDemo(logs: { level?: string; pretty?: boolean }, orderCount: number, opts: { keep?: boolean } = {}): Promise<number> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ordersync-demo-'));
  chmodSync(dir, 0o755); // the embedded PostgreSQL's OS user must enter it when we run as root
  // Undone last on an early stop (Ctrl-C, `demo | head`), after the PostgreSQL that lives in it.
  const offDir = onShutdown(() => rmSync(dir, { recursive: true, force: true }));
  const log = createLogger({ level: logs.level ?? 'warn', pretty: logs.pretty, stderr: true });
  const om = await startOrderMeshSim({ port: 0 });
  const shop = await startShopifySim({ port: 0, restoreRate: 1000, bulkDelayMs: 50 });
  const offSims = onShutdown(async () => {
    await om.close();
    await shop.close();
  });
  const raw = parseYaml(readFileSync(SIM_CONFIG, 'utf8')) as any;
  raw.ordermesh.baseUrl = om.url;
  raw.stores[0].apiOrigin = shop.url;
  raw.stores[0].holdMinutes = 0;
  // The console's token for this run only: random, printed with --keep, gone with the demo.
  const token = randomBytes(18).toString('base64url');
  raw.server = { port: 0, host: '127.0.0.1', admin: { tokens: [{ name: 'demo', role: 'operator', token: { env: 'ORDERSYNC_DEMO_TOKEN', default: token } }] } };
  raw.database = { embedded: { dataDir: path.join(dir, 'pg'), port: await freePort() } };
  raw.jobs = { retryBaseSeconds: 1, firstPollDelaySeconds: 0, pollRecentSeconds: 1, pollOldSeconds: 1, shutdownTimeoutSeconds: 5 };
  const config = parseConfig(raw);
  const storeId = config.stores[0]!.id;
  say(`ordermesh-sync demo: OrderMesh simulator ${om.url}, Shopify simulator ${shop.url}, embedded PostgreSQL in ${dir}`);
  const service = await startService({ config, secrets: resolveSecrets(config, {}), configPath: SIM_CONFIG, log, env: {}, schedules: false });
  try {
    const base = `http://127.0.0.1:${service.port}`;
    const post = (url: string, body: unknown = {}) => fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    await post(`${shop.url}/_sim/settings`, { webhookUrl: `${base}/webhooks/shopify` });
    await post(`${om.url}/_sim/settings`, { webhookUrl: `${base}/webhooks/ordermesh/${SIM_DEFAULTS.webhookSecret}` });
    // The simulator's orders are as messy as a real store's: discount codes, taxes on shipping,
    // tax-inclusive prices, customers paying in other currencies, refunds, tips, and some that cannot
    // be mapped on purpose (an unmapped SKU, an item with no SKU, a print item without artwork).
    await post(`${shop.url}/_sim/orders`, { count: orderCount, seed: 1, spreadSeconds: 600 });
    const total = orderCount;
    const db = service.db;
    const count = (states: readonly OrderState[]) => countOrders(db, states);

    say(`1. pulling ${total} orders from the store, mapping and submitting them to OrderMesh…`);
    await service.boss.send(Q.pullOrders, { storeId }, { singletonKey: storeId });
    await until(async () => (await count(SUBMISSION_QUEUE)) === 0 && (await countOrders(db)) === total, 'submission');
    const others = (await count(FAILURES)) - (await count(['failed_mapping'])) + (await count(['cancelled']));
    say(`   submitted: ${await count(['submitted'])}, failed mapping: ${await count(['failed_mapping'])}, nothing to fulfil: ${await count(['skipped'])}${others ? `, rejected, failed or parked: ${others} (see status below)` : ''}`);

    say('2. OrderMesh produces and ships (simulated); its webhooks trigger shipment polls and tracking write-back…');
    for (let i = 0; i < 3; i++) await post(`${om.url}/_sim/advance`);
    await service.boss.send(Q.pollShipments, {}, { singletonKey: 'sweep' });
    await until(async () => (await count(ACCEPTED.filter((s) => !FINAL.includes(s)))) === 0, 'tracking write-back');
    const packages = await packagesWrittenBack(db);
    const omState = (await (await fetch(`${om.url}/_sim/state`)).json()) as { counts: { orders: number } };
    say(`   OrderMesh orders: ${omState.counts.orders}; packages shipped: ${packages.shipped}; tracking written to the store: ${packages.writtenBack}`);

    say('3. money: what OrderMesh holds against what the store says the customer pays…');
    for (const line of await moneyReport(om.url, shop.url, db)) say(`   ${line}`);

    say('\n4. ordersync status:\n');
    process.stdout.write(formatStatus(await statusReport(db)));

    say('5. the fix loop, no restart: the unmapped SKU gets a mapping, and the orders that failed for it go again');
    say(`   $ ordersync sku set --store ${storeId} LEGACY-SKU-0042 POSTER-18X24-MATTE`);
    await setSkuMaps(db, storeId, [{ storeSku: 'LEGACY-SKU-0042', ordermeshSku: 'POSTER-18X24-MATTE' }], 'demo');
    // The running workers read the ledger's SKU maps every few seconds.
    await until(async () => (service.deps.stores.get(storeId)!.mapper.options as { skuMap: Record<string, string> }).skuMap['LEGACY-SKU-0042'] !== undefined, 'the SKU map to reach the workers', 30_000);
    const failedBefore = await count(['failed_mapping']);
    say(`   $ ordersync reprocess --store ${storeId} --state failed_mapping`);
    const { lines } = await reprocess(service.deps, { storeId, states: ['failed_mapping'] }, false);
    const settled = await waitUntilSettled(service.deps, { storeId, storeOrderIds: lines.map((l) => l.storeOrderId) });
    const outcomes = await orderOutcomes(db, lines.map((l) => l.id));
    const now = [...outcomes.values()];
    say(`   ${lines.length} order(s) reprocessed: ${now.filter((o) => o.state === 'submitted').length} submitted now; ${now.filter((o) => o.state === 'failed_mapping').length} still failing for another reason (${[...new Set(now.flatMap((o) => (o.state === 'failed_mapping' && o.reason ? [o.reason] : [])))].join(', ') || 'none'}), fixed in the store, not here`);
    say(`   failed mapping before: ${failedBefore}, after: ${await count(['failed_mapping'])}; in OrderMesh now: ${((await (await fetch(`${om.url}/_sim/state?summary`)).json()) as { counts: { orders: number } }).counts.orders} (none twice)`);
    if (settled.busy) throw new Error('demo: reprocessed orders did not settle');
    if (opts.keep) {
      say(`\n6. the operator console: ${base}/console`);
      say(`   token (operator): ${token}`);
      say('   the simulators and the service keep running; Ctrl-C stops them and removes everything');
      // Ended by the stop handler (stop-early.ts), which undoes all of it in order.
      await new Promise(() => {});
    }
    return EXIT.OK;
  } finally {
    await service.stop();
    await om.close();
    await shop.close();
    offSims();
    rmSync(dir, { recursive: true, force: true });
    offDir();
  }
}
