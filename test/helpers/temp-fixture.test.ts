import { execFileSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from './temp.ts';

/**
 * Run only by temp.test.ts, in a vitest of its own (ORDERSYNC_TEMP_FIXTURE set): a file that leaves
 * things in the temp dir the ways tests do, and fails. Skipped in a normal run.
 */
describe.skipIf(!process.env.ORDERSYNC_TEMP_FIXTURE)('temp fixture', () => {
  let dir = '';
  // A hook of the file's own, registered after tempDir's: it runs first, while the folder is still
  // there (as a PostgreSQL or a worker stopped in an afterAll still uses its folder).
  afterAll(() => {
    if (!existsSync(dir)) console.log('TEMP-FOLDER-GONE-BEFORE-AFTERALL');
    else writeFileSync(path.join(dir, 'written-at-stop'), 'x');
  });

  it('leaves files in its folder, in os.tmpdir() and in a child process temp dir, then fails', () => {
    dir = tempDir('ordersync-fixture-');
    writeFileSync(path.join(dir, 'a'), 'x');
    writeFileSync(path.join(tempDir('ordersync-inside-test-'), 'b'), 'x');
    writeFileSync(path.join(os.tmpdir(), 'pg-password-fixture'), 'x');
    execFileSync(process.execPath, ['-e', "require('fs').writeFileSync(require('path').join(require('os').tmpdir(), 'pg-password-child'), 'x')"]);
    expect('this test').toBe('failing on purpose');
  });
});
