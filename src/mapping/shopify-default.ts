import { z } from 'zod';
import type { AddressModel, CreateOrderInput, CreateOrderItemImageModel } from '../connectors/ordermesh/contract.ts';
import type { ShopifyAddress, ShopifyLineItem, ShopifyOrder } from '../connectors/shopify/types.ts';
import { orderMoney } from './shopify-money.ts';
import type { MappingError, MappingModule, MappingResult } from './types.ts';

/**
 * The default Shopify mapping. Its settings (`stores[].mapping.options`):
 * - `externalId`: `unique` (default: the safeId, one per store and per fulfilment request; see
 *   externalIdOf), or the order's `name` (#1001) or numeric `id`, which can repeat (see there).
 * - `skuMap`: store SKU, variant GID or numeric variant id → OrderMesh SKU. Looked up first.
 * - `passthroughSku`: otherwise send the variant's own SKU (default true). False makes every SKU need
 *   an skuMap entry, for stores whose SKUs mean nothing to OrderMesh.
 * - `excludeSkus`: store SKUs OrderMesh does not fulfil (left out of the order).
 * - `blankSkus`: OrderMesh SKUs of blank goods, which need no artwork.
 * - `printAreas`: line-item property → print area, e.g. `_print_front: {area: Front}`; a
 *   `thumbnailKey` names the property holding its thumbnail.
 * - `billingAddress`: `shipping` (fall back to the shipping address, default) or `none`.
 * - `shippingMethods`: shipping line code or title → `customerShippingMethod`; `defaultShippingMethod`.
 * - `currency`: `presentment` (what the customer paid in, default) or `shop` (the shop's currency); the
 *   money model is in shopify-money.ts.
 * - `maxQuantityPerItem` (1000), `maxQuantityPerOrder` (10,000): beyond them, QUANTITY_OUT_OF_RANGE.
 */
export const optionsSchema = z.strictObject({
  externalId: z.enum(['unique', 'name', 'id']).default('unique'),
  skuMap: z.record(z.string(), z.string()).default({}),
  passthroughSku: z.boolean().default(true),
  excludeSkus: z.array(z.string()).default([]),
  blankSkus: z.array(z.string()).default([]),
  printAreas: z
    .record(z.string(), z.strictObject({ area: z.string().min(1), printMethod: z.string().optional(), thumbnailKey: z.string().optional() }))
    .default({
      _print_front: { area: 'Front' },
      _print_back: { area: 'Back' },
      _print_sleeve: { area: 'Sleeve' },
      _print_file: { area: 'Default' },
    }),
  billingAddress: z.enum(['shipping', 'none']).default('shipping'),
  shippingMethods: z.record(z.string(), z.string()).default({}),
  defaultShippingMethod: z.string().default('Standard'),
  automaticProcessing: z.boolean().default(true),
  currency: z.enum(['presentment', 'shop']).default('presentment'),
  /** Sanity limits: a print-on-demand item or order beyond them is a typo or an attack, not a sale. */
  maxQuantityPerItem: z.number().int().positive().default(1000),
  maxQuantityPerOrder: z.number().int().positive().default(10_000),
});
export type ShopifyDefaultOptions = z.infer<typeof optionsSchema>;

const numericId = (gid: string) => gid.split('/').pop() ?? gid;
const blank = (s: string | null | undefined) => !s || !s.trim();

/**
 * The OrderMesh order's externalId. OrderMesh refuses a second order of a merchant with the same
 * externalId (we send `allowExternalOrderIdDuplication: false`; its docs name no 409, so the refusal may
 * come as a 400 validation error: shared/ordermesh/public-facts.md item 4), and issue 33 saw it
 * refuse real orders both ways:
 * - `name` (#1001) repeats across a merchant's stores: every shop numbers its orders from #1001;
 * - `name` and `id` repeat across the fulfilment requests of one order: fulfilment-service mode sends
 *   one OrderMesh order per request, each with the whole order's name and id.
 * `unique` is the safeId the ledger fixed (safe-id.ts): `<store>-<order id>`, or
 * `<store>-FO-<fulfilment order id>` for a request; so it is unique per store and per request, the same
 * on every retry, at most 100 URL-safe characters, and `ordersync order show` finds the order by it. The
 * name stays visible in OrderMesh as `meta.shopifyOrderName`; `ordersync doctor` warns about a store
 * on `name` or `id` that can collide.
 */
function externalIdOf(order: ShopifyOrder, safeId: string, o: ShopifyDefaultOptions): string {
  if (o.externalId === 'name') return order.name;
  if (o.externalId === 'id') return numericId(order.id);
  return safeId;
}

function mapAddress(a: ShopifyAddress, email: string | null, path: string, errors: MappingError[]): AddressModel | undefined {
  const missing = (['address1', 'city', 'countryCodeV2'] as const).filter((k) => blank(a[k]));
  if (blank(a.firstName) && blank(a.lastName)) missing.push('lastName' as never);
  if (missing.length) {
    errors.push({ code: 'INVALID_ADDRESS', path, message: `address is missing ${missing.join(', ')}` });
    return undefined;
  }
  return {
    firstName: a.firstName ?? null,
    lastName: a.lastName ?? null,
    line1: a.address1!,
    line2: a.address2 ?? null,
    // OrderMesh's AddressModel has no company field (the docs' example; a strict OrderMesh refuses one):
    // a company is an address line of its own.
    line3: blank(a.company) ? null : a.company!,
    city: a.city!,
    state: a.provinceCode ?? null,
    zip: a.zip ?? null,
    countryCode: a.countryCodeV2!,
    phone: a.phone ?? null,
    email,
  };
}

function resolveSku(li: ShopifyLineItem, o: ShopifyDefaultOptions): string | undefined {
  const keys = [li.sku, li.variant?.sku, li.variant?.id, li.variant ? numericId(li.variant.id) : null].filter((k): k is string => !blank(k));
  for (const k of keys) if (o.skuMap[k]) return o.skuMap[k];
  const own = li.sku ?? li.variant?.sku;
  return o.passthroughSku && !blank(own) ? own!.trim() : undefined;
}

function images(li: ShopifyLineItem, o: ShopifyDefaultOptions): CreateOrderItemImageModel[] {
  const props = new Map(li.customAttributes.map((a) => [a.key, a.value]));
  const out: CreateOrderItemImageModel[] = [];
  for (const [key, spec] of Object.entries(o.printAreas)) {
    const url = props.get(key);
    if (blank(url) || !/^https?:\/\//.test(url!)) continue;
    const thumb = spec.thumbnailKey ? props.get(spec.thumbnailKey) : undefined;
    out.push({ url: url!.trim(), thumbnailUrl: thumb && /^https?:\/\//.test(thumb) ? thumb : null, area: spec.area, printMethod: spec.printMethod ?? null, ourPrintFileId: null, ourPrintFileUrl: null });
  }
  return out;
}

function map(order: ShopifyOrder, ctx: { storeId: string; merchantId: string; safeId: string; options: unknown }): MappingResult {
  const o = ctx.options as ShopifyDefaultOptions;
  if (order.cancelledAt) return { kind: 'skipped', reason: 'ORDER_CANCELLED', message: `cancelled in the store at ${order.cancelledAt}` };
  const errors: MappingError[] = [];
  const excluded = new Set(o.excludeSkus);

  // Quantities Shopify cannot mean: never guessed around, never skipped in silence.
  order.lineItems.forEach((li, i) => {
    if (li.quantity < 0 || li.currentQuantity < 0 || li.unfulfilledQuantity < 0 || li.currentQuantity > li.quantity) {
      errors.push({ code: 'INVALID_QUANTITY', path: `lineItems[${i}]`, message: `quantity ${li.quantity}, currentQuantity ${li.currentQuantity}, unfulfilledQuantity ${li.unfulfilledQuantity} do not make sense together` });
    }
  });
  if (errors.length) return { kind: 'failed', errors };

  // Only what OrderMesh must make and ship: no gift cards, tips, digital goods, excluded SKUs, or
  // quantities already fulfilled elsewhere, refunded or removed by an order edit.
  const lines = order.lineItems
    .map((li, index) => ({ li, index, quantity: Math.min(li.currentQuantity, li.unfulfilledQuantity) }))
    .filter(({ li, quantity }) => !li.isGiftCard && li.requiresShipping && quantity > 0 && !(li.sku !== null && excluded.has(li.sku)));
  if (lines.length === 0) return { kind: 'skipped', reason: 'NO_FULFILLABLE_ITEMS', message: 'no line item needs fulfilment by OrderMesh' };

  for (const { li, index, quantity } of lines) {
    if (quantity > o.maxQuantityPerItem) {
      errors.push({ code: 'QUANTITY_OUT_OF_RANGE', path: `lineItems[${index}].quantity`, message: `${quantity} × "${li.name}" is over maxQuantityPerItem (${o.maxQuantityPerItem}): check the order, or raise the limit` });
    }
  }
  const units = lines.reduce((a, l) => a + l.quantity, 0);
  if (units > o.maxQuantityPerOrder) {
    errors.push({ code: 'QUANTITY_OUT_OF_RANGE', path: 'lineItems', message: `${units} units are over maxQuantityPerOrder (${o.maxQuantityPerOrder}): check the order, or raise the limit` });
  }

  let shippingAddress: AddressModel | undefined;
  if (!order.shippingAddress) errors.push({ code: 'MISSING_SHIPPING_ADDRESS', path: 'shippingAddress', message: 'the order has items to ship but no shipping address' });
  else shippingAddress = mapAddress(order.shippingAddress, order.email, 'shippingAddress', errors);
  const billingSource = order.billingAddress ?? (o.billingAddress === 'shipping' ? order.shippingAddress : null);
  const billingErrors: MappingError[] = [];
  const billingAddress = billingSource ? mapAddress(billingSource, order.email, 'billingAddress', billingErrors) : undefined;

  const items = lines.map(({ li, index, quantity }) => {
    const path = `lineItems[${index}]`;
    const sku = resolveSku(li, o);
    if (!sku) errors.push({ code: 'MISSING_SKU', path: `${path}.sku`, message: `no OrderMesh SKU for line item "${li.name}" (store SKU ${li.sku ?? 'none'}, variant ${li.variant?.id ?? 'none'}): add it to skuMap` });
    const imgs = images(li, o);
    if (sku && imgs.length === 0 && !o.blankSkus.includes(sku)) {
      errors.push({ code: 'MISSING_ARTWORK', path: `${path}.customAttributes`, message: `line item "${li.name}" (${sku}) has no print file in ${Object.keys(o.printAreas).join(', ')}` });
    }
    const attrs = Object.fromEntries(li.customAttributes.filter((a) => !a.key.startsWith('_') && !blank(a.value)).map((a) => [a.key, a.value!]));
    return {
      sku: sku ?? 'UNMAPPED',
      quantity,
      images: imgs,
      externalId: numericId(li.id),
      clientAttributes: Object.keys(attrs).length ? attrs : null,
      meta: { shopifyLineItemId: li.id, ...(li.variant ? { shopifyVariantId: li.variant.id } : {}) },
    };
  });
  const money = orderMoney(order, lines, o.currency);
  if (!money.ok) errors.push(...money.errors);
  if (errors.length || !money.ok) return { kind: 'failed', errors };

  const { items: itemMoney, currencyCode, ...totals } = money.money;
  const model: CreateOrderInput = {
    safeId: ctx.safeId,
    merchantId: ctx.merchantId,
    externalId: externalIdOf(order, ctx.safeId, o),
    shippingAddress: shippingAddress!,
    ...(billingAddress ? { billingAddress } : {}),
    isTest: order.test,
    currencyCode,
    customerShippingMethod: shippingMethod(order, o),
    items: items.map((it, i) => ({ ...it, ...itemMoney[i]! })),
    ...totals,
    // References only: the order's name (by default not the externalId: externalIdOf, so a person
    // still sees #1001 in OrderMesh) and the ids to write tracking back. Never payment data or secrets.
    meta: { integrator: 'ordermesh-sync', storeId: ctx.storeId, shopifyOrderId: order.id, shopifyOrderName: order.name },
    allowExternalOrderIdDuplication: false,
    automaticProcessing: o.automaticProcessing,
  };
  const warnings = billingErrors.map((e) => ({ code: 'BILLING_ADDRESS_DROPPED' as const, path: e.path, message: `${e.message}: sent without a billing address` }));
  return { kind: 'mapped', model: model as never, ...(warnings.length ? { warnings } : {}) };
}

function shippingMethod(order: ShopifyOrder, o: ShopifyDefaultOptions): string {
  for (const line of order.shippingLines) {
    const hit = (line.code && o.shippingMethods[line.code]) || o.shippingMethods[line.title];
    if (hit) return hit;
  }
  return o.defaultShippingMethod;
}

export const shopifyDefault: MappingModule = {
  name: 'shopify-default',
  parseOptions: (raw) => optionsSchema.parse(raw ?? {}),
  map,
};
