import type { z } from 'zod';
import { formatPath } from '../util/zod-path.ts';

/**
 * A zod error as the simulators' control endpoints (and the Shopify simulator's) report it: field path →
 * messages. Not OrderMesh's error body (that is src/sim/ordermesh/documented.ts's validation list).
 */
export function fieldErrors(error: z.ZodError): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const issue of error.issues) {
    const key = formatPath(issue.path) || '$';
    const message = issue.code === 'unrecognized_keys' ? `unknown field(s): ${issue.keys.join(', ')}` : issue.message;
    (out[key] ??= []).push(message);
  }
  return out;
}
