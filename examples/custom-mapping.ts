/**
 * A custom mapping module: start from the default Shopify mapping and change what your store needs.
 * Point a store at it in the config (the path is relative to the config file):
 *
 *   stores:
 *     - id: my-shop
 *       mapping:
 *         module: ../examples/custom-mapping.ts
 *         options: { sizeSuffix: true }
 *
 * A module is `{ name, parseOptions?(raw), map(order, ctx) }`; `map` is pure (no I/O) and returns
 * `{kind: 'mapped', model}`, `{kind: 'failed', errors}` or `{kind: 'skipped', reason, message}`.
 * Whatever it returns is validated against the OrderMesh contract before submission. Try it with
 * `ordersync map --store my-shop --input order.json`.
 */
import { shopifyDefault } from '../src/mapping/shopify-default.ts';
import type { MappingModule } from '../src/mapping/types.ts';

interface Options {
  /** Appends the variant's size ("M" in "M / Black") to every SKU. */
  sizeSuffix: boolean;
}

const customMapping: MappingModule = {
  name: 'example-size-suffix',
  parseOptions(raw) {
    const { sizeSuffix = false, ...rest } = (raw ?? {}) as Partial<Options> & Record<string, unknown>;
    return { sizeSuffix: Boolean(sizeSuffix), base: shopifyDefault.parseOptions(rest) };
  },
  map(order, ctx) {
    const { sizeSuffix, base } = ctx.options as { sizeSuffix: boolean; base: unknown };
    const result = shopifyDefault.map(order, { ...ctx, options: base });
    if (result.kind !== 'mapped' || !sizeSuffix) return result;
    const items = result.model.items.map((item) => {
      const line = order.lineItems.find((li) => li.id === item.meta?.shopifyLineItemId);
      const size = line?.variantTitle?.split(' / ')[0];
      return size ? { ...item, sku: `${item.sku}-${size}` } : item;
    });
    return { kind: 'mapped', model: { ...result.model, items } };
  },
};

export default customMapping;
