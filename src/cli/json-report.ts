/**
 * Every command's `--json` is one object of the same shape (issue 36): `summary`, what the command
 * did or found in totals, and `items`, one entry per thing it handled or lists; a command adds keys
 * of its own beside them only where neither fits (README, "Machine-readable output").
 */
export interface JsonReport<S extends object, I> {
  summary: S;
  items: I[];
}

export function writeJson<S extends object, I>(report: JsonReport<S, I> & Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
}
