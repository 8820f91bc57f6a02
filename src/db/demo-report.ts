import type { Kysely } from 'kysely';
import type { Database, OrderRow } from './schema.ts';

/**
 * What `ordersync demo` reads back to tell its story. Each reads a whole table: fine for the demo's
 * throwaway ledger of a few hundred orders, not for a store's.
 */

/** Every order's store order id and the store payload it was last read with. */
export async function storePayloads(db: Kysely<Database>): Promise<Array<Pick<OrderRow, 'store_order_id' | 'store_payload'>>> {
  return db.selectFrom('orders').select(['store_order_id', 'store_payload']).execute();
}

/** Packages shipped, and how many of them have their tracking written to the store. */
export async function packagesWrittenBack(db: Kysely<Database>): Promise<{ shipped: number; writtenBack: number }> {
  const packages = await db.selectFrom('packages').select(['written_back_at']).execute();
  return { shipped: packages.length, writtenBack: packages.filter((p) => p.written_back_at).length };
}
