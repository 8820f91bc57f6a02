import { readFileSync } from 'node:fs';
import { Command, CommanderError, Option } from 'commander';
import { ConfigError, loadConfig, resolveConfigPath, resolveSecrets } from '../config/load.ts';
import { createLogger } from '../log.ts';
import { runStart } from './start.ts';
import { runMigrate } from './migrate.ts';
import { runStatus } from './status.ts';
import { simCommand } from './sim.ts';
import { runBackfill } from './backfill.ts';
import { runReprocess } from './reprocess.ts';
import { runOnce } from './run-once.ts';
import { skuCommand } from './sku.ts';
import { privacyCommand } from './privacy.ts';
import { reconcileCommand } from './reconcile.ts';
import { requestCommand } from './request.ts';
import { storeCommand } from './store.ts';
import { orderCommand, showOrder } from './order.ts';
import { shopifyCommand } from './shopify.ts';
import { formatChecks, runDoctor } from './doctor.ts';
import { formatProbe, runOrderMeshProbe } from './doctor-ordermesh.ts';
import { integerFlag, UsageError } from './usage.ts';
import { stopEarlyOnSignals } from './stop-early.ts';
import { shuttingDown } from '../util/shutdown.ts';
import { EXIT, type CliContext } from './context.ts';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

/** true/false when a format is chosen (flag first, then config), undefined for auto (pretty on a terminal). */
function prettyLogs(flag: string | undefined, configured: string = 'auto'): boolean | undefined {
  const format = flag ?? configured;
  return format === 'auto' ? undefined : format === 'pretty';
}

function contextFrom(cmd: Command, { oneShot = true } = {}): CliContext {
  const opts = cmd.optsWithGlobals<{ config?: string; logLevel?: string; logFormat?: string }>();
  const configPath = resolveConfigPath(opts.config);
  const config = loadConfig(configPath);
  const log = createLogger({ level: opts.logLevel ?? config.log.level, pretty: prettyLogs(opts.logFormat, config.log.format), stderr: oneShot });
  return { config, configPath, log };
}

export function buildProgram(): Command {
  const program = new Command('ordersync')
    .description('Keeps storefront orders and OrderMesh fulfilment in step.')
    .version(pkg.version)
    .addOption(new Option('-c, --config <path>', 'config file (YAML or JSON); default $ORDERSYNC_CONFIG'))
    .addOption(new Option('--log-level <level>', 'overrides log.level').choices(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']))
    .addOption(new Option('--log-format <format>', 'overrides log.format: json lines, or pretty (default: pretty on a terminal)').choices(['json', 'pretty']))
    .exitOverride();

  program
    .command('start')
    .description('run migrations, then the workers, schedules and HTTP server until SIGTERM/SIGINT')
    .action(async (_o, cmd: Command) => {
      const ctx = contextFrom(cmd, { oneShot: false });
      return runStart(ctx, resolveSecrets(ctx.config));
    });

  program
    .command('migrate')
    .description('apply pending database migrations and exit')
    .action(async (_o, cmd: Command) => runMigrate(contextFrom(cmd)));

  program
    .command('status')
    .description('orders per store and state')
    .option('--store <id>', 'only this store')
    .option('--order <key>', "one order's story instead (as `order show`): store order id, name, safeId or OrderMesh order id")
    .option('--json', 'machine-readable output')
    .action(async (o: { store?: string; order?: string; json?: boolean }, cmd: Command) =>
      o.order ? showOrder(contextFrom(cmd), o.order, { ...o, payloads: false }) : runStatus(contextFrom(cmd), o),
    );

  program
    .command('map')
    .description('map one store order to an OrderMesh order and print it (or its errors) without submitting')
    .requiredOption('--store <id>', 'store id (a config or ledger store)')
    .option('--order <id>', 'read this order from the store (numeric id or GID)')
    .option('--input <file>', 'read the order from a JSON file (connector shape or Admin GraphQL shape)')
    .action(async (o: { store: string; order?: string; input?: string }, cmd: Command) => {
      // map and demo load the simulators and GraphQL tooling: only when asked for (a worker never is).
      const { runMap } = await import('./map.ts');
      process.exitCode = await runMap(contextFrom(cmd), o);
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
    .action(async (o, cmd: Command) => runBackfill(contextFrom(cmd), o));

  program
    .command('run')
    .description('one whole cycle for every store (pull, submit, resolve, poll shipments, write back), then exit: for schedulers')
    .requiredOption('--once', 'run one cycle and exit (the only mode; `start` is the service)')
    .option('--json', 'machine-readable summary')
    .action(async (o: { json?: boolean }, cmd: Command) => runOnce(contextFrom(cmd), o));

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
    .action(async (o, cmd: Command) => runReprocess(contextFrom(cmd), o));

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

  program.addCommand(doctorCommand());
  program.addCommand(skuCommand(contextFrom));
  program.addCommand(privacyCommand(contextFrom));
  program.addCommand(reconcileCommand(contextFrom));
  program.addCommand(requestCommand(contextFrom));
  program.addCommand(storeCommand(contextFrom));
  program.addCommand(orderCommand(contextFrom));
  program.addCommand(shopifyCommand(contextFrom));
  program.addCommand(simCommand());
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

/** `doctor`: every check with its fix, or (--ordermesh) a read-only probe of OrderMesh as the worker reads it. */
function doctorCommand(): Command {
  return new Command('doctor')
    .description('checks the config, secrets, database, mapping modules, each store\'s Shopify credentials and scopes, OrderMesh credentials and merchant access, webhook reachability; prints each with its fix')
    .option('--ordermesh', 'instead: probe OrderMesh with the configured credentials, once per read the worker relies on (token, list orders, order by safeId and id, shipments, catalogue); prints ok, drift or refused per read; reads only')
    .option('--json', 'machine-readable output')
    .action(async (o: { json?: boolean; ordermesh?: boolean }, cmd: Command) => {
      const g = cmd.optsWithGlobals<{ config?: string; logLevel?: string }>();
      if (o.ordermesh) {
        const report = await runOrderMeshProbe(g.config, createLogger({ level: g.logLevel ?? 'error', stderr: true }));
        process.stdout.write(o.json ? `${JSON.stringify(report, null, 2)}\n` : formatProbe(report));
        process.exitCode = report.ok ? EXIT.OK : EXIT.FAILURE;
        return;
      }
      const checks = await runDoctor(g.config, createLogger({ level: g.logLevel ?? 'error', stderr: true }));
      process.stdout.write(o.json ? `${JSON.stringify(checks, null, 2)}\n` : formatChecks(checks));
      process.exitCode = checks.some((c) => c.status === 'fail') ? EXIT.FAILURE : EXIT.OK;
    });
}

/** Returns the process exit code: 0 ok, 1 runtime failure, 2 bad usage or config. */
export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
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
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      return EXIT.USAGE;
    }
    if (err instanceof UsageError) {
      process.stderr.write(`ordersync: ${err.message}\n`);
      return EXIT.USAGE;
    }
    process.stderr.write(`ordersync: ${(err as Error).message}\n`);
    return EXIT.FAILURE;
  }
}
