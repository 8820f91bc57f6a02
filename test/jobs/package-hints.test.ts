import { describe, expect, it } from 'vitest';
import type { ShipmentModel } from '../../src/connectors/ordermesh/reader.ts';
import { withHints } from '../../src/jobs/poll-shipments.ts';

/** A shipment as the reader makes it from packages that list only orderItemIDs (quantities inferred). */
function shipment(packages: Array<[string, Array<[string, number]>, string[]?]>): ShipmentModel {
  return {
    shipmentId: 's',
    orderId: 'o',
    status: 'Fulfilled',
    createdAt: null,
    updatedAt: null,
    packages: packages.map(([id, items, listed]) => ({
      packageId: id, shortId: null, carrierName: null, carrierMethodName: null, shippedDate: null, fulfilledDate: null, carrierTrackingNumber: id, carrierLink: null,
      items: items.map(([orderItemId, quantity]) => ({ orderItemId, externalId: null, quantity, shopifyLineItemId: null })),
      quantitiesInferred: true,
      listedItemIds: listed ?? items.map(([orderItemId]) => orderItemId),
    })),
  };
}
const quantities = (s: ShipmentModel[]) => s.flatMap((x) => x.packages.map((p) => [p.packageId, p.items.map((i) => [i.orderItemId, i.quantity])]));

describe('webhook quantities for packages the API lists only by item id', () => {
  it("a hint for one package takes its quantity out of the item's total; the rest goes to the packages without one", () => {
    // 3 units of a over two packages, guessed 2 + 1; the webhook says P1 carries 1.
    const read = [shipment([['P1', [['a', 2]]], ['P2', [['a', 1]]]])];
    expect(quantities(withHints(read, { P1: [{ orderItemId: 'a', quantity: 1 }] }))).toEqual([['P1', [['a', 1]]], ['P2', [['a', 2]]]]);
    expect(read[0]!.packages.map((p) => p.quantitiesInferred)).toEqual([false, true]);
  });

  it('hints for every package are taken as they are, and never add units the read did not have', () => {
    const both = withHints([shipment([['P1', [['a', 2]]], ['P2', [['a', 1]]]])], { P1: [{ orderItemId: 'a', quantity: 1 }], P2: [{ orderItemId: 'a', quantity: 2 }] });
    expect(quantities(both)).toEqual([['P1', [['a', 1]]], ['P2', [['a', 2]]]]);
    const over = withHints([shipment([['P1', [['a', 2]]], ['P2', [['a', 1]]]])], { P1: [{ orderItemId: 'a', quantity: 3 }] });
    expect(quantities(over)).toEqual([['P1', [['a', 3]]], ['P2', []]]);
  });

  it('gives a package the units a hint names even where the guess gave it none of that item', () => {
    // Both packages list a and b (1 unit each); the guess put both in P1. The webhooks say P1 has a, P2 has b.
    const read = [shipment([['P1', [['a', 1], ['b', 1]], ['a', 'b']], ['P2', [], ['a', 'b']]])];
    const out = withHints(read, { P1: [{ orderItemId: 'a', quantity: 1 }], P2: [{ orderItemId: 'b', quantity: 1 }] });
    expect(quantities(out).map(([id, items]) => [id, [...(items as Array<[string, number]>)].sort()])).toEqual([['P1', [['a', 1]]], ['P2', [['b', 1]]]]);
  });

  it('a package id named like an Object.prototype member is a package id like any other', () => {
    expect(() => withHints([shipment([['constructor', [['a', 1]]], ['__proto__', [['a', 1]]]])], {})).not.toThrow();
    expect(quantities(withHints([shipment([['toString', [['a', 2]]]])], { toString: [{ orderItemId: 'a', quantity: 1 }] }))).toEqual([['toString', [['a', 1]]]]);
  });

  it('leaves packages alone when no hint names them', () => {
    const read = [shipment([['P1', [['a', 2], ['b', 1]]]])];
    expect(quantities(withHints(read, { OTHER: [{ orderItemId: 'a', quantity: 1 }] }))).toEqual([['P1', [['a', 2], ['b', 1]]]]);
  });
});
