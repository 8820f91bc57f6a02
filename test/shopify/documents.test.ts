import { parse, validate } from 'graphql';
import { describe, expect, it } from 'vitest';
import { DOCUMENT_NAMES, bulkOrdersQuery, documents, graphqlFilesOnDisk } from '../../src/connectors/shopify/documents.ts';
import { adminSchema } from '../../src/connectors/shopify/schema.ts';

const schema = adminSchema();

describe('Shopify GraphQL documents', () => {
  it('registers every .graphql file', () => {
    expect([...graphqlFilesOnDisk()].sort()).toEqual([...DOCUMENT_NAMES].sort());
  });

  it.each(DOCUMENT_NAMES.filter((n) => n !== 'bulk-orders-query'))('%s validates against the 2026-01 Admin schema', (name) => {
    const errors = validate(schema, parse(documents[name]));
    expect(errors.map((e) => e.message)).toEqual([]);
  });

  it('the bulk export query, with its date filter filled in, validates too', () => {
    const q = bulkOrdersQuery(new Date('2026-01-01T00:00:00Z'), new Date('2026-02-01T00:00:00Z'));
    expect(q).toContain(`updated_at:>='2026-01-01T00:00:00.000Z'`);
    expect(validate(schema, parse(q)).map((e) => e.message)).toEqual([]);
  });

  it('uses no deprecated mutation (fulfillmentCreateV2, fulfillmentTrackingInfoUpdateV2)', () => {
    for (const name of DOCUMENT_NAMES) expect(documents[name]).not.toMatch(/V2\(/);
  });
});
