import { describe, expect, it } from 'vitest';
import { consoleFixture, OPERATOR, SUPPORT, VIEWER } from '../helpers/console.ts';
import { config, eventually, pipelineConfigObject, STORE_ID } from '../helpers/pipeline.ts';
import { explicitOrder, post } from '../helpers/shopify.ts';
import { Q } from '../../src/jobs/queues.ts';

/**
 * Issue 34, item 9: a viewer token reads the sync's state and its orders, never a customer's name,
 * address, e-mail or phone; a support or operator token sees them. The customer's values are planted
 * in Shopify orders (and where the sync keeps free text about them: an OrderMesh note, a Shopify hold's
 * notes, an error message quoting the address), then every answer a token gets is scanned for them.
 */
const PLANTED = {
  firstName: 'Zebulon',
  lastName: 'Quixotewright',
  email: 'zebulon.q@planted-mail.example',
  phone: '+1 555 0199 4242',
  address1: '4242 Plantedvalue Road',
  address2: 'Suite Umbraculum',
  city: 'Quillborough',
  zip: 'QX9 4ZZ',
  company: 'Quixote Hatters',
  billingFirstName: 'Marisol',
  billingLastName: 'Fenwickhart',
  billingAddress1: '77 Billingsgate Lane',
  note: 'ring twice for Ottoline Brackenby',
};
const address = { firstName: PLANTED.firstName, lastName: PLANTED.lastName, company: PLANTED.company, address1: PLANTED.address1, address2: PLANTED.address2, city: PLANTED.city, provinceCode: 'IL', zip: PLANTED.zip, countryCodeV2: 'US', phone: PLANTED.phone };
const customer = {
  email: PLANTED.email,
  phone: PLANTED.phone,
  note: PLANTED.note,
  shippingAddress: address,
  billingAddress: { ...address, firstName: PLANTED.billingFirstName, lastName: PLANTED.billingLastName, address1: PLANTED.billingAddress1, address2: null },
};

// A few ordinary orders, then three of the planted customer's: one OrderMesh makes, one failing for its
// SKU, one the merchant holds in Shopify.
const { db, om, shop, service, base } = await consoleFixture(2);
const made = explicitOrder(customer);
const failing = explicitOrder(customer, [{ sku: 'LEGACY-SKU-0042', variant: { id: 'gid://shopify/ProductVariant/legacy', sku: 'LEGACY-SKU-0042' } as never }]);
const held = explicitOrder(customer);
await post(`${shop.url}/_sim/orders`, { orders: [made, failing, held] });
await post(`${shop.url}/_sim/orders/${encodeURIComponent(held.id)}/hold`, { reason: 'OTHER', reasonNotes: `${PLANTED.firstName} ${PLANTED.lastName} asked us to wait` });
const stateOf = async (id: string) => (await db.selectFrom('orders').select('state').where('store_order_id', '=', id).executeTakeFirst())?.state;
await eventually(
  async () => {
    if ((await stateOf(made.id)) === 'submitted' && (await stateOf(failing.id)) === 'failed_mapping' && (await stateOf(held.id)) === 'on_hold') return true;
    await service.boss.send(Q.pullOrders, { storeId: STORE_ID }, { singletonKey: STORE_ID });
    return false;
  },
  async () => JSON.stringify(await db.selectFrom('orders').select(['store_order_id', 'state']).execute()),
  90_000,
);
const rowOf = (id: string) => db.selectFrom('orders').select(['id', 'store_order_name', 'safe_id', 'ordermesh_order_id']).where('store_order_id', '=', id).executeTakeFirstOrThrow();
const [madeRow, failingRow, heldRow] = [await rowOf(made.id), await rowOf(failing.id), await rowOf(held.id)];
// OrderMesh's customer care writes about the customer on the order (read by the order's page).
await post(`${om.url}/_sim/orders/${madeRow.ordermesh_order_id}/notes`, { text: `called ${PLANTED.firstName} ${PLANTED.lastName} on ${PLANTED.phone} about ${PLANTED.address1}` });
// A mapping module's error that quotes the address (a custom module may say what it could not place).
const echo = `no print area for ${PLANTED.firstName} ${PLANTED.lastName}, ${PLANTED.address1}, ${PLANTED.city}: ${PLANTED.email}`;
await db.updateTable('orders').set({ last_error_message: echo }).where('id', '=', failingRow.id).execute();

async function raw(path: string, token: string, body?: unknown): Promise<{ status: number; text: string }> {
  const res = await fetch(`${base}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, text: await res.text() };
}

/** Every answer that shows orders or quotes their texts: what the console's pages are drawn from. */
const reads = (): Array<[string, unknown?]> => [
  ['/api/v1/status'],
  [`/api/v1/status?store=${STORE_ID}`],
  ['/api/v1/activity'],
  ['/api/v1/workers'],
  ['/api/v1/whoami'],
  ['/api/v1/fixes'],
  ['/api/v1/privacy/requests'],
  ['/api/v1/orders?pageSize=200'],
  ['/api/v1/orders?failures=true&pageSize=200'],
  [`/api/v1/orders?q=${encodeURIComponent(failingRow.store_order_name!)}`],
  ['/api/v1/orders/search', {}],
  ['/api/v1/orders/search', { failures: true }],
  ['/api/v1/orders/search', { q: madeRow.safe_id }],
  ...[madeRow, failingRow, heldRow].flatMap((r): Array<[string]> => [[`/api/v1/orders/${r.id}`], [`/api/v1/orders/${encodeURIComponent(r.store_order_name!)}`], [`/api/v1/orders/${r.safe_id}`]]),
];

/** The planted values an answer holds (case-insensitive: an e-mail may come back lower-cased). */
const leaked = (text: string) => Object.entries(PLANTED).filter(([, v]) => text.toLowerCase().includes(v.toLowerCase())).map(([k]) => k);

describe('admin API: personal data by role', () => {
  it('a viewer gets no planted name, address, e-mail, phone or note in any answer about orders', async () => {
    for (const [path, body] of reads()) {
      const r = await raw(path, VIEWER, body);
      expect(r.status, path).toBe(200);
      expect(leaked(r.text), `${path} ${body ? JSON.stringify(body) : ''}`).toEqual([]);
    }
    // What the viewer still needs to work: the order, its state, reason, and the message with the values cut out.
    const story = JSON.parse((await raw(`/api/v1/orders/${failingRow.id}`, VIEWER)).text);
    expect(story).toMatchObject({ personalData: 'hidden', order: { id: failingRow.id, state: 'failed_mapping', lastError: { code: 'MISSING_SKU', message: expect.stringContaining('no print area for [redacted]') } } });
    expect(story.payloads.store.lineItems[0].sku).toBe('LEGACY-SKU-0042');
    const notes = JSON.parse((await raw(`/api/v1/orders/${madeRow.id}`, VIEWER)).text).ordermesh.notes;
    expect(notes.map((n: { text: string }) => n.text)).toContain('called [redacted] [redacted] on [redacted] about [redacted]');
  });

  it('an operator and a support token see the customer: every planted value reaches them', async () => {
    for (const token of [OPERATOR, SUPPORT]) {
      const seen = new Set<string>();
      for (const [path, body] of reads()) {
        const r = await raw(path, token, body);
        expect(r.status, path).toBe(200);
        for (const k of leaked(r.text)) seen.add(k);
      }
      expect([...seen].sort(), token).toEqual(Object.keys(PLANTED).sort());
      // The free texts quoting the customer are there as written: the list's message, the hold's reason in the status.
      const list = JSON.parse((await raw('/api/v1/orders?failures=true&pageSize=200', token)).text);
      expect(list.items.find((o: { id: string }) => o.id === failingRow.id).message).toBe(echo);
      const status = (await raw('/api/v1/status', token)).text;
      expect(status).toContain(`${PLANTED.firstName} ${PLANTED.lastName} asked us to wait`);
      expect(status).toContain(echo);
    }
  });

  it('refuses a viewer\'s search by e-mail (403, short), which finds the customer\'s orders for support and operators', async () => {
    for (const q of [PLANTED.email, PLANTED.email.toUpperCase()]) {
      for (const r of [await raw('/api/v1/orders/search', VIEWER, { q }), await raw(`/api/v1/orders?q=${encodeURIComponent(q)}`, VIEWER)]) {
        expect(r.status).toBe(403);
        const { message } = JSON.parse(r.text);
        expect(message).toMatch(/"watcher" \(viewer\).*e-mail/);
        expect(message.length).toBeLessThan(120);
        expect(leaked(r.text)).toEqual([]);
      }
    }
    for (const token of [SUPPORT, OPERATOR]) {
      const r = JSON.parse((await raw('/api/v1/orders/search', token, { q: PLANTED.email.toUpperCase() })).text);
      expect(r.items.map((o: { id: string }) => o.id).sort()).toEqual([madeRow.id, failingRow.id, heldRow.id].sort());
    }
  });

  it('says which role sees what: whoami, and a support token reads but may not act', async () => {
    expect(JSON.parse((await raw('/api/v1/whoami', VIEWER)).text)).toEqual({ name: 'watcher', role: 'viewer', personalData: false });
    expect(JSON.parse((await raw('/api/v1/whoami', SUPPORT)).text)).toEqual({ name: 'care', role: 'support', personalData: true });
    expect(JSON.parse((await raw('/api/v1/whoami', OPERATOR)).text)).toEqual({ name: 'ops', role: 'operator', personalData: true });
    const acted = await raw('/api/v1/reprocess', SUPPORT, { orderIds: [failingRow.id], dryRun: true });
    expect(acted.status).toBe(403);
    expect(JSON.parse(acted.text).message).toContain('"care" is a support: it may look, not act');
  });

  it('keeps existing configs valid and refuses an unknown role with the field named', () => {
    const tokens = (role: string) => ({ ...pipelineConfigObject(om, shop), server: { port: 0, admin: { tokens: [{ name: 'a', role, token: { env: 'T_X', default: 'x'.repeat(16) } }] } } });
    for (const role of ['viewer', 'support', 'operator']) expect(config(tokens(role)).server.admin.tokens[0]!.role).toBe(role);
    expect(() => config(tokens('admin'))).toThrow(/server\.admin\.tokens\[0\]\.role: .*"viewer"\|"support"\|"operator"/);
  });
});
