import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { buildSchema, type GraphQLSchema } from 'graphql';

/**
 * Shopify's Admin GraphQL schema for the pinned version, kept in the repo (gzipped SDL; provenance in
 * schema/SOURCE.txt) because the simulator executes against it at run time and tests validate our
 * documents against it.
 */
export const SCHEMA_VERSION = '2026-01';

let cached: GraphQLSchema | undefined;

export function adminSchema(): GraphQLSchema {
  cached ??= buildSchema(
    gunzipSync(readFileSync(new URL(`./schema/admin-${SCHEMA_VERSION}.schema.graphql.gz`, import.meta.url))).toString('utf8'),
    { assumeValidSDL: true },
  );
  return cached;
}
