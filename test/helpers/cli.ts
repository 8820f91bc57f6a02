import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const BIN = fileURLToPath(new URL('../../bin/ordersync.js', import.meta.url));
export const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the real CLI in a child process on the same Node that runs the tests. */
export function runCli(args: string[], env: NodeJS.ProcessEnv = {}, cwd = ROOT): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawnCli(args, env, cwd);
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d) => (stdout += d));
    child.stderr!.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** `group`: in a process group of its own, so a test can signal it as a terminal's Ctrl-C does (`process.kill(-pid)`). */
export function spawnCli(args: string[], env: NodeJS.ProcessEnv = {}, cwd = ROOT, { group = false } = {}): ChildProcess {
  const base = { ...process.env };
  delete base.DATABASE_URL;
  delete base.ORDERSYNC_CONFIG;
  return spawn(process.execPath, [BIN, ...args], { cwd, env: { ...base, ...env }, stdio: ['ignore', 'pipe', 'pipe'], detached: group });
}

/** Collects a child's output, and resolves `seen(text)` once it has appeared. */
export function watchOutput(child: ChildProcess) {
  const out = { stdout: '', stderr: '' };
  const waiters: Array<() => void> = [];
  const feed = (key: 'stdout' | 'stderr') => (d: Buffer) => {
    out[key] += d;
    for (const w of waiters.splice(0)) w();
  };
  child.stdout!.on('data', feed('stdout'));
  child.stderr!.on('data', feed('stderr'));
  const seen = (text: string, timeoutMs = 120_000): Promise<void> =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`"${text}" did not appear within ${timeoutMs} ms:\n${out.stdout}\n${out.stderr}`)), timeoutMs);
      const check = () => {
        if (out.stdout.includes(text) || out.stderr.includes(text)) {
          clearTimeout(timer);
          resolve();
        } else waiters.push(check);
      };
      check();
    });
  return { out, seen };
}

/** Resolves with the exit code once the process ends. */
export function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

export async function waitForHttp(url: string, timeoutMs = 60_000): Promise<Response> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const res = await fetch(url);
      if (res.ok) return res;
      last = new Error(`HTTP ${res.status}`);
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${url} did not answer 200 within ${timeoutMs} ms: ${String(last)}`);
}
