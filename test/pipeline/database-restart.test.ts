import { chmodSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Kysely } from 'kysely';
import { createDb } from '../../src/db/connect.ts';
import type { Database } from '../../src/db/schema.ts';
import { START_TIMEOUT_MS, startEmbeddedPostgres, type EmbeddedOptions, type EmbeddedServer } from '../../src/db/embedded.ts';
import { Q } from '../../src/jobs/queues.ts';
import { createLogger } from '../../src/log.ts';
import { ordermeshSim, setFaults, simState } from '../helpers/ordermesh.ts';
import { declaredOutcomes, eventually, judgeOrderMesh, pipelineConfigObject, STORE_ID, untilSubmitted, writePipelineConfig } from '../helpers/pipeline.ts';
import { freePort } from '../helpers/ports.ts';
import { seedOrders, shopifySim } from '../helpers/shopify.ts';
import { WorkerFleet } from '../helpers/workers.ts';
import { tempDir } from '../helpers/temp.ts';

/**
 * The database server itself stopped and started while workers run. The chaos run does the same to its
 * workers through a proxy (whichever PostgreSQL the suite uses, without rights over it); this file owns
 * a PostgreSQL of its own (embedded, on its own port and data dir), so the stop is PostgreSQL's own
 * fast shutdown: every session ended, every open transaction rolled back, the port closed, then the
 * same data dir started again. Judged from the simulators: every order declared sent is in OrderMesh
 * once, and no safeId got a second create request.
 */
const ORDERS = 80;
let pgOpts: EmbeddedOptions;
let server: EmbeddedServer;
let db: Kysely<Database>;
let om: Awaited<ReturnType<typeof ordermeshSim>>;
let shop: Awaited<ReturnType<typeof shopifySim>>;
let fleet: WorkerFleet;

// In a hook, not at module level: a start that fails (or, before the start deadline, hung) fails this
// file within the hook's timeout, and the suite goes on. What it starts is stopped by the afterAll
// below, registered here at module level: an afterAll registered inside a beforeAll never runs (the
// helpers' own, in WorkerFleet and the simulators, included), which left both workers running.
afterAll(async () => {
  await fleet?.stopAll();
  await db?.destroy();
  await Promise.all([om?.close(), shop?.close()]);
  await server?.stop();
}, 120_000);
beforeAll(async () => {
  const dir = tempDir('ordersync-restart-');
  chmodSync(dir, 0o755); // the postgres OS user must enter it when we run as root
  pgOpts = { dataDir: path.join(dir, 'data'), port: await freePort(), log: createLogger({ level: 'warn' }) };
  server = await startEmbeddedPostgres(pgOpts);
  db = createDb(server.url, 2);

  om = await ordermeshSim({ seed: 11 });
  shop = await shopifySim({ restoreRate: 1000, seed: 12 });
  fleet = new WorkerFleet(
    writePipelineConfig(pipelineConfigObject(om, shop, { jobs: { submitBatchSize: 10, retryBaseSeconds: 1, stuckSubmittingSeconds: 3, shutdownTimeoutSeconds: 5, concurrency: 2 } })),
    server.url,
  );
}, START_TIMEOUT_MS + 30_000);

describe('a database restart', () => {
  it('workers reconnect by themselves and carry on: nothing lost, nothing sent twice, no worker exits', async () => {
    const seeded = await seedOrders(shop, { count: ORDERS, seed: 777, spreadSeconds: 300 });
    // Slow creates, so the stop finds batches in flight.
    await setFaults(om, { createOrdersBulk: { latencyMs: 400 } });
    const boss = await fleet.launch(2);
    await boss.send(Q.pullOrders, { storeId: STORE_ID }, { singletonKey: STORE_ID });
    await eventually(async () => (await simState(om)).orders.length > 0, async () => fleet.output.join('').slice(-3_000), 120_000);

    await server.stop();
    const createsWhileDown = (await simState(om)).orders.length;
    await new Promise((r) => setTimeout(r, 3_000));
    server = await startEmbeddedPostgres(pgOpts);

    // No nudge from the test: what the workers do after the restart, they do by themselves (the
    // test's pg-boss client lost its connections too, and the store sweep runs every minute).
    await untilSubmitted(db, seeded.length, undefined, 240_000);
    const declared = await declaredOutcomes(shop, seeded);
    expect(await judgeOrderMesh(om, declared)).toEqual([]);
    // The restart fell in the middle: OrderMesh held some of the orders declared sent, not all.
    expect(createsWhileDown).toBeLessThan([...declared.values()].filter((d) => d.kind === 'sent').length);
    expect(fleet.unexpectedExits).toEqual([]);
    expect(fleet.alive).toHaveLength(2);
  }, 300_000);
});
