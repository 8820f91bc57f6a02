import { createHash } from 'node:crypto';

/**
 * The OrderMesh safeId of a store order: deterministic (the same order always gives the same id, so a
 * resubmission can never create a second OrderMesh order), unique per (store, order), URL-safe and at
 * most 100 characters (contract.ts `safeId`). The ledger derives it once, at ingestion; mapping modules
 * receive it and cannot change it.
 */
export function safeIdFor(storeId: string, storeOrderId: string): string {
  const tail = storeOrderId.split('/').pop() ?? storeOrderId;
  const id = /^[A-Za-z0-9_-]{1,30}$/.test(tail) ? tail : createHash('sha256').update(storeOrderId).digest('base64url').slice(0, 22);
  return `${storeId}-${id}`;
}
