import { z } from 'zod';

/**
 * Fault injection shared by both simulators. Per route (an operation id, or "*" for all), each fault
 * has a probability; `count` caps how many faults the route injects in all (then it behaves), which
 * makes "fail exactly the next two calls" tests deterministic.
 */
export const routeFaults = z.strictObject({
  status429: z.number().min(0).max(1).default(0),
  retryAfterSeconds: z.number().nonnegative().default(1),
  status500: z.number().min(0).max(1).default(0),
  status503: z.number().min(0).max(1).default(0),
  /** Access refused (a merchant's access revoked, say): not a verdict on the request's content. */
  status403: z.number().min(0).max(1).default(0),
  /** The request is held this long, unanswered, before being handled (the client has given up by then). */
  timeout: z.number().min(0).max(1).default(0),
  timeoutMs: z.number().int().nonnegative().default(35_000),
  /** The request is applied, then the connection is dropped before the response. */
  lostResponse: z.number().min(0).max(1).default(0),
  latencyMs: z.number().int().nonnegative().default(0),
  /**
   * Shopify simulator: the share of an order's fields (at any depth, its id aside) answered as null,
   * as broken or partial responses come back: the connector must fail that order alone, by path.
   */
  blankFields: z.number().min(0).max(1).default(0),
  /**
   * Shopify simulator: the share of orders answered with an id that is no Order GID (what a broken
   * proxy or a corrupted export hands over); on `BulkExport`, the share of a bulk operation's orders.
   */
  brokenIds: z.number().min(0).max(1).default(0),
  count: z.number().int().positive().optional(),
});
export type RouteFaults = z.infer<typeof routeFaults>;

export const faultsBody = z.record(z.string(), routeFaults);

export type FaultKind = 'status429' | 'status500' | 'status503' | 'status403' | 'timeout' | 'lostResponse';
const KINDS: FaultKind[] = ['status429', 'status500', 'status503', 'status403', 'timeout', 'lostResponse'];

export interface FaultDecision {
  kind: FaultKind | undefined;
  latencyMs: number;
  retryAfterSeconds: number;
  timeoutMs: number;
  blankFields: number;
  brokenIds: number;
}

/** Deterministic PRNG (mulberry32) so a seeded chaos run repeats. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class FaultInjector {
  #rules = new Map<string, RouteFaults & { injected: number }>();
  readonly injected: Record<string, Partial<Record<FaultKind, number>>> = {};
  readonly #random: () => number;

  constructor(random: () => number = Math.random) {
    this.#random = random;
  }

  set(rules: Record<string, RouteFaults>): void {
    this.#rules = new Map(Object.entries(rules).map(([route, r]) => [route, { ...r, injected: 0 }]));
  }

  clear(): void {
    this.#rules.clear();
  }

  /** Replaces the id of a share of the Orders in `data` by one that is no Order GID. */
  breakIds(data: unknown, share: number): number {
    let broken = 0;
    const walk = (v: unknown): void => {
      if (Array.isArray(v)) return v.forEach(walk);
      if (!v || typeof v !== 'object') return;
      const o = v as Record<string, unknown>;
      if (typeof o.id === 'string' && o.id.startsWith('gid://shopify/Order/') && this.#random() < share) {
        o.id = `gid://shopify/Order/${o.id.slice('gid://shopify/Order/'.length)}-broken`;
        broken++;
      }
      for (const x of Object.values(o)) walk(x);
    };
    walk(data);
    return broken;
  }

  /** Nulls a share of the fields of every Order in `data` (and of everything inside it), ids kept. */
  blank(data: unknown, share: number): number {
    let blanked = 0;
    const walk = (v: unknown, inOrder: boolean): void => {
      if (Array.isArray(v)) return v.forEach((x) => walk(x, inOrder));
      if (!v || typeof v !== 'object') return;
      const o = v as Record<string, unknown>;
      const order = inOrder || (typeof o.id === 'string' && o.id.startsWith('gid://shopify/Order/'));
      for (const key of Object.keys(o)) {
        if (order && key !== 'id' && this.#random() < share) {
          o[key] = null;
          blanked++;
        } else walk(o[key], order);
      }
    };
    walk(data, false);
    return blanked;
  }

  decide(route: string): FaultDecision {
    const rule = this.#rules.get(route) ?? this.#rules.get('*');
    if (!rule) return { kind: undefined, latencyMs: 0, retryAfterSeconds: 1, timeoutMs: 0, blankFields: 0, brokenIds: 0 };
    const base = { latencyMs: rule.latencyMs, retryAfterSeconds: rule.retryAfterSeconds, timeoutMs: rule.timeoutMs, blankFields: rule.blankFields, brokenIds: rule.brokenIds };
    if (rule.count !== undefined && rule.injected >= rule.count) return { ...base, kind: undefined };
    // One draw decides between the kinds, so their probabilities add up rather than shadow each other.
    let roll = this.#random();
    for (const kind of KINDS) {
      if (roll < rule[kind]) {
        rule.injected++;
        const counts = (this.injected[route] ??= {});
        counts[kind] = (counts[kind] ?? 0) + 1;
        return { ...base, kind };
      }
      roll -= rule[kind];
    }
    return { ...base, kind: undefined };
  }
}
