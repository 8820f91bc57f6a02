import { sql, type Kysely } from 'kysely';
import type { Database } from './schema.ts';

/** The store SKUs the ledger's orders of a store carry, with how many orders carry each. */
export async function storeSkusInOrders(db: Kysely<Database>, storeId: string): Promise<Array<{ sku: string; orders: number }>> {
  const rows = await sql<{ sku: string; orders: string }>`
    select li->>'sku' as sku, count(distinct o.id)::text as orders
      from orders o,
           jsonb_array_elements(case jsonb_typeof(o.store_payload->'lineItems') when 'array' then o.store_payload->'lineItems' else coalesce(o.store_payload->'lineItems'->'nodes', '[]'::jsonb) end) li
     where o.store_id = ${storeId} and o.store_payload is not null and coalesce(trim(li->>'sku'), '') <> ''
     group by 1 order by 1`.execute(db);
  return rows.rows.map((r) => ({ sku: r.sku.trim(), orders: Number(r.orders) }));
}
