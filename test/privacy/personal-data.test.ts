import { describe, expect, it } from 'vitest';
import { REDACTED, redactPayload, scrubText, scrubValue } from '../../src/privacy/personal-data.ts';

/**
 * The redaction rules on their own, with the values each case plants declared beside it: what must go
 * (the customer's short name and postcode as words, what they typed into a line item) and what must
 * stay (the same letters inside a longer word or an id, print files, SKUs).
 */
describe('personal data: what redaction removes', () => {
  it('cuts a value shorter than 4 characters out of text as a word of its own, never inside a longer word or an id', () => {
    const values = new Set(['Li', 'W1']);
    const text = 'OrderMesh refused: zip "W1" is not valid for Li, (Li) and Li. Little MW12 gid://shopify/LineItem/Li #Li-2 W1.png';
    expect(scrubText(text, values)).toBe(`OrderMesh refused: zip "${REDACTED}" is not valid for ${REDACTED}, (${REDACTED}) and ${REDACTED}. Little MW12 gid://shopify/LineItem/Li #Li-2 W1.png`);
  });

  it('leaves a lone number or a single letter alone: a quantity or a word of every sentence, not a person', () => {
    expect(scrubText('sent 12 of a batch', new Set(['12', 'a']))).toBe('sent 12 of a batch');
  });

  it("removes what the customer typed into a line item (and the clientAttributes it became), keeps its print files, and cuts those values out of the rest", () => {
    const engraving = 'For Li, always';
    const store = {
      name: '#1001',
      lineItems: [{ id: 'gid://shopify/LineItem/1', sku: 'MUG-11OZ-WHITE', title: 'Mug', customAttributes: [{ key: '_print_front', value: 'https://cdn.example.com/f.png' }, { key: 'Engraving', value: engraving }] }],
      shippingAddress: { lastName: 'Li', zip: 'W1', countryCodeV2: 'GB' },
      tags: [`engraved: ${engraving}`],
    };
    const { redacted, found } = redactPayload(store);
    expect(redacted).toEqual({
      name: '#1001',
      lineItems: [{ id: 'gid://shopify/LineItem/1', sku: 'MUG-11OZ-WHITE', title: 'Mug', customAttributes: [{ key: '_print_front', value: 'https://cdn.example.com/f.png' }] }],
      shippingAddress: { countryCodeV2: 'GB' },
      tags: [`engraved: ${REDACTED}`],
    });
    expect([...found].sort()).toEqual([engraving, 'Li', 'W1'].sort());

    const sent = { items: [{ sku: 'MUG-11OZ-WHITE', quantity: 1, images: [{ url: 'https://cdn.example.com/f.png' }], clientAttributes: { Engraving: engraving } }] };
    expect(redactPayload(sent)).toEqual({ redacted: { items: [{ sku: 'MUG-11OZ-WHITE', quantity: 1, images: [{ url: 'https://cdn.example.com/f.png' }] }] }, found: new Set([engraving]) });
  });
  it("never cuts a value out of what the sync works from: ids, a property's key, print-file URLs, SKUs, titles, money; elsewhere only as a whole token", () => {
    // Declared: the customer's zip, city and a year they typed; an app's hidden print area. The ids hold the zip's digits, the title the city.
    const zip = '10001';
    const city = 'Rose';
    const year = '1987';
    const store = {
      id: 'gid://shopify/Order/5510001',
      name: '#1001',
      note: `Rose is my city, zip ${zip}`,
      tags: ['Rose, NY', 'Rosebud', `since ${year}`, 'rose-gold'],
      lineItems: [{
        id: 'gid://shopify/LineItem/1351987234',
        name: 'Rose Gold Mug - 11oz',
        title: 'Rose Gold Mug',
        sku: 'MUG-ROSE-1987',
        variant: { id: 'gid://shopify/ProductVariant/100011987', sku: 'MUG-ROSE-1987' },
        originalUnitPriceSet: { shopMoney: { amount: '1987.00', currencyCode: 'USD' } },
        customAttributes: [
          { key: '_print_front', value: 'https://cdn.example.com/art/Rose-10001.png' },
          { key: '_print_area', value: 'front' },
          { key: 'Year', value: year },
        ],
      }],
      shippingAddress: { firstName: 'Ann', city, zip, countryCodeV2: 'US' },
    };
    const { redacted, found } = redactPayload(store);
    expect([...found].sort()).toEqual([`Rose is my city, zip ${zip}`, 'Ann', city, year, zip].sort());
    expect(redacted).toEqual({
      id: store.id,
      name: '#1001',
      tags: [`${REDACTED}, NY`, 'Rosebud', `since ${REDACTED}`, 'rose-gold'],
      lineItems: [{ ...store.lineItems[0], customAttributes: store.lineItems[0]!.customAttributes.slice(0, 2) }],
      shippingAddress: { countryCodeV2: 'US' },
    });

    // What was sent to OrderMesh, scrubbed with the same values: its ids, URLs, SKUs and money stay.
    const sent = {
      safeId: 'om-5510001', externalId: 'st1-5510001', meta: { shopifyOrderId: store.id, shopifyOrderName: '#1001' },
      items: [{ sku: 'MUG-ROSE-1987', quantity: 1, images: [{ url: 'https://cdn.example.com/art/Rose-10001.png', area: 'front' }], customerPrice: { amount: 1987, currency: 'USD' }, meta: { shopifyLineItemId: store.lineItems[0]!.id } }],
    };
    expect(scrubValue(sent, found)).toEqual(sent);
    // In free text: as a token of its own only, and never inside a URL or an id it names.
    expect(scrubText(`OrderMesh refused gid://shopify/LineItem/1351987234 (Rose-Gold, ${zip}): see https://cdn.example.com/art/Rose-10001.png #10001 Rosebud`, found))
      .toBe(`OrderMesh refused gid://shopify/LineItem/1351987234 (${REDACTED}-Gold, ${REDACTED}): see https://cdn.example.com/art/Rose-10001.png #10001 Rosebud`);
  });
});
