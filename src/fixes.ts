/**
 * What to do about each reason code: the one table behind `ordersync status`, the console's failure
 * groups and the README's "Reading status" table (test/docs/fixes.test.ts keeps the README equal to it;
 * `npm run readme:fixes` rewrites it).
 */
export interface Fix {
  codes: string[];
  /** When the codes mean this only in a context (a write-back, a warning). */
  when?: string;
  fix: string;
}

/** Shown beside OrderMesh drift (`status`, the console, `doctor`): what it is and what to do about it. */
export const DRIFT_HINT = 'OrderMesh answered in a shape its docs do not show; read tolerantly. If a status or field is wrong, override it (README, Assumptions about OrderMesh)';

export const FIXES: Fix[] = [
  { codes: ['MISSING_SKU'], fix: 'the message names the closest SKUs in the merchant\'s OrderMesh catalogue and the command: `ordersync sku set --store ID STORE_SKU ORDERMESH_SKU` (or "Set a SKU mapping" in the console; running workers use it within seconds), then `ordersync reprocess --state failed_mapping`: it maps and submits them and prints each outcome. Or add it to `mapping.options.skuMap` and reload the service (`kill -HUP`)' },
  { codes: ['MISSING_ARTWORK'], fix: 'the item has no print file in its line-item properties (`printAreas`); fix in the store or mark the SKU in `blankSkus`' },
  { codes: ['MISSING_SHIPPING_ADDRESS', 'INVALID_ADDRESS'], fix: 'fix the address in Shopify; the change is picked up and mapped again by itself' },
  { codes: ['INVALID_MODEL', 'MODULE_ERROR'], fix: 'the mapping module produced something OrderMesh would refuse, or threw: a module bug' },
  { codes: ['INVALID_STORE_ORDER'], fix: "Shopify's answer lacked a field or had a null where a value is promised (the path says which), or an amount finer than its currency allows (`19.985` USD) or in another currency than the order's: a broken answer, never rounded or converted. `reprocess` once Shopify answers properly" },
  { codes: ['MONEY_MISMATCH'], fix: "what is sent and what is left out (tips, gift cards, excluded SKUs, units fulfilled elsewhere, each by its own Shopify figures) do not add up to Shopify's `currentTotalPriceSet`: not sent. Compare the figures in the message with the order in Shopify (an unsupported fee or adjustment), then `reprocess`" },
  { codes: ['CURRENCY_PRECISION'], fix: "a three-decimal amount (KWD, BHD, IQD, …) that is not a whole number of hundredths, which OrderMesh cannot hold (the path names it): set `mapping.options.currency: shop` if the shop's currency has two decimals, then `reprocess`" },
  { codes: ['INVALID_TEXT'], fix: 'the store order holds a NUL or an unpaired surrogate (the message names the fields), which PostgreSQL cannot store: it was recorded with U+FFFD in their place and not sent. Fix the text in Shopify; the change is read and the order mapped again by itself' },
  { codes: ['INVALID_QUANTITY', 'QUANTITY_OUT_OF_RANGE'], fix: 'a negative quantity, more current units than ordered, or more than `mapping.options.maxQuantityPerItem` (1000) / `maxQuantityPerOrder` (10,000): check the order in Shopify, or raise the limit for a store that really sells that many, then `reprocess`' },
  { codes: ['ORDERMESH_UNAUTHORIZED', 'ORDERMESH_FORBIDDEN'], when: 'on a pending order', fix: "OrderMesh refused our credentials or the merchant's access: fix `ordermesh.clientId`/`clientSecret` or the merchant's access (`ordersync doctor` checks both). The order is never rejected for it; it is retried with a backoff that doubles with each refusal in a row (from `jobs.retryBaseSeconds` to 30 minutes), and its attempts are not used up" },
  { codes: ['ORDERMESH_VALIDATION'], fix: 'OrderMesh refused the order; the message (and the order page in the console) has its field errors. A SKU the merchant\'s catalogue lacks is named with the closest ones (`ordersync sku check --store ID` lists every such SKU). One about the externalId is a repeated one, as for `ORDERMESH_CONFLICT`' },
  { codes: ['ORDERMESH_CREATION_FAILED'], when: 'inbound mode', fix: "OrderMesh's Transformation could not create the order (its description is in the message): fix the Transformation, the store order or the mapping, then `ordersync reprocess --state rejected`: it is sent again under the same safeId" },
  { codes: ['ORDERMESH_CONFLICT'], fix: "another OrderMesh order of the merchant has the same externalId: a store on `mapping.options.externalId: name` or `id`, whose values repeat across stores or fulfilment requests (`ordersync doctor` names such stores). Remove the option (the default, `unique`, never repeats), then `ordersync reprocess --state rejected` (fulfilment-service mode: request fulfilment again in Shopify)" },
  { codes: ['TRANSIENT_EXHAUSTED'], fix: 'OrderMesh kept failing; `reprocess` once it is back' },
  { codes: ['CANCEL_TOO_LATE', 'ADDRESS_CHANGE_TOO_LATE', 'ITEM_CANCEL_TOO_LATE'], fix: 'the store changed an order OrderMesh already produces (cancelled it, moved its address, removed lines: the message names them): handle with OrderMesh support' },
  { codes: ['ITEM_CANCEL_UNCONFIRMED'], fix: "a cancel of units the store removed was sent to OrderMesh and its answer was lost (a timeout, a dropped connection, a 5xx), and OrderMesh's order does not show part-cancelled units: it was not sent again, as a repeat would cancel more. The message names the OrderMesh order, its items and the units: check those items' cancelled units in OrderMesh (its portal, or OrderMesh support); if they are not cancelled there, cancel exactly those units there, never more. Then `ordersync reprocess --order ORDER` records the cancel as done without sending anything" },
  { codes: ['ITEMS_ADDED_NOT_SENT'], fix: 'the store added lines or units (the message names them) to an order OrderMesh already has, and an OrderMesh order cannot take new items: have them made another way (a separate Shopify order for them, or OrderMesh support). What OrderMesh has goes on as before; `reprocess` re-checks the order (it is flagged again while the store has units OrderMesh lacks)' },
  { codes: ['REQUEST_WITHDRAWN', 'CANCELLATION_REQUESTED'], when: 'fulfilment-service mode, a cancelled order', fix: 'the merchant took the request back in Shopify (withdrew, moved or closed the fulfilment order, or cancelled the order) and OrderMesh stopped it: nothing to do; to have it made after all, request fulfilment again in Shopify' },
  { codes: ['FULFILLMENT_SERVICE_NOT_REGISTERED'], when: 'fulfilment-service mode', fix: 'the store has no fulfilment service in the ledger: run `ordersync shopify register --store ID`' },
  { codes: ['STORE_HOLD'], when: 'on hold', fix: 'a fulfilment hold in Shopify (its reason and notes are in the message): release it in Shopify when the order may go; within a minute it is sent (or, if OrderMesh had it, released from Customer Care Hold there). Nothing to do in ordersync' },
  { codes: ['ORDERMESH_CUSTOMER_CARE_HOLD'], when: 'on hold', fix: "OrderMesh's customer care put the order on hold: ask OrderMesh why; when they release it, it is released here within a minute. Merchant-managed stores show it in Shopify as our fulfilment hold (released with it); a fulfilment-service store cannot hold its own fulfilment orders, so there the hold shows only here and in the console" },
  { codes: ['HOLD_TOO_LATE'], fix: 'the merchant held the order in Shopify after OrderMesh started making it: OrderMesh could not hold it, so it will ship. To stop it, ask OrderMesh support; then release the hold in Shopify' },
  { codes: ['SHOPIFY_HOLDS_UNREAD'], when: 'on a pending order', fix: "Shopify did not answer when the order's fulfilment holds were read just before submission: nothing is sent unchecked, the order is tried again after `jobs.retryBaseSeconds` by itself. If it lasts, `ordersync doctor` checks the store's access" },
  { codes: ['CHANGE_NOT_MAPPED'], fix: 'the store changed an order OrderMesh has, but the changed order no longer maps (an address without a city, say: the message names it); OrderMesh keeps what it had. Fix the order in Shopify; `reprocess` re-checks it' },
  { codes: ['JOB_FAILED'], fix: 'a job failed all its retries; the message names it. An order already fulfilled, cancelled or skipped keeps its state: the failure is an event on it' },
  { codes: ['BILLING_ADDRESS_DROPPED'], when: 'a warning (status: "sent with warnings")', fix: 'the order was sent without its billing address, which lacked a field OrderMesh needs; fix it in Shopify if the merchant needs it on the order' },
  { codes: ['ON_HOLD', 'ORDER_CANCELLED', 'ALREADY_FULFILLED', 'NO_FULFILLMENT_ORDER', 'MULTIPLE_LOCATIONS', 'USER_ERROR'], when: 'a tracking write-back', fix: 'the store refused the fulfilment; `NO_FULFILLMENT_ORDER` usually means missing fulfilment-order scopes (`ordersync doctor` names them); fix it in the store and `reprocess` the order' },
];

const byCode = new Map(FIXES.flatMap((f) => f.codes.map((c) => [c, f] as const)));

/** The fix for a reason code, if the table has one. */
export function fixFor(code: string | null | undefined): string | undefined {
  return code ? byCode.get(code)?.fix : undefined;
}

/** The README table (Markdown), rendered from FIXES. */
export function fixesMarkdown(): string {
  const rows = FIXES.map((f) => `| ${f.codes.map((c) => `\`${c}\``).join(', ')}${f.when ? ` (${f.when})` : ''} | ${f.fix} |`);
  return ['| code | fix |', '| --- | --- |', ...rows].join('\n');
}
