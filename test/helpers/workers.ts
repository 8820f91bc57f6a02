import type { ChildProcess } from 'node:child_process';
import type { Kysely } from 'kysely';
import { afterAll } from 'vitest';
import type { Database } from '../../src/db/schema.ts';
import { PgBoss } from 'pg-boss';
import { exited, spawnCli } from './cli.ts';
import { eventually, stateCounts } from './pipeline.ts';

/** A pg-boss client for the test itself (it sends jobs; it runs none), stopped after the file. */
export async function testBoss(databaseUrl: string): Promise<PgBoss> {
  const boss = new PgBoss({ connectionString: databaseUrl, schema: 'pgboss', supervise: false, schedule: false });
  // The database is dropped after the file, under this client's idle connections.
  boss.on('error', () => {});
  await boss.start();
  afterAll(() => boss.stop({ graceful: false, close: true }));
  return boss;
}

/** Packages whose tracking the store does not have yet (or has an old number of), not refused by it: a drained run has none. */
export async function unwrittenPackages(db: Kysely<Database>): Promise<number> {
  const rows = await db.selectFrom('packages').select('id').where((eb) => eb.or([eb('written_tracking_number', 'is', null), eb('written_tracking_number', '!=', eb.ref('tracking_number'))])).where('write_back_error_code', 'is', null).execute();
  return rows.length;
}

/**
 * After the faults: at least two workers running, the queues nudged and OrderMesh's production moved
 * on until nothing is in flight (no order submitted or in production, every package written back) and
 * `done` holds.
 */
export async function drain(o: { fleet: WorkerFleet; db: Kysely<Database>; omUrl: string; nudge: () => Promise<unknown>; done: () => Promise<boolean>; timeoutMs: number }): Promise<void> {
  while (o.fleet.alive.length < 2) o.fleet.start();
  await eventually(
    async () => {
      await o.nudge();
      await fetch(`${o.omUrl}/_sim/advance`, { method: 'POST' });
      const c = await stateCounts(o.db);
      return !c.submitted && !c.in_production && (await unwrittenPackages(o.db)) === 0 && (await o.done());
    },
    async () => JSON.stringify(await stateCounts(o.db)),
    o.timeoutMs,
  );
}

/** `ordersync start` processes sharing one database, as an operator would run them. */
export class WorkerFleet {
  readonly #procs: ChildProcess[] = [];
  readonly #killed = new Set<ChildProcess>();
  readonly #outputOf = new Map<ChildProcess, string[]>();
  readonly output: string[] = [];
  readonly configFile: string;
  readonly databaseUrl: string;
  constructor(configFile: string, databaseUrl: string) {
    this.configFile = configFile;
    this.databaseUrl = databaseUrl;
    afterAll(() => this.stopAll());
  }

  /**
   * Starts `count` workers: the first alone, so it creates the schema and queues before the others
   * race it, then the rest. Returns a pg-boss client for the test to send jobs with.
   */
  async launch(count: number): Promise<PgBoss> {
    this.start();
    const boss = await testBoss(this.databaseUrl);
    await eventually(async () => (await boss.getQueue('pull-orders').catch(() => null)) !== null, () => this.output.join(''), 60_000);
    for (let i = 1; i < count; i++) this.start();
    return boss;
  }

  start(): ChildProcess {
    const child = spawnCli(['start', '--config', this.configFile], { DATABASE_URL: this.databaseUrl, PORT: '0' });
    const own: string[] = [];
    const keep = (d: unknown) => {
      this.output.push(String(d));
      own.push(String(d));
    };
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    this.#outputOf.set(child, own);
    this.#procs.push(child);
    return child;
  }

  get alive(): ChildProcess[] {
    return this.#procs.filter((p) => p.exitCode === null && p.signalCode === null);
  }

  /**
   * Workers that ended without being killed by the test, with how they ended and the end of their own
   * output: a worker must never exit by itself, and when one does the failure must say why.
   */
  get unexpectedExits(): string[] {
    return this.#procs
      .filter((p) => !this.#killed.has(p) && (p.exitCode !== null || p.signalCode !== null))
      .map((p) => `worker ${p.pid} exited (code ${p.exitCode}, signal ${p.signalCode}):\n${this.#outputOf.get(p)!.join('').slice(-4_000)}`);
  }

  /**
   * The chaos runs' background: a worker SIGKILLed every `killEveryMs` (round robin, up to `maxKills`,
   * a fresh one started in its place) and `nudge` (what the schedules would send) every second.
   * `stop()` ends both and returns how many workers were killed.
   */
  havoc(o: { killEveryMs: number; maxKills: number; nudge: () => Promise<unknown> }): { stop: () => Promise<number> } {
    const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
    let kills = 0;
    let stopped = false;
    const killer = (async () => {
      while (!stopped && kills < o.maxKills) {
        await sleep(o.killEveryMs);
        if (stopped) break;
        const alive = this.alive;
        if (alive.length) await this.kill(alive[kills % alive.length]!);
        kills++;
        this.start();
      }
    })();
    const nudger = (async () => {
      while (!stopped) {
        await o.nudge().catch(() => {});
        await sleep(1_000);
      }
    })();
    return {
      stop: async () => {
        stopped = true;
        await Promise.all([killer, nudger]);
        return kills;
      },
    };
  }

  /** SIGKILL: no shutdown hook runs, in-flight jobs and transactions are cut off mid-way. */
  async kill(child: ChildProcess): Promise<void> {
    this.#killed.add(child);
    child.kill('SIGKILL');
    await exited(child);
  }

  /** SIGTERM to each; one still running after 60 s is SIGKILLed and reported with the end of its output. */
  async stopAll(): Promise<void> {
    const hung: string[] = [];
    await Promise.all(
      this.alive.map(async (p) => {
        p.kill('SIGTERM');
        const timer = setTimeout(() => {
          hung.push(`worker ${p.pid} did not stop within 60 s of SIGTERM:\n${this.#outputOf.get(p)!.join('').slice(-4_000)}`);
          p.kill('SIGKILL');
        }, 60_000);
        await exited(p);
        clearTimeout(timer);
      }),
    );
    if (hung.length) throw new Error(hung.join('\n\n'));
  }
}
