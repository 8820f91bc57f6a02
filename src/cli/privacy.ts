import os from 'node:os';
import { Command } from 'commander';
import type { Kysely } from 'kysely';
import { exportOrders, fetchExport, listRequests, redactOrders, scrubStrayEvents, subjectOrderIds, wipeStore } from '../db/privacy.ts';
import type { Database } from '../db/schema.ts';
import { withLedger } from '../db/session.ts';
import type { CliContext } from './context.ts';
import { findOrders } from '../db/order-story.ts';
import { storeFlag } from './store-flag.ts';
import { UsageError } from './usage.ts';

type Ctx = (cmd: Command) => CliContext;
const actor = () => `cli:privacy:${os.userInfo().username}`;
const print = (v: unknown) => process.stdout.write(`${JSON.stringify(v, null, 2)}\n`);

function oneOf(o: Record<string, unknown>, flags: string[], command: string): void {
  if (flags.filter((f) => o[f] !== undefined).length !== 1) throw new UsageError(`${command}: give exactly one of ${flags.map((f) => `--${f}`).join(' and ')}`);
}

/** The ledger orders a customer's e-mail names, in every store of the ledger (one query, however many stores), or in one. */
function customerOrders(db: Kysely<Database>, email: string, store?: string): Promise<string[]> {
  return subjectOrderIds(db, store, { emails: [email], phones: [], shopifyOrderIds: [] });
}

/** An order by Shopify id (numeric or GID), name (#1001), safeId or OrderMesh id. */
async function orderByKey(db: Kysely<Database>, key: string, store?: string): Promise<string[]> {
  const rows = await findOrders(db, key, store);
  if (rows.length === 0) throw new UsageError(`--order: no order "${key}" in the ledger`);
  return rows.map((r) => r.id);
}

/**
 * `ordersync privacy`: answer a customer's access or deletion request by hand (the compliance webhooks
 * do the same by themselves), and fetch the exports those webhooks prepared.
 */
export function privacyCommand(contextFrom: Ctx): Command {
  const privacy = new Command('privacy').description("customers' personal data: export it, remove it, and Shopify's compliance requests");
  privacy
    .command('export')
    .description('what the ledger holds of a customer (or of one order), as JSON, with the OrderMesh orders that carry it')
    .option('--customer <email>', "the customer's e-mail")
    .option('--order <id>', 'a Shopify order id, order name or safeId')
    .option('--store <id>', 'only this store')
    .action(async (o: { customer?: string; order?: string; store?: string }, cmd: Command) => {
      oneOf(o, ['customer', 'order'], 'privacy export');
      const ctx = contextFrom(cmd);
      print(
        await withLedger(ctx.config, ctx.log, async (db) => {
          if (o.store) await storeFlag(ctx, db, o.store);
          return exportOrders(db, o.customer ? await customerOrders(db, o.customer, o.store) : await orderByKey(db, o.order!, o.store));
        }),
      );
    });
  privacy
    .command('redact')
    .description("remove a customer's personal data from their orders and events, or everything of a store; --dry-run says what would go")
    .option('--customer <email>', "the customer's e-mail")
    .option('--store <id>', "with --customer: only this store; alone: every row of the store (orders, events, SKU maps, cursors, a ledger store's own row with its settings and sealed token)")
    .option('--dry-run', 'count, change nothing')
    .action(async (o: { customer?: string; store?: string; dryRun?: boolean }, cmd: Command) => {
      if (!o.customer && !o.store) throw new UsageError('privacy redact: give --customer or --store');
      const ctx = contextFrom(cmd);
      const dryRun = Boolean(o.dryRun);
      const out = await withLedger(ctx.config, ctx.log, async (db) => {
        if (o.store) await storeFlag(ctx, db, o.store);
        if (!o.customer) return { store: o.store, dryRun, removed: await wipeStore(db, o.store!, null, dryRun) };
        const ids = await customerOrders(db, o.customer, o.store);
        const found = new Set<string>([o.customer]);
        const redacted = await redactOrders(db, ids, { actor: actor(), reason: 'CUSTOMER_REDACT', also: found, collect: found, dryRun });
        return { customer: 'as given', dryRun, ...redacted, strayEvents: await scrubStrayEvents(db, [...found], dryRun) };
      });
      print(out);
    });
  privacy
    .command('requests')
    .description("Shopify's compliance requests and what was done; --fetch prints a data request's export and then removes it from the ledger")
    .option('--fetch <id>', "print this data request's export (then it is no longer kept)")
    .action(async (o: { fetch?: string }, cmd: Command) => {
      const ctx = contextFrom(cmd);
      await withLedger(ctx.config, ctx.log, async (db) => {
        if (o.fetch) {
          const r = await fetchExport(db, o.fetch);
          if (!r.ok) throw new UsageError(`--fetch: ${r.message}`);
          return print(r.export);
        }
        const rows = await listRequests(db);
        if (rows.length === 0) return void process.stdout.write('no compliance requests received\n');
        for (const r of rows) {
          const ready = r.exportReady ? ` export ready: ordersync privacy requests --fetch ${r.id}` : '';
          const expired = r.exportExpiredAt ? `, export expired ${r.exportExpiredAt.toISOString()} (not fetched within privacy.exportDays)` : '';
          process.stdout.write(`${r.id.padStart(5)}  ${r.store}  ${r.topic.padEnd(22)} ${r.status.padEnd(8)} ${r.orders} order(s)  received ${r.receivedAt.toISOString()}${r.fetchedAt ? `, fetched ${r.fetchedAt.toISOString()}` : ''}${expired}${ready}\n`);
        }
      });
    });
  return privacy;
}
