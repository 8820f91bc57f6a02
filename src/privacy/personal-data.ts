/**
 * What counts as a customer's personal data in what the ledger keeps, and how it is removed. Two
 * steps, because personal data turns up in places no schema names (a gift message in a line item's
 * properties, an address echoed in an error message):
 * 1. by key: the fields that are personal wherever they sit (names, e-mail, phone, street, city, zip,
 *    company, coordinates, IP; the order's note and checkout attributes; what the customer typed into a
 *    line item's properties, an engraving or a gift message, and the clientAttributes it became) are
 *    removed from a payload, their values collected;
 * 2. by value: every collected value is then cut out of any other text of the same order (the rest of
 *    its payloads, its error message, its hold reason, its events), as a whole token only (see
 *    scrubText), and never out of what identifies the order to the sync (see KEPT_KEYS).
 * What stays: ids, names of orders (#1001), states, money, SKUs and quantities, product titles,
 * country and province codes, tracking, print files and apps' hidden properties: what the sync and the
 * audit trail need, and nothing the customer typed. Cutting a value out of those broke the order
 * (issue 34: a zip of 10001 cut out of `gid://shopify/Order/5510001…`, a city "Rose" out of
 * "Rose Gold Mug"), so a redacted order in production could no longer be written back.
 */
const PERSONAL_KEYS = new Set([
  'firstName', 'lastName', 'fullName', 'name', 'company', 'email', 'phone',
  'address1', 'address2', 'line1', 'line2', 'line3', 'city', 'zip', 'location', 'latitude', 'longitude', 'ip',
  'cardFirst4', 'cardLast4',
]);
/** Personal at the top of an order (the customer's note and checkout attributes); a line item's attributes are its print files. */
const ORDER_LEVEL_PERSONAL = new Set(['note', 'customAttributes']);
/**
 * A line item's properties. Two kinds stay: URLs (the print files and thumbnails the mapping reads,
 * so the order's items still compare with what OrderMesh was sent) and properties whose key starts
 * with `_`. Those are Shopify's hidden properties: the storefront never shows them to the customer nor
 * lets them type one, so they are what an app set (a print area, a design id), not the customer's
 * words; the default mapping reads its print files from them and never sends them as clientAttributes.
 * Collecting them cut words like "front" out of every text of the order. Whatever an app copied of the
 * customer's words into one is still cut out of it by value, as from any other text.
 * Any other value is what the customer typed (an engraving, a gift message, a year) and goes.
 */
const LINE_PROPERTIES = 'customAttributes';
/** What a mapping sent OrderMesh of those typed properties (shopify-default.ts: non-`_` properties). */
const SENT_PROPERTIES = 'clientAttributes';
const isUrl = (v: unknown) => typeof v === 'string' && /^https?:\/\//.test(v.trim());
const isHidden = (a: unknown) => typeof (a as { key?: unknown } | null)?.key === 'string' && (a as { key: string }).key.startsWith('_');
/** Objects that are addresses (or hold one): inside them, `name` is a person's. */
const ADDRESS_KEYS = new Set(['shippingAddress', 'billingAddress', 'billingInfo', 'address', 'customer']);
/** Kept at the top of an order: `name` there is the order's name (#1001), not a person's. */
const ORDER_LEVEL_KEPT = new Set(['name']);
/**
 * Fields no value is ever cut out of (outside an address): what the sync works from after a redaction
 * (the write-back and the removed-lines check read line-item ids, the order is found by its ids and
 * safeId), what the merchant's catalogue says (SKUs, titles, print areas), names of orders and products
 * (a person's `name` is in an address, removed by key) and money. A customer's value found in one of
 * them is a coincidence, not their data.
 */
const KEPT_KEYS = new Set(['name', 'key', 'sku', 'title', 'variantTitle', 'vendor', 'area', 'printMethod', 'amount', 'currencyCode', 'presentmentCurrencyCode', 'shopifyOrderName']);
const isKeptKey = (k: string) => KEPT_KEYS.has(k) || k === 'id' || /(Id|Ids|_id)$/.test(k);

export const REDACTED = '[redacted]';
/**
 * A value with a letter, this long or longer, is cut out wherever it stands as a token of its own: not
 * next to a letter, digit or `_` ("Rose" goes from "Rose, NY" and "Rose-Gold", never from "Rosebud").
 */
const MIN_SCRUB_LENGTH = 4;
/**
 * Shorter values are cut out only as words of their own, and only with a letter and 2 characters or
 * more: "Li" or "W1" anywhere would cut "Little" or "MW12"; a lone "12" or "a" is a quantity or a
 * word of every sentence, not a person.
 */
const MIN_WORD_LENGTH = 2;
/**
 * What may border a short value, or one without a letter (a zip, a year, a phone number), cut out as
 * a word: whitespace and quotes, brackets, commas. Not `/`, `-`, `_`, `.`, `:` or `#` inside a token,
 * so an id (`gid://shopify/LineItem/Li`, `…/Order/5510001234` for a zip of 10001, `#Li-2`) is left whole.
 */
const WORD_BEFORE = `(?<=^|[\\s"'\`(\\[{<,;])`;
const WORD_AFTER = `(?=$|[\\s"'\`)\\]}>,;!?]|[.:](?:\\s|$))`;
const TOKEN_BEFORE = '(?<![\\p{L}\\p{N}_])';
const TOKEN_AFTER = '(?![\\p{L}\\p{N}_])';

/** `value` without its personal fields (by key), and the personal values it held. */
export function redactPayload(value: unknown): { redacted: unknown; found: Set<string> } {
  const found = new Set<string>();
  const walk = (v: unknown, inAddress: boolean, top: boolean): unknown => {
    if (Array.isArray(v)) return v.map((x) => walk(x, inAddress, false));
    if (!v || typeof v !== 'object') return v;
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) {
      const personal = (PERSONAL_KEYS.has(k) && !(top && ORDER_LEVEL_KEPT.has(k)) && (k !== 'name' || inAddress)) || (top && ORDER_LEVEL_PERSONAL.has(k));
      if (personal && top && k === 'customAttributes' && Array.isArray(x)) {
        // All go (an app's hidden checkout attribute may be a tracking cookie); only the customer's own are looked for elsewhere.
        x.filter((a) => !isHidden(a)).forEach((a) => collect((a as { value?: unknown } | null)?.value, found));
        continue;
      }
      if (personal || k === SENT_PROPERTIES) {
        collect(x, found);
        continue;
      }
      if (k === LINE_PROPERTIES && !top && Array.isArray(x)) {
        out[k] = x.filter((a) => {
          const value = (a as { value?: unknown } | null)?.value;
          if (isUrl(value) || isHidden(a)) return true;
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
 * Text with the values cut out (longest first, so a name inside an address goes with it), each as a
 * whole token only, case and all: one with a letter and 4 characters or more wherever no letter, digit
 * or `_` touches it; a shorter one, or one without a letter, only as a word of its own (WORD_BEFORE).
 */
export function scrubText(text: string, values: Iterable<string>): string {
  const sorted = [...values].sort((a, b) => b.length - a.length);
  // URLs inside the text (a print file named in an error message) are kept whole, as URL fields are.
  return text.split(URL_IN_TEXT).map((part, i) => (i % 2 === 1 ? part : scrubPart(part, sorted))).join('');
}

const URL_IN_TEXT = /(https?:\/\/[^\s"'<>]+)/;

function scrubPart(text: string, sorted: string[]): string {
  let out = text;
  for (const v of sorted) {
    if (!out.includes(v)) continue;
    const letter = /\p{L}/u.test(v);
    const pattern = letter && v.length >= MIN_SCRUB_LENGTH ? `${TOKEN_BEFORE}${escapeRegExp(v)}${TOKEN_AFTER}`
      : (letter && v.length >= MIN_WORD_LENGTH) || v.length >= MIN_SCRUB_LENGTH ? `${WORD_BEFORE}${escapeRegExp(v)}${WORD_AFTER}`
      : null;
    if (pattern) out = out.replace(new RegExp(pattern, 'gu'), REDACTED);
  }
  return out;
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Any JSON value with the values cut out of its strings, except URLs (print files, tracking links)
 * and, outside an address, the fields the sync works from (KEPT_KEYS).
 */
export function scrubValue(value: unknown, values: Set<string>): unknown {
  if (values.size === 0) return value;
  const walk = (v: unknown, inAddress: boolean): unknown => {
    if (typeof v === 'string') return scrubText(v, values);
    if (Array.isArray(v)) return v.map((x) => walk(x, inAddress));
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, !inAddress && isKeptKey(k) ? x : walk(x, inAddress || ADDRESS_KEYS.has(k))]));
    return v;
  };
  return walk(value, false);
}
