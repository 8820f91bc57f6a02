import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { line, order } from '../mapping/cases.ts';
import { runCli } from '../helpers/cli.ts';
import { tempDir } from '../helpers/temp.ts';

describe('ordersync map', () => {
  const dir = tempDir('ordersync-map-');

  it('prints the mapped OrderMesh order for an order file in the Admin GraphQL shape', async () => {
    const o = order();
    const file = path.join(dir, 'ok.json');
    writeFileSync(file, JSON.stringify({ data: { order: { ...o, lineItems: { nodes: o.lineItems }, shippingLines: { edges: o.shippingLines.map((node) => ({ node })) } } } }));
    const res = await runCli(['map', '--store', 'sim-shop', '--input', file, '--config', 'config/sim.yaml']);
    expect(res.code, res.stderr).toBe(0);
    const out = JSON.parse(res.stdout);
    expect(out.kind).toBe('mapped');
    expect(out.model.safeId).toBe('sim-shop-9007199254741993');
    expect(out.model.items[0].sku).toBe('MUG-11OZ-WHITE');
  });

  it('prints the mapping errors and exits 1 for an order that cannot be mapped', async () => {
    const file = path.join(dir, 'bad.json');
    writeFileSync(file, JSON.stringify(order({ lineItems: [line({ sku: null, variant: null })] })));
    const res = await runCli(['map', '--store', 'sim-shop', '--input', file, '--config', 'config/sim.yaml']);
    expect(res.code).toBe(1);
    expect(JSON.parse(res.stdout).errors[0].code).toBe('MISSING_SKU');
  });

  it('maps a REST orders/* webhook body like the GraphQL order, and exits 2 on anything that is not an order', async () => {
    const rest = path.join(dir, 'webhook.json');
    writeFileSync(rest, JSON.stringify({
      id: 9007199254741993, admin_graphql_api_id: 'gid://shopify/Order/9007199254741993', name: '#1001', created_at: '2026-11-20T10:00:00Z', updated_at: '2026-11-20T10:05:00Z',
      cancelled_at: null, cancel_reason: null, test: false, email: 'ada@example.com', phone: null, note: null, tags: '', currency: 'USD', presentment_currency: 'USD',
      taxes_included: false, note_attributes: [], current_total_price_set: { shop_money: { amount: '19.98', currency_code: 'USD' }, presentment_money: { amount: '19.98', currency_code: 'USD' } },
      shipping_address: { first_name: 'Ada', last_name: 'Lovelace', address1: '12 Main St', address2: '', city: 'Springfield', province_code: 'IL', zip: '62701', country_code: 'US', phone: null, company: null },
      billing_address: null,
      shipping_lines: [{ title: 'Standard', code: 'STANDARD', price_set: { shop_money: { amount: '4.99', currency_code: 'USD' }, presentment_money: { amount: '4.99', currency_code: 'USD' } }, discounted_price_set: { shop_money: { amount: '4.99', currency_code: 'USD' }, presentment_money: { amount: '4.99', currency_code: 'USD' } }, discount_allocations: [], tax_lines: [] }],
      line_items: [{ id: 1, name: 'Mug', title: 'Mug', variant_title: null, sku: 'MUG-11OZ-WHITE', quantity: 1, current_quantity: 1, fulfillable_quantity: 1, requires_shipping: true, gift_card: false, variant_id: 5, properties: [{ name: '_print_front', value: 'https://cdn.example.com/a.png' }], price_set: { shop_money: { amount: '14.99', currency_code: 'USD' }, presentment_money: { amount: '14.99', currency_code: 'USD' } }, discount_allocations: [], tax_lines: [], duties: [] }],
    }));
    const ok = await runCli(['map', '--store', 'sim-shop', '--input', rest, '--config', 'config/sim.yaml']);
    expect(ok.code, ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout).model).toMatchObject({ customerTotal: 19.98, shippingAddress: { line2: null } });

    for (const [name, text] of [['not-json.json', '{"id": '], ['array.json', '[1, 2]'], ['number.json', '42'], ['other.json', '{"product": {"id": 1}}']]) {
      const file = path.join(dir, name!);
      writeFileSync(file, text!);
      const res = await runCli(['map', '--store', 'sim-shop', '--input', file, '--config', 'config/sim.yaml']);
      expect(res.code, `${name}: ${res.stderr}`).toBe(2);
      expect(res.stderr).toMatch(/not JSON|not an order/);
      expect(res.stderr).not.toMatch(/TypeError|at .*\.ts:/);
    }
  });

  it('keeps REST ids above 2^53 exact (Shopify\'s own sample id), and names a REST file\'s missing fields as REST spells them', async () => {
    const money = (amount: string) => ({ shop_money: { amount, currency_code: 'USD' }, presentment_money: { amount, currency_code: 'USD' } });
    const address = { first_name: 'Ada', last_name: 'L', company: null, address1: '1 Main St', address2: null, city: 'Springfield', province_code: 'IL', zip: '62701', country_code: 'US', phone: null };
    const lineItem = (over: string) => `{"id": 866550311766439020, "name": "Mug", "title": "Mug", "variant_title": null, "sku": "MUG-11OZ-WHITE", "quantity": 1, "current_quantity": 1, "fulfillable_quantity": 1, "requires_shipping": true, "gift_card": false, "variant_id": 808950810, "properties": [{"name": "_print_front", "value": "https://cdn.example.com/a.png"}], "discount_allocations": [], "tax_lines": [], "duties": []${over}}`;
    // Written as text: JSON.stringify cannot write the integer as Shopify does.
    const body = (item: string) => `{"id": 820982911946154508, "name": "#9999", "created_at": "2026-11-20T10:00:00Z", "updated_at": "2026-11-20T10:05:00Z", "cancelled_at": null, "cancel_reason": null, "test": false, "email": "a@example.com", "phone": null, "note": null, "tags": "", "currency": "USD", "presentment_currency": "USD", "taxes_included": false, "note_attributes": [], "current_total_price_set": ${JSON.stringify(money('14.99'))}, "shipping_address": ${JSON.stringify(address)}, "billing_address": null, "shipping_lines": [], "line_items": [${item}]}`;
    const file = path.join(dir, 'big-id.json');
    writeFileSync(file, body(lineItem(`, "price_set": ${JSON.stringify(money('14.99'))}`)));
    const ok = await runCli(['map', '--store', 'sim-shop', '--input', file, '--config', 'config/sim.yaml']);
    expect(ok.code, ok.stdout + ok.stderr).toBe(0);
    const mapped = JSON.parse(ok.stdout);
    expect(mapped.model.safeId).toBe('sim-shop-820982911946154508');
    expect(mapped.model.meta.shopifyOrderId).toBe('gid://shopify/Order/820982911946154508');

    const missing = path.join(dir, 'missing-price.json');
    writeFileSync(missing, body(lineItem('')));
    const bad = await runCli(['map', '--store', 'sim-shop', '--input', missing, '--config', 'config/sim.yaml']);
    expect(bad.code).toBe(1);
    expect(JSON.parse(bad.stdout).errors).toEqual([{ code: 'INVALID_STORE_ORDER', path: 'line_items[0].price_set', graphqlPath: 'lineItems[0].originalUnitPriceSet', message: 'is missing' }]);
  });
});
