import { Command } from 'commander';
import type { Kysely } from 'kysely';
import { resolveSecrets } from '../config/load.ts';
import { ordermeshClientFor } from '../connectors/ordermesh/from-config.ts';
import { withLedger } from '../db/session.ts';
import { findOrders, isHeld, isSubmissionAttempt, orderStory, type OrderStory } from '../db/order-story.ts';
import type { Database } from '../db/schema.ts';
import { fixFor } from '../fixes.ts';
import { orderMeshSide, type OrderMeshSide } from '../ops/requests.ts';
import type { CliContext } from './context.ts';
import { storeFlag } from './store-flag.ts';
import { UsageError } from './usage.ts';

async function orderMeshSideFor(ctx: CliContext, db: Kysely<Database>, story: OrderStory): Promise<OrderMeshSide> {
  const client = ordermeshClientFor(ctx.config, resolveSecrets(ctx.config).ordermeshClientSecret, { log: ctx.log, retry: { maxAttempts: 2 }, timeoutMs: 10_000 });
  try {
    return await orderMeshSide({ db, ordermesh: client }, story);
  } finally {
    client.close();
  }
}

/** Prints one order's story (the ledger's, and OrderMesh's side unless `ordermesh` is false). */
export async function showOrder(ctx: CliContext, key: string, o: { store?: string; payloads?: boolean; json?: boolean; ordermesh?: boolean }): Promise<void> {
  const found = await withLedger(ctx.config, ctx.log, async (db) => {
    if (o.store) await storeFlag(ctx, db, o.store);
    const rows = await findOrders(db, key, o.store);
    if (rows.length > 1) throw new UsageError(`"${key}" names ${rows.length} orders (${rows.map((f) => `${f.store_id} ${f.store_order_name ?? f.store_order_id}`).join(', ')}): add --store`);
    if (!rows[0]) return null;
    const story = await orderStory(db, rows[0].id);
    return { story, ordermesh: o.ordermesh === false ? undefined : await orderMeshSideFor(ctx, db, story) };
  });
  if (!found) {
    process.stderr.write(`ordersync: no order "${key}" in the ledger${o.store ? ` of store ${o.store}` : ''} (an order the pull has not reached yet is not there: see \`ordersync status\`)\n`);
    process.exitCode = 1;
    return;
  }
  const { story, ordermesh } = found;
  // --json always carries the payloads (a program asking can drop them); the text shows them only on request.
  process.stdout.write(o.json ? `${JSON.stringify({ ...story, ...(ordermesh ? { ordermesh } : {}) }, null, 2)}\n` : formatStory(story, o.payloads === true) + (ordermesh ? formatOrderMeshSide(ordermesh) : ''));
}

export function formatOrderMeshSide(m: OrderMeshSide): string {
  const lines = ['', 'OrderMesh notes:'];
  if (m.unreadable) lines.push(`  (OrderMesh could not be read: ${m.unreadable})`);
  else if (!m.notes?.length) lines.push('  (none)');
  for (const n of m.notes ?? []) lines.push(`  ${n.updatedAt}  ${n.author ?? '?'}${n.externalId ? ' (from the store)' : ''}: ${n.text.replace(/\n/g, '\n    ')}`);
  lines.push('', 'refund and reprint requests:');
  if (!m.requests.length) lines.push('  (none)');
  for (const r of m.requests) {
    const what = r.items ? r.items.map((i) => `item ${i.orderItemId} × ${i.quantity}`).join(', ') : 'the whole order';
    lines.push(`  ${r.createdAt}  ${r.kind} of ${what}: ${r.state}${r.ordermeshRef ? ` as ${r.ordermeshRef}` : ''}${r.ordermeshStatus ? `, OrderMesh: ${r.ordermeshStatus}` : ''}${r.error ? ` (${r.error})` : ''}; reason: ${r.reason}`);
  }
  return `${lines.join('\n')}\n`;
}

/** `ordersync order show`: one order's story, as an operator asks "what happened to #1001?". */
export function orderCommand(contextFrom: (cmd: Command) => CliContext): Command {
  const order = new Command('order').description('one order in the ledger');
  order
    .command('show')
    .description("an order's state, last error and its fix, timeline, packages and tracking, OrderMesh's notes and requests; the payloads read and sent with --payloads")
    .argument('<key>', 'store order id (numeric or GID), name (#1001 or 1001), safeId or OrderMesh order id')
    .option('--store <id>', 'only this store (when a name is in several)')
    .option('--payloads', 'also print the store order as last read and the payload sent to OrderMesh (--json always has them)')
    .option('--no-payloads', 'leave the payloads out (the default; kept for scripts that pass it)')
    .option('--json', 'machine-readable output')
    .option('--no-ordermesh', "leave out what OrderMesh says now (its notes, the requests' state)")
    .action(async (key: string, o: { store?: string; payloads?: boolean; json?: boolean; ordermesh: boolean }, cmd: Command) => showOrder(contextFrom(cmd), key, o));
  return order;
}

/** The head of a story: where the order is and, first, what went wrong last and how to fix it. */
function formatHead(o: OrderStory['order']): string[] {
  const lines = [`${o.name ?? o.storeOrderId} (${o.storeOrderId}) in store ${o.store}`];
  lines.push(`  state: ${o.state} since ${o.stateSince}${o.attempts ? `, ${o.attempts} submission attempt(s)` : ''}`);
  if (o.lastError) {
    lines.push(`  last error: ${o.lastError.code}: ${o.lastError.message ?? ''}`);
    const fix = fixFor(o.lastError.code);
    if (fix) lines.push(`  fix: ${fix}`);
  }
  if (o.holdUntil && isHeld(o)) lines.push(`  held until ${o.holdUntil}`);
  if (o.nextAttemptAt) lines.push(`  next attempt at ${o.nextAttemptAt}`);
  lines.push(`  safeId: ${o.safeId}; OrderMesh order: ${o.ordermeshOrderId ?? 'none'}${o.submittedAt ? ` (submitted ${o.submittedAt})` : ''}`);
  lines.push(`  first seen ${o.firstSeen}; store updatedAt ${o.storeUpdatedAt ?? 'unknown'}; last shipment poll ${o.lastPolledAt ?? 'never'}`);
  return lines;
}

/** The timeline, each submission attempt numbered as the head counts them. */
function formatTimeline(timeline: OrderStory['timeline']): string[] {
  const lines = ['', 'timeline:'];
  let attempt = 0;
  for (const e of timeline) {
    const what = e.kind === 'state' ? `${e.from ?? '?'} → ${e.to}` : e.kind === 'ingested' ? `ingested → ${e.to}` : e.kind;
    const why = isSubmissionAttempt(e) ? `submission attempt ${++attempt}` : [e.reason, e.message].filter(Boolean).join(': ');
    lines.push(`  ${e.at}  ${what.padEnd(28)} ${why}  (${e.actor})`);
  }
  if (!timeline.length) lines.push('  (no events)');
  return lines;
}

function formatPackages(packages: OrderStory['packages']): string[] {
  const lines = ['', 'packages:'];
  for (const p of packages) {
    lines.push(`  ${p.id}: ${[p.carrier, p.method].filter(Boolean).join(' / ') || 'carrier unknown'} ${p.trackingNumber ?? '(no tracking number)'}${p.shippedAt ? `, shipped ${p.shippedAt}` : ''}`);
    if (p.trackingUrl) lines.push(`    ${p.trackingUrl}`);
    if (p.writtenBack) lines.push(`    written to the store ${p.writtenBack.at} as ${p.writtenBack.fulfillment ?? '?'}${p.writtenBack.trackingNumber !== p.trackingNumber ? ` (with the earlier number ${p.writtenBack.trackingNumber})` : ''}`);
    else lines.push('    not written to the store yet');
    if (p.writeBackProblem) lines.push(`    write-back problem: ${p.writeBackProblem.code}: ${p.writeBackProblem.message ?? ''}`);
    for (const i of (p.items as Array<{ externalId?: string; quantity: number }>) ?? []) lines.push(`    item ${i.externalId ?? '?'} × ${i.quantity}`);
  }
  if (!packages.length) lines.push('  (none)');
  return lines;
}

function formatPayloads(payloads: OrderStory['payloads']): string[] {
  return [
    '',
    'sent to OrderMesh:',
    payloads.sent == null ? '  (nothing sent)' : JSON.stringify(payloads.sent, null, 2).replace(/^/gm, '  '),
    '',
    'store order as last read:',
    payloads.store == null ? '  (none)' : JSON.stringify(payloads.store, null, 2).replace(/^/gm, '  '),
  ];
}

/** An order's story for an operator; the payloads (hundreds of lines) only when asked for. */
export function formatStory(s: OrderStory, withPayloads = false): string {
  const lines = [...formatHead(s.order), ...formatTimeline(s.timeline), ...formatPackages(s.packages), ...(withPayloads ? formatPayloads(s.payloads) : [])];
  return `${lines.join('\n')}\n`;
}
