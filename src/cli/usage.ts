import type { Config } from '../config/schema.ts';

/** A command given arguments it cannot use: one line on stderr naming what is wrong, exit 2 (README "Exit codes"). */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** The store a flag names, from the config, or a usage error listing the stores there are. */
export function configuredStore(config: Config, id: string, flag = '--store') {
  const store = config.stores.find((s) => s.id === id);
  if (!store) throw new UsageError(`${flag}: no store "${id}" in the config (${config.stores.map((s) => s.id).join(', ') || 'none configured'})`);
  return store;
}

/** A date flag's value, or a usage error naming the flag. */
export function dateFlag(value: string, flag: string): Date {
  const d = new Date(value);
  if (Number.isNaN(d.getTime())) throw new UsageError(`${flag}: "${value}" is not a date (use YYYY-MM-DD or an ISO timestamp)`);
  return d;
}
