import { readdirSync, readFileSync } from 'node:fs';
import { Kind, parse, print, visit, type DefinitionNode, type FragmentDefinitionNode } from 'graphql';

/**
 * Every GraphQL document we send to Shopify, one operation per file under ./graphql, with the fragments
 * it uses (from fragments.graphql) appended. test/shopify/documents.test.ts validates each against the
 * pinned Admin API schema.
 */
const DIR = new URL('./graphql/', import.meta.url);

const fragments = new Map<string, FragmentDefinitionNode>(
  parse(readFileSync(new URL('fragments.graphql', DIR), 'utf8'))
    .definitions.filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION)
    .map((d) => [d.name.value, d]),
);

function spreads(node: DefinitionNode): Set<string> {
  const names = new Set<string>();
  visit(node, { FragmentSpread: (s) => void names.add(s.name.value) });
  return names;
}

/** The operation text plus, transitively, every fragment it spreads. */
export function withFragments(source: string): string {
  const doc = parse(source);
  const needed = new Map<string, FragmentDefinitionNode>();
  const queue = doc.definitions.flatMap((d) => [...spreads(d)]);
  while (queue.length) {
    const name = queue.shift()!;
    if (needed.has(name)) continue;
    const frag = fragments.get(name);
    if (!frag) throw new Error(`unknown fragment ${name}`);
    needed.set(name, frag);
    queue.push(...spreads(frag));
  }
  return [print(doc), ...[...needed.values()].map((f) => print(f))].join('\n\n');
}

export const DOCUMENT_NAMES = [
  'orders-updated-since',
  'orders-updated-ids',
  'orders-count',
  'order-by-id',
  'orders-by-ids',
  'order-line-items',
  'bulk-orders-run',
  'bulk-orders-query',
  'bulk-operation',
  'order-fulfillment-state',
  'orders-fulfillment-state',
  'fulfillment-order-line-items',
  'fulfillment-create',
  'fulfillment-tracking-update',
  'app-access',
  'fulfillment-services',
  'fulfillment-service-create',
  'assigned-fulfillment-orders',
  'fulfillment-orders-by-ids',
  'fulfillment-request-accept',
  'fulfillment-request-reject',
  'cancellation-request-accept',
  'cancellation-request-reject',
  'orders-holds',
  'held-fulfillment-orders',
  'fulfillment-order-hold',
  'fulfillment-order-release-hold',
] as const;
export type DocumentName = (typeof DOCUMENT_NAMES)[number];

export const documents = Object.fromEntries(
  DOCUMENT_NAMES.map((name) => [name, withFragments(readFileSync(new URL(`${name}.graphql`, DIR), 'utf8'))]),
) as Record<DocumentName, string>;

/** Every .graphql file except the fragments, so a test notices a document that is not registered above. */
export function graphqlFilesOnDisk(): string[] {
  return readdirSync(DIR)
    .filter((f) => f.endsWith('.graphql') && f !== 'fragments.graphql')
    .map((f) => f.replace(/\.graphql$/, ''));
}

/** The bulk export query for orders updated in [since, until). Shopify's search syntax, quoted. */
export function bulkOrdersQuery(since: Date, until: Date): string {
  const filter = `updated_at:>='${since.toISOString()}' AND updated_at:<'${until.toISOString()}'`;
  return documents['bulk-orders-query'].replace('"$QUERY"', JSON.stringify(filter));
}
