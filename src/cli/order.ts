import { Command } from 'commander';
import type { Kysely } from 'kysely';
import { resolveSecrets } from '../config/load.ts';
import { ordermeshClientFor } from '../connectors/ordermesh/from-config.ts';
import { withLedger } from '../db/session.ts';
import { findOrders, orderStory, type OrderStory } from '../db/order-story.ts';
import type { Database } from '../db/schema.ts';
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
export async function showOrder(ctx: CliContext, key: string, o: { store?: string; payloads: boolean; json?: boolean; ordermesh?: boolean }): Promise<void> {
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
  if (!o.payloads) story.payloads = { store: undefined, sent: undefined };
  process.stdout.write(o.json ? `${JSON.stringify({ ...story, ...(ordermesh ? { ordermesh } : {}) }, null, 2)}\n` : formatStory(story) + (ordermesh ? formatOrderMeshSide(ordermesh) : ''));
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
    .description("an order's state, timeline, OrderMesh answer, packages and tracking, and the payloads read and sent")
    .argument('<key>', 'store order id (numeric or GID), name (#1001 or 1001), safeId or OrderMesh order id')
    .option('--store <id>', 'only this store (when a name is in several)')
    .option('--no-payloads', 'leave the store order and the sent payload out')
    .option('--json', 'machine-readable output')
    .option('--no-ordermesh', "leave out what OrderMesh says now (its notes, the requests' state)")
    .action(async (key: string, o: { store?: string; payloads: boolean; json?: boolean; ordermesh: boolean }, cmd: Command) => showOrder(contextFrom(cmd), key, o));
  return order;
}

export function formatStory(s: OrderStory): string {
  const o = s.order;
  const lines = [`${o.name ?? o.storeOrderId} (${o.storeOrderId}) in store ${o.store}`];
  lines.push(`  state: ${o.state} since ${o.stateSince}${o.attempts ? `, ${o.attempts} submission attempt(s)` : ''}`);
  lines.push(`  safeId: ${o.safeId}; OrderMesh order: ${o.ordermeshOrderId ?? 'none'}${o.submittedAt ? ` (submitted ${o.submittedAt})` : ''}`);
  if (o.lastError) lines.push(`  last error: ${o.lastError.code}: ${o.lastError.message ?? ''}`);
  if (o.holdUntil) lines.push(`  held until ${o.holdUntil}`);
  if (o.nextAttemptAt) lines.push(`  next attempt at ${o.nextAttemptAt}`);
  lines.push(`  first seen ${o.firstSeen}; store updatedAt ${o.storeUpdatedAt ?? 'unknown'}; last shipment poll ${o.lastPolledAt ?? 'never'}`);
  lines.push('', 'timeline:');
  for (const e of s.timeline) {
    const what = e.kind === 'state' ? `${e.from ?? '?'} → ${e.to}` : e.kind === 'ingested' ? `ingested → ${e.to}` : e.kind;
    lines.push(`  ${e.at}  ${what.padEnd(28)} ${[e.reason, e.message].filter(Boolean).join(': ')}  (${e.actor})`);
  }
  if (!s.timeline.length) lines.push('  (no events)');
  lines.push('', 'packages:');
  for (const p of s.packages) {
    lines.push(`  ${p.id}: ${[p.carrier, p.method].filter(Boolean).join(' / ') || 'carrier unknown'} ${p.trackingNumber ?? '(no tracking number)'}${p.shippedAt ? `, shipped ${p.shippedAt}` : ''}`);
    if (p.trackingUrl) lines.push(`    ${p.trackingUrl}`);
    if (p.writtenBack) lines.push(`    written to the store ${p.writtenBack.at} as ${p.writtenBack.fulfillment ?? '?'}${p.writtenBack.trackingNumber !== p.trackingNumber ? ` (with the earlier number ${p.writtenBack.trackingNumber})` : ''}`);
    else lines.push('    not written to the store yet');
    if (p.writeBackProblem) lines.push(`    write-back problem: ${p.writeBackProblem.code}: ${p.writeBackProblem.message ?? ''}`);
    for (const i of (p.items as Array<{ externalId?: string; quantity: number }>) ?? []) lines.push(`    item ${i.externalId ?? '?'} × ${i.quantity}`);
  }
  if (!s.packages.length) lines.push('  (none)');
  if (s.payloads.sent !== undefined) {
    lines.push('', 'sent to OrderMesh:', s.payloads.sent === null ? '  (nothing sent)' : JSON.stringify(s.payloads.sent, null, 2).replace(/^/gm, '  '));
    lines.push('', 'store order as last read:', s.payloads.store === null ? '  (none)' : JSON.stringify(s.payloads.store, null, 2).replace(/^/gm, '  '));
  }
  return `${lines.join('\n')}\n`;
}
