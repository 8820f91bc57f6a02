/**
 * `node_modules/.bin/node bench/startup.ts`: how long a command takes from exec to exit, for `--version`, `--help` and
 * `status` (config/sim.yaml, DATABASE_URL on a real PostgreSQL server: STARTUP_BENCH_DATABASE_URL, else
 * a database `ordersync_startup_bench` it creates on postgres://postgres@127.0.0.1:5432). Each is run
 * STARTUP_BENCH_RUNS times (20) with the pinned Node on bin/ordersync.js, after one unmeasured run
 * (it fills Node's compile cache and applies the migrations); wall-clock and CPU time (the child's user +
 * system, from /proc/self/stat) as median and p90. Writes bench/results/startup-<commit>.json.
 *
 * STARTUP_BENCH_CHECKOUTS=<dir>,<dir>… measures those checkouts of the project instead of this one
 * (a commit before and after a change: `git worktree add --detach /tmp/startup-before <commit>` with
 * node_modules symlinked), interleaved run by run, so that a machine loaded by other work weighs on all
 * of them alike; one file per checkout, here.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { percentile, ROOT } from './procs.ts';

const env = process.env;
const RUNS = Number(env.STARTUP_BENCH_RUNS ?? 20);
const SERVER = 'postgres://postgres@127.0.0.1:5432';
const BENCH_DB = 'ordersync_startup_bench';
const COMMANDS: Record<string, string[]> = {
  '--version': ['--version'],
  '--help': ['--help'],
  status: ['--config', 'config/sim.yaml', 'status'],
};

interface Sample {
  wallMs: number;
  cpuMs: number;
}

/** The database `status` reads: given, or made once on the local server. */
async function databaseUrl(): Promise<string> {
  if (env.STARTUP_BENCH_DATABASE_URL) return env.STARTUP_BENCH_DATABASE_URL;
  const c = new pg.Client({ connectionString: `${SERVER}/postgres` });
  await c.connect();
  try {
    const { rowCount } = await c.query('select 1 from pg_database where datname = $1', [BENCH_DB]);
    if (!rowCount) await c.query(`create database ${BENCH_DB}`);
  } finally {
    await c.end();
  }
  return `${SERVER}/${BENCH_DB}`;
}

/** CPU time of this process's waited-for children so far, in ms (cutime + cstime, in clock ticks of 10 ms). */
function childrenCpuMs(): number {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // Fields 16 and 17 of stat; the slice starts at field 3.
  return (Number(fields[13]) + Number(fields[14])) * 10;
}

function runOnce(checkout: string, args: string[], dbUrl: string): Sample {
  const cpu = childrenCpuMs();
  const start = performance.now();
  const res = spawnSync(process.execPath, [path.join(checkout, 'bin/ordersync.js'), ...args], {
    cwd: checkout,
    env: { ...env, DATABASE_URL: dbUrl },
    encoding: 'utf8',
  });
  const wallMs = performance.now() - start;
  if (res.status !== 0) throw new Error(`${checkout}: ordersync ${args.join(' ')} exited ${res.status}:\n${res.stderr}`);
  return { wallMs, cpuMs: childrenCpuMs() - cpu };
}

function commitOf(checkout: string): string {
  return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: checkout }).toString().trim();
}

const round = (n: number | null) => (n === null ? null : Math.round(n));

function summary(samples: Sample[]) {
  const wall = samples.map((s) => s.wallMs).sort((a, b) => a - b);
  const cpu = samples.map((s) => s.cpuMs).sort((a, b) => a - b);
  return { runs: samples.length, wallMs: { median: round(percentile(wall, 50)), p90: round(percentile(wall, 90)) }, cpuMs: { median: round(percentile(cpu, 50)), p90: round(percentile(cpu, 90)) } };
}

async function main(): Promise<void> {
  const checkouts = (env.STARTUP_BENCH_CHECKOUTS ? env.STARTUP_BENCH_CHECKOUTS.split(',') : [ROOT]).map((d) => path.resolve(d));
  const dbUrl = await databaseUrl();
  const samples = new Map(checkouts.map((c) => [c, Object.fromEntries(Object.keys(COMMANDS).map((k) => [k, [] as Sample[]]))]));
  const load: number[] = [];
  for (const checkout of checkouts) for (const args of Object.values(COMMANDS)) runOnce(checkout, args, dbUrl);
  for (let i = 0; i < RUNS; i++) {
    load.push(os.loadavg()[0]!);
    for (const [name, args] of Object.entries(COMMANDS)) for (const checkout of checkouts) samples.get(checkout)![name]!.push(runOnce(checkout, args, dbUrl));
  }
  load.sort((a, b) => a - b);
  const commits = checkouts.map(commitOf);
  for (const [i, checkout] of checkouts.entries()) {
    const results = Object.fromEntries(Object.entries(samples.get(checkout)!).map(([name, s]) => [name, summary(s)]));
    write(commits[i]!, commits.filter((_, j) => j !== i), results, load);
  }
}

function write(commit: string, comparedWith: string[], results: Record<string, ReturnType<typeof summary>>, load: number[]): void {
  const out = {
    what: 'CLI start-up: exec to exit of --version, --help and status (bench/startup.ts)',
    command: `STARTUP_BENCH_RUNS=${RUNS}${env.STARTUP_BENCH_CHECKOUTS ? ` STARTUP_BENCH_CHECKOUTS=${env.STARTUP_BENCH_CHECKOUTS}` : ''} node_modules/.bin/node bench/startup.ts`,
    commit,
    comparedWith,
    at: new Date().toISOString(),
    machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, memoryGiB: Math.round(os.totalmem() / 2 ** 30), node: process.version },
    // The load average over the runs: other work on the machine slows every figure (wall-clock most).
    loadAverage1m: { min: load[0], median: percentile(load, 50), max: load.at(-1) },
    status: 'DATABASE_URL on a local PostgreSQL server, config/sim.yaml, an empty ledger',
    notes: env.STARTUP_BENCH_NOTES ?? '',
    results,
  };
  const dir = path.join(ROOT, 'bench/results');
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `startup-${commit}.json`);
  writeFileSync(file, `${JSON.stringify(out, null, 2)}\n`);
  process.stdout.write(`${commit}: ${Object.entries(results).map(([n, r]) => `${n} ${r.wallMs.median} ms (cpu ${r.cpuMs.median})`).join(', ')}\nwritten ${path.relative(ROOT, file)}\n`);
}

await main();
