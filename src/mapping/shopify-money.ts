import type { MoneyBag, ShopifyOrder } from '../connectors/shopify/types.ts';
import { MoneyError, allocate, currencyExponent, sendDecimals, share, toOrderMesh, toUnits } from './money.ts';
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
 * Shares (× q / Q) are rounded half to even. Invariant, for every order: customerTotal plus what is
 * left out (each left-out unit's own figures, by the same rule: tips, gift cards, excluded SKUs, units
 * fulfilled elsewhere) equals `currentTotalPriceSet` to the cent; otherwise MONEY_MISMATCH, never sent.
 *
 * Amounts are computed in the precision OrderMesh takes (money.ts): a three-decimal currency in
 * hundredths, so an order whose amounts are all whole hundredths always goes through, and one that is
 * not fails CURRENCY_PRECISION naming the amount.
 */
export type CurrencyMode = 'presentment' | 'shop';

export interface SentLine {
  /** Index in the order's line items. */
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

type Result<T> = { ok: true; value: T } | { ok: false; errors: MappingError[] };

const sum = (xs: number[]) => xs.reduce((a, x) => a + x, 0);

/** A line item's amounts for all Q units, in units of the currency's send precision. */
interface LineAmounts {
  unit: number;
  ordered: number;
  current: number;
  discount: number;
  tax: number;
  duty: number;
}

interface OrderAmounts {
  currency: string;
  decimals: number;
  lines: LineAmounts[];
  shipping: number;
  shippingTax: number;
  currentTotal: number;
}

/** Step 1: every amount the model reads, in one currency and one precision, or typed errors naming each bad one. */
function readAmounts(order: ShopifyOrder, mode: CurrencyMode): Result<OrderAmounts> {
  const currencyPath = mode === 'presentment' ? 'presentmentCurrencyCode' : 'currencyCode';
  const currency = mode === 'presentment' ? order.presentmentCurrencyCode : order.currencyCode;
  let exponent: number;
  try {
    exponent = currencyExponent(currency);
  } catch (err) {
    return { ok: false, errors: [{ code: 'INVALID_STORE_ORDER', path: currencyPath, message: (err as Error).message }] };
  }
  const errors: MappingError[] = [];
  /** A bag in another currency, or an amount finer than its currency, is a broken store order: never converted or rounded. */
  const units = (bag: MoneyBag, path: string): number => {
    const m = mode === 'presentment' ? bag.presentmentMoney : bag.shopMoney;
    try {
      if (m.currencyCode !== currency) throw new MoneyError('INVALID_MONEY', `is in ${m.currencyCode}, the order's ${currencyPath} is ${currency}`);
      return toUnits(m.amount, exponent, currency);
    } catch (err) {
      const code = (err as MoneyError).code === 'CURRENCY_PRECISION' ? 'CURRENCY_PRECISION' : 'INVALID_STORE_ORDER';
      errors.push({ code, path, message: (err as Error).message });
      return 0;
    }
  };
  const all = (bags: MoneyBag[], path: (i: number) => string) => sum(bags.map((b, i) => units(b, path(i))));

  const lines = order.lineItems.map((li, n): LineAmounts => {
    const p = `lineItems[${n}]`;
    return {
      unit: units(li.originalUnitPriceSet, `${p}.originalUnitPriceSet`),
      ordered: li.quantity,
      current: li.currentQuantity,
      discount: all(li.discountAllocations.map((d) => d.allocatedAmountSet), (i) => `${p}.discountAllocations[${i}]`),
      tax: all(li.taxLines.map((t) => t.priceSet), (i) => `${p}.taxLines[${i}]`),
      duty: sum(li.duties.map((d, i) => units(d.price, `${p}.duties[${i}].price`) + all(d.taxLines.map((t) => t.priceSet), (j) => `${p}.duties[${i}].taxLines[${j}]`))),
    };
  });
  let shipping = 0;
  let shippingTax = 0;
  order.shippingLines.forEach((s, i) => {
    if (s.isRemoved) return;
    const p = `shippingLines[${i}]`;
    const current = units(s.currentDiscountedPriceSet, `${p}.currentDiscountedPriceSet`);
    const discounted = units(s.originalPriceSet, `${p}.originalPriceSet`) - all(s.discountAllocations.map((d) => d.allocatedAmountSet), (j) => `${p}.discountAllocations[${j}]`);
    const tax = all(s.taxLines.map((t) => t.priceSet), (j) => `${p}.taxLines[${j}]`);
    shipping += current;
    // Tax lines are "before returns": a partly refunded shipping line keeps the tax of what is left.
    shippingTax += discounted > 0 ? share(tax, current, discounted) : 0;
  });
  const currentTotal = units(order.currentTotalPriceSet, 'currentTotalPriceSet');
  if (errors.length) return { ok: false, errors };
  return { ok: true, value: { currency, decimals: sendDecimals(exponent), lines, shipping, shippingTax, currentTotal } };
}

/** A line's figures for q of its units. */
function lineFigures(l: LineAmounts, q: number) {
  return { unit: l.unit, subtotal: l.unit * q, discount: share(l.discount, q, l.ordered), tax: share(l.tax, q, l.ordered), duty: share(l.duty, q, l.ordered) };
}
type LineFigures = ReturnType<typeof lineFigures>;

/** What the customer pays for these figures. */
const payable = (f: LineFigures, order: ShopifyOrder) => f.subtotal - f.discount + (order.taxesIncluded ? 0 : f.tax) + (order.dutiesIncluded ? 0 : f.duty);

/** Step 2: the items sent and the order's totals, in units. */
function compute(order: ShopifyOrder, a: OrderAmounts, sent: SentLine[]): Omit<OrderMoney, 'currencyCode'> {
  const lines = sent.map((s) => lineFigures(a.lines[s.index]!, s.quantity));
  const weights = lines.map((l) => l.subtotal);
  const shippingParts = allocate(a.shipping, weights);
  const shippingTaxParts = allocate(a.shippingTax, weights);
  const items = lines.map((l, i) => ({
    customerPrice: l.unit,
    customerSubtotal: l.subtotal,
    customerDiscountsOrPromotions: l.discount,
    customerTaxes: l.tax + l.duty + shippingTaxParts[i]!,
    customerShippingPrice: shippingParts[i]!,
  }));
  return {
    items,
    customerItemTotal: sum(items.map((i) => i.customerSubtotal)),
    customerTotalDiscountAndPromotions: sum(items.map((i) => i.customerDiscountsOrPromotions)),
    customerTotalTaxes: sum(items.map((i) => i.customerTaxes)),
    customerTotalShipping: a.shipping,
    customerTotal: sum(lines.map((l) => payable(l, order))) + a.shipping + (order.taxesIncluded ? 0 : a.shippingTax),
  };
}

/**
 * Step 3: what is sent plus Shopify's own figures for what is left out must be what Shopify says the
 * customer pays now. A left-out unit's figures are its line's current figures less the sent ones.
 */
function reconcile(order: ShopifyOrder, a: OrderAmounts, sent: SentLine[], customerTotal: number): MappingError | undefined {
  const sentQuantity = new Map(sent.map((s) => [s.index, s.quantity]));
  const leftOut = sum(a.lines.map((l, i) => payable(lineFigures(l, l.current), order) - payable(lineFigures(l, sentQuantity.get(i) ?? 0), order)));
  if (customerTotal + leftOut === a.currentTotal) return undefined;
  const fmt = (u: number) => `${(u / 10 ** a.decimals).toFixed(a.decimals)} ${a.currency}`;
  return {
    code: 'MONEY_MISMATCH',
    path: 'currentTotalPriceSet',
    message: `what is sent (${fmt(customerTotal)}) and what is left out (${fmt(leftOut)}) add up to ${fmt(customerTotal + leftOut)} but Shopify's currentTotalPriceSet is ${fmt(a.currentTotal)}: not sent`,
  };
}

/** The money of the items sent, reconciled with Shopify's total, as OrderMesh numbers; or typed errors. */
export function orderMoney(order: ShopifyOrder, sent: SentLine[], mode: CurrencyMode): { ok: true; money: OrderMoney } | { ok: false; errors: MappingError[] } {
  const read = readAmounts(order, mode);
  if (!read.ok) return read;
  const a = read.value;
  const m = compute(order, a, sent);
  const mismatch = reconcile(order, a, sent, m.customerTotal);
  if (mismatch) return { ok: false, errors: [mismatch] };
  // Step 4: emit. Every figure is whole units of the send precision, so none needs rounding.
  const out = (u: number) => toOrderMesh(u, a.decimals);
  return {
    ok: true,
    money: {
      currencyCode: a.currency,
      items: m.items.map((it) => ({
        customerPrice: out(it.customerPrice),
        customerSubtotal: out(it.customerSubtotal),
        customerDiscountsOrPromotions: out(it.customerDiscountsOrPromotions),
        customerTaxes: out(it.customerTaxes),
        customerShippingPrice: out(it.customerShippingPrice),
      })),
      customerItemTotal: out(m.customerItemTotal),
      customerTotalDiscountAndPromotions: out(m.customerTotalDiscountAndPromotions),
      customerTotalTaxes: out(m.customerTotalTaxes),
      customerTotalShipping: out(m.customerTotalShipping),
      customerTotal: out(m.customerTotal),
    },
  };
}
