import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database, OrderRow } from './schema.ts';

type Db = Kysely<Database> | Transaction<Database>;

/**
 * Orders `submitting` for too long, by id, 200 at a time: a direct submission that entered the
 * state before `cutoff` and whose claim ran out more than `inFlightMs` ago (no create sent under it can
 * still be on its way), or an inbound one sent before `inboundCutoff` (its webhook overdue).
 */
export function stuckSubmissions(db: Db, cutoff: Date, inboundCutoff: Date, inFlightMs: number): Promise<OrderRow[]> {
  const lapsedBefore = sql<Date>`now() - make_interval(secs => ${inFlightMs / 1000})`;
  return db
    .selectFrom('orders')
    .selectAll()
    .where('state', '=', 'submitting')
    // A submission still renewing its claim is alive, however long OrderMesh takes to answer it.
    .where((eb) =>
      eb.or([
        eb.and([eb('inbound_sent_at', 'is', null), eb('state_changed_at', '<', cutoff), eb.or([eb('claimed_until', 'is', null), eb('claimed_until', '<', lapsedBefore)])]),
        eb('inbound_sent_at', '<', inboundCutoff),
      ]),
    )
    .orderBy('id')
    .limit(200)
    .execute();
}
