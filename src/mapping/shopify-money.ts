import type { MoneyBag, ShopifyLineItem, ShopifyOrder } from '../connectors/shopify/types.ts';
import { MoneyError, allocate, currencyExponent, share, toMinor, toOrderMesh } from './money.ts';
import type { MappingError } from './types.ts';

/**
 * The money model: which Shopify field feeds which OrderMesh field (README "Money"). All amounts are in
 * one currency, chosen by `mapping.options.currency`: `presentment` (default: what the customer paid,
 * `presentmentMoney`, `presentmentCurrencyCode`) or `shop` (`shopMoney`, `currencyCode`).
 *
 * Per item sent (q = the quantity sent; Q = `LineItem.quantity`, all units ever ordered):
 * - customerPrice = `originalUnitPriceSet` (before discounts; tax included when `taxesIncluded`)
 * - customerSubtotal = customerPrice × q
 * - customerDiscountsOrPromotions = Σ `discountAllocations` × q / Q: the line's own discounts and its
 *   share of order-level ones (codes, automatic), which Shopify allocates to lines for all Q units
 * - customerTaxes = (Σ `taxLines` + Σ `duties` with their tax lines) × q / Q, plus the item's share of
 *   shipping tax; in a tax-inclusive shop this is the tax contained in the price, for information
 * - customerShippingPrice = the item's share (by subtotal) of the order's shipping
 * Per order:
 * - customerTotalShipping = Σ `ShippingLine.currentDiscountedPriceSet` of lines not removed (after
 *   shipping discounts and refunds); shipping tax = Σ its `taxLines`, scaled likewise
 * - customerItemTotal, customerTotalDiscountAndPromotions, customerTotalTaxes = the sums of the items'
 * - customerTotal = items − discounts + shipping + taxes unless `taxesIncluded` + duties unless
 *   `dutiesIncluded`: what the customer pays for what is sent
 * Shares (× q / Q) are rounded half to even. Invariant: an order sent whole (every unit still ordered,
 * none fulfilled elsewhere or left out) has customerTotal = `currentTotalPriceSet` to the cent; any
 * other order's totals are the sums of its items. Anything else is MONEY_MISMATCH, never sent.
 */
export type CurrencyMode = 'presentment' | 'shop';

export interface SentLine {
  li: ShopifyLineItem;
  /** Index in the order's line items (for error paths). */
  index: number;
  quantity: number;
}

export interface ItemMoney {
  customerPrice: number;
  customerSubtotal: number;
  customerDiscountsOrPromotions: number;
  customerTaxes: number;
  customerShippingPrice: number;
}

export interface OrderMoney {
  currencyCode: string;
  items: ItemMoney[];
  customerItemTotal: number;
  customerTotalDiscountAndPromotions: number;
  customerTotalTaxes: number;
  customerTotalShipping: number;
  customerTotal: number;
}

const sum = (xs: number[]) => xs.reduce((a, x) => a + x, 0);

export function orderMoney(order: ShopifyOrder, sent: SentLine[], mode: CurrencyMode): { ok: true; money: OrderMoney } | { ok: false; errors: MappingError[] } {
  const currency = mode === 'presentment' ? order.presentmentCurrencyCode : order.currencyCode;
  let exponent: number;
  try {
    exponent = currencyExponent(currency);
  } catch {
    return { ok: false, errors: [{ code: 'INVALID_MONEY', path: mode === 'presentment' ? 'presentmentCurrencyCode' : 'currencyCode', message: `unknown currency "${currency}"` }] };
  }
  const errors: MappingError[] = [];
  /** One amount in the chosen currency; a bag in another currency is an error, not a conversion. */
  const minor = (bag: MoneyBag, path: string): number => {
    const m = mode === 'presentment' ? bag.presentmentMoney : bag.shopMoney;
    try {
      if (m.currencyCode !== currency) throw new MoneyError('INVALID_MONEY', `is in ${m.currencyCode}, the order's ${mode} currency is ${currency}`);
      return toMinor(m.amount, exponent);
    } catch (err) {
      errors.push({ code: (err as MoneyError).code ?? 'INVALID_MONEY', path, message: (err as Error).message });
      return 0;
    }
  };

  const lines = sent.map(({ li, index, quantity: q }) => {
    const p = `lineItems[${index}]`;
    const unit = minor(li.originalUnitPriceSet, `${p}.originalUnitPriceSet`);
    const discountAll = sum(li.discountAllocations.map((d, i) => minor(d.allocatedAmountSet, `${p}.discountAllocations[${i}]`)));
    const taxAll = sum(li.taxLines.map((t, i) => minor(t.priceSet, `${p}.taxLines[${i}]`)));
    const dutyAll = sum(
      li.duties.map((d, i) => minor(d.price, `${p}.duties[${i}].price`) + sum(d.taxLines.map((t, j) => minor(t.priceSet, `${p}.duties[${i}].taxLines[${j}]`)))),
    );
    return { unit, q, subtotal: unit * q, discount: share(discountAll, q, li.quantity), tax: share(taxAll, q, li.quantity), duty: share(dutyAll, q, li.quantity) };
  });

  let shipping = 0;
  let shippingTax = 0;
  order.shippingLines.forEach((s, i) => {
    if (s.isRemoved) return;
    const p = `shippingLines[${i}]`;
    const current = minor(s.currentDiscountedPriceSet, `${p}.currentDiscountedPriceSet`);
    const discounted = minor(s.originalPriceSet, `${p}.originalPriceSet`) - sum(s.discountAllocations.map((d, j) => minor(d.allocatedAmountSet, `${p}.discountAllocations[${j}]`)));
    const taxAll = sum(s.taxLines.map((t, j) => minor(t.priceSet, `${p}.taxLines[${j}]`)));
    shipping += current;
    // Tax lines are "before returns": a partly refunded shipping line keeps the tax of what is left.
    shippingTax += discounted > 0 ? share(taxAll, current, discounted) : 0;
  });
  if (errors.length) return { ok: false, errors };

  const weights = lines.map((l) => l.subtotal);
  const shippingParts = allocate(shipping, weights);
  const shippingTaxParts = allocate(shippingTax, weights);
  const itemTaxes = sum(lines.map((l) => l.tax)) + shippingTax;
  const duties = sum(lines.map((l) => l.duty));
  const minorItems = lines.map((l, i) => ({
    customerPrice: l.unit,
    customerSubtotal: l.subtotal,
    customerDiscountsOrPromotions: l.discount,
    customerTaxes: l.tax + l.duty + shippingTaxParts[i]!,
    customerShippingPrice: shippingParts[i]!,
  }));
  const totals = {
    customerItemTotal: sum(lines.map((l) => l.subtotal)),
    customerTotalDiscountAndPromotions: sum(lines.map((l) => l.discount)),
    customerTotalTaxes: itemTaxes + duties,
    customerTotalShipping: shipping,
    customerTotal:
      sum(lines.map((l) => l.subtotal - l.discount)) + shipping + (order.taxesIncluded ? 0 : itemTaxes) + (order.dutiesIncluded ? 0 : duties),
  };

  const whole = order.lineItems.every((li) => li.currentQuantity <= 0 || sent.some((s) => s.li === li && s.quantity === li.currentQuantity));
  const mismatch = whole ? reconcileWithShopify(order, totals.customerTotal, currency, exponent, mode) : reconcileSums(minorItems, totals);
  if (mismatch) return { ok: false, errors: [mismatch] };

  const out = (v: number, what: string) => toOrderMesh(v, exponent, what, currency);
  try {
    return {
      ok: true,
      money: {
        currencyCode: currency,
        items: minorItems.map((it, i) => ({
          customerPrice: out(it.customerPrice, `lineItems[${sent[i]!.index}] customerPrice`),
          customerSubtotal: out(it.customerSubtotal, `lineItems[${sent[i]!.index}] customerSubtotal`),
          customerDiscountsOrPromotions: out(it.customerDiscountsOrPromotions, `lineItems[${sent[i]!.index}] customerDiscountsOrPromotions`),
          customerTaxes: out(it.customerTaxes, `lineItems[${sent[i]!.index}] customerTaxes`),
          customerShippingPrice: out(it.customerShippingPrice, `lineItems[${sent[i]!.index}] customerShippingPrice`),
        })),
        customerItemTotal: out(totals.customerItemTotal, 'customerItemTotal'),
        customerTotalDiscountAndPromotions: out(totals.customerTotalDiscountAndPromotions, 'customerTotalDiscountAndPromotions'),
        customerTotalTaxes: out(totals.customerTotalTaxes, 'customerTotalTaxes'),
        customerTotalShipping: out(totals.customerTotalShipping, 'customerTotalShipping'),
        customerTotal: out(totals.customerTotal, 'customerTotal'),
      },
    };
  } catch (err) {
    return { ok: false, errors: [{ code: (err as MoneyError).code, path: '', message: (err as Error).message }] };
  }
}

const fmt = (minor: number, exponent: number) => (minor / 10 ** exponent).toFixed(exponent);

/** An order sent whole must cost what Shopify says the customer pays now. */
function reconcileWithShopify(order: ShopifyOrder, total: number, currency: string, exponent: number, mode: CurrencyMode): MappingError | undefined {
  const bag = order.currentTotalPriceSet;
  const expected = toMinor((mode === 'presentment' ? bag.presentmentMoney : bag.shopMoney).amount, exponent);
  if (expected === total) return undefined;
  return {
    code: 'MONEY_MISMATCH',
    path: 'currentTotalPriceSet',
    message: `the order's parts add up to ${fmt(total, exponent)} ${currency} but Shopify's currentTotalPriceSet is ${fmt(expected, exponent)} ${currency}: not sent`,
  };
}

/** A partial order (items left out) has no Shopify figure to match: its totals must be its items' sums. */
function reconcileSums(items: ItemMoney[], totals: Omit<OrderMoney, 'currencyCode' | 'items'>): MappingError | undefined {
  const pairs: Array<[keyof ItemMoney, keyof typeof totals]> = [
    ['customerSubtotal', 'customerItemTotal'],
    ['customerDiscountsOrPromotions', 'customerTotalDiscountAndPromotions'],
    ['customerTaxes', 'customerTotalTaxes'],
    ['customerShippingPrice', 'customerTotalShipping'],
  ];
  for (const [item, total] of pairs) {
    const s = sum(items.map((i) => i[item]));
    if (s !== totals[total]) return { code: 'MONEY_MISMATCH', path: total, message: `the items' ${item} add up to ${s} minor units but ${total} is ${totals[total]}: not sent` };
  }
  return undefined;
}
