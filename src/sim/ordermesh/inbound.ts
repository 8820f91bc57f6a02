import { z } from 'zod';
import { createOrderModel, validationErrors, type CreateOrderInput, type ValidationError } from './documented.ts';
import { SimRefusal, type OrderMeshState, type SimEvent } from './state.ts';

/**
 * What a Transformation does to an inbound body. `mapped`: the body is a CreateOrderModel already.
 * `store`: the body is our envelope around a Shopify order, turned into an order by this simulator's
 * own, deliberately plain reading of it (the merchant's code in real life, never ours): line SKUs and
 * quantities, the shipping address, the currency; no money.
 */
export type TransformationKind = 'mapped' | 'store';
type SkuCheck = (merchantId: string, items: Array<{ sku: string; skipSkuValidation?: boolean | null }>) => ValidationError[];

/**
 * What the `store` body of an inbound order is: the simulator's own Transformation input (the merchant's
 * code in real life), the store's order with the two ids the Transformation carries over, so the
 * OrderCreation webhook names the order.
 */
const inboundStoreEnvelope = z.object({ safeId: z.string().regex(/^[A-Za-z0-9_-]{1,100}$/), externalId: z.string().min(1), storeOrder: z.record(z.string(), z.unknown()) });
const describe = (errors: ValidationError[]) => errors.map((e) => `${e.propertyName}: ${e.errorMessage}`).join(', ');

type Node = Record<string, unknown>;
const nodes = (v: unknown): Node[] => (Array.isArray(v) ? v : ((v as { nodes?: Node[] } | null)?.nodes ?? ((v as { edges?: Array<{ node: Node }> } | null)?.edges?.map((e) => e.node) ?? [])));
const text = (v: unknown) => (typeof v === 'string' && v.trim() ? v : undefined);

function fromStore(envelope: z.infer<typeof inboundStoreEnvelope>, merchantId: string): CreateOrderInput {
  const o = envelope.storeOrder;
  const a = (o.shippingAddress ?? {}) as Node;
  return {
    safeId: envelope.safeId,
    externalId: envelope.externalId,
    merchantId,
    currencyCode: String(o.presentmentCurrencyCode ?? o.currencyCode ?? ''),
    shippingAddress: {
      firstName: text(a.firstName),
      lastName: text(a.lastName),
      line1: text(a.address1) ?? '',
      line2: text(a.address2),
      city: text(a.city) ?? '',
      state: text(a.provinceCode),
      zip: text(a.zip),
      countryCode: String(a.countryCodeV2 ?? ''),
    },
    items: nodes(o.lineItems)
      .filter((li) => li.requiresShipping !== false && Number(li.currentQuantity ?? li.quantity) > 0)
      .map((li) => ({ sku: String(li.sku ?? ''), quantity: Number(li.currentQuantity ?? li.quantity) })),
  };
}

/**
 * OrderMesh's inbound queue: a request is taken at once and turned into an order (or a failure) a
 * little later, each outcome announced by an OrderCreation webhook. Every request is counted by the
 * safeId it names, so a test counts sends, not orders.
 */
export class SimInbound {
  readonly transformations = new Map<string, TransformationKind>();
  readonly requests = new Map<string, number>();
  delayMs = 50;
  #queued = new Set<Promise<void>>();
  readonly #state: OrderMeshState;
  readonly #emit: (e: SimEvent) => void;
  readonly #checkSkus: SkuCheck;
  readonly #duplicateStatus: () => number;

  constructor(state: OrderMeshState, emit: (e: SimEvent) => void, checkSkus: SkuCheck, duplicateStatus: () => number) {
    this.#state = state;
    this.#emit = emit;
    this.#checkSkus = checkSkus;
    this.#duplicateStatus = duplicateStatus;
  }

  /** Takes one request; the answer says only that it was received. */
  receive(req: { body: unknown; merchantId: string; transformationId: string }): { requestId: string; message: string } {
    const ids = (req.body ?? {}) as { safeId?: unknown; externalId?: unknown };
    if (typeof ids.safeId === 'string') this.requests.set(ids.safeId, (this.requests.get(ids.safeId) ?? 0) + 1);
    const requestId = `sim-inbound-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
    const p = new Promise<void>((resolve) => setTimeout(resolve, this.delayMs)).then(() => this.#process(req));
    this.#queued.add(p);
    void p.finally(() => this.#queued.delete(p));
    return { requestId, message: 'request received' };
  }

  async drain(): Promise<void> {
    while (this.#queued.size) await Promise.all([...this.#queued]);
  }

  #process(req: { body: unknown; merchantId: string; transformationId: string }): void {
    const ids = (req.body ?? {}) as { safeId?: unknown; externalId?: unknown };
    const fail = (code: number, description: string) =>
      this.#emit({
        kind: 'OrderCreationFailed',
        responseCode: code,
        safeId: typeof ids.safeId === 'string' ? ids.safeId : null,
        externalId: typeof ids.externalId === 'string' ? ids.externalId : null,
        description,
        merchantId: req.merchantId,
      });
    const kind = this.transformations.get(req.transformationId);
    if (!kind) return fail(400, `Order could not be created: transformation ${req.transformationId} does not exist`);
    let input: unknown = req.body;
    if (kind === 'store') {
      const env = inboundStoreEnvelope.safeParse(req.body);
      if (!env.success) return fail(400, `Order could not be created: the transformation could not read the body (${describe(validationErrors(env.error, req.body))})`);
      input = fromStore(env.data, req.merchantId);
    }
    const model = createOrderModel.safeParse(input);
    if (!model.success) return fail(400, `Order could not be created: ${describe(validationErrors(model.error, input))}`);
    if (model.data.merchantId !== req.merchantId) return fail(403, 'Order could not be created: the order names another merchant');
    const skus = this.#checkSkus(req.merchantId, model.data.items);
    if (skus.length) return fail(400, `Order could not be created: ${describe(skus)}`);
    try {
      this.#state.create(model.data, this.#duplicateStatus());
    } catch (err) {
      if (err instanceof SimRefusal) return fail(err.status, `Order could not be created: ${err.message}`);
      throw err;
    }
  }
}
