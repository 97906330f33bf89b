/**
 * Identifiers. A merchant_uid names its subscription, so the webhook receiver routes a notification to its workflow
 * from the merchant_uid alone:
 *
 *   <subscription_id>_<created_at in base 36>_<cycle>_<attempt>      e.g. sub-42_mfx1k2ab_3_1
 *
 * Deterministic (same on every retry and replay), unique forever (the creation time differs when a subscription id is
 * reused after a cancel; cycle and attempt count up within one subscription), at most 40 characters of [A-Za-z0-9_-]
 * as iamport requires.
 */

/** Letters, digits and '-', 1 to 20 characters: leaves room in the 40-character merchant_uid. */
export const SUBSCRIPTION_ID_PATTERN = /^[A-Za-z0-9-]{1,20}$/;
export const SUBSCRIPTION_ID_RULE = '1 to 20 characters, letters, digits and "-" only';
export const MERCHANT_UID_MAX_LENGTH = 40;

export function workflowIdFor(subscriptionId: string): string {
  return `subscription-${subscriptionId}`;
}

export function merchantUidFor(subscriptionId: string, createdAtMs: number, cycle: number, attempt: number): string {
  const uid = `${subscriptionId}_${createdAtMs.toString(36)}_${cycle}_${attempt}`;
  if (uid.length > MERCHANT_UID_MAX_LENGTH) {
    throw new Error(`merchant_uid ${uid} is longer than ${MERCHANT_UID_MAX_LENGTH} characters`);
  }
  return uid;
}

/** The subscription a merchant_uid belongs to, or undefined when it is not one of ours. */
export function subscriptionIdFromMerchantUid(merchantUid: string): string | undefined {
  const match = /^([A-Za-z0-9-]{1,20})_[0-9a-z]{1,10}_\d{1,7}_\d{1,4}$/.exec(merchantUid);
  return match?.[1];
}
