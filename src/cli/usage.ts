import { InvalidArgumentError } from 'commander';

/** A command given arguments it cannot use: one line on stderr naming what is wrong, exit 2 (README "Exit codes"). */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})?)?$/;

/**
 * A date flag's value: an ISO date (midnight UTC) or datetime (UTC unless it carries an offset), or a
 * usage error naming the flag. Nothing else: `01/11/2026` means 1 November to some and 11 January to
 * the JavaScript parser, and a range read wrongly is a backfill of the wrong orders.
 */
export function dateFlag(value: string, flag: string): Date {
  const m = ISO_DATE.exec(value);
  const refuse = () => new UsageError(`${flag}: "${value}" is not a date (use YYYY-MM-DD or an ISO datetime such as 2026-11-01T08:00:00Z)`);
  if (!m) throw refuse();
  const d = new Date(m[4] === undefined ? `${value}T00:00:00Z` : m[7] === undefined ? `${value}Z` : value);
  // Date rolls 2026-02-30 over into March; a day or hour out of range is a typo, not a date.
  if (Number.isNaN(d.getTime()) || Number(m[2]) > 12 || Number(m[3]) !== new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]))).getUTCDate()) throw refuse();
  if (m[4] !== undefined && (Number(m[4]) > 23 || Number(m[5]) > 59 || Number(m[6] ?? 0) > 59)) throw refuse();
  return d;
}

/** A commander parser for a whole-number flag of at least `min`: `--limit abc` is refused, never ignored. */
export function integerFlag(min: number) {
  return (value: string): number => {
    if (!/^\d+$/.test(value.trim()) || Number(value) < min) throw new InvalidArgumentError(`must be a whole number of at least ${min}`);
    return Number(value);
  };
}
