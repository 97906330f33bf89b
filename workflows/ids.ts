/**
 * Identifiers. A merchant_uid names its subscription, so the webhook receiver routes a notification to its workflow
 * from the merchant_uid alone. It has one of three forms, tried in this order; the first that fits 40 characters wins:
 *
 *   <subscription_id>_<created_at in base 36>_<cycle>_<attempt>         decimal  sub-42_mfx1k2ab_3_1
 *   <subscription_id>_<created_at in base 36>_<cycle>-<attempt>         compact  sub-42_mfx1k2ab_2n9c-7ps (base 36)
 *   <subscription_id>_-<digest of created_at, cycle and attempt>        digest   sub-42_-1x2k9fj0q3ab
 *
 * The decimal form is the one every existing charge has, so it never changes for numbers that fit. The compact form
 * only appears once the decimal one is too long, the digest form only for numbers too large even for base 36 (a
 * deterministic 53-bit hash: unique in practice, not by construction). The forms cannot collide: only the compact
 * form has a '-' after the creation time, only the digest form starts with '_-'.
 *
 * Deterministic (same on every retry and replay), unique forever (the creation time differs when a subscription id is
 * reused after a cancel; cycle and attempt count up within one subscription), at most 40 characters of [A-Za-z0-9_-]
 * as iamport requires. Building one never throws: an over-long merchant_uid used to fail the workflow.
 */

/** Letters, digits and '-', 1 to 20 characters: leaves room in the 40-character merchant_uid. */
export const SUBSCRIPTION_ID_PATTERN = /^[A-Za-z0-9-]{1,20}$/;
export const SUBSCRIPTION_ID_RULE = '1 to 20 characters, letters, digits and "-" only';
export const MERCHANT_UID_MAX_LENGTH = 40;

const ROUTABLE_MERCHANT_UID = [
  /^([A-Za-z0-9-]{1,20})_[0-9a-z]{1,11}_\d+_\d+$/,
  /^([A-Za-z0-9-]{1,20})_[0-9a-z]{1,11}_[0-9a-z]+-[0-9a-z]+$/,
  /^([A-Za-z0-9-]{1,20})_-[0-9a-z]{1,17}$/,
];

export function workflowIdFor(subscriptionId: string): string {
  return `subscription-${subscriptionId}`;
}

export function merchantUidFor(subscriptionId: string, createdAtMs: number, cycle: number, attempt: number): string {
  const fits = (uid: string) => uid.length <= MERCHANT_UID_MAX_LENGTH;
  if (!SUBSCRIPTION_ID_PATTERN.test(subscriptionId)) {
    // Ids are validated at the API, so this is never reached; still a valid merchant_uid (never routed), no throw.
    return `unroutable-${cyrb53(`${subscriptionId}|${createdAtMs}|${cycle}|${attempt}`).toString(36)}`;
  }
  if ([createdAtMs, cycle, attempt].every(isCountable)) {
    const created = createdAtMs.toString(36);
    const decimal = `${subscriptionId}_${created}_${cycle}_${attempt}`;
    if (fits(decimal)) return decimal;
    const compact = `${subscriptionId}_${created}_${cycle.toString(36)}-${attempt.toString(36)}`;
    if (fits(compact)) return compact;
  }
  const digest = cyrb53(`${createdAtMs}|${cycle}|${attempt}`).toString(36);
  // At most 20 + 2 + 11 characters: always fits.
  return `${subscriptionId}_-${digest}`;
}

/** The subscription a merchant_uid belongs to, or undefined when it is not one of ours. Accepts all three forms. */
export function subscriptionIdFromMerchantUid(merchantUid: string): string | undefined {
  if (typeof merchantUid !== 'string' || merchantUid.length > MERCHANT_UID_MAX_LENGTH) return undefined;
  for (const pattern of ROUTABLE_MERCHANT_UID) {
    const match = pattern.exec(merchantUid);
    if (match) return match[1];
  }
  return undefined;
}

function isCountable(value: number): boolean {
  return Number.isSafeInteger(value) && value >= 0;
}

/** cyrb53 (public domain, bryc): a fast 53-bit string hash, deterministic and free of Node built-ins. */
function cyrb53(text: string, seed = 0): number {
  let h1 = 0xdeadbeef ^ seed;
  let h2 = 0x41c6ce57 ^ seed;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ ch, 2654435761);
    h2 = Math.imul(h2 ^ ch, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}
