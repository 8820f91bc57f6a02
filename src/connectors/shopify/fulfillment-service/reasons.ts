/**
 * Shopify's rejection reason (FulfillmentOrderRejectionReason) for why we could not take a request:
 * the merchant reads it on the order page. Our code and message travel in the rejection's message.
 */
const REASONS: Record<string, string> = {
  MISSING_SKU: 'INVALID_SKU',
  INVALID_ADDRESS: 'INCORRECT_ADDRESS',
  MISSING_SHIPPING_ADDRESS: 'INCORRECT_ADDRESS',
  ORDERMESH_VALIDATION: 'OTHER',
};

export function rejectionReasonFor(code: string | null): string {
  return (code && REASONS[code]) ?? 'OTHER';
}

/** A rejection message within what Shopify shows well: our code first, then why, cut short. */
export function rejectionMessage(code: string | null, message: string | null): string {
  const text = `${code ?? 'REJECTED'}: ${message ?? 'no reason recorded'}`;
  return text.length > 500 ? `${text.slice(0, 497)}...` : text;
}
