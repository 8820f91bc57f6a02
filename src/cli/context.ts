import type { Config } from '../config/schema.ts';
import type { Logger } from '../log.ts';

/** What every command shares, in a module of its own so that commands need not import the program (main.ts) that imports them. */
export const EXIT = { OK: 0, FAILURE: 1, USAGE: 2 } as const;

export interface CliContext {
  config: Config;
  configPath: string;
  log: Logger;
}
