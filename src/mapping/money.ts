/**
 * Money as integer minor units (cents), never floats: Shopify sends decimal strings ("12.50"), OrderMesh
 * takes JSON numbers with two decimals. Every sum is done in cents, so totals add up exactly.
 */
export function toCents(amount: string | null | undefined): number {
  if (amount === null || amount === undefined || amount === '') return 0;
  const m = /^(-)?(\d+)(?:\.(\d+))?$/.exec(amount.trim());
  if (!m) throw new RangeError(`not a decimal amount: "${amount}"`);
  const [, sign, whole, frac = ''] = m;
  // Round half up on the third decimal (Shopify's amounts have at most two for USD-like currencies).
  const cents = Number(whole) * 100 + Number((frac + '00').slice(0, 2)) + (Number(frac[2] ?? '0') >= 5 ? 1 : 0);
  return sign ? -cents : cents;
}

/** Cents → a JSON number with at most two decimals (exact for any amount below 2^53 cents). */
export function fromCents(cents: number): number {
  return Number((cents / 100).toFixed(2));
}

/**
 * Splits `total` cents over `weights` in proportion, largest remainder first, so the parts add up to
 * `total` exactly (shipping spread over items, for example).
 */
export function allocate(total: number, weights: number[]): number[] {
  const sum = weights.reduce((a, w) => a + w, 0);
  if (weights.length === 0) return [];
  if (sum <= 0) return weights.map((_, i) => (i === 0 ? total : 0));
  const raw = weights.map((w) => (total * w) / sum);
  const parts = raw.map(Math.floor);
  let left = total - parts.reduce((a, p) => a + p, 0);
  const order = raw.map((r, i) => [r - Math.floor(r), i] as const).sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  for (const [, i] of order) {
    if (left <= 0) break;
    parts[i]!++;
    left--;
  }
  return parts;
}
