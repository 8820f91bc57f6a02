import { sql, type Kysely } from 'kysely';
import type { z } from 'zod';
import { ConfigError, type StoreSecrets } from '../config/load.ts';
import { storeSchema, type StoreConfig } from '../config/schema.ts';
import { formatPath } from '../util/zod-path.ts';
import type { Keyring } from '../util/secret-box.ts';
import { registerSecretValue } from '../log.ts';
import { recordEvent } from './orders.ts';
import type { Database } from './schema.ts';

/** A ledger store's settings as given: the config file's store entry, its secrets aside (they are sealed). */
export type LedgerStoreSettings = Omit<z.input<typeof storeSchema>, 'auth' | 'webhookSecret'> & {
  auth: { type: 'accessToken' } | { type: 'clientCredentials'; clientId: string };
};
export interface LedgerStoreSecrets {
  shopifyToken?: string;
  shopifyClientSecret?: string;
  webhookSecret?: string;
}

/** Where a ledger store's secrets are said to come from in its StoreConfig: never read from the environment. */
const SEALED = { env: 'ORDERSYNC_LEDGER_SEALED' } as const;

/** A ledger store's settings as the config schema checks them (problems named as `store.<key>`). */
export function parseLedgerStore(settings: LedgerStoreSettings, has: { webhookSecret: boolean }): StoreConfig {
  const auth = settings.auth.type === 'accessToken' ? { type: 'accessToken', accessToken: SEALED } : { type: 'clientCredentials', clientId: settings.auth.clientId, clientSecret: SEALED };
  const r = storeSchema.safeParse({ ...settings, auth, ...(has.webhookSecret ? { webhookSecret: SEALED } : {}) });
  if (!r.success) throw ConfigError.of(r.error.issues.map((i) => ({ key: `store.${formatPath(i.path)}`, message: i.message })));
  return r.data;
}

function seal(keyring: Keyring, secrets: LedgerStoreSecrets): Record<string, string> {
  return Object.fromEntries(Object.entries(secrets).filter(([, v]) => v).map(([k, v]) => [k, keyring.seal(v!)]));
}

/**
 * Store additions one at a time (`store add`, installs): two at once must not both take the same free
 * id, nor make two stores of one shop.
 */
async function lockStoreAdditions(trx: Kysely<Database>): Promise<void> {
  await sql`select pg_advisory_xact_lock(hashtext('ordersync:install-store'))`.execute(trx);
}

/**
 * The store that has a shop, if any: a config store the workers run (one removed from the file no
 * longer has it) or a ledger store not removed (a paused one is resumed as it was).
 */
export async function storeOfShop(db: Kysely<Database>, shop: string): Promise<{ id: string; source: 'config' | 'ledger' } | undefined> {
  return db
    .selectFrom('stores')
    .select(['id', 'source'])
    .where('shop_domain', '=', shop)
    .where((eb) => eb.or([eb.and([eb('source', '=', 'config'), eb('enabled', '=', true)]), eb.and([eb('source', '=', 'ledger'), eb('paused_reason', 'is distinct from', 'REMOVED')])]))
    .orderBy('source')
    .orderBy('id')
    .executeTakeFirst();
}

/**
 * Adds a store to the ledger (refused if the id is taken, by the config file or the ledger, or if
 * another store has its shop: two stores of one shop each pull every order and submit it under its own
 * safeId, issue 34).
 */
export async function addLedgerStore(db: Kysely<Database>, keyring: Keyring, settings: LedgerStoreSettings, secrets: LedgerStoreSecrets, actor: string): Promise<StoreConfig> {
  const cfg = parseLedgerStore(settings, { webhookSecret: Boolean(secrets.webhookSecret) });
  if (cfg.auth.type === 'accessToken' && !secrets.shopifyToken) throw new ConfigError('store.auth', 'an access token is required');
  if (cfg.auth.type === 'clientCredentials' && !secrets.shopifyClientSecret) throw new ConfigError('store.auth', 'a client secret is required');
  const sealed = seal(keyring, secrets);
  await db.transaction().execute(async (trx) => {
    await lockStoreAdditions(trx);
    const taken = await trx.selectFrom('stores').select(['source']).where('id', '=', cfg.id).executeTakeFirst();
    if (taken) throw new ConfigError('store.id', `"${cfg.id}" is already a ${taken.source === 'config' ? 'store of the config file' : 'ledger store'}`);
    const holder = await storeOfShop(trx, cfg.shopDomain);
    if (holder) throw new ConfigError('store.shopDomain', `${cfg.shopDomain} is already ${holder.source === 'config' ? 'the config file\'s' : 'ledger'} store ${holder.id}: one shop, one store`);
    await trx
      .insertInto('stores')
      .values({ id: cfg.id, platform: cfg.platform, shop_domain: cfg.shopDomain, merchant_id: cfg.merchantId, mapping_module: cfg.mapping.module, enabled: cfg.enabled, credentials_ref: 'ledger', source: 'ledger', settings: JSON.stringify(settings), secrets_sealed: JSON.stringify(sealed) })
      .execute();
    await recordEvent(trx, { storeId: cfg.id, kind: 'store_added', message: cfg.shopDomain, actor });
  });
  return cfg;
}

export interface LedgerStoreRow {
  id: string;
  source: 'config' | 'ledger';
  shopDomain: string;
  merchantId: string;
  enabled: boolean;
  pausedReason: string | null;
  keyId: string | null;
  createdAt: string;
  updatedAt: string;
}

/** Every store the ledger knows (config and ledger ones), or the one named, for `store list` and `store show`. */
export async function listStores(db: Kysely<Database>, only?: string): Promise<LedgerStoreRow[]> {
  const rows = await db
    .selectFrom('stores')
    .selectAll()
    .$if(only !== undefined, (q) => q.where('id', '=', only!))
    .orderBy('id')
    .execute();
  return rows.map((r) => ({
    id: r.id,
    source: r.source,
    shopDomain: r.shop_domain,
    merchantId: r.merchant_id,
    enabled: r.enabled,
    pausedReason: r.paused_reason,
    keyId: Object.values((r.secrets_sealed as Record<string, string> | null) ?? {})[0]?.split('.')[1] ?? null,
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
  }));
}

/** A ledger store's settings as the config reads them (its secrets left sealed), or null when the ledger has no such store. */
export async function ledgerStore(db: Kysely<Database>, id: string): Promise<StoreConfig | null> {
  const r = await db.selectFrom('stores').select(['settings', 'secrets_sealed']).where('id', '=', id).where('source', '=', 'ledger').executeTakeFirst();
  if (!r) return null;
  return parseLedgerStore(r.settings as LedgerStoreSettings, { webhookSecret: Boolean((r.secrets_sealed as Record<string, string> | null)?.webhookSecret) });
}

/** Where a store is kept: the config file's or the ledger's own (`ordersync store`); undefined when there is no such store. */
export async function storeSource(db: Kysely<Database>, id: string): Promise<'config' | 'ledger' | undefined> {
  return (await db.selectFrom('stores').select('source').where('id', '=', id).executeTakeFirst())?.source;
}

/** A store's OrderMesh merchant (UNASSIGNED_MERCHANT: an installed shop waiting for one); undefined when there is no such store. */
export async function storeMerchant(db: Kysely<Database>, id: string): Promise<string | undefined> {
  return (await db.selectFrom('stores').select('merchant_id').where('id', '=', id).executeTakeFirst())?.merchant_id;
}

/** Every store id the ledger holds, the config file's and its own. */
export async function storeIds(db: Kysely<Database>): Promise<string[]> {
  return (await db.selectFrom('stores').select('id').orderBy('id').execute()).map((r) => r.id);
}

/** What `store show` tells of one store beside its orders: its settings (never its secrets, only which are held) and its latest store events. */
export async function storeDetail(db: Kysely<Database>, id: string): Promise<{ settings: unknown; secretsHeld: string[]; events: Array<{ at: string; kind: string; message: string | null; actor: string }> } | null> {
  const row = await db.selectFrom('stores').select(['settings', 'secrets_sealed']).where('id', '=', id).executeTakeFirst();
  if (!row) return null;
  const events = await db.selectFrom('events').select(['at', 'kind', 'message', 'actor']).where('store_id', '=', id).where('order_id', 'is', null).orderBy('at', 'desc').orderBy('id', 'desc').limit(10).execute();
  return {
    settings: row.settings,
    secretsHeld: Object.keys((row.secrets_sealed as Record<string, string> | null) ?? {}),
    events: events.map((e) => ({ ...e, at: e.at.toISOString() })),
  };
}

/**
 * Pauses or resumes a store (a ledger store; a config store is paused with `enabled: false` in its file).
 * A resume is refused for a removed store (its secrets are gone; a new store of its shop may exist) and
 * for a store whose shop another store has meanwhile: one shop, one store (issue 34, item 3).
 */
export async function setPaused(db: Kysely<Database>, id: string, paused: boolean, reason: string | null, actor: string): Promise<'ok' | 'not-found' | 'config-store' | { refused: string }> {
  return db.transaction().execute(async (trx) => {
    await lockStoreAdditions(trx);
    const row = await trx.selectFrom('stores').select(['source', 'shop_domain', 'paused_reason']).where('id', '=', id).executeTakeFirst();
    if (!row) return 'not-found';
    if (row.source === 'config') return 'config-store';
    if (!paused && row.paused_reason === 'REMOVED') return { refused: `${id} was removed: add the shop again (\`ordersync store add\` or an install) instead` };
    if (!paused) {
      const other = await storeOfShop(trx, row.shop_domain);
      if (other && other.id !== id) return { refused: `${row.shop_domain} is the ${other.source} store ${other.id}'s now: one shop, one store` };
    }
    await trx.updateTable('stores').set({ enabled: !paused, paused_reason: paused ? reason : null, updated_at: new Date() }).where('id', '=', id).execute();
    await recordEvent(trx, { storeId: id, kind: paused ? 'store_paused' : 'store_resumed', message: reason, actor });
    return 'ok' as const;
  });
}

/**
 * Removes a ledger store: its row goes when it has no orders; otherwise (the orders stay visible) it is
 * paused for good, its secrets dropped.
 */
export async function removeLedgerStore(db: Kysely<Database>, id: string, actor: string): Promise<'removed' | 'retired' | 'not-found' | 'config-store'> {
  return db.transaction().execute(async (trx) => {
    const row = await trx.selectFrom('stores').select(['source']).where('id', '=', id).forUpdate().executeTakeFirst();
    if (!row) return 'not-found';
    if (row.source === 'config') return 'config-store';
    const orders = await trx.selectFrom('orders').select('id').where('store_id', '=', id).limit(1).executeTakeFirst();
    await recordEvent(trx, { storeId: id, kind: 'store_removed', message: orders ? 'kept, paused, secrets dropped: it has orders' : null, actor });
    if (!orders) {
      await trx.deleteFrom('sync_cursors').where('store_id', '=', id).execute();
      await trx.deleteFrom('sku_maps').where('store_id', '=', id).execute();
      await trx.deleteFrom('stores').where('id', '=', id).execute();
      return 'removed';
    }
    await trx.updateTable('stores').set({ enabled: false, paused_reason: 'REMOVED', secrets_sealed: null, updated_at: new Date() }).where('id', '=', id).execute();
    return 'retired';
  });
}

/** Re-seals every ledger secret with the current key (after a key rotation); returns how many stores changed. */
export async function rekeyStores(db: Kysely<Database>, keyring: Keyring, actor: string): Promise<number> {
  return db.transaction().execute(async (trx) => {
    const rows = await trx.selectFrom('stores').select(['id', 'secrets_sealed']).where('source', '=', 'ledger').where('secrets_sealed', 'is not', null).forUpdate().execute();
    let changed = 0;
    for (const r of rows) {
      const sealed = r.secrets_sealed as Record<string, string>;
      if (Object.values(sealed).every((v) => keyring.isCurrent(v))) continue;
      const resealed = Object.fromEntries(Object.entries(sealed).map(([k, v]) => [k, keyring.seal(keyring.open(v))]));
      await trx.updateTable('stores').set({ secrets_sealed: JSON.stringify(resealed), updated_at: new Date() }).where('id', '=', r.id).execute();
      await recordEvent(trx, { storeId: r.id, kind: 'store_rekeyed', message: `sealed with key ${keyring.currentKeyId}`, actor });
      changed++;
    }
    return changed;
  });
}

/** A fingerprint of the ledger stores (count and last change): a worker reloads them when it changes. */
export async function ledgerStoresVersion(db: Kysely<Database>): Promise<string> {
  const r = await sql<{ v: string }>`select count(*) || '@' || coalesce(max(updated_at)::text, '') as v from stores where source = 'ledger'`.execute(db);
  return r.rows[0]!.v;
}

/** The enabled ledger stores, as the config would give them, with their secrets opened; one that cannot be read goes to `onProblem` and is left out. */
export async function loadLedgerStores(db: Kysely<Database>, keyring: Keyring, onProblem: (err: unknown, storeId: string) => void, only?: string): Promise<{ stores: StoreConfig[]; secrets: Map<string, StoreSecrets> }> {
  const rows = await db
    .selectFrom('stores')
    .select(['id', 'settings', 'secrets_sealed'])
    .where('source', '=', 'ledger')
    .where('enabled', '=', true)
    .$if(only !== undefined, (q) => q.where('id', '=', only!))
    .orderBy('id')
    .execute();
  const stores: StoreConfig[] = [];
  const secrets = new Map<string, StoreSecrets>();
  for (const r of rows) {
    const sealed = (r.secrets_sealed as Record<string, string> | null) ?? {};
    // Opened secrets are masked in every log line, as the config's are.
    const open = (k: string) => {
      const v = sealed[k] ? keyring.open(sealed[k]!) : undefined;
      if (v) registerSecretValue(v);
      return v;
    };
    try {
      const store = parseLedgerStore(r.settings as LedgerStoreSettings, { webhookSecret: Boolean(sealed.webhookSecret) });
      secrets.set(r.id, { shopifyToken: open('shopifyToken'), shopifyClientSecret: open('shopifyClientSecret'), webhookSecret: open('webhookSecret') });
      stores.push(store);
    } catch (err) {
      onProblem(err, r.id);
    }
  }
  return { stores, secrets };
}

/** A merchant not yet named for an installed shop: the store waits paused (NEEDS_MERCHANT) until `store resume ID --merchant M`. */
export const UNASSIGNED_MERCHANT = 'unassigned';

/**
 * Records an app install: a new ledger store for the shop (its offline token and the app secret its
 * webhooks are signed with, sealed), or, for a shop installed before, its new token and the store
 * resumed. A shop the config file has is refused: it is the file's.
 */
export async function installStore(
  db: Kysely<Database>,
  keyring: Keyring,
  i: { shop: string; accessToken: string; webhookSecret: string; merchantId?: string | undefined; defaults: Record<string, unknown>; apiOrigin?: string | undefined },
  actor: string,
): Promise<{ storeId: string; outcome: 'installed' | 'reinstalled' | 'needs-merchant' }> {
  // Domains are case-blind; the ledger keeps them lower-case.
  const shop = i.shop.toLowerCase();
  return db.transaction().execute(async (trx) => {
    await lockStoreAdditions(trx);
    // The shop is found by its domain alone: a store whose id the shop's name would give is another shop's (issue 34).
    // A removed store of the shop comes last: `store add` may have given the shop a store since.
    const existing = await trx.selectFrom('stores').select(['id', 'source', 'settings', 'merchant_id']).where('shop_domain', '=', shop).orderBy('source').orderBy(sql`paused_reason is not distinct from 'REMOVED'`).orderBy('id').forUpdate().executeTakeFirst();
    if (existing?.source === 'config') throw new ConfigError('store.shopDomain', `${shop} is store ${existing.id} of the config file: its token is the file's to hold`);
    const sealed = JSON.stringify(seal(keyring, { shopifyToken: i.accessToken, webhookSecret: i.webhookSecret }));
    if (existing) {
      const waiting = existing.merchant_id === UNASSIGNED_MERCHANT;
      await trx.updateTable('stores').set({ secrets_sealed: sealed, enabled: !waiting, paused_reason: waiting ? 'NEEDS_MERCHANT' : null, updated_at: new Date() }).where('id', '=', existing.id).execute();
      await recordEvent(trx, { storeId: existing.id, kind: 'store_installed', message: `${shop} installed again: new access token`, actor });
      return { storeId: existing.id, outcome: waiting ? 'needs-merchant' : 'reinstalled' };
    }
    const id = await freeStoreId(trx, shop.replace(/\.myshopify\.com$/, ''));
    const settings = { ...i.defaults, id, shopDomain: shop, merchantId: i.merchantId ?? UNASSIGNED_MERCHANT, ...(i.apiOrigin ? { apiOrigin: i.apiOrigin } : {}), auth: { type: 'accessToken' } } as LedgerStoreSettings;
    const cfg = parseLedgerStore(settings, { webhookSecret: true });
    await trx
      .insertInto('stores')
      .values({ id, platform: cfg.platform, shop_domain: shop, merchant_id: cfg.merchantId, mapping_module: cfg.mapping.module, enabled: Boolean(i.merchantId), paused_reason: i.merchantId ? null : 'NEEDS_MERCHANT', credentials_ref: 'ledger', source: 'ledger', settings: JSON.stringify(settings), secrets_sealed: sealed })
      .execute();
    await recordEvent(trx, { storeId: id, kind: 'store_installed', message: `${shop} installed the app`, actor });
    return { storeId: id, outcome: i.merchantId ? 'installed' : 'needs-merchant' };
  });
}

/** The id an installed shop's store gets: its name, or its name with `-2`, `-3`… when another store (another shop) holds that. */
async function freeStoreId(trx: Kysely<Database>, name: string): Promise<string> {
  const base = name.slice(0, 63);
  for (let n = 1; ; n++) {
    const id = n === 1 ? base : `${base.slice(0, 63 - `-${n}`.length).replace(/-+$/, '')}-${n}`;
    if (!(await trx.selectFrom('stores').select('id').where('id', '=', id).executeTakeFirst())) return id;
  }
}

/** Names the OrderMesh merchant of a ledger store (an installed shop waiting for one). */
export async function setMerchant(db: Kysely<Database>, id: string, merchantId: string): Promise<void> {
  const row = await db.selectFrom('stores').select(['settings']).where('id', '=', id).where('source', '=', 'ledger').executeTakeFirstOrThrow();
  await db.updateTable('stores').set({ merchant_id: merchantId, settings: JSON.stringify({ ...(row.settings as object), merchantId }), updated_at: new Date() }).where('id', '=', id).execute();
}
