import { randomBytes, randomUUID } from 'node:crypto';
import Fastify from 'fastify';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { addLedgerStore, setPaused } from '../../src/db/ledger-stores.ts';
import { migrateToLatest } from '../../src/db/migrate.ts';
import type { Database } from '../../src/db/schema.ts';
import { createLogger } from '../../src/log.ts';
import { createMetrics } from '../../src/metrics.ts';
import { registerWebhooks } from '../../src/server/webhooks.ts';
import { StoreDirectory } from '../../src/stores.ts';
import { hmacBase64 } from '../../src/util/hmac.ts';
import { Keyring } from '../../src/util/secret-box.ts';
import { freshDb } from '../helpers/db.ts';
import { SIM_MAPPING } from '../helpers/pipeline.ts';

/**
 * Issue 34: a compliance webhook is not authenticated until its HMAC is checked, so what it costs
 * before then is what anyone can make us spend. Judged from the statements PostgreSQL was sent (counted
 * by the receiver's own database handle), the warnings written, and the refusals counted in metrics.
 */
const { url, db } = await freshDb();
await migrateToLatest(db);

// The receiver's database handle, counting every statement it sends.
let statements = 0;
const pool = new pg.Pool({ connectionString: url, max: 2 });
const counted = new Kysely<Database>({ dialect: new PostgresDialect({ pool }), log: (e) => void (e.level === 'query' && statements++) });
afterAll(() => counted.destroy());

const lines: Array<{ level: number; msg: string }> = [];
const log = createLogger({ level: 'info', destination: { write: (s: string) => void lines.push(JSON.parse(s)) } as never });
const warnings = (msg: string) => lines.filter((l) => l.level >= 40 && l.msg.includes(msg)).length;
const metrics = createMetrics();
const keyring = new Keyring(randomBytes(32));
const otherKeyring = new Keyring(randomBytes(32));

// A paused store whose secret was sealed under a key this deployment no longer has, and an installed one whose secret opens.
const store = (id: string, shopDomain: string) => ({ id, shopDomain, merchantId: `m-${id}`, enabled: true, mapping: { module: 'shopify-default', options: SIM_MAPPING }, auth: { type: 'accessToken' as const } });
await addLedgerStore(db, otherKeyring, store('rekeyed', 'rekeyed.myshopify.com'), { shopifyToken: 'shpat_rekeyed', webhookSecret: 'rekeyed-secret' }, 'test');
expect(await setPaused(db, 'rekeyed', true, 'UNINSTALLED', 'test')).toBe('ok');
await addLedgerStore(db, keyring, store('live', 'live.myshopify.com'), { shopifyToken: 'shpat_live', webhookSecret: 'live-secret' }, 'test');

const app = Fastify();
// No request here reaches a job: refusals, and a shop/redact for a shop that still has the app (acknowledged, no job).
registerWebhooks(app, { db: counted, boss: undefined as never, log, metrics, stores: new StoreDirectory(), ordermeshSecret: undefined, maxAgeSeconds: 300, appSecret: 'the-app-secret', keyring, now: () => 0 });
await app.listen({ port: 0, host: '127.0.0.1' });
afterAll(() => app.close());
const base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;

function shopRedact(domain: string, secret: string) {
  const body = JSON.stringify({ shop_id: 1, shop_domain: domain });
  return fetch(`${base}/webhooks/shopify/compliance`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-shopify-topic': 'shop/redact', 'x-shopify-shop-domain': domain, 'x-shopify-hmac-sha256': hmacBase64(secret, body), 'x-shopify-webhook-id': randomUUID() },
    body,
  });
}
const refused = async () => (await metrics.webhookFailures.get()).values.filter((v) => v.labels.reason === 'unauthorized').reduce((n, v) => n + v.value, 0);

describe('an unauthenticated compliance webhook', () => {
  it('for shops the ledger does not hold: one statement each at most, no warning per request, each refusal counted', async () => {
    const [before, refusedBefore] = [statements, await refused()];
    for (let i = 0; i < 50; i++) expect((await shopRedact(`attacker-${i}.myshopify.com`, 'a-guess')).status).toBe(401);
    expect(statements - before).toBeLessThanOrEqual(50);
    expect(warnings('compliance webhook with an invalid HMAC')).toBe(0);
    // The receiver's own refusal log: one line for the burst (the clock stands still), its count in metrics.
    expect(warnings('webhook delivery not taken')).toBeLessThanOrEqual(1);
    expect((await refused()) - refusedBefore).toBe(50);
  });

  it('with a domain that is no host name: refused before the ledger is read', async () => {
    const before = statements;
    for (const domain of ["x' or 1=1 --", 'a'.repeat(300), '']) expect((await shopRedact(domain, 'the-app-secret')).status).toBe(401);
    expect(statements).toBe(before);
  });

  it("for a shop whose sealed secret does not open: warned about once, not once per request", async () => {
    for (let i = 0; i < 20; i++) expect((await shopRedact('rekeyed.myshopify.com', 'a-guess')).status).toBe(401);
    expect(warnings("webhook secret could not be opened")).toBe(1);
  });

  it("signed with a store's sealed secret: still verified", async () => {
    expect((await shopRedact('live.myshopify.com', 'not-live-secret')).status).toBe(401);
    const res = await shopRedact('live.myshopify.com', 'live-secret');
    expect(res.status).toBe(200);
    // The store still has the app: acknowledged, and said so in its audit trail.
    expect(await db.selectFrom('events').select(['store_id', 'kind']).where('kind', '=', 'shop_redact_ignored').execute()).toEqual([{ store_id: 'live', kind: 'shop_redact_ignored' }]);
  });
});
