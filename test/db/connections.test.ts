import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { freshDatabaseUrl } from '../helpers/db.ts';
import { config, pipelineConfigObject, startPipeline } from '../helpers/pipeline.ts';

/**
 * Connections per process are bounded by configuration: the ledger's pool (database.poolSize) and
 * pg-boss's (database.jobsPoolSize, plus the one session it LISTENs on), whatever the load. Counted
 * in PostgreSQL's own view of its sessions.
 */
const dbUrl = await freshDatabaseUrl();
// The test watches from a session of its own, under another name than the service's.
const watcher = new pg.Client({ connectionString: dbUrl, application_name: 'connections-test' });
await watcher.connect();
afterAll(() => watcher.end());
const sims = { url: 'http://127.0.0.1:9' };
const service = await startPipeline(config({ ...pipelineConfigObject(sims, sims), stores: [], database: { poolSize: 3, jobsPoolSize: 4 } }), dbUrl);

describe('database connections per process', () => {
  it('stay within database.poolSize for the ledger and database.jobsPoolSize for pg-boss under load', async () => {
    const seen = { ledger: 0, jobs: 0 };
    let busy = true;
    const watch = (async () => {
      while (busy) {
        const r = await watcher.query<{ app: string; n: number }>(`select application_name as app, count(*)::int as n from pg_stat_activity where datname = current_database() and application_name in ('ordersync', 'ordersync-jobs') group by 1`);
        for (const row of r.rows) {
          if (row.app === 'ordersync') seen.ledger = Math.max(seen.ledger, row.n);
          else seen.jobs = Math.max(seen.jobs, row.n);
        }
        await new Promise((res) => setTimeout(res, 50));
      }
    })();
    // Twenty statements at once on the ledger, and a burst of jobs for pg-boss to fetch and finish.
    await Promise.all(Array.from({ length: 20 }, () => sql`select pg_sleep(0.2)`.execute(service.deps.db)));
    await Promise.all(Array.from({ length: 50 }, (_, i) => service.boss.send('store-sweep', {}, { singletonKey: `load-${i}` })));
    await new Promise((res) => setTimeout(res, 3_000));
    busy = false;
    await watch;
    expect(seen.ledger).toBeGreaterThan(1);
    expect(seen.ledger).toBeLessThanOrEqual(3);
    expect(seen.jobs).toBeGreaterThan(0);
    expect(seen.jobs).toBeLessThanOrEqual(4 + 1);
  });
});
