import { hmacBase64 } from '../util/hmac.ts';

export interface WebhookDelivery {
  url: string;
  /** A value to send as JSON, or the exact JSON text (for bodies JSON.stringify cannot write, like integers above 2^53). */
  body: unknown;
  /** With `signatureHeader`: the body's base64 HMAC-SHA256 under this key goes in that header. Neither: unsigned. */
  secret?: string;
  signatureHeader?: string;
  headers?: Record<string, string>;
}

/**
 * POSTs a webhook (signed when given a secret), retrying a few times like real platforms do. Deliveries run in the background
 * and are counted, so a test can wait until every webhook has been delivered.
 */
export class WebhookSender {
  delivered = 0;
  failed = 0;
  #pending = new Set<Promise<void>>();

  send(d: WebhookDelivery): void {
    const raw = typeof d.body === 'string' ? d.body : JSON.stringify(d.body);
    const signed = d.secret !== undefined && d.signatureHeader ? { [d.signatureHeader]: hmacBase64(d.secret, raw) } : {};
    const headers = { 'content-type': 'application/json', ...signed, ...d.headers };
    const p = (async () => {
      for (let attempt = 1; attempt <= 3; attempt++) {
        try {
          const res = await fetch(d.url, { method: 'POST', headers, body: raw, signal: AbortSignal.timeout(10_000) });
          if (res.ok) {
            this.delivered++;
            return;
          }
        } catch {
          // receiver down: retry below
        }
        await new Promise((r) => setTimeout(r, 200 * attempt));
      }
      this.failed++;
    })();
    this.#pending.add(p);
    void p.finally(() => this.#pending.delete(p));
  }

  async drain(): Promise<void> {
    while (this.#pending.size > 0) await Promise.all([...this.#pending]);
  }
}
