export interface ThrottleStatus {
  maximumAvailable: number;
  currentlyAvailable: number;
  restoreRate: number;
}

export interface QueryCost {
  requestedQueryCost: number;
  actualQueryCost: number | null;
  throttleStatus: ThrottleStatus;
}

/**
 * The client's view of one store's leaky bucket, as Shopify last reported it (never a hard-coded plan
 * limit): how long to wait before a query that reserves `cost` points, so we are not THROTTLED.
 */
export class CostBucket {
  #status: ThrottleStatus | undefined;
  #at = 0;
  readonly #now: () => number;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  update(status: ThrottleStatus): void {
    this.#status = { ...status };
    this.#at = this.#now();
  }

  /** The bucket as Shopify last reported it (undefined before the first answer). */
  status(): Readonly<ThrottleStatus> | undefined {
    return this.#status;
  }

  available(): number | undefined {
    const s = this.#status;
    if (!s) return undefined;
    return Math.min(s.maximumAvailable, s.currentlyAvailable + ((this.#now() - this.#at) / 1000) * s.restoreRate);
  }

  /** Milliseconds until `cost` points are available (0 when they are, or when nothing is known yet). */
  waitMs(cost: number): number {
    const s = this.#status;
    const available = this.available();
    if (!s || available === undefined || available >= cost) return 0;
    return Math.ceil(((Math.min(cost, s.maximumAvailable) - available) / s.restoreRate) * 1000);
  }

  /** Books `cost` points locally, so concurrent queries of this process queue behind each other. */
  reserve(cost: number): void {
    const available = this.available();
    if (available === undefined || !this.#status) return;
    this.#status.currentlyAvailable = available - cost;
    this.#at = this.#now();
  }
}
