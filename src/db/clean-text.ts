import { formatPath } from '../util/zod-path.ts';

/**
 * PostgreSQL refuses a whole jsonb value (and with it the whole page of orders being written) when any
 * string in it holds a NUL (22P05) or an unpaired UTF-16 surrogate (22P02). Such strings come from
 * real stores (a pasted note, a broken client). Each is replaced by U+FFFD here, and where it was is
 * returned, so the order is recorded, and fails alone, with a reason naming the fields.
 */
const POISON = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const POISON_ALL = new RegExp(POISON.source, 'g');

export function cleanText<T>(value: T): { value: T; poisoned: string[] } {
  const poisoned: string[] = [];
  const walk = (v: unknown, path: Array<string | number>): unknown => {
    if (typeof v === 'string') {
      if (!POISON.test(v)) return v;
      poisoned.push(formatPath(path) || '$');
      return v.replace(POISON_ALL, '\uFFFD');
    }
    if (Array.isArray(v)) return v.map((x, i) => walk(x, [...path, i]));
    if (v && typeof v === 'object') {
      return Object.fromEntries(
        Object.entries(v).map(([k, x]) => {
          const key = k.replace(POISON_ALL, '\uFFFD');
          if (key !== k) poisoned.push(formatPath([...path, key]));
          return [key, walk(x, [...path, key])];
        }),
      );
    }
    return v;
  };
  const out = walk(value, []) as T;
  return { value: out, poisoned };
}
