import type { CatalogVariant } from '../../connectors/ordermesh/contract.ts';
import { SimRefusal } from './state.ts';

/**
 * Merchants' enabled catalogues. A merchant with one has each create checked against it (an unknown
 * SKU is a 400 on `items[i].sku`, unless the item says skipSkuValidation), as OrderMesh validates SKUs;
 * a merchant without one is not checked, and its catalogue read answers 404.
 */
export class SimCatalogue {
  readonly #byMerchant = new Map<string, CatalogVariant[]>();

  set(merchantId: string, variants: CatalogVariant[]): void {
    this.#byMerchant.set(merchantId, variants);
  }

  page(merchantId: string, page: number, pageSize: number) {
    const all = this.#byMerchant.get(merchantId);
    if (!all) throw new SimRefusal(404, `merchant ${merchantId} has no enabled catalog`);
    return { items: all.slice((page - 1) * pageSize, page * pageSize), page, pageSize, total: all.length };
  }

  /** Field errors for the items whose SKU the merchant's catalogue lacks. */
  check(merchantId: string, items: Array<{ sku: string; skipSkuValidation?: boolean | null }>): Record<string, string[]> | undefined {
    const all = this.#byMerchant.get(merchantId);
    if (!all) return undefined;
    const known = new Set(all.map((v) => v.sku));
    const errors: Record<string, string[]> = {};
    items.forEach((it, i) => {
      if (!it.skipSkuValidation && !known.has(it.sku)) errors[`items[${i}].sku`] = [`SKU ${it.sku} is not in the merchant's enabled catalog`];
    });
    return Object.keys(errors).length ? errors : undefined;
  }
}
