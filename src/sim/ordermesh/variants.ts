import { z } from 'zod';

/**
 * Where the public documentation leaves a shape open (or shows two), the simulator can answer each way
 * the real service might, so the client is tested against all of them. The defaults are the documented
 * shape where there is one, else the harshest plausible answer. Set with `startOrderMeshSim({ variants })`
 * or `POST /_sim/settings {variants: {…}}` (merged; `variants: null` restores these defaults).
 */
export const variantsSchema = z.strictObject({
  /** POST /user/v1/clients/token answer: camelCase as the login answer (default), or the older snake_case sample `{access_token, expires_in, refresh_token}` (public-facts.md "Auth"). */
  tokenCasing: z.enum(['camel', 'snake']).optional(),
  /** BulkResponse is not documented: `{items:[…]}` (default), a bare array, or `{results:[…]}` whose items carry no `index`. */
  bulkEnvelope: z.enum(['items', 'bare', 'results']).optional(),
  /** 4xx body: `{message, errors:[…]}` (default) or the documented validation list alone. */
  errorBody: z.enum(['object', 'list']).optional(),
  /** A repeated safeId / externalId: no 409 is documented (facts #4), so 400 with a validation list (default), or 409. */
  duplicateStatus: z.union([z.literal(400), z.literal(409)]).optional(),
  /** Order and order-item reads: `{"order": …}` / `{"orderItem": …}` as documented (default), or the object itself. */
  orderEnvelope: z.enum(['wrapped', 'bare']).optional(),
  /**
   * null (default): as documented, order and item statuses are names, shipment statuses integers.
   * true: every status an integer (orders 1..7 in ORDER_STATUSES order; items 1..3). false: every status a name.
   */
  integerStatuses: z.boolean().nullable().optional(),
  /** GET /order/v1/orders: `{items, page, pageSize, total}` (default), `{orders, total}`, or a bare array. */
  listEnvelope: z.enum(['items', 'orders', 'bare']).optional(),
  /** GET /shipment/v1/shipments/order/{id}: a bare array (default), `{items}`, `{shipments}`, or one object when there is exactly one. */
  shipmentsEnvelope: z.enum(['bare', 'items', 'shipments', 'single']).optional(),
  /** Shipment and package dates end in Z (the docs show none: `2022-04-03T12:00:00`, UTC clock). */
  datesWithTimezone: z.boolean().optional(),
  /** Packages list `packageOrderItems` with per-item quantities (every REST example has it empty: default off). */
  packageOrderItems: z.boolean().optional(),
  /** Shipments and packages carry `shipmentId` / `packageId` instead of the documented `id`. */
  legacyShipmentIds: z.boolean().optional(),
  /** ShipmentUpdate.Packages is one object when there is one package, as the docs' example (default: always an array). */
  webhookPackagesAsObject: z.boolean().optional(),
  /** Webhooks carry an `x-ordermesh-signature` base64 HMAC-SHA256 of the body (no delivery authentication is documented: default off). */
  webhookSignature: z.boolean().optional(),
});
export type VariantsInput = z.infer<typeof variantsSchema>;

export const DEFAULT_VARIANTS = {
  tokenCasing: 'camel',
  bulkEnvelope: 'items',
  errorBody: 'object',
  duplicateStatus: 400,
  orderEnvelope: 'wrapped',
  integerStatuses: null,
  listEnvelope: 'items',
  shipmentsEnvelope: 'bare',
  datesWithTimezone: false,
  packageOrderItems: false,
  legacyShipmentIds: false,
  webhookPackagesAsObject: false,
  webhookSignature: false,
} as const satisfies Required<VariantsInput>;

export type Variants = { -readonly [K in keyof typeof DEFAULT_VARIANTS]: Exclude<VariantsInput[K], undefined> };

export function withVariants(base: Variants, patch: VariantsInput | null | undefined): Variants {
  if (patch === null) return { ...DEFAULT_VARIANTS };
  const next = { ...base };
  for (const [k, v] of Object.entries(patch ?? {})) if (v !== undefined) (next as Record<string, unknown>)[k] = v;
  return next;
}
