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
  return given.length === expected.length && timingSafeEqual(given, expected);
}
