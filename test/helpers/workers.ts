import type { ChildProcess } from 'node:child_process';
import { afterAll } from 'vitest';
import { PgBoss } from 'pg-boss';
import { exited, spawnCli } from './cli.ts';
import { eventually } from './pipeline.ts';

/** A pg-boss client for the test itself (it sends jobs; it runs none), stopped after the file. */
export async function testBoss(databaseUrl: string): Promise<PgBoss> {
  const boss = new PgBoss({ connectionString: databaseUrl, schema: 'pgboss', supervise: false, schedule: false });
  // The database is dropped after the file, under this client's idle connections.
  boss.on('error', () => {});
  await boss.start();
  afterAll(() => boss.stop({ graceful: false, close: true }));
  return boss;
}

/** `ordersync start` processes sharing one database, as an operator would run them. */
export class WorkerFleet {
  readonly #procs: ChildProcess[] = [];
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
    child.stdout!.on('data', (d) => this.output.push(String(d)));
    child.stderr!.on('data', (d) => this.output.push(String(d)));
    this.#procs.push(child);
    return child;
  }

  get alive(): ChildProcess[] {
    return this.#procs.filter((p) => p.exitCode === null && p.signalCode === null);
  }

  /** SIGKILL: no shutdown hook runs, in-flight jobs and transactions are cut off mid-way. */
  async kill(child: ChildProcess): Promise<void> {
    child.kill('SIGKILL');
    await exited(child);
  }

  async stopAll(): Promise<void> {
    await Promise.all(
      this.alive.map(async (p) => {
        p.kill('SIGTERM');
        await exited(p);
      }),
    );
  }
}
