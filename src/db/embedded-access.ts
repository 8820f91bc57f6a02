import { statSync } from 'node:fs';
import path from 'node:path';

/**
 * Running as root, PostgreSQL runs as the `postgres` OS user (it refuses root), and that user reaches a
 * file only if every folder above it lets others in (the x bit for "others"). Group or ACL rights
 * that might let it in anyway are not read: a folder judged closed is avoided, never needed.
 *
 * Returns the highest such folder between `target` and /, or undefined when the way is open.
 */
export function closedToOthers(target: string): { folder: string; mode: number } | undefined {
  let closed: { folder: string; mode: number } | undefined;
  let current = path.resolve(target);
  while (true) {
    const mode = statSync(current).mode & 0o777;
    if ((mode & 0o001) === 0) closed = { folder: current, mode };
    const parent = path.dirname(current);
    if (parent === current) return closed;
    current = parent;
  }
}

export function describeMode(mode: number): string {
  return mode.toString(8).padStart(3, '0');
}
