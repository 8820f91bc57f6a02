import { readFileSync } from 'node:fs';
import { Command, CommanderError, Help, Option } from 'commander';
import { integerFlag, UsageError } from './usage.ts';
import { stopEarlyOnSignals } from './stop-early.ts';
import { shuttingDown } from '../util/shutdown.ts';
import { EXIT, type CliContext } from './context.ts';

// Only commander and the small modules above load with the CLI: each command imports its implementation
// (the config schema, kysely, pg-boss, the Shopify library, fastify…) when it runs, so `--version`,
// `--help` and a usage error cost little more than Node's own start (issue 36, bench/startup.ts).

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

/** true/false when a format is chosen (flag first, then config), undefined for auto (pretty on a terminal). */
function prettyLogs(flag: string | undefined, configured: string = 'auto'): boolean | undefined {
  const format = flag ?? configured;
  return format === 'auto' ? undefined : format === 'pretty';
}

type ContextFrom = (cmd: Command, opts?: { oneShot?: boolean }) => CliContext;

/** What reads a command's config and makes its logger, once their modules (zod, yaml, pino) are loaded. */
async function contextReader(): Promise<ContextFrom> {
  const [{ loadConfig, resolveConfigPath }, { createLogger }] = await Promise.all([import('../config/load.ts'), import('../log.ts')]);
  return (cmd, { oneShot = true } = {}) => {
    const opts = cmd.optsWithGlobals<{ config?: string; logLevel?: string; logFormat?: string }>();
    const configPath = resolveConfigPath(opts.config);
    const config = loadConfig(configPath);
    const log = createLogger({ level: opts.logLevel ?? config.log.level, pretty: prettyLogs(opts.logFormat, config.log.format), stderr: oneShot });
    return { config, configPath, log };
  };
}

async function contextFrom(cmd: Command, opts?: { oneShot?: boolean }): Promise<CliContext> {
  return (await contextReader())(cmd, opts);
}

interface Group {
  description: string;
  /** How `--help` lists it when that is more than its name (commander adds " [options]" for a command with options). */
  term?: string;
  load(contextFrom: ContextFrom): Promise<Command>;
}

/**
 * The commands defined in modules of their own. Those modules import what their commands do at the top,
 * so only the one the command line names is loaded; `--help` lists the others from here, with their
 * modules' descriptions (test/cli/lazy-commands.test.ts keeps the two alike). In `--help`'s order.
 */
const GROUPS: Record<string, Group> = {
  sku: {
    description: 'per-store SKU maps kept in the ledger (over the config skuMap); workers pick changes up within seconds',
    load: async (ctx) => (await import('./sku.ts')).skuCommand(ctx),
  },
  privacy: {
    description: "customers' personal data: export it, remove it, and Shopify's compliance requests",
    load: async (ctx) => (await import('./privacy.ts')).privacyCommand(ctx),
  },
  reconcile: {
    description:
      "compares the ledger with OrderMesh (the merchant's orders by safeId, counts by status) and the store; --fix re-links OrderMesh's orders instead of submitting them again and moves states forward from what OrderMesh says. Exit 1 when differences remain unfixed",
    term: 'reconcile [options]',
    load: async (ctx) => (await import('./reconcile.ts')).reconcileCommand(ctx),
  },
  request: {
    description: 'refund and reprint requests to OrderMesh for a misprinted or damaged item (made once; state in `order show`)',
    load: async (ctx) => (await import('./request.ts')).requestCommand(ctx),
  },
  store: {
    description: "stores kept in the ledger beside the config file's (running workers pick changes up within seconds; secrets sealed with ORDERSYNC_SECRET_KEY)",
    load: async (ctx) => (await import('./store.ts')).storeCommand(ctx),
  },
  order: { description: 'one order in the ledger', load: async (ctx) => (await import('./order.ts')).orderCommand(ctx) },
  shopify: { description: "set-up in a store's Shopify admin", load: async (ctx) => (await import('./shopify.ts')).shopifyCommand(ctx) },
  sim: {
    description: 'run a simulator (a real HTTP server on 127.0.0.1) for development, tests and demos',
    load: async () => (await import('./sim.ts')).simCommand(),
  },
};

/**
 * The command the arguments name (`help sku` names sku), read past the global options and their values
 * as commander reads them: the group to load.
 */
function commandNamed(program: Command, args: string[]): string | undefined {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (!arg.startsWith('-')) return arg === 'help' ? args[i + 1] : arg;
    if (program.options.find((o) => o.short === arg || o.long === arg)?.required) i++;
  }
  return undefined;
}

/** Every group, loaded if `args` names it, else a stand-in that `--help` lists as the group would be listed. */
async function addGroups(program: Command, args: string[]): Promise<void> {
  const named = commandNamed(program, args);
  const terms = new Map<Command, string>();
  for (const [name, group] of Object.entries(GROUPS)) {
    if (name === named) {
      program.addCommand(await group.load(await contextReader()));
      continue;
    }
    const standIn = new Command(name).description(group.description);
    if (group.term) terms.set(standIn, group.term);
    program.addCommand(standIn);
  }
  const help = new Help();
  program.configureHelp({ subcommandTerm: (cmd) => terms.get(cmd) ?? help.subcommandTerm(cmd) });
}

/** `args`: the command line after the script (only the group it names is loaded). */
export async function buildProgram(args: string[] = []): Promise<Command> {
  const program = new Command('ordersync')
    .description('Keeps storefront orders and OrderMesh fulfilment in step.')
    .version(pkg.version)
    .addOption(new Option('-c, --config <path>', 'config file (YAML or JSON); default $ORDERSYNC_CONFIG'))
    .addOption(new Option('--log-level <level>', 'overrides log.level').choices(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']))
    .addOption(new Option('--log-format <format>', 'overrides log.format: json lines, or pretty (default: pretty on a terminal)').choices(['json', 'pretty']))
    .exitOverride()
    .addHelpText('after', '\nExit codes: 0 done, 1 runtime failure or work left undone, 2 bad usage or config, 3 done but some orders failed (--fail-on-failures); 130/143 stopped by SIGINT/SIGTERM.');

  addServiceCommands(program);
  addJobCommands(program);
  program.addCommand(doctorCommand());
  await addGroups(program, args);
  // Commands built on their own do not inherit exitOverride: without it commander exits 1 itself on a
  // missing option there, where every usage error must be 2.
  // Every usage error is one line, as our own are: `ordersync: …`, with no help page after it.
  const oneLine = { outputError: (str: string, write: (s: string) => void) => write(`ordersync: ${str.replace(/^error: /, '')}`) };
  const override = (c: Command) => c.commands.forEach((sub) => override(sub.exitOverride().configureOutput(oneLine)));
  program.configureOutput(oneLine);
  override(program);
  // `start` and `sim` are services with their own graceful stop; everything else stops early this way.
  program.hook('preAction', (_program, action) => {
    if (action.name() !== 'start' && action.parent?.name() !== 'sim') stopEarlyOnSignals();
  });

  return program;
}

/** start, migrate, status: the service and what an operator reads of it. */
function addServiceCommands(program: Command): void {
  program
    .command('start')
    .description('run migrations, then the workers, schedules and HTTP server until SIGTERM/SIGINT')
    .action(async (_o, cmd: Command) => {
      const ctx = await contextFrom(cmd, { oneShot: false });
      const [{ runStart }, { resolveSecrets }] = await Promise.all([import('./start.ts'), import('../config/load.ts')]);
      return runStart(ctx, resolveSecrets(ctx.config));
    });

  program
    .command('migrate')
    .description('apply pending database migrations and exit')
    .action(async (_o, cmd: Command) => {
      const ctx = await contextFrom(cmd);
      return (await import('./migrate.ts')).runMigrate(ctx);
    });

  program
    .command('status')
    .description('orders per store and state')
    .option('--store <id>', 'only this store')
    .option('--order <key>', "one order's story instead (as `order show`): store order id, name, safeId or OrderMesh order id")
    .option('--json', 'machine-readable output')
    .action(async (o: { store?: string; order?: string; json?: boolean }, cmd: Command) => {
      const ctx = await contextFrom(cmd);
      if (o.order) return (await import('./order.ts')).showOrder(ctx, o.order, { ...o, payloads: false });
      return (await import('./status.ts')).runStatus(ctx, o);
    });
}

/** map, backfill, run, reprocess, demo: commands that carry orders through, then exit. */
function addJobCommands(program: Command): void {
  program
    .command('map')
    .description('map one store order to an OrderMesh order and print it (or its errors) without submitting')
    .requiredOption('--store <id>', 'store id (a config or ledger store)')
    .option('--order <id>', 'read this order from the store (numeric id or GID)')
    .option('--input <file>', 'read the order from a JSON file (connector shape or Admin GraphQL shape)')
    .action(async (o: { store: string; order?: string; input?: string }, cmd: Command) => {
      const ctx = await contextFrom(cmd);
      process.exitCode = await (await import('./map.ts')).runMap(ctx, o);
    });

  program
    .command('backfill')
    .description('one-off import of a date range, read (Shopify bulk operation), mapped and submitted to the end; resumable; safe while start runs')
    .requiredOption('--store <id>', 'store id (a config or ledger store)')
    .requiredOption('--since <date>', 'orders updated from this date (YYYY-MM-DD or ISO)')
    .option('--until <date>', 'up to this date (default: now)')
    .option('--dry-run', 'map without writing: what would be sent, what would fail')
    .option('--no-submit', 'only read the range into the ledger; running `start` workers submit it')
    .option('--json', 'machine-readable summary')
    .option('--fail-on-failures', 'exit 3 when it finished but some orders it handled failed (failed_mapping, rejected, failed, needs_attention)')
    .action(async (o, cmd: Command) => {
      const ctx = await contextFrom(cmd);
      return (await import('./backfill.ts')).runBackfill(ctx, o);
    });

  program
    .command('run')
    .description('one whole cycle for every store (pull, submit, resolve, poll shipments, write back), then exit: for schedulers')
    .requiredOption('--once', 'run one cycle and exit (the only mode; `start` is the service)')
    .option('--json', 'machine-readable summary')
    .option('--fail-on-failures', 'exit 3 when it finished but some orders it handled failed (failed_mapping, rejected, failed, needs_attention)')
    .action(async (o: { json?: boolean; failOnFailures?: boolean }, cmd: Command) => {
      const ctx = await contextFrom(cmd);
      return (await import('./run-once.ts')).runOnce(ctx, o);
    });

  program
    .command('reprocess')
    .description('re-read, re-map and resubmit failed or changed orders with this config, and wait for each outcome (never creates a second OrderMesh order)')
    .option('--order <id...>', 'store order ids, names (#1001) or safeIds')
    .option('--store <id>', 'only this store')
    .option('--state <state...>', 'only orders in these states (default: failed_mapping rejected failed needs_attention skipped)')
    .option('--since <date>', 'only orders first seen since this date')
    .option('--limit <n>', 'at most this many orders', integerFlag(1))
    .option('--dry-run', 'show the mapped payload and validation result per order; change nothing')
    .option('--json', 'machine-readable output')
    .option('--fail-on-failures', 'exit 3 when it finished but some orders it handled failed (failed_mapping, rejected, failed, needs_attention)')
    .action(async (o, cmd: Command) => {
      const ctx = await contextFrom(cmd);
      return (await import('./reprocess.ts')).runReprocess(ctx, o);
    });

  program
    .command('demo')
    .description('run the whole loop against both simulators on a throwaway embedded database, and print what happened')
    .option('--orders <n>', 'how many store orders to seed', integerFlag(1), 40)
    .option('--keep', 'leave the demo running with its operator console until Ctrl-C, and print its URL and token')
    .action(async (o: { orders: number; keep?: boolean }, cmd: Command) => {
      const g = cmd.optsWithGlobals<{ logLevel?: string; logFormat?: string }>();
      const { runDemo } = await import('./demo.ts');
      process.exitCode = await runDemo({ level: g.logLevel, pretty: prettyLogs(g.logFormat) }, o.orders, { keep: o.keep === true });
    });
}

/** `doctor`: every check with its fix, or (--ordermesh) a read-only probe of OrderMesh as the worker reads it. */
function doctorCommand(): Command {
  return new Command('doctor')
    .description('checks the config, secrets, database, mapping modules, each store\'s Shopify credentials and scopes, OrderMesh credentials and merchant access, webhook reachability; prints each with its fix')
    .option('--ordermesh', 'instead: probe OrderMesh with the configured credentials, once per read the worker relies on (token, list orders, order by safeId and id, shipments, catalogue); prints ok, drift or refused per read; reads only')
    .option('--json', 'machine-readable output')
    .action(async (o: { json?: boolean; ordermesh?: boolean }, cmd: Command) => {
      const g = cmd.optsWithGlobals<{ config?: string; logLevel?: string }>();
      const { createLogger } = await import('../log.ts');
      if (o.ordermesh) {
        const { formatProbe, runOrderMeshProbe } = await import('./doctor-ordermesh.ts');
        const report = await runOrderMeshProbe(g.config, createLogger({ level: g.logLevel ?? 'error', stderr: true }));
        process.stdout.write(o.json ? `${JSON.stringify(report, null, 2)}\n` : formatProbe(report));
        process.exitCode = report.ok ? EXIT.OK : EXIT.FAILURE;
        return;
      }
      const { formatChecks, runDoctor } = await import('./doctor.ts');
      const checks = await runDoctor(g.config, createLogger({ level: g.logLevel ?? 'error', stderr: true }));
      process.stdout.write(o.json ? `${JSON.stringify(checks, null, 2)}\n` : formatChecks(checks));
      process.exitCode = checks.some((c) => c.status === 'fail') ? EXIT.FAILURE : EXIT.OK;
    });
}

/** Returns the process exit code: 0 ok, 1 runtime failure, 2 bad usage or config (3, --fail-on-failures, is set by the command). */
export async function main(argv: string[]): Promise<number> {
  try {
    const program = await buildProgram(argv.slice(2));
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT.OK;
  } catch (err) {
    // Stopped early: what fails now fails because its pools and servers are being closed; the stop
    // handler reports and exits.
    if (shuttingDown()) return new Promise<number>(() => {});
    if (err instanceof CommanderError) {
      // --help and --version end through here too, with exit code 0.
      return err.exitCode === 0 ? EXIT.OK : EXIT.USAGE;
    }
    if (err instanceof UsageError) {
      process.stderr.write(`ordersync: ${err.message}\n`);
      return EXIT.USAGE;
    }
    // A command that failed on its config has loaded this module already.
    const { ConfigError } = await import('../config/load.ts');
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      return EXIT.USAGE;
    }
    process.stderr.write(`ordersync: ${(err as Error).message}\n`);
    return EXIT.FAILURE;
  }
}
