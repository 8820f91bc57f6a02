import type { MappingError } from './types.ts';

/** A message that opens with the value it is about, quoted (money.ts: `"4.505" KWD: OrderMesh money takes…`). */
const VALUE_FIRST = /^("[^"]*") (.+)$/s;

/**
 * A failed mapping's errors as one operator-readable text (an order's last error, its timeline event).
 * The same problem at many places (a three-decimal amount on each of 16 line items, each its own
 * value) is said once, followed by its places (path and value); different problems stay apart,
 * separated by "; ", in the order they came. A problem at one place reads as before: `path: message`.
 */
export function describeMappingErrors(errors: MappingError[]): string {
  const byProblem = new Map<string, { code: string; problem: string; places: MappingError[]; placeNames: string[] }>();
  for (const e of errors) {
    const valueFirst = VALUE_FIRST.exec(e.message);
    const problem = valueFirst ? valueFirst[2]! : e.message;
    const key = `${e.code}\u0000${problem}`;
    const group = byProblem.get(key) ?? byProblem.set(key, { code: e.code, problem, places: [], placeNames: [] }).get(key)!;
    group.places.push(e);
    group.placeNames.push([e.path, valueFirst?.[1]].filter(Boolean).join(' '));
  }
  return [...byProblem.values()].map(describeGroup).join('; ');
}

function describeGroup(g: { problem: string; places: MappingError[]; placeNames: string[] }): string {
  if (g.places.length === 1) return `${g.places[0]!.path ? `${g.places[0]!.path}: ` : ''}${g.places[0]!.message}`;
  return `${g.problem}, at ${g.places.length} places: ${g.placeNames.join(', ')}`;
}
