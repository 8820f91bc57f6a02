import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startEmbeddedPostgres, type EmbeddedServer } from '../../src/db/embedded.ts';
import { createLogger } from '../../src/log.ts';
import { freePort, refused } from '../helpers/ports.ts';
import { tempDir } from '../helpers/temp.ts';

/**
 * Issue 34, item 18: every start of the embedded PostgreSQL has a deadline, so a start that cannot
 * finish fails with a typed error instead of hanging its caller (a test file, a CI run). A deadline
 * already past stands in for a server that hangs: whatever runs is stopped and the start refused.
 * Judged from the machine: nothing listens on the port afterwards.
 */
const log = createLogger({ level: 'silent' });
const started: EmbeddedServer[] = [];
afterAll(async () => {
  for (const server of started) await server.stop();
});

/** The start, kept for afterAll if it succeeds after all (as it did before the deadline existed). */
async function start(opts: Parameters<typeof startEmbeddedPostgres>[0]) {
  const server = await startEmbeddedPostgres(opts);
  started.push(server);
  return server;
}

describe('the embedded PostgreSQL start deadline', () => {
  it('an initdb past the deadline is stopped, and the start fails with reason TIMEOUT', async () => {
    const dataDir = path.join(tempDir('ordersync-deadline-'), 'pg');
    const port = await freePort();
    await expect(start({ dataDir, port, log, startTimeoutMs: 1 })).rejects.toMatchObject({
      name: 'EmbeddedPostgresError',
      reason: 'TIMEOUT',
      message: expect.stringContaining('initdb was not ready within'),
    });
    expect(await refused(port)).toBe(true);
  }, 60_000);

  it('a postgres past the deadline is stopped, and the start fails with reason TIMEOUT; the next start works', async () => {
    const dataDir = path.join(tempDir('ordersync-deadline-'), 'pg');
    const port = await freePort();
    // Initialised first, so the deadline falls on postgres itself.
    const first = await start({ dataDir, port, log });
    await first.stop();
    started.splice(started.indexOf(first), 1);

    await expect(start({ dataDir, port, log, startTimeoutMs: 1 })).rejects.toMatchObject({
      reason: 'TIMEOUT',
      message: expect.stringContaining('postgres was not ready within'),
    });
    expect(await refused(port)).toBe(true);
    // Nothing of the stopped one is left holding the data dir or the port.
    const again = await start({ dataDir, port, log });
    expect(again.url).toContain(`:${port}/`);
  }, 120_000);
});
