import { z } from 'zod';
import { SimRefusal, type ValidationError } from './refusal.ts';

/**
 * A variant as a test sets it (`POST /_sim/catalog`). `name` and `productName` are still taken (older
 * tests send them) but never served: no public page shows them. The documented fields (public-facts.md
 * #6) are served as given, and only as given.
 */
const price = z.strictObject({ currencies: z.array(z.strictObject({ amount: z.number(), currency: z.string() })), amount: z.number(), currency: z.string().nullable() });
export const catalogVariantInput = z.strictObject({
  sku: z.string().min(1),
  name: z.string().optional(),
  productName: z.string().optional(),
  merchantSku: z.string().optional(),
  merchantPrice: price.optional(),
  decorations: z.array(z.strictObject({ area: z.string(), width: z.number(), height: z.number(), dpi: z.number(), method: z.string(), price: price.nullable().optional() })).optional(),
  attributes: z.array(z.strictObject({ name: z.string(), value: z.string() })).optional(),
});
export type CatalogVariantInput = z.infer<typeof catalogVariantInput>;

/** The page cap is not documented: ASSUMED 100 (harsh). */
export const CATALOG_PAGE_MAX = 100;

/**
 * Merchants' enabled catalogues. A merchant with one has each create checked against it (an unknown
 * SKU is a 400 on `Items[i].Sku`, unless the item says skipSkuValidation), as OrderMesh validates SKUs;
 * a merchant without one is not checked, and its catalogue read answers 404.
 */
export class SimCatalogue {
  readonly #byMerchant = new Map<string, CatalogVariantInput[]>();

  set(merchantId: string, variants: CatalogVariantInput[]): void {
    this.#byMerchant.set(merchantId, variants);
  }

  /**
   * GetEffectiveVariantListResponse as the older portal shows it: `{variants: [{sku, merchantPrice,
   * decorations, attributes}]}`, with `merchantSku` from the current portals; past the last page,
   * an empty list (no totals are documented).
   */
  page(merchantId: string, page: number, pageSize: number) {
    const all = this.#byMerchant.get(merchantId);
    if (!all) throw new SimRefusal(404, `Merchant ${merchantId} has no enabled catalog`);
    return {
      variants: all.slice((page - 1) * pageSize, page * pageSize).map((v) => ({
        sku: v.sku,
        ...(v.merchantSku !== undefined ? { merchantSku: v.merchantSku } : {}),
        merchantPrice: v.merchantPrice ?? null,
        decorations: v.decorations ?? [],
        attributes: v.attributes ?? [],
      })),
    };
  }

  /** The merchant's price of a SKU, when the test gave one. */
  priceOf(merchantId: string, sku: string): { amount: number; currency: string } | undefined {
    const p = this.#byMerchant.get(merchantId)?.find((v) => v.sku === sku)?.merchantPrice;
    return p && p.currency ? { amount: p.amount, currency: p.currency } : undefined;
  }

  /** Validation errors for the items whose SKU the merchant's catalogue lacks. */
  check(merchantId: string, items: Array<{ sku: string; skipSkuValidation?: boolean | null }>): ValidationError[] {
    const all = this.#byMerchant.get(merchantId);
    if (!all) return [];
    const known = new Set(all.map((v) => v.sku));
    return items.flatMap((it, i) => (!it.skipSkuValidation && !known.has(it.sku) ? [{ propertyName: `Items[${i}].Sku`, errorMessage: `SKU ${it.sku} is not in the merchant's enabled catalog`, attemptedValue: it.sku }] : []));
  }
}
