import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database, OrderRow, OrderState } from './schema.ts';

type Db = Kysely<Database> | Transaction<Database>;

/** The order columns a batch transition may set, with their SQL types (values travel as JSON). */
const SETTABLE = {
  ordermesh_order_id: 'text',
  submitted_at: 'timestamptz',
  next_poll_at: 'timestamptz',
  next_attempt_at: 'timestamptz',
  last_error_code: 'text',
  last_error_message: 'text',
  mapped_hash: 'text',
  attempts: 'int',
  access_retries: 'int',
  mapped_payload: 'jsonb',
  hold_source: 'text',
  hold_reason: 'text',
  inbound_sent_at: 'timestamptz',
  create_unconfirmed: 'boolean',
} as const;
type Settable = keyof typeof SETTABLE;

export interface BatchTransition {
  order: Pick<OrderRow, 'id'>;
  /** The new state; absent: the columns in `set` change and the state stays (no event). */
  to?: OrderState;
  /** Only the columns named here change; a value of null clears the column. */
  set?: Partial<Record<Settable, string | number | boolean | Date | object | null>>;
  reason?: string | null;
  message?: string | null;
  data?: unknown;
  /** The order's payload_hash when it was claimed: the result says whether the store changed it since (false when not given). */
  claimedHash?: string | null;
}

const assignments = sql.join(
  Object.entries(SETTABLE).map(([col, type]) =>
    type === 'jsonb'
      ? sql`${sql.ref(col)} = case when x.s ? ${col} then nullif(x.s -> ${col}, 'null'::jsonb) else o.${sql.ref(col)} end`
      : sql`${sql.ref(col)} = case when x.s ? ${col} then (x.s ->> ${col})::${sql.raw(type)} else o.${sql.ref(col)} end`,
  ),
);

/**
 * Moves a batch of orders, each only if it is still in `from` (the guard `transition` has), and writes
 * one audit event per moved order: one statement however large the batch. Returns the orders that
 * moved, each with whether its store payload changed since `claimedHash`.
 */
export async function transitionMany(db: Db, from: OrderState, batch: BatchTransition[], actor: string): Promise<Array<{ id: string; changed: boolean }>> {
  if (batch.length === 0) return [];
  const rows = batch.map((b) => ({
    id: b.order.id,
    to_state: b.to ?? null,
    s: b.set ?? {},
    reason: b.reason ?? null,
    message: b.message ?? null,
    data: b.data ?? null,
    claimed_hash: b.claimedHash ?? null,
  }));
  const result = await sql<{ id: string; changed: boolean }>`
    with x as (
      select * from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb)
        as x(id bigint, to_state text, s jsonb, reason text, message text, data jsonb, claimed_hash text)
    ), moved as (
      update orders o set
        state = coalesce(x.to_state, o.state),
        state_changed_at = case when x.to_state is null then o.state_changed_at else now() end,
        updated_at = now(),
        ${assignments}
      from x
      where o.id = x.id and o.state = ${from}
      returning o.id, o.store_id, o.payload_hash, x.to_state, x.reason, x.message, x.data, x.claimed_hash
    ), logged as (
      insert into events (order_id, store_id, kind, from_state, to_state, reason_code, message, actor, data)
      select id, store_id, 'state', ${from}, to_state, reason, message, ${actor}, data from moved where to_state is not null
    )
    select id::text, claimed_hash is not null and payload_hash is distinct from claimed_hash as changed from moved
  `.execute(db);
  return result.rows;
}
