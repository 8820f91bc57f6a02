import type { Kysely } from 'kysely';
import type { PgBoss } from 'pg-boss';
import type { Config } from '../config/schema.ts';
import type { OrderMeshClient } from '../connectors/ordermesh/client.ts';
import type { CatalogueCache } from '../connectors/ordermesh/catalogue.ts';
import type { Database } from '../db/schema.ts';
import type { Logger } from '../log.ts';
import type { Metrics } from '../metrics.ts';
import type { StoreDirectory, StoreRuntime } from '../stores.ts';

/** What every job gets, passed explicitly (no module singletons), so tests can build isolated instances. */
export interface JobDeps {
  db: Kysely<Database>;
  boss: PgBoss;
  log: Logger;
  metrics: Metrics;
  config: Config;
  ordermesh: OrderMeshClient;
  /** The merchants' enabled catalogues, read through `ordermesh` (advice only: never blocks a submission). */
  catalogue: CatalogueCache;
  stores: StoreDirectory;
  /** Who acts, for the audit trail (`events.actor`). */
  actor: string;
}

export function storeOf(deps: JobDeps, storeId: string): StoreRuntime {
  const s = deps.stores.get(storeId);
  if (!s) throw new Error(`store ${storeId} is not configured or not enabled`);
  return s;
}
