/**
 * The signature on the redirect to success_url, so the merchant knows the subscription_id in the URL came from us:
 * hex HMAC-SHA256 with API_TOKEN as the key over `${checkout_session_id}.${subscription_id}`.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export function successSignature(apiToken: string, checkoutSessionId: string, subscriptionId: string): string {
  return createHmac('sha256', apiToken).update(`${checkoutSessionId}.${subscriptionId}`).digest('hex');
}

/** What a merchant runs on its success_url (the README shows the same lines). */
export function verifySuccessRedirect(apiToken: string, url: URL): boolean {
  const session = url.searchParams.get('checkout_session_id') ?? '';
  const subscription = url.searchParams.get('subscription_id') ?? '';
  const signature = Buffer.from(url.searchParams.get('signature') ?? '', 'hex');
  const expected = Buffer.from(successSignature(apiToken, session, subscription), 'hex');
  return signature.length === expected.length && timingSafeEqual(signature, expected);
}

export function successRedirectUrl(
  successUrl: string,
  apiToken: string,
  checkoutSessionId: string,
  subscriptionId: string,
): string {
  const url = new URL(successUrl);
  url.searchParams.set('checkout_session_id', checkoutSessionId);
  url.searchParams.set('subscription_id', subscriptionId);
  url.searchParams.set('signature', successSignature(apiToken, checkoutSessionId, subscriptionId));
  return url.toString();
}
