import { createHash } from 'node:crypto';
import type { Config } from './schema.ts';

/** Which configuration a process runs: a short hash of the parsed config (keys sorted, defaults applied). */
export function configHash(config: Config): string {
  const sorted = (_k: string, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : v;
  return createHash('sha256').update(JSON.stringify(config, sorted)).digest('hex').slice(0, 12);
}
