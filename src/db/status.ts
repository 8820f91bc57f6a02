import type { Kysely } from 'kysely';
import type { Database } from './schema.ts';

export interface StoreStatus {
  store: string;
  enabled: boolean;
  total: number;
  states: Record<string, number>;
}

/** Orders per store and state; stores with no orders are listed too, so a silent store is visible. */
export async function orderCountsByStore(db: Kysely<Database>, storeId?: string): Promise<StoreStatus[]> {
  let stores = db.selectFrom('stores').select(['id', 'enabled']).orderBy('id');
  if (storeId) stores = stores.where('id', '=', storeId);
  let counts = db
    .selectFrom('orders')
    .select(['store_id', 'state', (eb) => eb.fn.countAll<string>().as('n')])
    .groupBy(['store_id', 'state']);
  if (storeId) counts = counts.where('store_id', '=', storeId);
  const [storeRows, countRows] = await Promise.all([stores.execute(), counts.execute()]);
  const byStore = new Map<string, StoreStatus>(
    storeRows.map((s) => [s.id, { store: s.id, enabled: s.enabled, total: 0, states: {} }]),
  );
  for (const r of countRows) {
    const entry = byStore.get(r.store_id) ?? { store: r.store_id, enabled: false, total: 0, states: {} };
    entry.states[r.state] = Number(r.n);
    entry.total += Number(r.n);
    byStore.set(r.store_id, entry);
  }
  return [...byStore.values()];
}
