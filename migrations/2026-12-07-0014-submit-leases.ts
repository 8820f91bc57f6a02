import { sql, type Kysely } from 'kysely';

// How long a submission's claim on its orders holds: the submit job renews it while its batch is in
// flight (OrderMesh's answer, or its retries, can take longer than jobs.stuckSubmittingSeconds), so
// reconcile-submitting only resolves the orders of a submission that stopped renewing (a worker that
// died), never a live one: taking a live batch for dead sent its orders a second time.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table orders add column claimed_until timestamptz`.execute(db);
}
