import { describe, expect, it } from 'vitest';
import { Q } from '../../src/jobs/queues.ts';
import { exited } from '../helpers/cli.ts';
import { freshDb } from '../helpers/db.ts';
import { ordermeshSim, setFaults, simState } from '../helpers/ordermesh.ts';
import { eventually, pipelineConfigObject, STORE_ID, writePipelineConfig } from '../helpers/pipeline.ts';
import { seedOrders, shopifySim } from '../helpers/shopify.ts';
import { WorkerFleet } from '../helpers/workers.ts';

const { url: dbUrl } = await freshDb();
const om = await ordermeshSim();
const shop = await shopifySim({ restoreRate: 1000 });
const SHUTDOWN_SECONDS = 3;
const fleet = new WorkerFleet(writePipelineConfig(pipelineConfigObject(om, shop, { jobs: { shutdownTimeoutSeconds: SHUTDOWN_SECONDS, retryBaseSeconds: 1 }, log: { level: 'info' } })), dbUrl);

describe('shutdown', () => {
  it('ends within jobs.shutdownTimeoutSeconds, exit 0, while OrderMesh holds every call unanswered', async () => {
    await seedOrders(shop, { count: 5, seed: 808 });
    // OrderMesh down the worst way: every call held, unanswered, well past the client's timeout.
    await setFaults(om, { '*': { timeout: 1, timeoutMs: 15_000 } });
    const boss = await fleet.launch(1);
    await boss.send(Q.pullOrders, { storeId: STORE_ID });
    // The worker is now inside its OrderMesh retry loop.
    await eventually(async () => ((await simState(om)).counts.requests.clientToken ?? 0) >= 1, () => fleet.output.join(''));
    const [worker] = fleet.alive;
    const t0 = Date.now();
    worker!.kill('SIGTERM');
    const code = await Promise.race([exited(worker!), new Promise<'still running'>((r) => setTimeout(() => r('still running'), (SHUTDOWN_SECONDS + 20) * 1000))]);
    expect(code, fleet.output.join('').slice(-3000)).toBe(0);
    expect(fleet.output.join('')).toContain('"msg":"stopped"');
    // How long it took, for the record (bounded above by the race, not asserted to the second).
    console.log(`worker stopped ${Date.now() - t0} ms after SIGTERM`);
    await setFaults(om, {});
  }, 120_000);
});
