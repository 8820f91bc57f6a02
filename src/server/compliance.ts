import { createHash } from 'node:crypto';
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import { recordRequest, subjectOrderIds, type Subject } from '../db/privacy.ts';
import { PRIVACY_TOPICS, type PrivacyTopic } from '../db/schema.ts';
import { Q, enqueue } from '../jobs/queues.ts';
import type { StoreRuntime } from '../stores.ts';
import { receiveOnce } from './receipts.ts';
import type { WebhookDeps } from './webhooks.ts';

export const PRIVACY_TOPIC_SET: ReadonlySet<string> = new Set(PRIVACY_TOPICS);

// Numbers arrive as their JSON source text (see below): Shopify's ids can exceed 2^53.
const numericId = z.string().regex(/^\d{1,20}$/, 'must be a numeric id');
const text = z.string().max(320).nullish();
const body = z.object({
  shop_domain: z.string().max(255),
  customer: z.object({ id: numericId.nullish(), email: text, phone: text }).nullish(),
  orders_requested: z.array(numericId).max(10_000).nullish(),
  orders_to_redact: z.array(numericId).max(10_000).nullish(),
  data_request: z.object({ id: numericId }).nullish(),
});

/**
 * Shopify's compliance webhooks (customers/data_request, customers/redact, shop/redact), already
 * HMAC-verified by the caller: answered at once, the work done by a job. Who the request is about is
 * resolved to ledger orders now; the customer's e-mail and phone ride along only until the job is done.
 * Deduplicated on topic and body, so a redelivery is acknowledged and nothing is done twice.
 */
export async function receiveCompliance(deps: WebhookDeps, store: StoreRuntime, topic: string, raw: Buffer, reply: FastifyReply) {
  let parsed;
  try {
    parsed = body.safeParse(JSON.parse(raw.toString('utf8'), (_k, v, ctx?: { source?: string }) => (typeof v === 'number' ? ctx?.source : v)));
  } catch {
    return reply.code(400).send({ error: 'body is not JSON' });
  }
  if (!parsed.success) return reply.code(400).send({ error: `unexpected payload: ${parsed.error.issues[0]?.path.join('.')}: ${parsed.error.issues[0]?.message}` });
  const p = parsed.data;
  if (p.shop_domain !== store.cfg.shopDomain) return reply.code(400).send({ error: 'shop_domain is not the shop that signed it' });
  const subject: Subject | null =
    topic === 'shop/redact'
      ? null
      : {
          emails: p.customer?.email ? [p.customer.email] : [],
          phones: p.customer?.phone ? [p.customer.phone] : [],
          shopifyOrderIds: (p.orders_requested ?? p.orders_to_redact ?? []).map((id) => `gid://shopify/Order/${id}`),
        };
  const deliveryId = `${topic}:${createHash('sha256').update(raw).digest('base64url')}`;
  let requestId: string | undefined;
  const fresh = await receiveOnce(deps, 'shopify', deliveryId, topic, async (trx) => {
    const orderIds = subject ? await subjectOrderIds(trx, store.cfg.id, subject) : [];
    requestId = await recordRequest(trx, { storeId: store.cfg.id, topic: topic as PrivacyTopic, shopifyRequestId: p.data_request?.id ?? null, orderIds, subject });
    await enqueue(deps.boss, Q.privacyRequest, { requestId }, { trx, singletonKey: requestId });
  });
  deps.log.info({ store: store.cfg.id, topic, request: requestId, duplicate: !fresh }, 'compliance webhook received');
  return reply.code(200).send({ received: true, duplicate: !fresh });
}
