import { describe, expect, it } from 'vitest';
import { inboundStack } from '../helpers/inbound.ts';
import { simState } from '../helpers/ordermesh.ts';

/** Inbound, the store's own order as the body: OrderMesh's Transformation (the simulator's own reading) makes the order. */
describe("inbound orders through a Transformation, the store's own order as the body", async () => {
  const s = await inboundStack('store');

  it("is made by OrderMesh's Transformation from the store order, under our safeId, once", async () => {
    const o = await s.place();
    const r = await s.until(o.id, ['submitted']);
    const made = (await simState(s.om)).orders.filter((x: any) => x.safeId === r.safe_id);
    expect(made).toHaveLength(1);
    // The simulator's own plain reading of the store order: its lines and address, no money.
    expect(made[0].items.map((i: any) => [i.sku, i.quantity])).toEqual([['MUG-11OZ-WHITE', 2]]);
    expect(made[0].shippingAddress.line1).toBe(o.shippingAddress!.address1);
    expect(made[0].money.customerTotal).toBeNull();
  });
});
