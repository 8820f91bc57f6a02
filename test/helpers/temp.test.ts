import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './cli.ts';

/**
 * Tests leave nothing in the temp dir (issue 34, item 19): a test file run by a vitest of its own, with
 * TMPDIR a fresh folder, leaves that folder empty, though its test failed and it wrote into its
 * tempDir() folders, into os.tmpdir() and through a child process.
 */
describe('tempDir', () => {
  it('a failing test file leaves nothing in TMPDIR, and its own afterAll still finds its folder', async () => {
    // Made with mkdtempSync on purpose: this is the folder under watch, not one of tempDir's.
    const tmp = mkdtempSync(path.join(os.tmpdir(), 'ordersync-tempdir-check-'));
    try {
      const child = spawn(process.execPath, ['node_modules/vitest/vitest.mjs', 'run', 'test/helpers/temp-fixture.test.ts'], {
        cwd: ROOT,
        env: { ...process.env, TMPDIR: tmp, ORDERSYNC_TEMP_FIXTURE: '1' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      child.stdout.on('data', (d) => (output += d));
      child.stderr.on('data', (d) => (output += d));
      const code = await new Promise((resolve) => child.on('close', resolve));
      expect(output).toContain('failing on purpose');
      expect(code, output).toBe(1);
      expect(output).not.toContain('TEMP-FOLDER-GONE-BEFORE-AFTERALL');
      expect(readdirSync(tmp), output).toEqual([]);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  }, 120_000);
});
