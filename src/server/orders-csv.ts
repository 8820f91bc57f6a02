/**
 * The console's CSV export: RFC 4180 quoting, and a cell a spreadsheet would run as a formula (it
 * starts with = + - @, a tab or a carriage return: store data such as an order note can) is
 * prefixed with a quote, as OWASP's "CSV injection" advice says, so opening the file runs nothing.
 */
const FORMULA_START = /^[=+\-@\t\r]/;

function cell(value: unknown): string {
  let s = value === null || value === undefined ? '' : String(value);
  if (FORMULA_START.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

/** A header and rows as CSV text, lines ended with CRLF. */
export function toCsv(header: string[], rows: unknown[][]): string {
  return [header, ...rows].map((r) => r.map(cell).join(',')).join('\r\n') + '\r\n';
}
