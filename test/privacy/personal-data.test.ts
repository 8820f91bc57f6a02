import { describe, expect, it } from 'vitest';
import { REDACTED, redactPayload, scrubText } from '../../src/privacy/personal-data.ts';

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
});
