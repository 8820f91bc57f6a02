import { describe, expect, it } from 'vitest';
import { explicitOrder, post, readOrder, shopifyClientFor, shopifySim } from '../helpers/shopify.ts';

/**
 * Each Shopify client talks to its own origin, whatever other clients of the same shop domain are
 * made later (issue 34, item 3): a second store of one shop, added to the ledger with another
 * apiOrigin, re-pointed the first store's client to that origin, so the first store read another
 * shop's orders and its watermark moved past orders of its own. Judged from each simulator's orders.
 */
const a = await shopifySim();
const b = await shopifySim();

describe('one origin per Shopify client', () => {
  it('a client made later for the same shop domain with another origin leaves the first one where it was', async () => {
    const inA = explicitOrder();
    const inB = explicitOrder();
    await post(`${a.url}/_sim/orders`, { orders: [inA] });
    await post(`${b.url}/_sim/orders`, { orders: [inB] });
    const first = shopifyClientFor(a);
    expect((await readOrder(first, inA.id)).id).toBe(inA.id);
    const second = shopifyClientFor(b);
    expect((await readOrder(second, inB.id)).id).toBe(inB.id);
    // The first client still reads simulator A: B has no such order.
    expect((await readOrder(first, inA.id)).id).toBe(inA.id);
    await expect(readOrder(first, inB.id)).rejects.toThrow();
    first.close();
    second.close();
  });
});
