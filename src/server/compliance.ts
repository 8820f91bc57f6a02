import { createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { recordEvents } from '../db/orders.ts';
import { dataRequestRecorded } from '../db/data-requests.ts';
import { installedStoresOfShop, recordRequest, removedStoresOfShop, storesOfShop, subjectOrderIds, type Subject } from '../db/privacy.ts';
import { PRIVACY_TOPICS, type PrivacyTopic } from '../db/schema.ts';
import { Q, enqueue } from '../jobs/queues.ts';
import { verifyHmacBase64 } from '../util/hmac.ts';
import { receiveOnce } from './receipts.ts';
import type { WebhookDeps } from './webhook-deps.ts';

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

/**
 * What a shop's domain may be: Shopify's X-Shopify-Shop-Domain is a host name. Anything else is refused
 * before the ledger is read.
 */
const SHOP_DOMAIN = /^[A-Za-z0-9][A-Za-z0-9.-]{0,254}$/;

type Verified = { ok: true; storeIds: string[] } | { ok: false; error: 'unknown shop or no webhook secret configured' | 'invalid HMAC' };

/** Sealed secrets that did not open, per receiver: warned about once per store, not once per request. */
const unopened = new WeakMap<WebhookDeps, Set<string>>();

/**
 * The stores of the shop a compliance webhook names, whatever became of them, once a secret of the shop
 * verifies its HMAC: shop/redact comes 48 hours after `app/uninstalled` paused a store (issue 34, item
 * 7), and a removed store or a config store set `enabled: false` is no longer run at all. Candidates:
 * the running store's secret, the app's (which signs every webhook of an installed shop), the config
 * file's stores of the shop (disabled ones too), and a ledger store's sealed one.
 *
 * A request is not authenticated until this returns, so it is kept cheap (issue 34): a malformed domain
 * costs nothing, the in-memory secrets are tried first, the ledger is read once, and a sealed secret is
 * opened only for a store the shop has and only when the others did not verify.
 */
async function verifyShop(deps: WebhookDeps, domain: string, raw: Buffer, signature: string | undefined): Promise<Verified> {
  if (!SHOP_DOMAIN.test(domain)) return { ok: false, error: 'unknown shop or no webhook secret configured' };
  const running = deps.stores.byShopDomain(domain);
  const configStores = deps.configStoresOfShop?.(domain) ?? [];
  const plain = [running?.webhookSecret, deps.appSecret, ...configStores.flatMap((s) => s.secrets)].filter((s): s is string => Boolean(s));
  let verified = plain.some((s) => verifyHmacBase64(s, raw, signature));
  if (!verified && !deps.keyring) return { ok: false, error: plain.length ? 'invalid HMAC' : 'unknown shop or no webhook secret configured' };
  const rows = await storesOfShop(deps.db, domain);
  const sealed = rows.filter((r) => r.sealedWebhookSecret);
  for (const r of verified ? [] : sealed) {
    let secret: string;
    try {
      secret = deps.keyring!.open(r.sealedWebhookSecret!);
    } catch (err) {
      const warned = unopened.get(deps) ?? unopened.set(deps, new Set()).get(deps)!;
      if (!warned.has(r.id)) deps.log.warn({ err, store: r.id }, "a paused store's webhook secret could not be opened: its compliance webhooks verify with the app secret only");
      warned.add(r.id);
      continue;
    }
    if ((verified = verifyHmacBase64(secret, raw, signature))) break;
  }
  if (!verified) return { ok: false, error: plain.length || sealed.length ? 'invalid HMAC' : 'unknown shop or no webhook secret configured' };
  return { ok: true, storeIds: [...new Set([...(running ? [running.cfg.id] : []), ...configStores.map((s) => s.id), ...rows.map((r) => r.id)])] };
}

/**
 * A data request's key, from what the HMAC covers (the body): X-Shopify-Webhook-Id is not signed, so a
 * captured data request replayed under new ids would otherwise store a fresh export of the customer's
 * data each time (issue 34). Shopify gives each request its own `data_request.id`
 * (https://shopify.dev/docs/apps/build/privacy-law-compliance): a new request is a new key, a replay or
 * a retry the same. A body without one is keyed on its hash, which a replay cannot change either.
 */
function dataRequestKey(domain: string, id: string | undefined, raw: Buffer): string {
  // Hashed with the shop: a receipt outlives shop/redact by days and must not name the shop.
  const hash = createHash('sha256');
  if (id) hash.update(`${domain.toLowerCase()}\n${id}`);
  else hash.update(raw);
  return `customers/data_request:${hash.digest('base64url')}`;
}

/**
 * Shopify's compliance webhooks (customers/data_request, customers/redact, shop/redact): verified here
 * against the shop's secrets (see verifyShop), answered at once, the work done by a job. Who the request is
 * about is resolved to ledger orders now; the customer's e-mail and phone ride along only until the job
 * is done. Deduplicated on X-Shopify-Webhook-Id, the same across Shopify's retries of one webhook and
 * new for each webhook: two shop/redact of one shop (installed again, uninstalled again) have the same
 * body and are both acted on. Without the header, on topic and body. A data request, on its signed
 * `data_request.id` instead (see dataRequestKey).
 */
export async function receiveCompliance(deps: WebhookDeps, topic: string, req: FastifyRequest, raw: Buffer, reply: FastifyReply) {
  const domain = String(req.headers['x-shopify-shop-domain'] ?? '');
  // A refusal is counted and logged (a burst of them as one line) by the receiver's outcomes, not here.
  const shop = await verifyShop(deps, domain, raw, req.headers['x-shopify-hmac-sha256'] as string | undefined);
  if (!shop.ok) return reply.code(401).send({ error: shop.error });
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
  const dataRequest = topic === 'customers/data_request' ? dataRequestKey(domain, p.data_request?.id, raw) : null;
  // Its export kept for weeks outlives the receipt (RECEIPT_DAYS): the request row says it came before.
  if (dataRequest && p.data_request && (await dataRequestRecorded(deps.db, storeIds, p.data_request.id))) {
    deps.log.info({ stores: storeIds, topic, dataRequest: p.data_request.id }, 'compliance webhook: a data request already recorded, acknowledged');
    return reply.code(200).send({ received: true, duplicate: true });
  }
  const deliveryId = dataRequest ?? (webhookId ? `webhook-id:${webhookId}` : `${topic}:${createHash('sha256').update(raw).digest('base64url')}`);
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
