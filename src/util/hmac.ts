import { createHmac, timingSafeEqual } from 'node:crypto';

/** Base64 HMAC-SHA256 of a raw body: how Shopify signs webhooks (X-Shopify-Hmac-Sha256) and, by our assumption, OrderMesh. */
export function hmacBase64(secret: string, raw: string | Buffer): string {
  return createHmac('sha256', secret).update(raw).digest('base64');
}

/** Constant-time check of a base64 HMAC header against the raw body. */
export function verifyHmacBase64(secret: string, raw: string | Buffer, header: string | undefined): boolean {
  if (!header) return false;
  const expected = Buffer.from(hmacBase64(secret, raw), 'base64');
  const given = Buffer.from(header, 'base64');
  // Node's base64 decoder skips what it does not understand: only a header that is exactly the
  // canonical encoding of its bytes counts (no trailing junk, no stray characters).
  if (given.toString('base64') !== header) return false;
  return given.length === expected.length && timingSafeEqual(given, expected);
}
