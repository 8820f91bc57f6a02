/**
 * What counts as a customer's personal data in what the ledger keeps, and how it is removed. Two
 * steps, because personal data turns up in places no schema names (a gift message in a line item's
 * properties, an address echoed in an error message):
 * 1. by key: the fields that are personal wherever they sit (names, e-mail, phone, street, city, zip,
 *    company, coordinates, IP; the order's note and checkout attributes; what the customer typed into a
 *    line item's properties, an engraving or a gift message, and the clientAttributes it became) are
 *    removed from a payload, their values collected;
 * 2. by value: every collected value is then cut out of any other text of the same order (the rest of
 *    its payloads, its error message, its hold reason, its events). A value of 4 characters or more
 *    wherever it occurs; a shorter one ("Li", "W1") only as a word of its own (see scrubText).
 * What stays: ids, names of orders (#1001), states, money, SKUs and quantities, country and province
 * codes, tracking, print files: what the sync and the audit trail need, and nothing that names a person.
 */
const PERSONAL_KEYS = new Set([
  'firstName', 'lastName', 'fullName', 'name', 'company', 'email', 'phone',
  'address1', 'address2', 'line1', 'line2', 'line3', 'city', 'zip', 'location', 'latitude', 'longitude', 'ip',
  'cardFirst4', 'cardLast4',
]);
/** Personal at the top of an order (the customer's note and checkout attributes); a line item's attributes are its print files. */
const ORDER_LEVEL_PERSONAL = new Set(['note', 'customAttributes']);
/**
 * A line item's properties: the print files (and thumbnails) the mapping reads are URLs and stay, so
 * the order's items still compare with what OrderMesh was sent; any other value is what the customer
 * typed (an engraving, a gift message) and goes.
 */
const LINE_PROPERTIES = 'customAttributes';
/** What a mapping sent OrderMesh of those typed properties (shopify-default.ts: non-`_` properties). */
const SENT_PROPERTIES = 'clientAttributes';
const isUrl = (v: unknown) => typeof v === 'string' && /^https?:\/\//.test(v.trim());
/** Objects that are addresses (or hold one): inside them, `name` is a person's. */
const ADDRESS_KEYS = new Set(['shippingAddress', 'billingAddress', 'billingInfo', 'address', 'customer']);
/** Kept at the top of an order: `name` there is the order's name (#1001), not a person's. */
const ORDER_LEVEL_KEPT = new Set(['name']);

export const REDACTED = '[redacted]';
/** Values this long or longer are cut out of other text wherever they occur. */
const MIN_SCRUB_LENGTH = 4;
/**
 * Shorter values are cut out only as words of their own, and only with a letter and 2 characters or
 * more: "Li" or "W1" anywhere would cut "Little" or "MW12"; a lone "12" or "a" is a quantity or a
 * word of every sentence, not a person.
 */
const MIN_WORD_LENGTH = 2;
/**
 * What may border a short value cut out as a word: whitespace and quotes, brackets, commas. Not `/`,
 * `-`, `_`, `.`, `:` or `#` inside a token, so an id (`gid://shopify/LineItem/Li`, `#Li-2`) is left whole.
 */
const WORD_BEFORE = `(?<=^|[\\s"'\`(\\[{<,;])`;
const WORD_AFTER = `(?=$|[\\s"'\`)\\]}>,;!?]|[.:](?:\\s|$))`;

/** `value` without its personal fields (by key), and the personal values it held. */
export function redactPayload(value: unknown): { redacted: unknown; found: Set<string> } {
  const found = new Set<string>();
  const walk = (v: unknown, inAddress: boolean, top: boolean): unknown => {
    if (Array.isArray(v)) return v.map((x) => walk(x, inAddress, false));
    if (!v || typeof v !== 'object') return v;
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) {
      const personal = (PERSONAL_KEYS.has(k) && !(top && ORDER_LEVEL_KEPT.has(k)) && (k !== 'name' || inAddress)) || (top && ORDER_LEVEL_PERSONAL.has(k));
      if (personal || k === SENT_PROPERTIES) {
        collect(x, found);
        continue;
      }
      if (k === LINE_PROPERTIES && !top && Array.isArray(x)) {
        out[k] = x.filter((a) => {
          const value = (a as { value?: unknown } | null)?.value;
          if (isUrl(value)) return true;
          collect(value, found);
          return false;
        });
        continue;
      }
      out[k] = walk(x, inAddress || ADDRESS_KEYS.has(k), false);
    }
    return out;
  };
  const redacted = walk(value, false, true);
  return { redacted: scrubValue(redacted, found), found };
}

function collect(v: unknown, into: Set<string>): void {
  if (typeof v === 'string' && v.trim()) into.add(v.trim());
  else if (typeof v === 'number') into.add(String(v));
  else if (Array.isArray(v)) v.forEach((x) => collect(x, into));
  else if (v && typeof v === 'object') Object.values(v).forEach((x) => collect(x, into));
}

/**
 * Text with the values cut out (longest first, so a name inside an address goes with it): each of 4
 * characters or more wherever it occurs, a shorter one as a word of its own, case and all.
 */
export function scrubText(text: string, values: Iterable<string>): string {
  let out = text;
  for (const v of [...values].sort((a, b) => b.length - a.length)) {
    if (v.length >= MIN_SCRUB_LENGTH) {
      if (out.includes(v)) out = out.split(v).join(REDACTED);
    } else if (v.length >= MIN_WORD_LENGTH && /\p{L}/u.test(v) && out.includes(v)) {
      out = out.replace(new RegExp(`${WORD_BEFORE}${escapeRegExp(v)}${WORD_AFTER}`, 'gu'), REDACTED);
    }
  }
  return out;
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Any JSON value with the values cut out of its strings. */
export function scrubValue(value: unknown, values: Set<string>): unknown {
  if (values.size === 0) return value;
  if (typeof value === 'string') return scrubText(value, values);
  if (Array.isArray(value)) return value.map((x) => scrubValue(x, values));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, x]) => [k, scrubValue(x, values)]));
  return value;
}
