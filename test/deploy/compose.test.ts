import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parseConfig } from '../../src/config/load.ts';
import { tempDir } from '../helpers/temp.ts';

/**
 * compose.yaml is read by Docker, which this suite does not run: what it must hold together is checked
 * here against the files it depends on (the example config, the env example, the Dockerfile).
 */
const read = (f: string) => readFileSync(new URL(`../../${f}`, import.meta.url), 'utf8');
const compose = parse(read('compose.yaml')) as any;
const envExample = new Map(
  read('.env.example')
    .split('\n')
    .filter((l) => /^[A-Z_][A-Z0-9_]*=/.test(l))
    .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
);

describe('compose.yaml', () => {
  const app = compose.services.ordersync;
  const db = compose.services.postgres;

  it('runs `ordersync start` from this Dockerfile, after PostgreSQL is healthy, on the port the service listens on', () => {
    expect(app.build).toBe('.');
    expect(read('Dockerfile')).toMatch(/ENTRYPOINT \["\/app\/bin\/entrypoint.sh"\]/);
    expect(read('bin/entrypoint.sh')).toMatch(/exec node "\$\(dirname "\$0"\)\/ordersync.js" "\$@"/);
    expect(app.command).toEqual(['start']);
    expect(app.depends_on.postgres.condition).toBe('service_healthy');
    expect(db.healthcheck.test.join(' ')).toContain('pg_isready');
    const defaults = parseConfig(parse(read('config/example.yaml')));
    expect(app.ports).toContain(`${defaults.server.port}:${defaults.server.port}`);
    // Long enough for the graceful drain start does on SIGTERM.
    expect(Number(String(app.stop_grace_period).replace(/s$/, ''))).toBeGreaterThan(defaults.jobs.shutdownTimeoutSeconds + 15);
  });

  it('mounts the config where ORDERSYNC_CONFIG points, and connects to the compose PostgreSQL with its own user, database and password', () => {
    const mount = app.volumes.map((v: string) => v.split(':')).find(([, inside]: string[]) => inside === app.environment.ORDERSYNC_CONFIG);
    expect(mount, 'a volume mounted at ORDERSYNC_CONFIG').toBeDefined();
    const url = new URL(app.environment.DATABASE_URL.replace(/\$\{POSTGRES_PASSWORD[^}]*\}/, 'PW'));
    expect(url.hostname).toBe('postgres');
    expect(url.username).toBe(db.environment.POSTGRES_USER);
    expect(url.pathname).toBe(`/${db.environment.POSTGRES_DB}`);
    expect(url.password).toBe('PW');
    expect(db.environment.POSTGRES_PASSWORD).toMatch(/^\$\{POSTGRES_PASSWORD/);
  });

  it('takes every secret from the env file, which names each variable the example config reads', () => {
    expect(app.env_file).toBe('.env');
    expect(read('.gitignore').split('\n')).toContain('.env');
    const named = [...read('config/example.yaml').matchAll(/^[^#\n]*\{ env: ([A-Z0-9_]+) \}/gm)].map((m) => m[1]);
    expect(named.length).toBeGreaterThan(0);
    for (const v of [...named, 'POSTGRES_PASSWORD']) expect(envExample.has(v!), v).toBe(true);
  });
});

describe("the container's launcher (bin/entrypoint.sh)", () => {
  const launch = (env: Record<string, string>) =>
    execFileSync('sh', [fileURLToPath(new URL('../../bin/entrypoint.sh', import.meta.url))], { env: { PATH: process.env.PATH!, ORDERSYNC_ENTRYPOINT_DRY_RUN: '1', ...env } }).toString().trim();
  const limit = (text: string) => {
    const f = path.join(tempDir('ordersync-cgroup-'), 'memory.max');
    writeFileSync(f, `${text}\n`);
    return f;
  };

  it('caps the V8 heap at 50% of the container memory limit and its semi-spaces at 1/64 (1 to 16 MB), each unless NODE_OPTIONS sets it or there is no limit', () => {
    const m = ' MALLOC_ARENA_MAX=2';
    expect(launch({ ORDERSYNC_MEMORY_LIMIT_FILE: limit('536870912') })).toBe(`NODE_OPTIONS= --max-old-space-size=256 --max-semi-space-size=8${m}`);
    expect(launch({ ORDERSYNC_MEMORY_LIMIT_FILE: limit(String(256 * 2 ** 20)) })).toBe(`NODE_OPTIONS= --max-old-space-size=128 --max-semi-space-size=4${m}`);
    expect(launch({ ORDERSYNC_MEMORY_LIMIT_FILE: limit(String(32 * 2 ** 20)) })).toBe(`NODE_OPTIONS= --max-old-space-size=16 --max-semi-space-size=1${m}`);
    expect(launch({ ORDERSYNC_MEMORY_LIMIT_FILE: limit(String(4 * 2 ** 30)) })).toBe(`NODE_OPTIONS= --max-old-space-size=2048 --max-semi-space-size=16${m}`);
    expect(launch({ ORDERSYNC_MEMORY_LIMIT_FILE: limit('536870912'), ORDERSYNC_HEAP_PERCENT: '70' })).toBe(`NODE_OPTIONS= --max-old-space-size=358 --max-semi-space-size=8${m}`);
    expect(launch({ ORDERSYNC_MEMORY_LIMIT_FILE: limit('max') })).toBe(`NODE_OPTIONS=${m}`);
    expect(launch({ ORDERSYNC_MEMORY_LIMIT_FILE: limit('9223372036854771712') })).toBe(`NODE_OPTIONS=${m}`);
    expect(launch({ ORDERSYNC_MEMORY_LIMIT_FILE: limit('536870912'), NODE_OPTIONS: '--max-old-space-size=900' })).toBe(`NODE_OPTIONS=--max-old-space-size=900 --max-semi-space-size=8${m}`);
    expect(launch({ ORDERSYNC_MEMORY_LIMIT_FILE: limit('536870912'), NODE_OPTIONS: '--max-semi-space-size=2' })).toBe(`NODE_OPTIONS=--max-semi-space-size=2 --max-old-space-size=256${m}`);
    expect(launch({ ORDERSYNC_MEMORY_LIMIT_FILE: limit('max'), MALLOC_ARENA_MAX: '4' })).toBe('NODE_OPTIONS= MALLOC_ARENA_MAX=4');
  });
});
