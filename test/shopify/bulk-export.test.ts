import { describe, expect, it } from 'vitest';
import { startBulkExport, streamBulkOrders, waitForBulkOperation } from '../../src/connectors/shopify/bulk-export.ts';
import { seedOrders, shopifyClientFor, shopifySim } from '../helpers/shopify.ts';

const sim = await shopifySim({ bulkDelayMs: 50 });

describe('bulk backfill', () => {
  it('exports 10,000 orders and streams them back, each with all its line items', async () => {
    await seedOrders(sim, { count: 10_000, seed: 11, spreadSeconds: 86_400 });
    const client = shopifyClientFor(sim);
    const id = await startBulkExport(client, new Date(Date.now() - 2 * 86_400_000), new Date(Date.now() + 60_000));
    const op = await waitForBulkOperation(client, id, 50);
    expect(op.status).toBe('COMPLETED');
    expect(op.rootObjectCount).toBe('10000');
    const ids = new Set<string>();
    let lineItems = 0;
    let refetch = 0;
    for await (const item of streamBulkOrders(op.url!)) {
      if ('refetch' in item) {
        refetch++;
        continue;
      }
      ids.add(item.order.id);
      expect(item.order.lineItems.length).toBeGreaterThan(0);
      expect(item.order.lineItems.every((li) => String((li as { id: unknown }).id).includes('/LineItem/'))).toBe(true);
      lineItems += item.order.lineItems.length;
    }
    expect(ids.size).toBe(10_000);
    expect(refetch).toBe(0);
    expect(lineItems).toBe(Number(op.objectCount) - 10_000 - (await shippingLineCount(op.url!)));
  }, 120_000);

  it('limits the window by updated_at', async () => {
    const client = shopifyClientFor(sim);
    const id = await startBulkExport(client, new Date(Date.now() + 3_600_000), new Date(Date.now() + 7_200_000));
    const op = await waitForBulkOperation(client, id, 50);
    expect(op.rootObjectCount).toBe('0');
  });

  it('asks for a re-read of an order whose child lines arrive after it was emitted', async () => {
    const lines = [
      { id: 'gid://shopify/Order/1', name: '#1' },
      { id: 'gid://shopify/LineItem/11', __parentId: 'gid://shopify/Order/1' },
      { id: 'gid://shopify/Order/2', name: '#2' },
      { id: 'gid://shopify/LineItem/12', __parentId: 'gid://shopify/Order/1' },
    ];
    const url = `data:application/jsonl,${encodeURIComponent(lines.map((l) => JSON.stringify(l)).join('\n'))}`;
    const out = [];
    for await (const item of streamBulkOrders(url)) out.push(item);
    expect(out.map((i) => ('order' in i ? i.order.id : `refetch ${i.refetch}`))).toEqual(['gid://shopify/Order/1', 'refetch gid://shopify/Order/1', 'gid://shopify/Order/2']);
  });
});

async function shippingLineCount(url: string): Promise<number> {
  const text = await (await fetch(url)).text();
  return text.split('\n').filter((l) => l.includes('__parentId') && !l.includes('/LineItem/')).length;
}
