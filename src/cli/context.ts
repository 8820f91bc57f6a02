import type { Config } from '../config/schema.ts';
import type { Logger } from '../log.ts';

/** What every command shares, in a module of its own so that commands need not import the program (main.ts) that imports them. */
/** SOME_FAILED: a one-shot asked to (--fail-on-failures) finished, but orders it handled failed. */
export const EXIT = { OK: 0, FAILURE: 1, USAGE: 2, SOME_FAILED: 3 } as const;

export interface CliContext {
  config: Config;
  configPath: string;
  log: Logger;
}
