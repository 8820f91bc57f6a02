import { distance } from 'fastest-levenshtein';
import type { Logger } from '../../log.ts';
import type { OrderMeshClient } from './client.ts';
import type { CatalogVariant } from './reader.ts';

export interface CatalogueView {
  variants: CatalogVariant[];
  skus: ReadonlySet<string>;
  fetchedAt: Date;
}

/**
 * A merchant's enabled catalogue, read once per TTL and shared by every job of the process. It only
 * ever advises (a closer SKU to name, a warning): a catalogue that cannot be read answers null, or
 * what was read before, and never holds up a submission.
 */
export class CatalogueCache {
  readonly #client: OrderMeshClient;
  readonly #ttlMs: number;
  readonly #log: Logger | undefined;
  readonly #entries = new Map<string, { view: CatalogueView | null; at: number }>();
  readonly #loading = new Map<string, Promise<CatalogueView | null>>();

  constructor(client: OrderMeshClient, opts: { ttlSeconds: number; log?: Logger }) {
    this.#client = client;
    this.#ttlMs = opts.ttlSeconds * 1000;
    this.#log = opts.log;
  }

  /**
   * The catalogue, fresh within the TTL; waits at most `waitMs` for a read (one attempt), else answers
   * what it had (possibly null) while the read goes on for the next caller.
   */
  async get(merchantId: string, waitMs = 2_000): Promise<CatalogueView | null> {
    const entry = this.#entries.get(merchantId);
    if (entry && Date.now() - entry.at < this.#ttlMs) return entry.view;
    const loading = this.#loading.get(merchantId) ?? this.#load(merchantId);
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), waitMs)));
    try {
      return (await Promise.race([loading, late])) ?? entry?.view ?? null;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Whether OrderMesh has answered for this merchant (a catalogue, or that it has none), as opposed to never having been reached. */
  known(merchantId: string): boolean {
    return this.#entries.has(merchantId);
  }

  #load(merchantId: string): Promise<CatalogueView | null> {
    const p = this.#client
      .catalogVariants(merchantId, 1)
      .then((variants) => {
        const view = variants ? { variants, skus: new Set(variants.map((v) => v.sku)), fetchedAt: new Date() } : null;
        this.#entries.set(merchantId, { view, at: Date.now() });
        return view;
      })
      .catch((err: unknown) => {
        this.#log?.warn({ err, merchantId }, "OrderMesh's catalogue could not be read: SKUs go unchecked until it can");
        return this.#entries.get(merchantId)?.view ?? null;
      })
      .finally(() => this.#loading.delete(merchantId));
    this.#loading.set(merchantId, p);
    return p;
  }
}

const norm = (s: string) => s.toLowerCase().replace(/[^a-z0-9]+/g, '');

/**
 * The catalogue's SKUs nearest `wanted`, best first: edit distance on the SKUs with case and
 * punctuation removed ("bella-3001-RED" is one step from "bella_3001_red"), at most `n`, none further
 * than half the SKU's length (a list of unrelated SKUs would help nobody).
 */
export function closestSkus(wanted: string, variants: ReadonlyArray<Pick<CatalogVariant, 'sku'>>, n = 3): string[] {
  const w = norm(wanted);
  if (!w) return [];
  return variants
    .map((v) => ({ sku: v.sku, d: distance(w, norm(v.sku)) - (norm(v.sku).includes(w) || w.includes(norm(v.sku)) ? 1 : 0) }))
    .filter((c) => c.d <= Math.max(2, Math.ceil(w.length / 2)))
    .sort((a, b) => a.d - b.d || a.sku.localeCompare(b.sku))
    .slice(0, n)
    .map((c) => c.sku);
}
