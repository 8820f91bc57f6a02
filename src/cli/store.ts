import { readFileSync } from 'node:fs';
import os from 'node:os';
import { Command } from 'commander';
import { parse as parseYaml, stringify } from 'yaml';
import { formatStatus, statusReport } from '../db/status.ts';
import { ConfigError } from '../config/load.ts';
import { addLedgerStore, listStores, storeDetail, removeLedgerStore, rekeyStores, setMerchant, setPaused, storeMerchant, storeSource, UNASSIGNED_MERCHANT, type LedgerStoreSecrets, type LedgerStoreSettings } from '../db/ledger-stores.ts';
import { withLedger } from '../db/session.ts';
import { Keyring, SecretKeyError } from '../util/secret-box.ts';
import type { CliContext } from './context.ts';
import { UsageError } from './usage.ts';

type Ctx = (cmd: Command) => CliContext;
const actor = () => `cli:store:${os.userInfo().username}`;

/** A secret for a ledger store: from the named environment variable, never from a flag (it would sit in the shell history). */
function secretFrom(env: string | undefined, flag: string): string | undefined {
  if (env === undefined) return undefined;
  const v = process.env[env];
  if (!v) throw new UsageError(`${flag}: the environment variable ${env} is not set`);
  return v;
}

function readSettings(file: string | undefined): Record<string, unknown> {
  if (!file) return {};
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new UsageError(`--settings: cannot read ${file}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`);
  }
  const v = parseYaml(text) as unknown;
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw new UsageError(`--settings: ${file} must hold one store's settings (as a config file's stores[] entry)`);
  return v as Record<string, unknown>;
}

/**
 * `ordersync store`: stores kept in the ledger, beside the config file's. Running workers pick a change
 * up within seconds. Their secrets are sealed with ORDERSYNC_SECRET_KEY (AES-256-GCM).
 */
export function storeCommand(contextFrom: Ctx): Command {
  const store = new Command('store').description("stores kept in the ledger beside the config file's (running workers pick changes up within seconds; secrets sealed with ORDERSYNC_SECRET_KEY)");
  store
    .command('add <id>')
    .description('adds a store to the ledger')
    .requiredOption('--shop <domain>', 'the shop, *.myshopify.com')
    .requiredOption('--merchant <id>', 'the OrderMesh merchant its orders belong to')
    .option('--token-env <VAR>', 'the environment variable holding its Admin API access token')
    .option('--client-id <id>', 'a Dev Dashboard app: its client id (with --client-secret-env)')
    .option('--client-secret-env <VAR>', 'the environment variable holding the app client secret')
    .option('--webhook-secret-env <VAR>', 'the environment variable holding the app secret its webhooks are signed with')
    .option('--settings <file>', 'YAML or JSON with the rest of its settings (mapping, pull, holdMinutes, mode, …), as a config stores[] entry')
    .action(async (id: string, o: { shop: string; merchant: string; tokenEnv?: string; clientId?: string; clientSecretEnv?: string; webhookSecretEnv?: string; settings?: string }, cmd: Command) => {
      const ctx = contextFrom(cmd);
      if (ctx.config.stores.some((s) => s.id === id)) throw new UsageError(`"${id}" is a store of the config file: one id cannot be in both`);
      // The ledger knows the running workers' config stores; this file's may be newer.
      const inFile = ctx.config.stores.find((s) => s.shopDomain === o.shop);
      if (inFile) throw new UsageError(`store.shopDomain: ${o.shop} is already the config file's store ${inFile.id}: one shop, one store`);
      if (Boolean(o.tokenEnv) === Boolean(o.clientId)) throw new UsageError('give --token-env VAR, or --client-id with --client-secret-env VAR');
      const secrets: LedgerStoreSecrets = {
        shopifyToken: secretFrom(o.tokenEnv, '--token-env'),
        shopifyClientSecret: secretFrom(o.clientSecretEnv, '--client-secret-env'),
        webhookSecret: secretFrom(o.webhookSecretEnv, '--webhook-secret-env'),
      };
      const settings = { ...readSettings(o.settings), id, shopDomain: o.shop, merchantId: o.merchant, auth: o.clientId ? { type: 'clientCredentials', clientId: o.clientId } : { type: 'accessToken' } } as LedgerStoreSettings;
      const keyring = Keyring.fromEnv();
      try {
        const added = await withLedger(ctx.config, ctx.log, (db) => addLedgerStore(db, keyring, settings, secrets, actor()));
        process.stdout.write(`store ${added.id} (${added.shopDomain}) added to the ledger; running workers take it up within seconds\n`);
      } catch (err) {
        if (err instanceof ConfigError) throw new UsageError(err.message.replace(/^config: /, ''));
        if (err instanceof SecretKeyError) throw new UsageError(err.message);
        throw err;
      }
    });
  store
    .command('list')
    .description("every store: the config file's and the ledger's, with whether it runs")
    .option('--json', 'machine-readable output')
    .action(async (o: { json?: boolean }, cmd: Command) => {
      const ctx = contextFrom(cmd);
      const rows = await withLedger(ctx.config, ctx.log, (db) => listStores(db));
      if (o.json) return void process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
      for (const r of rows) process.stdout.write(`${r.id}  ${r.shopDomain}  merchant ${r.merchantId}  ${r.source}  ${r.enabled ? 'running' : `paused${r.pausedReason ? ` (${r.pausedReason})` : ''}`}${r.keyId ? `  key ${r.keyId}` : ''}\n`);
      if (!rows.length) process.stdout.write('no stores\n');
    });
  store
    .command('show <id>')
    .description('one store: where it comes from, whether it runs, its settings (never its secrets), its latest store events and its orders by state')
    .option('--json', 'machine-readable output')
    .action(async (id: string, o: { json?: boolean }, cmd: Command) => {
      const ctx = contextFrom(cmd);
      const shown = await withLedger(ctx.config, ctx.log, async (db) => {
        const [row] = await listStores(db, id);
        const detail = await storeDetail(db, id);
        if (!row || !detail) return null;
        // A config store's settings are its entry in the file, shown without its secrets' references
        // (a `default:` there is a value); a ledger store's hold none.
        const inFile = ctx.config.stores.find((s) => s.id === id);
        const settings = row.source === 'config' && inFile ? { ...inFile, auth: { type: inFile.auth.type }, webhookSecret: undefined } : detail.settings;
        return { ...row, settings, secretsHeld: detail.secretsHeld, events: detail.events, status: (await statusReport(db, id)).stores[0] };
      });
      if (!shown) throw new UsageError(`no store "${id}" (see \`ordersync store list\`)`);
      if (o.json) return void process.stdout.write(`${JSON.stringify(shown, null, 2)}\n`);
      const lines = [
        `store ${shown.id} (${shown.shopDomain})`,
        `  source    ${shown.source === 'config' ? `the config file (${ctx.configPath})` : 'the ledger'}`,
        `  merchant  ${shown.merchantId}`,
        `  state     ${shown.enabled ? 'running' : `paused${shown.pausedReason ? ` (${shown.pausedReason})` : ''}`}`,
        ...(shown.source === 'ledger' ? [`  secrets   ${shown.secretsHeld.length ? `${shown.secretsHeld.join(', ')}, sealed with key ${shown.keyId}` : 'none held'}`] : []),
        `  added     ${shown.createdAt}; changed ${shown.updatedAt}`,
        'settings:',
        ...stringify(shown.settings).trimEnd().split('\n').map((l) => `  ${l}`),
        'latest store events:',
        ...(shown.events.length ? shown.events.map((e) => `  ${e.at}  ${e.kind}${e.message ? `: ${e.message}` : ''}  (${e.actor})`) : ['  (none)']),
        'orders:',
      ];
      process.stdout.write(`${lines.join('\n')}\n${shown.status ? formatStatus({ stores: [shown.status], workers: [], queues: {} }).replace(/^/gm, '  ').trimEnd() : '  (none)'}\n`);
    });
  pauseAndResume(store, contextFrom);
  store
    .command('remove <id>')
    .description('removes a ledger store (one with orders is kept paused, its secrets dropped, so its orders stay visible)')
    .action(async (id: string, _o: unknown, cmd: Command) => {
      const ctx = contextFrom(cmd);
      const r = await withLedger(ctx.config, ctx.log, (db) => removeLedgerStore(db, id, actor()));
      if (r === 'not-found') throw new UsageError(`no store "${id}"`);
      if (r === 'config-store') throw new UsageError(`"${id}" is a store of the config file: remove it there`);
      process.stdout.write(r === 'removed' ? `store ${id} removed\n` : `store ${id} has orders: kept, paused, its secrets dropped\n`);
    });
  store
    .command('rekey')
    .description('re-seals every ledger secret with ORDERSYNC_SECRET_KEY (the old key in ORDERSYNC_SECRET_KEYS_OLD until this is done)')
    .action(async (_o: unknown, cmd: Command) => {
      const ctx = contextFrom(cmd);
      const keyring = Keyring.fromEnv();
      if (!keyring.currentKeyId) throw new UsageError('ORDERSYNC_SECRET_KEY is not set: it is the key to re-seal with');
      const n = await withLedger(ctx.config, ctx.log, (db) => rekeyStores(db, keyring, actor()).catch((err) => {
        throw err instanceof SecretKeyError ? new UsageError(err.message) : err;
      }));
      process.stdout.write(`${n} store(s) re-sealed with key ${keyring.currentKeyId}\n`);
    });
  return store;
}

/** `store pause` and `store resume`. */
function pauseAndResume(store: Command, contextFrom: Ctx): void {
  for (const [verb, paused] of [['pause', true], ['resume', false]] as const) {
    store
      .command(`${verb} <id>`)
      .description(paused ? 'stops a ledger store (nothing read or sent for it; its orders stay)' : 'starts a paused ledger store again')
      .option(paused ? '--reason <text>' : '--merchant <id>', paused ? 'why (shown by `store list`)' : 'name its OrderMesh merchant first (an installed shop waiting for one: NEEDS_MERCHANT)')
      .action(async (id: string, o: { reason?: string; merchant?: string }, cmd: Command) => {
        const ctx = contextFrom(cmd);
        const r = await withLedger(ctx.config, ctx.log, async (db) => {
          if (o.merchant && (await storeSource(db, id)) === 'ledger') await setMerchant(db, id, o.merchant);
          else if (!paused && (await storeMerchant(db, id)) === UNASSIGNED_MERCHANT) throw new UsageError(`${id} has no OrderMesh merchant yet: resume it with --merchant ID`);
          return setPaused(db, id, paused, paused ? (o.reason ?? 'PAUSED') : null, actor());
        });
        if (r === 'not-found') throw new UsageError(`no store "${id}"`);
        if (r === 'config-store') throw new UsageError(`"${id}" is a store of the config file: set enabled: ${!paused} for it there`);
        if (typeof r === 'object') throw new UsageError(r.refused);
        process.stdout.write(`store ${id} ${paused ? 'paused' : 'resumed'}\n`);
      });
  }
}
