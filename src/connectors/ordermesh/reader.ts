/**
 * The tolerant reader: OrderMesh's answers as the worker uses them, read from whatever shape OrderMesh
 * sends within what its public documentation shows or leaves open (../shared/ordermesh/public-facts.md).
 *
 * - Envelopes: an order may come wrapped (`{order}`, documented) or bare; a list as a bare array,
 *   `{items}`, `{orders}`/`{shipments}`/`{variants}`/`{results}`, or one object.
 * - Field names: documented names first (`id`, `shipmentStatus`, `orderItemIDs`), the names earlier
 *   versions of this client assumed (`shipmentId`, `packageId`, `status`) second.
 * - Statuses: strings or integers; an integer is named from `ordermesh.statusCodes` (assumed tables),
 *   an unknown value is kept as it came (`"7"`, `"Rerouted"`), reported, never a crash.
 * - Dates with or without a timezone (none = UTC); money as a number or `{currency, amount}`.
 *
 * Anything read another way than the documented one is reported to `drift` (operation, kind, path,
 * expected, seen), so an operator learns on day one what OrderMesh really sends. Unknown fields are
 * ignored. A field the worker needs that is missing is a ReadError naming its path.
 */

export class ReadError extends Error {
  readonly path: string;
  constructor(path: string, message: string) {
    super(`${path || '$'}: ${message}`);
    this.name = 'ReadError';
    this.path = path;
  }
}

/** A package lists an item whose quantity the answer does not give: the caller reads the order and tries again. */
export class QuantityUnknown extends ReadError {}

export interface DriftNotice {
  /** What kind of deviation: `envelope`, `field-name`, `integer-status`, `unknown-status`, `missing-field`, `no-timezone`, `money-number`, … */
  kind: string;
  path: string;
  expected: string;
  seen: string;
}

export interface ReadContext {
  drift(notice: DriftNotice): void;
  statusCodes: StatusCodes;
}

/** Integer status → name, per kind of status. No public page maps numbers to names: these are assumptions, configurable. */
export interface StatusCodes {
  order: Record<string, string>;
  shipment: Record<string, string>;
  orderItem: Record<string, string>;
}

/**
 * ASSUMED tables (no public page maps OrderMesh's integer statuses to names; the STG and DEV examples show
 * shipment status 1 and 4 and item status 1): the documented names in their lifecycle order, from 1.
 * Override in config (`ordermesh.statusCodes`) once OrderMesh says otherwise.
 */
export const DEFAULT_STATUS_CODES: StatusCodes = {
  order: { 1: 'Open', 2: 'ReadyForFulfillment', 3: 'InProduction', 4: 'PartiallyShipped', 5: 'Shipped', 6: 'Cancelled', 7: 'CustomerCareHold' },
  shipment: { 1: 'ReadyForFulfillment', 2: 'InProduction', 3: 'Fulfilled', 4: 'Fulfilled', 5: 'Cancelled' },
  orderItem: { 1: 'Open', 2: 'Fulfilled', 3: 'Cancelled' },
};

export const ORDER_STATUSES = ['Open', 'ReadyForFulfillment', 'InProduction', 'PartiallyShipped', 'Shipped', 'Cancelled', 'CustomerCareHold'] as const;
export type KnownOrderStatus = (typeof ORDER_STATUSES)[number];
/** A documented status name, or what OrderMesh sent that we do not know (kept, reported). */
export type OrderStatus = KnownOrderStatus | (string & {});

// ---------------------------------------------------------------------------------------------------
// What the worker reads
// ---------------------------------------------------------------------------------------------------

export interface ItemRefund {
  transactionId: string | null;
  isShippingRefund: boolean;
  amount: number | null;
  reason: string | null;
}

export interface OrderMeshItem {
  id: string;
  externalId: string | null;
  sku: string | null;
  quantity: number;
  /** Not documented: read where sent, else the whole quantity when the item's status is Cancelled, else 0. */
  cancelledQuantity: number;
  status: string;
  meta: Record<string, string> | null;
  refunds: ItemRefund[];
  /** refundData's balances (what OrderMesh says can still be refunded); null when it does not say. */
  remainingPriceBalance: number | null;
  remainingShippingBalance: number | null;
}

export interface OrderMeshOrder {
  id: string;
  /** The order-level safeId, externalId, merchantId and dates fall in the cut-off part of the docs' example: null when absent. */
  safeId: string | null;
  externalId: string | null;
  merchantId: string | null;
  status: OrderStatus;
  items: OrderMeshItem[];
  shipmentIds: string[];
  shippingAddress: Record<string, unknown> | null;
  meta: Record<string, string> | null;
  createdAt: string | null;
  updatedAt: string | null;
}

export interface PackageItem {
  orderItemId: string;
  externalId: string | null;
  quantity: number;
  shopifyLineItemId: string | null;
}

export interface PackageModel {
  packageId: string;
  shortId: string | null;
  carrierName: string | null;
  carrierMethodName: string | null;
  shippedDate: string | null;
  fulfilledDate: string | null;
  carrierTrackingNumber: string | null;
  carrierLink: string | null;
  items: PackageItem[];
  /** True when the quantities came from `orderItemIDs` (packageOrderItems empty): see README, "split items". */
  quantitiesInferred: boolean;
  /** The order item ids the package lists (its items may leave out one whose share came to 0). */
  listedItemIds: string[];
}

export interface ShipmentModel {
  shipmentId: string;
  orderId: string | null;
  status: string;
  packages: PackageModel[];
  createdAt: string | null;
  updatedAt: string | null;
}

export interface CatalogVariant {
  sku: string;
  name: string | null;
  merchantSku: string | null;
}

export interface NoteModel {
  id: string;
  entityType: string | null;
  entityId: string | null;
  text: string;
  externalId: string | null;
  author: string | null;
  createdAt: string | null;
  updatedAt: string | null;
}

export interface BulkResult {
  /** Position in the request, when the answer says it (else the position in the answer). */
  index: number | null;
  safeId: string | null;
  status: number | null;
  orderId: string | null;
  message: string | null;
  fieldErrors: Record<string, string[]>;
}

export interface TokenAnswer {
  accessToken: string;
  expiresIn: number;
}

export interface ErrorBody {
  message: string | null;
  /** Field path → messages, from `{errors: {path: [..]}}` or the documented list `[{propertyName, errorMessage, attemptedValue}]`. */
  fieldErrors: Record<string, string[]>;
}

// ---------------------------------------------------------------------------------------------------
// Primitives
// ---------------------------------------------------------------------------------------------------

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const show = (v: unknown): string => {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return `an object with ${Object.keys(v).slice(0, 6).join(', ') || 'no fields'}`;
  return `${typeof v} ${JSON.stringify(v).slice(0, 40)}`;
};
const at = (path: string, key: string | number) => (typeof key === 'number' ? `${path}[${key}]` : path ? `${path}.${key}` : key);

function obj(v: unknown, path: string): Obj {
  if (!isObj(v)) throw new ReadError(path, `expected an object, got ${show(v)}`);
  return v;
}

/**
 * The first of `names` present (not undefined) in `o`; a name after the first is drift. Case-insensitive
 * as a last resort (PascalCase payloads), also drift.
 */
function pick(o: Obj, names: readonly string[], path: string, ctx: ReadContext): { value: unknown; name: string } | undefined {
  for (const [i, name] of names.entries()) {
    if (o[name] !== undefined) {
      if (i > 0) ctx.drift({ kind: 'field-name', path: at(path, names[0]!), expected: names[0]!, seen: name });
      return { value: o[name], name };
    }
  }
  const lower = new Map(Object.keys(o).map((k) => [k.toLowerCase(), k]));
  for (const name of names) {
    const k = lower.get(name.toLowerCase());
    if (k !== undefined && o[k] !== undefined) {
      ctx.drift({ kind: 'field-name', path: at(path, names[0]!), expected: names[0]!, seen: k });
      return { value: o[k], name: k };
    }
  }
  return undefined;
}

/** An id or other text: a string, or a number (ids in some examples are numbers), as a string. */
function text(o: Obj, names: readonly string[], path: string, ctx: ReadContext): string | null {
  const p = pick(o, names, path, ctx);
  if (!p || p.value === null) return null;
  if (typeof p.value === 'string') return p.value;
  if (typeof p.value === 'number' || typeof p.value === 'boolean') return String(p.value);
  throw new ReadError(at(path, p.name), `expected text, got ${show(p.value)}`);
}

function requiredText(o: Obj, names: readonly string[], path: string, ctx: ReadContext): string {
  const v = text(o, names, path, ctx);
  if (v === null || v === '') throw new ReadError(at(path, names[0]!), 'is missing');
  return v;
}

function number(o: Obj, names: readonly string[], path: string, ctx: ReadContext): number | null {
  const p = pick(o, names, path, ctx);
  if (!p || p.value === null) return null;
  if (typeof p.value === 'number' && Number.isFinite(p.value)) return p.value;
  if (typeof p.value === 'string' && p.value.trim() !== '' && Number.isFinite(Number(p.value))) {
    ctx.drift({ kind: 'number-as-text', path: at(path, p.name), expected: 'a number', seen: show(p.value) });
    return Number(p.value);
  }
  throw new ReadError(at(path, p.name), `expected a number, got ${show(p.value)}`);
}

/**
 * A date as an ISO string with its timezone. The REST shipments' dates have none (documented: read as
 * UTC); elsewhere a missing timezone is reported.
 */
function date(o: Obj, names: readonly string[], path: string, ctx: ReadContext, noTimezoneDocumented = false): string | null {
  const v = text(o, names, path, ctx);
  if (v === null || v === '') return null;
  const bare = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(v);
  const iso = bare ? `${v}Z` : v;
  const t = Date.parse(iso);
  if (Number.isNaN(t)) {
    ctx.drift({ kind: 'bad-date', path: at(path, names[0]!), expected: 'an ISO date', seen: show(v) });
    return null;
  }
  if (bare && !noTimezoneDocumented) ctx.drift({ kind: 'no-timezone', path: at(path, names[0]!), expected: 'a timezone', seen: v });
  return new Date(t).toISOString();
}

/** A status: a name, or an integer named by `table`. `documentedInteger`: the docs show integers here. */
function status(o: Obj, names: readonly string[], path: string, ctx: ReadContext, table: Record<string, string>, known: readonly string[], documentedInteger: boolean): string {
  const p = pick(o, names, path, ctx);
  const where = at(path, p?.name ?? names[0]!);
  if (!p || p.value === null) {
    ctx.drift({ kind: 'missing-field', path: where, expected: 'a status', seen: show(p?.value) });
    return 'Unknown';
  }
  if (typeof p.value === 'number') {
    const name = table[String(p.value)];
    if (!documentedInteger) ctx.drift({ kind: 'integer-status', path: where, expected: 'a status name', seen: String(p.value) });
    if (name) return name;
    ctx.drift({ kind: 'unknown-status', path: where, expected: `one of ${Object.keys(table).join(', ')}`, seen: String(p.value) });
    return String(p.value);
  }
  if (typeof p.value === 'string') {
    if (documentedInteger) ctx.drift({ kind: 'string-status', path: where, expected: 'an integer status', seen: p.value });
    if (/^\d+$/.test(p.value) && table[p.value]) return table[p.value]!;
    if (!known.includes(p.value)) ctx.drift({ kind: 'unknown-status', path: where, expected: `one of ${known.join(', ')}`, seen: p.value });
    return p.value;
  }
  throw new ReadError(where, `expected a status, got ${show(p.value)}`);
}

function stringMap(o: Obj, names: readonly string[], path: string, ctx: ReadContext): Record<string, string> | null {
  const p = pick(o, names, path, ctx);
  if (!p || !isObj(p.value)) return null;
  // Own properties only, whatever the keys (`__proto__` from a parsed body is a key like any other).
  return Object.fromEntries(Object.entries(p.value).flatMap(([k, v]) => (v === null || v === undefined ? [] : [[k, typeof v === 'string' ? v : JSON.stringify(v)]])));
}

function array(o: Obj, names: readonly string[], path: string, ctx: ReadContext): { items: unknown[]; path: string } {
  const p = pick(o, names, path, ctx);
  if (!p || p.value === null) return { items: [], path: at(path, names[0]!) };
  // The webhook's Packages is documented as both an array and one object: one object is a list of one.
  if (isObj(p.value)) return { items: [p.value], path: at(path, p.name) };
  if (!Array.isArray(p.value)) throw new ReadError(at(path, p.name), `expected a list, got ${show(p.value)}`);
  return { items: p.value, path: at(path, p.name) };
}

/**
 * `{key: X}` (the documented envelope) → X; a bare X (an object without the key) is read as is and reported.
 */
export function unwrap(json: unknown, key: string, ctx: ReadContext): Obj {
  const o = obj(json, '');
  if (key in o) return obj(o[key], key);
  ctx.drift({ kind: 'envelope', path: '$', expected: `{${key}: …}`, seen: show(o) });
  return o;
}

/**
 * A list answer in any of the envelopes OrderMesh may use. `documented`: the envelope its docs show,
 * or 'unknown' where they show none (then no form is drift, but the form seen is still reported, as
 * `envelope:<form>`, so the operator learns it).
 */
export function listOf(json: unknown, keys: readonly string[], ctx: ReadContext, documented: string | 'unknown', looksLikeItem: (o: Obj) => boolean): unknown[] {
  let form: string;
  let items: unknown[];
  if (Array.isArray(json)) {
    form = 'array';
    items = json;
  } else if (isObj(json)) {
    // One object that is itself an item (an order has `items` too) before any envelope.
    const key = looksLikeItem(json) ? undefined : keys.find((k) => Array.isArray(json[k]));
    if (key) {
      form = `{${key}}`;
      items = json[key] as unknown[];
    } else if (looksLikeItem(json)) {
      form = 'single object';
      items = [json];
    } else {
      throw new ReadError('$', `expected a list (an array, or ${keys.map((k) => `{${k}}`).join(', ')}), got ${show(json)}`);
    }
  } else {
    throw new ReadError('$', `expected a list, got ${show(json)}`);
  }
  // Where the docs show no envelope, the form seen is reported once (`envelope:array`…), so the operator learns it.
  if (documented === 'unknown') ctx.drift({ kind: `envelope:${form.replace(/[{}]/g, '')}`, path: '$', expected: 'not documented', seen: form });
  else if (form !== documented) ctx.drift({ kind: 'envelope', path: '$', expected: documented, seen: form });
  return items;
}

// ---------------------------------------------------------------------------------------------------
// Readers, one per answer
// ---------------------------------------------------------------------------------------------------

/** Client token: camelCase (ClientTokenResponseDTO, user-login.txt) or snake_case (the older public sample). */
export function readToken(json: unknown, ctx: ReadContext): TokenAnswer {
  const o = obj(json, '');
  const accessToken = requiredText(o, ['accessToken', 'access_token'], '', ctx);
  const expiresIn = number(o, ['expiresIn', 'expires_in'], '', ctx);
  if (expiresIn === null) ctx.drift({ kind: 'missing-field', path: 'expiresIn', expected: 'seconds', seen: 'nothing' });
  // The docs: client tokens live 24 h.
  return { accessToken, expiresIn: expiresIn ?? 86_400 };
}

export function readUserToken(json: unknown, ctx: ReadContext): TokenAnswer & { refreshToken: string | null } {
  const o = obj(json, '');
  return { ...readToken(o, ctx), refreshToken: text(o, ['refreshToken', 'refresh_token'], '', ctx) };
}

/** CreateOrderResponse: `{orderId}` (orders-create.txt; `{id}` accepted). */
export function readCreated(json: unknown, ctx: ReadContext): { orderId: string } {
  const o = isObj(json) && isObj(json.order) ? json.order : obj(json, '');
  return { orderId: requiredText(o, ['orderId', 'id'], '', ctx) };
}

function readRefund(json: unknown, path: string, ctx: ReadContext): ItemRefund {
  const o = obj(json, path);
  const amount = isObj(o.amount) ? number(o.amount, ['amount'], at(path, 'amount'), ctx) : number(o, ['amount'], path, ctx);
  const shipping = pick(o, ['isShippingRefund'], path, ctx)?.value;
  return { transactionId: text(o, ['transactionId', 'id'], path, ctx), isShippingRefund: shipping === true, amount, reason: text(o, ['reason'], path, ctx) };
}

function readItem(json: unknown, path: string, ctx: ReadContext): OrderMeshItem {
  const o = obj(json, path);
  const quantity = number(o, ['quantity'], path, ctx);
  if (quantity === null) throw new ReadError(at(path, 'quantity'), 'is missing');
  const st = status(o, ['status'], path, ctx, ctx.statusCodes.orderItem, ['Open', 'Fulfilled', 'Cancelled', 'Shipped', 'InProduction', 'ReadyForFulfillment', 'CustomerCareHold'], false);
  const cancelled = number(o, ['cancelledQuantity'], path, ctx) ?? (st === 'Cancelled' ? quantity : 0);
  const refundData = isObj(o.refundData) ? o.refundData : null;
  const refunds = refundData ? array(refundData, ['refunds'], at(path, 'refundData'), ctx) : { items: [], path: '' };
  return {
    id: requiredText(o, ['id', 'orderItemId'], path, ctx),
    externalId: text(o, ['externalId'], path, ctx),
    sku: text(o, ['sku'], path, ctx),
    quantity,
    cancelledQuantity: cancelled,
    status: st,
    meta: stringMap(o, ['meta'], path, ctx),
    refunds: refunds.items.map((r, i) => readRefund(r, at(refunds.path, i), ctx)),
    remainingPriceBalance: refundData ? number(refundData, ['remainingPriceBalance'], at(path, 'refundData'), ctx) : null,
    remainingShippingBalance: refundData ? number(refundData, ['remainingShippingBalance'], at(path, 'refundData'), ctx) : null,
  };
}

function readOrderObject(o: Obj, path: string, ctx: ReadContext): OrderMeshOrder {
  const items = array(o, ['items', 'orderItems'], path, ctx);
  const address = pick(o, ['shippingAddress'], path, ctx)?.value;
  const ids = array(o, ['shipmentIds'], path, ctx);
  return {
    id: requiredText(o, ['id', 'orderId'], path, ctx),
    safeId: text(o, ['safeId'], path, ctx),
    externalId: text(o, ['externalId'], path, ctx),
    merchantId: text(o, ['merchantId'], path, ctx),
    status: status(o, ['status', 'orderStatus'], path, ctx, ctx.statusCodes.order, ORDER_STATUSES, false),
    items: items.items.map((it, i) => readItem(it, at(items.path, i), ctx)),
    shipmentIds: ids.items.filter((s): s is string => typeof s === 'string'),
    shippingAddress: isObj(address) ? address : null,
    meta: stringMap(o, ['meta'], path, ctx),
    createdAt: date(o, ['createdAt', 'createdDate'], path, ctx),
    updatedAt: date(o, ['updatedAt', 'lastModifiedDate'], path, ctx),
  };
}

/** GetOrderResponse: `{order: GetOrderModel}` (documented); a bare order is read too. */
export function readOrder(json: unknown, ctx: ReadContext): OrderMeshOrder {
  const o = unwrap(json, 'order', ctx);
  return readOrderObject(o, isObj(json) && 'order' in json ? 'order' : '', ctx);
}

/** GetOrderItemResponse: `{orderItem: GetOrderItemModel}` (documented); a bare item is read too. */
export function readOrderItem(json: unknown, ctx: ReadContext): OrderMeshItem {
  return readItem(unwrap(json, 'orderItem', ctx), 'orderItem', ctx);
}

export interface OrderPage {
  orders: OrderMeshOrder[];
  /** The total OrderMesh reports, when it does. */
  total: number | null;
}

/** ListOrdersResponse: envelope not documented. Each listed order may itself be wrapped. */
export function readOrderList(json: unknown, ctx: ReadContext): OrderPage {
  const list = listOf(json, ['items', 'orders', 'data', 'results'], ctx, 'unknown', (o) => 'id' in o || 'order' in o);
  const total = isObj(json) ? number(json, ['total', 'totalCount'], '', ctx) : null;
  return { orders: list.map((o, i) => (isObj(o) && isObj(o.order) ? readOrderObject(o.order, `[${i}].order`, ctx) : readOrderObject(obj(o, `[${i}]`), `[${i}]`, ctx))), total };
}

interface PackagePart {
  o: Obj;
  path: string;
  /** From packageOrderItems, when it has them. */
  explicit: PackageItem[] | null;
  /** From orderItemIDs otherwise: quantities to be allocated. */
  ids: string[];
}

interface ShipmentPart {
  o: Obj;
  path: string;
  packages: PackagePart[];
  /** The shipment's own quantity of each item (`orderItems[].quantity`), where it gives one. */
  quantities: Map<string, number>;
}

function readShipmentPart(o: Obj, path: string, ctx: ReadContext): ShipmentPart {
  const pk = array(o, ['packages', 'Packages'], path, ctx);
  const packages = pk.items.map((raw, i): PackagePart => {
    const pp = at(pk.path, i);
    const p = obj(raw, pp);
    const poi = array(p, ['packageOrderItems', 'PackageOrderItems'], pp, ctx);
    if (poi.items.length) {
      const explicit = poi.items.map((rawItem, j) => {
        const ip = at(poi.path, j);
        const it = obj(rawItem, ip);
        const q = number(it, ['quantity', 'Quantity'], ip, ctx);
        if (q === null) throw new ReadError(at(ip, 'quantity'), 'is missing');
        const meta = stringMap(it, ['itemMeta', 'ItemMeta'], ip, ctx);
        return { orderItemId: requiredText(it, ['orderItemId', 'OrderItemId'], ip, ctx), externalId: text(it, ['externalId', 'ExternalId'], ip, ctx), quantity: q, shopifyLineItemId: meta?.shopifyLineItemId ?? null };
      });
      return { o: p, path: pp, explicit, ids: [] };
    }
    const ids = [...new Set(array(p, ['orderItemIDs', 'orderItemIds', 'OrderItemIDs'], pp, ctx).items.map(String))];
    return { o: p, path: pp, explicit: null, ids };
  });
  const oi = array(o, ['orderItems'], path, ctx);
  const quantities = new Map<string, number>();
  oi.items.forEach((raw, i) => {
    if (!isObj(raw)) return;
    const id = text(raw, ['id', 'orderItemId'], at(oi.path, i), ctx);
    const q = number(raw, ['quantity'], at(oi.path, i), ctx);
    if (id && q !== null) quantities.set(id, q);
  });
  return { o, path, packages, quantities };
}

/** q units over k holders in their order: the first q mod k get ⌈q/k⌉, the others ⌊q/k⌋. */
function split(q: number, k: number, rank: number): number {
  return Math.floor(q / k) + (rank < q % k ? 1 : 0);
}

/**
 * Per-item quantities of every package of an order's shipments. A package's `packageOrderItems` are
 * taken as they are. A package with only `orderItemIDs` (every documented example) gets a share of
 * what is left of each item it lists: within a shipment that gives its own quantity of the item
 * (`orderItems[].quantity`, ASSUMED to be what that shipment carries), that quantity less the
 * shipment's explicit packages, split over its packages listing the item; across shipments that do not,
 * the order's quantity (`itemQuantity`: sent less cancelled) less everything counted above, split over
 * all their packages listing it, in order. A package left with 0 of an item does not list it.
 */
function allocate(parts: ShipmentPart[], itemQuantity: (orderItemId: string) => number | null): Map<PackagePart, { items: PackageItem[]; inferred: boolean }> {
  const out = new Map<PackagePart, { items: PackageItem[]; inferred: boolean }>();
  const counted = new Map<string, number>();
  const add = (id: string, q: number) => counted.set(id, (counted.get(id) ?? 0) + q);
  for (const s of parts) for (const p of s.packages) for (const it of p.explicit ?? []) add(it.orderItemId, it.quantity);
  const share = new Map<PackagePart, PackageItem[]>();
  const give = (p: PackagePart, id: string, q: number) => {
    if (q > 0) share.set(p, [...(share.get(p) ?? []), { orderItemId: id, externalId: null, quantity: q, shopifyLineItemId: null }]);
  };
  const open = new Map<string, PackagePart[]>(); // items whose shipment gives no quantity: holders across shipments
  for (const s of parts) {
    const holders = new Map<string, PackagePart[]>();
    for (const p of s.packages) for (const id of p.ids) holders.set(id, [...(holders.get(id) ?? []), p]);
    for (const [id, hs] of holders) {
      const own = s.quantities.get(id);
      if (own === undefined) {
        open.set(id, [...(open.get(id) ?? []), ...hs]);
        continue;
      }
      const explicitHere = s.packages.reduce((a, p) => a + (p.explicit ?? []).filter((i) => i.orderItemId === id).reduce((b, i) => b + i.quantity, 0), 0);
      const left = Math.max(0, own - explicitHere);
      hs.forEach((p, rank) => give(p, id, split(left, hs.length, rank)));
      add(id, left);
    }
  }
  for (const [id, hs] of open) {
    const total = itemQuantity(id);
    if (total === null) throw new QuantityUnknown(hs[0]!.path, `no quantity known for order item ${id}`);
    const left = Math.max(0, total - (counted.get(id) ?? 0));
    hs.forEach((p, rank) => give(p, id, split(left, hs.length, rank)));
  }
  for (const s of parts) for (const p of s.packages) out.set(p, p.explicit ? { items: p.explicit, inferred: false } : { items: share.get(p) ?? [], inferred: true });
  return out;
}

function shipmentFrom(part: ShipmentPart, items: Map<PackagePart, { items: PackageItem[]; inferred: boolean }>, ctx: ReadContext): ShipmentModel {
  const { o, path } = part;
  return {
    shipmentId: requiredText(o, ['id', 'shipmentId', 'ShipmentId'], path, ctx),
    orderId: text(o, ['orderId'], path, ctx),
    status: status(o, ['shipmentStatus', 'status'], path, ctx, ctx.statusCodes.shipment, ['ReadyForFulfillment', 'InProduction', 'Fulfilled', 'Cancelled'], true),
    packages: part.packages.map((pkg) => {
      const { o: p, path: pp } = pkg;
      return {
        packageId: requiredText(p, ['id', 'packageId', 'PackageId'], pp, ctx),
        shortId: text(p, ['shortId', 'ShortId'], pp, ctx),
        carrierName: text(p, ['carrierName', 'CarrierName'], pp, ctx),
        carrierMethodName: text(p, ['carrierMethodName', 'CarrierMethodName'], pp, ctx),
        shippedDate: date(p, ['shippedDate', 'ShippedDate'], pp, ctx, true),
        fulfilledDate: date(p, ['fulfilledDate', 'FulfilledDate'], pp, ctx, true),
        carrierTrackingNumber: text(p, ['carrierTrackingNumber', 'CarrierTrackingNumber'], pp, ctx),
        carrierLink: text(p, ['carrierLink', 'CarrierLink'], pp, ctx),
        items: items.get(pkg)!.items,
        quantitiesInferred: items.get(pkg)!.inferred,
        listedItemIds: pkg.explicit ? [...new Set(pkg.explicit.map((i) => i.orderItemId))] : pkg.ids,
      };
    }),
    createdAt: date(o, ['createdDate', 'createdAt'], path, ctx, true),
    updatedAt: date(o, ['lastModifiedDate', 'updatedAt'], path, ctx, true),
  };
}

const looksLikeShipment = (o: Obj) => 'id' in o || 'shipmentId' in o || 'packages' in o;

/**
 * "Get all shipments for an order" (public-facts.md #1: `id`, integer `shipmentStatus`, dates without
 * timezone, packages with `id`): the envelope is not documented (bare array, {items}, {shipments} or one
 * object). `itemQuantity`: the order's quantity of an item, for packages no answer gives one for.
 */
export function readShipments(json: unknown, ctx: ReadContext, itemQuantity: (orderItemId: string) => number | null = () => null): ShipmentModel[] {
  const parts = listOf(json, ['items', 'shipments', 'data', 'results'], ctx, 'unknown', looksLikeShipment).map((s, i) =>
    readShipmentPart(isObj(s) && isObj(s.shipment) ? s.shipment : obj(s, `[${i}]`), `[${i}]`, ctx),
  );
  const items = allocate(parts, itemQuantity);
  return parts.map((p) => shipmentFrom(p, items, ctx));
}

export function readShipment(json: unknown, ctx: ReadContext, itemQuantity: (orderItemId: string) => number | null = () => null): ShipmentModel {
  const o = obj(json, '');
  const part = readShipmentPart(isObj(o.shipment) ? o.shipment : o, isObj(o.shipment) ? 'shipment' : '', ctx);
  return shipmentFrom(part, allocate([part], itemQuantity), ctx);
}

/**
 * BulkResponse: its fields are not documented. Read from `{items}`, `{results}`, `{bulk}` or a bare
 * array; per item an `index` (else its position), `safeId`, a status (`status`, `statusCode`, or
 * `isSuccessful`), `orderId`/`id`, and errors in either documented form.
 */
export function readBulk(json: unknown, ctx: ReadContext): BulkResult[] {
  const list = listOf(json, ['items', 'results', 'bulk', 'data'], ctx, 'unknown', () => false);
  return list.map((raw, i) => {
    const o = obj(raw, `[${i}]`);
    let st = number(o, ['statusCode', 'status', 'httpStatus'], `[${i}]`, ctx);
    const ok = pick(o, ['isSuccessful', 'success', 'succeeded'], `[${i}]`, ctx)?.value;
    const orderId = text(o, ['orderId', 'id'], `[${i}]`, ctx);
    if (st === null && typeof ok === 'boolean') st = ok ? 201 : 400;
    if (st === null && orderId) st = 201;
    const err = readErrorBody(o.errors !== undefined ? { message: o.message ?? o.errorMessage, errors: o.errors } : o, ctx);
    return { index: number(o, ['index'], `[${i}]`, ctx), safeId: text(o, ['safeId'], `[${i}]`, ctx), status: st, orderId, message: err.message, fieldErrors: err.fieldErrors };
  });
}

/**
 * A field path as our payload spells it: OrderMesh (.NET) names properties in PascalCase
 * (`Items[0].Sku`, `ShippingAddress.CountryCode`); ours are camelCase (`items[0].sku`).
 */
function payloadPath(path: string): string {
  return path.replace(/(^|\.)([A-Z])/g, (_m, dot: string, c: string) => dot + c.toLowerCase());
}

/**
 * An error body: `{message, errors: {path: [..]}}`, `{message, errors: [{propertyName, errorMessage,
 * attemptedValue}]}`, or the documented bare list. Never throws: an unreadable body is just no detail.
 */
export function readErrorBody(json: unknown, _ctx?: ReadContext): ErrorBody {
  // A Map, not an object: a property named `Constructor` or `__proto__` is a key like any other.
  const errors = new Map<string, string[]>();
  const push = (key: string, messages: string[]) => errors.set(key, [...(errors.get(key) ?? []), ...messages]);
  const addList = (list: unknown[]) => {
    for (const e of list) {
      if (!isObj(e)) continue;
      const msg = e.errorMessage ?? e.ErrorMessage ?? e.message;
      push(payloadPath(String(e.propertyName ?? e.PropertyName ?? e.field ?? '$') || '$'), [typeof msg === 'string' ? msg : 'invalid']);
    }
  };
  const done = (message: unknown): ErrorBody => ({ message: typeof message === 'string' ? message : null, fieldErrors: Object.fromEntries(errors) });
  if (Array.isArray(json)) {
    addList(json);
    return done(null);
  }
  if (!isObj(json)) return done(null);
  if (Array.isArray(json.errors)) addList(json.errors);
  else if (isObj(json.errors)) {
    for (const [k, v] of Object.entries(json.errors)) push(payloadPath(k), Array.isArray(v) ? v.map(String) : [String(v)]);
  }
  return done(json.message ?? json.errorMessage ?? json.title ?? json.detail);
}

/** The effective catalogue's variants: `{variants}` (documented, older portal), `{items}` or an array. */
export function readCatalogue(json: unknown, ctx: ReadContext): CatalogVariant[] {
  return listOf(json, ['variants', 'items', 'data'], ctx, '{variants}', () => false).map((raw, i) => {
    const o = obj(raw, `[${i}]`);
    return { sku: requiredText(o, ['sku'], `[${i}]`, ctx), name: text(o, ['name', 'productName', 'title'], `[${i}]`, ctx), merchantSku: text(o, ['merchantSku'], `[${i}]`, ctx) };
  });
}

export function readNote(json: unknown, ctx: ReadContext, path = ''): NoteModel {
  const o = obj(isObj(json) && isObj(json.note) ? json.note : json, path);
  return {
    id: requiredText(o, ['id', 'noteId'], path, ctx),
    entityType: text(o, ['entityType'], path, ctx),
    entityId: text(o, ['entityId'], path, ctx),
    text: text(o, ['text', 'content', 'body'], path, ctx) ?? '',
    externalId: text(o, ['externalId'], path, ctx),
    author: text(o, ['author', 'createdBy'], path, ctx),
    createdAt: date(o, ['createdAt'], path, ctx),
    updatedAt: date(o, ['updatedAt'], path, ctx),
  };
}

export function readNotes(json: unknown, ctx: ReadContext): NoteModel[] {
  return listOf(json, ['items', 'notes', 'data'], ctx, 'unknown', (o) => 'id' in o && 'text' in o).map((n, i) => readNote(n, ctx, `[${i}]`));
}

export function readNoteCreated(json: unknown, ctx: ReadContext): { id: string } {
  const o = obj(isObj(json) && isObj(json.note) ? json.note : json, '');
  return { id: requiredText(o, ['id', 'noteId'], '', ctx) };
}

/** Status changes (cancel, hold, release): `{orderId, status}` assumed; a whole order is read too. */
export function readStatusChange(json: unknown, ctx: ReadContext): { orderId: string | null; status: OrderStatus | null } {
  if (json === undefined || json === null) return { orderId: null, status: null };
  const wrapped = isObj(json) && isObj(json.order);
  const o = wrapped ? (json.order as Obj) : obj(json, '');
  // A whole order (`{order}`) names itself `id`; a status answer `orderId`: neither is a deviation.
  return { orderId: text(o, wrapped ? ['id', 'orderId'] : ['orderId', 'id'], '', ctx), status: pick(o, ['status'], '', ctx) ? status(o, ['status'], '', ctx, ctx.statusCodes.order, ORDER_STATUSES, false) : null };
}

/** An answer whose body we do not read (a delete, a refund request: their state is read elsewhere). */
export function readNothing(): null {
  return null;
}
