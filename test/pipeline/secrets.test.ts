import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { Q } from '../../src/jobs/queues.ts';
import { SIM_DEFAULTS } from '../../src/sim/ordermesh/server.ts';
import { SHOPIFY_SIM_DEFAULTS } from '../../src/sim/shopify/server.ts';
import { freshDb } from '../helpers/db.ts';
import { ordermeshSim, setFaults } from '../helpers/ordermesh.ts';
import { pipelineConfigObject, STORE_ID, untilShipped, untilSubmitted, writePipelineConfig } from '../helpers/pipeline.ts';
import { post, seedOrders, shopifySim } from '../helpers/shopify.ts';
import { WorkerFleet } from '../helpers/workers.ts';

const { url: dbUrl, db } = await freshDb();
// Short-lived tokens on both sides: many are issued and renewed during the run.
const om = await ordermeshSim({ tokenTtlSeconds: 3 });
const shop = await shopifySim({ restoreRate: 1000, tokenTtlSeconds: 2 });
const cfg = pipelineConfigObject(om, shop, { log: { level: 'debug' }, jobs: { retryBaseSeconds: 1, firstPollDelaySeconds: 0, pollRecentSeconds: 1, pollOldSeconds: 1, shutdownTimeoutSeconds: 5 } }) as any;
cfg.stores[0].auth = { type: 'clientCredentials', clientId: SHOPIFY_SIM_DEFAULTS.shop.clientId, clientSecret: { env: 'T_SHOP_CLIENT_SECRET', default: SHOPIFY_SIM_DEFAULTS.shop.appSecret } };
const fleet = new WorkerFleet(writePipelineConfig(cfg), dbUrl);

describe('secrets', () => {
  it('never reach the logs (at debug level) or any table, through token renewals and faults', async () => {
    const total = 40;
    await seedOrders(shop, { count: total, seed: 77 });
    await setFaults(om, { createOrdersBulk: { status503: 0.2 }, getShipmentsForOrder: { status500: 0.2 } });
    await post(`${shop.url}/_sim/faults`, { OrdersUpdatedSince: { status500: 0.2 }, OrderFulfillmentState: { status500: 0.2 } });
    const boss = await fleet.launch(1);
    await boss.send(Q.pullOrders, { storeId: STORE_ID });
    await untilSubmitted(db, total, async () => void (await boss.send(Q.submitOrders, { storeId: STORE_ID })));
    for (let i = 0; i < 3; i++) await post(`${om.url}/_sim/advance`);
    await untilShipped(db, async () => void (await boss.send(Q.pollShipments, {}, { singletonKey: 'sweep' })));
    await fleet.stopAll();

    const issued = [
      ...((await (await fetch(`${om.url}/_sim/tokens`)).json()) as { tokens: string[] }).tokens,
      ...((await (await fetch(`${shop.url}/_sim/tokens`)).json()) as { tokens: string[] }).tokens,
    ];
    expect(issued.length).toBeGreaterThan(4); // renewals happened on both sides
    const secrets = [SIM_DEFAULTS.clientSecret, SHOPIFY_SIM_DEFAULTS.shop.appSecret, 'sim-ordermesh-webhook-secret', ...issued];

    const tables = await sql<{ schema: string; name: string }>`select table_schema as schema, table_name as name from information_schema.tables where table_schema in ('public', 'pgboss') and table_type = 'BASE TABLE'`.execute(db);
    let ledger = '';
    for (const t of tables.rows) ledger += (await sql<{ row: string }>`select t::text as row from ${sql.table(`${t.schema}.${t.name}`)} t`.execute(db)).rows.map((r) => r.row).join('\n');
    const logs = fleet.output.join('');
    expect(logs).toContain('"level":20'); // debug lines were written
    expect(ledger).toContain('gid://shopify/Order/'); // the ledger was written
    for (const secret of secrets) {
      expect(logs.includes(secret), `a secret in the logs: ${secret.slice(0, 4)}…`).toBe(false);
      expect(ledger.includes(secret), `a secret in the ledger: ${secret.slice(0, 4)}…`).toBe(false);
    }
  }, 240_000);
});
