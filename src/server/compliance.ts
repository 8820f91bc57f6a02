import { createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { recordEvents } from '../db/orders.ts';
import { installedStoresOfShop, recordRequest, removedStoresOfShop, storesOfShop, subjectOrderIds, type Subject } from '../db/privacy.ts';
import { PRIVACY_TOPICS, type PrivacyTopic } from '../db/schema.ts';
import { Q, enqueue } from '../jobs/queues.ts';
import { verifyHmacBase64 } from '../util/hmac.ts';
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
/** Shopify's webhook ids are UUIDs; anything printable and short is taken, the rest refused. */
const WEBHOOK_ID = /^[A-Za-z0-9._:-]{1,128}$/;

interface Shop {
  /** The shop's stores, the running one first: a request is recorded against each (shop/redact) or the first. */
  storeIds: string[];
  /** What may have signed its webhooks: the running store's secret, the app's, a paused store's sealed one. */
  secrets: string[];
}

/**
 * The shop a compliance webhook names, whatever became of its store: shop/redact comes 48 hours after
 * `app/uninstalled` paused it (issue 34, item 7), and a removed store is no longer run at all. So the
 * store is looked up in the ledger, not among the running ones, and the app's secret (which signs every
 * webhook of an installed shop) verifies it when the store's own secret is gone.
 */
async function shopOf(deps: WebhookDeps, domain: string): Promise<Shop> {
  const running = deps.stores.byShopDomain(domain);
  const rows = await storesOfShop(deps.db, domain);
  const secrets = new Set<string>();
  if (running?.webhookSecret) secrets.add(running.webhookSecret);
  if (deps.appSecret) secrets.add(deps.appSecret);
  for (const r of rows) {
    if (!r.sealedWebhookSecret || !deps.keyring) continue;
    try {
      secrets.add(deps.keyring.open(r.sealedWebhookSecret));
    } catch (err) {
      deps.log.warn({ err, store: r.id }, "a paused store's webhook secret could not be opened: its compliance webhooks verify with the app secret only");
    }
  }
  const storeIds = [...new Set([...(running ? [running.cfg.id] : []), ...rows.map((r) => r.id)])];
  return { storeIds, secrets: [...secrets] };
}

/**
 * Shopify's compliance webhooks (customers/data_request, customers/redact, shop/redact): verified here
 * against the shop's secrets (see shopOf), answered at once, the work done by a job. Who the request is
 * about is resolved to ledger orders now; the customer's e-mail and phone ride along only until the job
 * is done. Deduplicated on X-Shopify-Webhook-Id, the same across Shopify's retries of one webhook and
 * new for each webhook: two shop/redact of one shop (installed again, uninstalled again) have the same
 * body and are both acted on. Without the header, on topic and body.
 */
export async function receiveCompliance(deps: WebhookDeps, topic: string, req: FastifyRequest, raw: Buffer, reply: FastifyReply) {
  const domain = String(req.headers['x-shopify-shop-domain'] ?? '');
  const shop = await shopOf(deps, domain);
  if (shop.secrets.length === 0) return reply.code(401).send({ error: 'unknown shop or no webhook secret configured' });
  const signature = req.headers['x-shopify-hmac-sha256'] as string | undefined;
  if (!shop.secrets.some((s) => verifyHmacBase64(s, raw, signature))) {
    deps.log.warn({ shop: domain, topic }, 'Shopify compliance webhook with an invalid HMAC rejected');
    return reply.code(401).send({ error: 'invalid HMAC' });
  }
  const webhookId = req.headers['x-shopify-webhook-id'];
  if (webhookId !== undefined && (typeof webhookId !== 'string' || !WEBHOOK_ID.test(webhookId))) return reply.code(400).send({ error: 'X-Shopify-Webhook-Id is not a webhook id' });
  let parsed;
  try {
    parsed = body.safeParse(JSON.parse(raw.toString('utf8'), (_k, v, ctx?: { source?: string }) => (typeof v === 'number' ? ctx?.source : v)));
  } catch {
    return reply.code(400).send({ error: 'body is not JSON' });
  }
  if (!parsed.success) return reply.code(400).send({ error: `unexpected payload: ${parsed.error.issues[0]?.path.join('.')}: ${parsed.error.issues[0]?.message}` });
  const p = parsed.data;
  if (p.shop_domain.toLowerCase() !== domain.toLowerCase()) return reply.code(400).send({ error: 'shop_domain is not the shop that signed it' });
  // Shopify sends shop/redact 48 hours after the app is uninstalled, never to a shop that has it
  // (https://shopify.dev/docs/apps/build/privacy-law-compliance). X-Shopify-Webhook-Id is not signed, so a
  // captured shop/redact could come back under a new id after a reinstall (issue 34): while the app is
  // installed it is acknowledged (or Shopify retries for hours), written in each store's audit trail and
  // acts on nothing. No receipt: the next uninstall brings its own shop/redact, which acts.
  if (topic === 'shop/redact') {
    const installed = await installedStoresOfShop(deps.db, domain);
    if (installed.length) {
      const message = 'shop/redact received while the app is installed: ignored';
      await recordEvents(deps.db, installed.map((storeId) => ({ storeId, kind: 'shop_redact_ignored', reason: 'APP_INSTALLED', message, actor: 'shopify:shop/redact', data: { webhookId: webhookId ?? null } })));
      deps.log.warn({ stores: installed, shop: domain, webhookId }, message);
      return reply.code(200).send({ ignored: message });
    }
  }
  // A shop whose stores are all gone may still have their audit trail: shop/redact removes that too.
  const storeIds = shop.storeIds.length || topic !== 'shop/redact' ? shop.storeIds : await removedStoresOfShop(deps.db, domain);
  const subject: Subject | null =
    topic === 'shop/redact'
      ? null
      : {
          emails: p.customer?.email ? [p.customer.email] : [],
          phones: p.customer?.phone ? [p.customer.phone] : [],
          shopifyOrderIds: (p.orders_requested ?? p.orders_to_redact ?? []).map((id) => `gid://shopify/Order/${id}`),
        };
  const deliveryId = webhookId ? `webhook-id:${webhookId}` : `${topic}:${createHash('sha256').update(raw).digest('base64url')}`;
  const requestIds: string[] = [];
  const fresh = await receiveOnce(deps, 'shopify', deliveryId, topic, async (trx) => {
    // Every store of the shop is the shop's data; a customer's request is answered from the store that runs it.
    for (const storeId of topic === 'shop/redact' ? storeIds : storeIds.slice(0, 1)) {
      const orderIds = subject ? await subjectOrderIds(trx, storeId, subject) : [];
      const requestId = await recordRequest(trx, { storeId, topic: topic as PrivacyTopic, shopifyRequestId: p.data_request?.id ?? null, orderIds, subject });
      await enqueue(deps.boss, Q.privacyRequest, { requestId }, { trx, singletonKey: requestId });
      requestIds.push(requestId);
    }
  });
  // A shop the ledger holds nothing of has nothing to do: acknowledged (its receipt kept like any other).
  deps.log.info({ stores: storeIds, topic, requests: requestIds, duplicate: !fresh }, storeIds.length ? 'compliance webhook received' : 'compliance webhook for a shop the ledger holds nothing of: acknowledged');
  return reply.code(200).send({ received: true, duplicate: !fresh });
}
