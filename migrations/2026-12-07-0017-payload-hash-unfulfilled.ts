import { createHash } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import { canonicalJson } from '../src/util/canonical-json.ts';

// payloadHash now covers each line's unfulfilledQuantity (issue 34: a copy differing only there was
// "unchanged", and fulfilled units were made). Every stored fingerprint is extended here the way
// payloadHash extends it (withUnfulfilled in src/db/orders.ts: this is its frozen copy), from the stored
// payload's quantities, which redaction keeps. Without this, the next read of each order would differ
// by fingerprint alone: a pre-submission order (rejected, skipped) sent back to pending, a redacted one
// given its personal data back, an order being submitted rechecked. `mapped_hash` equal to the old
// fingerprint (the copy OrderMesh was sent) moves with it; one that differed still differs.
const BATCH = 1000;

const extend = (base: string, payload: unknown): string => {
  const lines = payload && typeof payload === 'object' ? (payload as { lineItems?: unknown }).lineItems : undefined;
  const unfulfilled = Array.isArray(lines) ? lines.map((li: unknown) => (li && typeof li === 'object' ? ((li as { unfulfilledQuantity?: unknown }).unfulfilledQuantity ?? null) : null)) : null;
  return createHash('sha256').update(`${base}|${canonicalJson(unfulfilled)}`).digest('base64url');
};

export async function up(db: Kysely<any>): Promise<void> {
  let after = '0';
  for (;;) {
    const rows = (
      await sql<{ id: string; payload_hash: string; store_payload: unknown }>`
        select id::text, payload_hash, store_payload from orders
        where id > ${after}::bigint and payload_hash is not null and store_payload is not null
        order by id limit ${BATCH}`.execute(db)
    ).rows;
    if (rows.length === 0) return;
    const updates = rows.map((r) => ({ id: r.id, old: r.payload_hash, hash: extend(r.payload_hash, r.store_payload) }));
    await sql`update orders o set payload_hash = x.hash, mapped_hash = case when o.mapped_hash = x.old then x.hash else o.mapped_hash end
      from jsonb_to_recordset(${JSON.stringify(updates)}::jsonb) as x(id bigint, old text, hash text)
      where o.id = x.id and o.payload_hash = x.old`.execute(db);
    after = rows[rows.length - 1]!.id;
  }
}

export async function down(): Promise<void> {
  // The fingerprint before cannot be recovered from the new one: a rollback re-reads each order once.
}
