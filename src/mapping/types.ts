import type { CreateOrderModel } from '../connectors/ordermesh/contract.ts';
import type { ShopifyOrder } from '../connectors/shopify/types.ts';

/**
 * What an operator reads in `status`, and what to do:
 * MISSING_SKU (add the SKU to the store's skuMap), MISSING_ARTWORK (the item has no print file in its
 * properties), MISSING_SHIPPING_ADDRESS / INVALID_ADDRESS (fix the order in the store), INVALID_MODEL
 * (the module produced something OrderMesh would refuse: a module bug), MODULE_ERROR (the module threw),
 * INVALID_STORE_ORDER (the store payload lacks a field, has a null where Shopify promises a value, or
 * an amount that is not one of its currency: the path says which), MONEY_MISMATCH (what is sent and
 * what is left out do not add up to what Shopify says the customer pays: never sent),
 * CURRENCY_PRECISION (a three-decimal amount that is not whole hundredths, which OrderMesh cannot
 * hold: map the store with `currency: shop` if the shop's currency has two),
 * INVALID_QUANTITY (negative, or more current units than ordered), QUANTITY_OUT_OF_RANGE (over
 * maxQuantityPerItem or maxQuantityPerOrder: a typo or an attack, not a sale).
 */
export type MappingErrorCode =
  | 'MISSING_SKU'
  | 'MISSING_ARTWORK'
  | 'MISSING_SHIPPING_ADDRESS'
  | 'INVALID_ADDRESS'
  | 'CURRENCY_PRECISION'
  | 'MONEY_MISMATCH'
  | 'INVALID_STORE_ORDER'
  | 'INVALID_QUANTITY'
  | 'QUANTITY_OUT_OF_RANGE'
  | 'INVALID_MODEL'
  | 'MODULE_ERROR';

export interface MappingError {
  code: MappingErrorCode;
  /** Where in the store order (or the produced model) the problem is, e.g. `lineItems[2].sku`. */
  path: string;
  message: string;
}

/** Why an order needs no OrderMesh order at all: recorded, not failed. */
export type SkipReason = 'ORDER_CANCELLED' | 'NO_FULFILLABLE_ITEMS';

/**
 * Something the mapping left out of an order it still sends, for the operator to know (an event on
 * the order, shown in `status`): BILLING_ADDRESS_DROPPED (the store's billing address lacks a field
 * OrderMesh needs: the order goes without one; fix it in the store if the merchant needs it).
 */
export interface MappingWarning {
  code: 'BILLING_ADDRESS_DROPPED';
  path: string;
  message: string;
}

export type MappingResult =
  | { kind: 'mapped'; model: CreateOrderModel; warnings?: MappingWarning[] }
  | { kind: 'failed'; errors: MappingError[] }
  | { kind: 'skipped'; reason: SkipReason; message: string };

export interface MappingContext {
  storeId: string;
  merchantId: string;
  /** Fixed by the ledger (see safe-id.ts). */
  safeId: string;
  /** The store's `mapping.options` from config, already validated by the module's own schema. */
  options: unknown;
}

/**
 * A mapping module: a pure function from a store order to an OrderMesh order (or typed errors). No I/O:
 * everything it needs (SKU tables, print-area names) comes in through `options`.
 */
export interface MappingModule {
  name: string;
  /** Validates and fills defaults in the store's options; throws (with a message) when they are wrong. */
  parseOptions(raw: unknown): unknown;
  map(order: ShopifyOrder, ctx: MappingContext): MappingResult;
}
