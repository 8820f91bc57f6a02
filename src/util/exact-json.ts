/**
 * JSON.parse, except that integers beyond 2^53 stay exact, as the decimal string they were written as.
 * Shopify's REST ids do exceed it (its own sample order id is 820982911946154508): a plain parse turns
 * that into …500, and a safeId made from it would not be the one production uses.
 */
export function parseJsonExact(text: string): unknown {
  return JSON.parse(text, (_key, value: unknown, context?: { source?: string }) =>
    typeof value === 'number' && Number.isInteger(value) && !Number.isSafeInteger(value) && context?.source !== undefined && /^-?\d+$/.test(context.source) ? context.source : value,
  );
}
