import { expireExports, exportOrders, markRequestDone, privacyRequest, redactOrders, removeDataRequestsOf, retentionDue, scrubStrayEvents, wipeStore, type Subject } from '../db/privacy.ts';
import { expireReceipts, RECEIPT_DAYS } from '../db/receipts.ts';
import type { JobDeps } from './deps.ts';
import { Q, enqueue } from './queues.ts';

/**
 * Shopify's compliance requests, done as jobs (the webhook answers at once): a data request gets its
 * export, kept until the merchant fetches it; customers/redact removes the customer's personal data
 * from their orders, their events and any stray event naming them, and drops exports made for them;
 * shop/redact removes everything of the store. The customer's identifiers are dropped from the
 * request when it is done. Idempotent: a request done is done.
 */
export async function answerPrivacyRequest(deps: JobDeps, requestId: string): Promise<string> {
  const req = await privacyRequest(deps.db, requestId);
  if (!req || req.status === 'done') return 'nothing to do';
  let result: unknown;
  if (req.topic === 'customers/data_request') {
    result = { orders: req.order_ids.length, export: await exportOrders(deps.db, req.order_ids) };
  } else if (req.topic === 'customers/redact') {
    const subject = (req.subject ?? { emails: [], phones: [], shopifyOrderIds: [] }) as Subject;
    const found = new Set<string>([...subject.emails, ...subject.phones]);
    const redacted = await redactOrders(deps.db, req.order_ids, { actor: deps.actor, reason: 'CUSTOMER_REDACT', also: found, collect: found });
    const strayEvents = await scrubStrayEvents(deps.db, [...found]);
    // An export made for this customer holds what was just removed.
    const exports = await removeDataRequestsOf(deps.db, req.order_ids, req.id);
    result = { ...redacted, strayEvents, exportsRemoved: exports };
  } else {
    result = { removed: await wipeStore(deps.db, req.store_id, req.id) };
  }
  await markRequestDone(deps.db, req.id, result);
  deps.log.info({ store: req.store_id, topic: req.topic, request: req.id, orders: req.order_ids.length }, 'privacy request answered');
  return req.topic;
}

const BATCH = 200;
/** How long one sweep redacts before it hands over to a fresh job (no long-running transaction, prompt shutdown). */
const BUDGET_MS = 20_000;

const RECEIPT_BATCH = 10_000;

/**
 * Retention: data-request exports nobody fetched within privacy.exportDays dropped, webhook receipts
 * past RECEIPT_DAYS expired, and the personal data of final orders older than privacy.retentionDays
 * removed, a batch at a time. Returns the orders redacted.
 */
export async function retentionSweep(deps: JobDeps): Promise<number> {
  const started = Date.now();
  const exports = await expireExports(deps.db, deps.config.privacy.exportDays);
  if (exports) deps.log.info({ exports, exportDays: deps.config.privacy.exportDays }, 'retention: unfetched data-request exports removed');
  let receipts = 0;
  for (let n = RECEIPT_BATCH; n === RECEIPT_BATCH && Date.now() - started < BUDGET_MS; ) receipts += n = await expireReceipts(deps.db, RECEIPT_DAYS, RECEIPT_BATCH);
  if (receipts) deps.log.info({ receipts, days: RECEIPT_DAYS }, 'retention: webhook receipts expired');
  let total = 0;
  for (;;) {
    const due = await retentionDue(deps.db, deps.config.privacy.retentionDays, BATCH);
    if (due.length === 0) break;
    total += (await redactOrders(deps.db, due, { actor: deps.actor, reason: 'RETENTION' })).orders;
    if (due.length < BATCH) break;
    if (Date.now() - started > BUDGET_MS) {
      await enqueue(deps.boss, Q.retention, {}, { singletonKey: 'all' });
      break;
    }
  }
  if (total) deps.log.info({ orders: total, retentionDays: deps.config.privacy.retentionDays }, 'retention: personal data removed');
  return total;
}
