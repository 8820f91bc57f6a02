import {
  Kind,
  getNamedType,
  getNullableType,
  isLeafType,
  isListType,
  isObjectType,
  isAbstractType,
  valueFromASTUntyped,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';

/**
 * Shopify's calculated query cost, as observed (shared/notes/shopify-facts.md a2): scalars, enums and
 * value objects (money, addresses) cost 0; other objects 1; a plain list 1 flat; a connection
 * 2 + g(first) × (cost of one node) with g sub-linear, g(n) = max(1, floor(2·ln n)); a mutation 10.
 * The requested cost uses `first`; the actual cost the number of nodes that came back.
 */
const VALUE_OBJECTS = new Set(['MoneyBag', 'MoneyV2', 'MailingAddress', 'Attribute', 'PageInfo', 'FulfillmentTrackingInfo', 'TaxLine', 'UserError', 'FulfillmentOrderAssignedLocation']);
export const MUTATION_COST = 10;

export function g(n: number): number {
  return n <= 0 ? 0 : Math.max(1, Math.floor(2 * Math.log(n)));
}

interface Ctx {
  schema: GraphQLSchema;
  fragments: Map<string, FragmentDefinitionNode>;
  variables: Record<string, unknown>;
}

function argNumber(ctx: Ctx, args: readonly { name: { value: string }; value: any }[] | undefined, name: string): number | undefined {
  const a = args?.find((x) => x.name.value === name);
  if (!a) return undefined;
  const v = valueFromASTUntyped(a.value, ctx.variables);
  return typeof v === 'number' ? v : undefined;
}

function argList(ctx: Ctx, args: readonly { name: { value: string }; value: any }[] | undefined, name: string): unknown[] | undefined {
  const a = args?.find((x) => x.name.value === name);
  const v = a ? valueFromASTUntyped(a.value, ctx.variables) : undefined;
  return Array.isArray(v) ? v : undefined;
}

function objectCost(ctx: Ctx, set: SelectionSetNode | undefined, type: GraphQLCompositeType, data: unknown): number {
  if (!set) return 0;
  let total = 0;
  for (const sel of set.selections) {
    if (sel.kind === Kind.INLINE_FRAGMENT) {
      const t = sel.typeCondition ? (ctx.schema.getType(sel.typeCondition.name.value) as GraphQLCompositeType) : type;
      total += objectCost(ctx, sel.selectionSet, t, data);
      continue;
    }
    if (sel.kind === Kind.FRAGMENT_SPREAD) {
      const frag = ctx.fragments.get(sel.name.value);
      if (frag) total += objectCost(ctx, frag.selectionSet, ctx.schema.getType(frag.typeCondition.name.value) as GraphQLCompositeType, data);
      continue;
    }
    if (isAbstractType(type) || !('getFields' in type)) continue;
    const field = type.getFields()[sel.name.value];
    if (!field) continue;
    const named = getNamedType(field.type);
    if (isLeafType(named)) continue;
    const childData = data && typeof data === 'object' ? (data as Record<string, unknown>)[sel.alias?.value ?? sel.name.value] : undefined;
    const unwrapped = getNullableType(field.type);
    if (named.name.endsWith('Connection')) {
      const requested = argNumber(ctx, sel.arguments, 'first') ?? argNumber(ctx, sel.arguments, 'last') ?? 0;
      const nodes = connectionNodes(childData);
      const n = data === undefined ? requested : nodes.length;
      total += 2 + g(n) * connectionNodeCost(ctx, sel.selectionSet, named as GraphQLCompositeType, nodes[0]);
    } else if (isListType(unwrapped) && argList(ctx, sel.arguments, 'ids')) {
      // nodes(ids:): ASSUMED to be charged like a connection of that many nodes (requested: the ids
      // asked for; actual: the nodes that came back). Never the flat 1 of a plain list: that would
      // make reading orders by id far cheaper here than any evidence says it is on Shopify.
      const items = Array.isArray(childData) ? childData.filter((x) => x != null) : [];
      const n = data === undefined ? argList(ctx, sel.arguments, 'ids')!.length : items.length;
      total += 2 + g(n) * (1 + objectCost(ctx, sel.selectionSet, named as GraphQLCompositeType, items[0]));
    } else if (isListType(unwrapped)) {
      total += 1;
    } else if (VALUE_OBJECTS.has(named.name)) {
      total += objectCost(ctx, sel.selectionSet, named as GraphQLCompositeType, childData);
    } else {
      if (data !== undefined && childData == null) continue; // nothing came back: nothing charged
      total += 1 + objectCost(ctx, sel.selectionSet, named as GraphQLCompositeType, childData);
    }
  }
  return total;
}

function connectionNodes(data: unknown): unknown[] {
  if (!data || typeof data !== 'object') return [];
  const c = data as { nodes?: unknown[]; edges?: Array<{ node: unknown }> };
  return c.nodes ?? c.edges?.map((e) => e.node) ?? [];
}

/** Cost of one node of a connection: the selections under `nodes` or `edges { node }`. */
function connectionNodeCost(ctx: Ctx, set: SelectionSetNode | undefined, connType: GraphQLCompositeType, sample: unknown): number {
  if (!set || !isObjectType(connType)) return 1;
  let cost = 0;
  const nodeType = getNamedType(connType.getFields().nodes?.type ?? connType.getFields().edges!.type) as GraphQLCompositeType;
  for (const sel of set.selections) {
    if (sel.kind !== Kind.FIELD) continue;
    if (sel.name.value === 'nodes') cost = Math.max(cost, 1 + objectCost(ctx, sel.selectionSet, nodeType, sample));
    if (sel.name.value === 'edges') {
      const edgeType = getNamedType(connType.getFields().edges!.type) as GraphQLCompositeType;
      const realNode = isObjectType(edgeType) ? (getNamedType(edgeType.getFields().node!.type) as GraphQLCompositeType) : nodeType;
      for (const e of sel.selectionSet?.selections ?? []) {
        if (e.kind === Kind.FIELD && e.name.value === 'node') cost = Math.max(cost, 1 + objectCost(ctx, e.selectionSet, realNode, sample));
      }
    }
  }
  return Math.max(cost, 1);
}

/** Requested cost (data undefined) or actual cost (data = what the operation returned). */
export function operationCost(
  schema: GraphQLSchema,
  op: OperationDefinitionNode,
  fragments: Map<string, FragmentDefinitionNode>,
  variables: Record<string, unknown>,
  data?: unknown,
): number {
  if (op.operation === 'mutation') return MUTATION_COST * op.selectionSet.selections.length;
  const root = schema.getQueryType()!;
  return objectCost({ schema, fragments, variables }, op.selectionSet, root, data === undefined ? undefined : (data ?? {}));
}
