/**
 * iamport's identifier forms, to check an id before it goes into a URL. An id that fails is not one iamport issued
 * (imp_uid) or one this service would send (merchant_uid): look-ups treat it as unknown instead of sending it.
 */

/** `imp_` and up to 28 letters or digits (iamport: at most 32 characters; issued ids are `imp_` + 12 digits). */
export const IMP_UID_PATTERN = /^imp_[A-Za-z0-9]{1,28}$/;
/** 1 to 40 characters of [A-Za-z0-9_-]: every merchant_uid this service creates (workflows/ids.ts). */
export const MERCHANT_UID_PATTERN = /^[A-Za-z0-9_-]{1,40}$/;

export function isUsableImpUid(value: unknown): value is string {
  return typeof value === 'string' && IMP_UID_PATTERN.test(value);
}

export function isUsableMerchantUid(value: unknown): value is string {
  return typeof value === 'string' && MERCHANT_UID_PATTERN.test(value);
}
