/**
 * Processes a benchmark runs and measures from the outside: simulators, ordersync workers, the naive
 * loop. CPU and peak memory come from /proc (Linux), read while the process still runs.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { freePort } from '../test/helpers/ports.ts';

export const ROOT = new URL('..', import.meta.url).pathname;
const CLOCK_TICKS_PER_SECOND = 100; // USER_HZ on Linux

export interface Proc {
  child: ChildProcess;
  pid: number;
  output: () => string;
  /** CPU time (user + system) so far, ms. */
  cpuMs: () => number;
  /** Peak resident set size so far, MB (VmHWM). */
  peakRssMb: () => number;
  exited: Promise<number | null>;
  stop: () => Promise<void>;
}

/** Children still running: killed when the bench process exits, so a scenario that fails leaves no simulator or worker behind. */
const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const c of running) c.kill('SIGKILL');
});

export function run(args: string[], env: Record<string, string> = {}, command = process.execPath): Proc {
  const child = spawn(command, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  child.once('exit', () => running.delete(child));
  let out = '';
  const keep = (d: Buffer) => {
    out += d.toString();
    if (out.length > 200_000) out = out.slice(-100_000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const pid = child.pid!;
  return {
    child,
    pid,
    output: () => out,
    cpuMs: () => {
      // Fields after the command name (which may hold spaces): utime is the 12th, stime the 13th.
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      return ((Number(f[11]) + Number(f[12])) * 1000) / CLOCK_TICKS_PER_SECOND;
    },
    peakRssMb: () => Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024,
    exited,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** `what` may be a function: read when the wait times out (a worker's output then, not when the wait began). */
export async function until<T>(check: () => Promise<T | false>, what: string | (() => string), timeoutMs: number, everyMs = 250): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check().catch(() => false as const);
    if (v !== false) return v;
    if (Date.now() > deadline) throw new Error(`bench: timed out waiting for ${typeof what === 'function' ? what() : what}`);
    await sleep(everyMs);
  }
}

export const getJson = async (url: string): Promise<any> => (await fetch(url)).json();

/** A simulator in its own process, so its CPU is not counted as ours. */
export async function simProcess(kind: 'shopify' | 'ordermesh', flags: string[] = []): Promise<Proc & { url: string }> {
  const port = await freePort();
  const p = run(['bin/ordersync.js', 'sim', kind, '--port', String(port), ...flags]);
  const url = `http://127.0.0.1:${port}`;
  await until(async () => (await fetch(`${url}/_sim/state?summary`)).ok, `the ${kind} simulator`, 60_000, 100);
  return { ...p, url };
}

/** Percentile of a sorted-ascending list (nearest rank). */
export function percentile(sorted: number[], p: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}
