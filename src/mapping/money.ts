import { isoExponent } from './currencies.ts';

/**
 * Money as integer units, never floats: Shopify sends decimal strings ("12.50", "1500.0"), OrderMesh
 * takes JSON numbers with at most two decimals (contract.ts: money). Amounts are read at their
 * currency's ISO 4217 precision and computed in the precision OrderMesh takes, min(exponent, 2): cents
 * for USD, yen for JPY, hundredths for KWD. Every sum and share is done in those units, so totals add
 * up exactly and every figure sent is one OrderMesh can hold.
 */

/** A decimal that is not one, or has more precision than its currency or OrderMesh: the order cannot be priced. */
export class MoneyError extends Error {
  readonly code: 'INVALID_MONEY' | 'CURRENCY_PRECISION';
  constructor(code: MoneyError['code'], message: string) {
    super(message);
    this.name = 'MoneyError';
    this.code = code;
  }
}

/** OrderMesh money has at most two decimals (contract.ts: money). */
export const ORDERMESH_DECIMALS = 2;

/** ISO 4217 minor-unit exponent (currencies.ts): JPY 0, USD 2, HUF 2, KWD 3. */
export function currencyExponent(code: string): number {
  const e = isoExponent(code);
  if (e === undefined) throw new MoneyError('INVALID_MONEY', `"${code}" is not an ISO 4217 currency`);
  return e;
}

/**
 * "12.50" → 1250 at exponent 2. Exact: digits beyond the currency's precision must be zeros ("1500.0"
 * is 1500 yen), anything else is refused rather than rounded.
 */
export function toMinor(amount: string, exponent: number): number {
  const m = /^(-)?(\d+)(?:\.(\d+))?$/.exec(amount.trim());
  if (!m) throw new MoneyError('INVALID_MONEY', `not a decimal amount: "${amount}"`);
  const [, sign, whole, frac = ''] = m;
  if (/[^0]/.test(frac.slice(exponent))) throw new MoneyError('INVALID_MONEY', `"${amount}" has more decimals than its currency allows (${exponent})`);
  const minor = Number(whole + frac.slice(0, exponent).padEnd(exponent, '0'));
  if (!Number.isSafeInteger(minor)) throw new MoneyError('INVALID_MONEY', `"${amount}" is too large`);
  return sign && minor !== 0 ? -minor : minor;
}

/** The decimals money is computed and sent in for a currency of this exponent. */
export const sendDecimals = (exponent: number) => Math.min(exponent, ORDERMESH_DECIMALS);

/**
 * A decimal amount of a currency with `exponent` decimals, in units of `sendDecimals(exponent)`:
 * "4.500" KWD → 450. A three-decimal amount that is not a whole number of hundredths is a typed
 * CURRENCY_PRECISION error: rounding would send a figure the customer never paid.
 */
export function toUnits(amount: string, exponent: number, currency: string): number {
  const minor = toMinor(amount, exponent);
  const step = 10 ** (exponent - sendDecimals(exponent));
  if (minor % step !== 0) {
    throw new MoneyError('CURRENCY_PRECISION', `"${amount}" ${currency}: OrderMesh money takes at most ${ORDERMESH_DECIMALS} decimals, and rounding would change what the customer paid`);
  }
  return minor / step;
}

/** Units of `decimals` → OrderMesh's JSON number: 1250 at 2 → 12.5. */
export function toOrderMesh(units: number, decimals: number): number {
  return Number((units / 10 ** decimals).toFixed(decimals));
}

/** `total × part / whole`, rounded half to even: a line's discount or tax for the units actually sent. */
export function share(total: number, part: number, whole: number): number {
  // Nothing of a line with no units (quantity 0) rather than a division by zero.
  if (part === 0) return 0;
  const n = BigInt(total) * BigInt(part);
  const d = BigInt(whole);
  let q = n / d;
  const r = n - q * d;
  const twice = 2n * (r < 0n ? -r : r);
  if (twice > d || (twice === d && q % 2n !== 0n)) q += n < 0n ? -1n : 1n;
  return Number(q);
}

/**
 * Splits `total` over `weights` in proportion, largest remainder first, so the parts add up to `total`
 * exactly (shipping spread over items, for example).
 */
export function allocate(total: number, weights: number[]): number[] {
  const sum = weights.reduce((a, w) => a + w, 0);
  if (sum <= 0) return weights.map((_, i) => (i === 0 ? total : 0));
  const raw = weights.map((w) => (total * w) / sum);
  const parts = raw.map(Math.floor);
  let left = total - parts.reduce((a, p) => a + p, 0);
  // Array sort is stable: equal remainders keep their index order, the earlier part first.
  const order = raw.map((r, i) => [r - Math.floor(r), i] as const).sort((a, b) => b[0] - a[0]);
  for (const [, i] of order) {
    if (left <= 0) break;
    parts[i]!++;
    left--;
  }
  return parts;
}
