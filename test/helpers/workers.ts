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
