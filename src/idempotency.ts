/**
 * Idempotency keys, kept in Temporal itself so every server replica sees them and nothing else must be stored:
 * - a command's Temporal update id is derived from the key and the request, so a retried request attaches to the
 *   same update (Temporal deduplicates update ids within a workflow run) and a reused key with another request can be
 *   told apart by the id's first half;
 * - a signup's key names the subscription (when the request names none) and its fingerprint is kept in the
 *   workflow's memo, so a retry finds the workflow it started and answers as the first time did.
 * Only hashes leave this module: a key or a body (which may hold a card) is never stored in clear.
 */
import { createHash, randomUUID } from 'node:crypto';

/** `Idempotency-Key`: 1 to 255 visible ASCII characters (no spaces), as Stripe and the IETF draft allow. */
export const IDEMPOTENCY_KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;
export const IDEMPOTENCY_KEY_RULE = '1 to 255 visible ASCII characters (no spaces)';

/** Hex digits of each half of a keyed update id: 64 bits each. */
const SHORT = 16;

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** JSON with object keys sorted at every level and undefined fields dropped: equal requests, equal text. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map((item) => (item === undefined ? null : sortKeys(item)));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>)
        .filter(([, item]) => item !== undefined)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([key, item]) => [key, sortKeys(item)]),
    );
  }
  return value;
}

/**
 * sha256 (hex) of the request: what it does (e.g. `POST /subscriptions/:id/pause`, with the subscription id) and its
 * canonical body, card included. Two requests with the same fingerprint are the same request.
 */
export function requestFingerprint(operation: string, body: unknown): string {
  return sha256Hex(canonicalJson({ operation, body }));
}

/** sha256 (hex) of an idempotency key: what is stored (memo, update id) instead of the key. */
export function keyHash(key: string): string {
  return sha256Hex(key);
}

/**
 * The Temporal update id of a request with an Idempotency-Key: `<16 hex of sha256(key)>.<16 hex of the request
 * fingerprint>`, e.g. `2c26b46b68ffc68f.9f86d081884c7d65`. Same key and request: same id; same key and another
 * request: same first half.
 */
export function keyedUpdateId(key: string, fingerprint: string): string {
  return `${keyHash(key).slice(0, SHORT)}.${fingerprint.slice(0, SHORT)}`;
}

/** The key half of a keyed update id, or undefined for a random one. */
export function keyPartOf(updateId: string): string | undefined {
  const match = /^([0-9a-f]{16})\.[0-9a-f]{16}$/.exec(updateId);
  return match?.[1];
}

/** The update id of a request without a key: `req-<uuid>`, one per HTTP request, reused by its own retries. */
export function randomUpdateId(): string {
  return `req-${randomUUID()}`;
}

/**
 * The subscription id a signup with this key gets when the request names none: `idem-` and 15 base-36 digits of
 * sha256(key) (77 bits), 20 characters, within SUBSCRIPTION_ID_PATTERN. A retry thus finds the same workflow.
 */
export function subscriptionIdForKey(key: string): string {
  const digits = BigInt(`0x${keyHash(key)}`)
    .toString(36)
    .padStart(15, '0');
  return `idem-${digits.slice(0, 15)}`;
}

/** Memo keys of a workflow started by a signup that carried an Idempotency-Key. */
export const MEMO = {
  /** sha256 (hex) of the Idempotency-Key */
  keyHash: 'idempotency_key_sha256',
  /** requestFingerprint('POST /subscriptions', body): sha256 (hex) of the canonical signup body, card included */
  requestHash: 'signup_request_sha256',
  /** the 201 body the first request got: subscription_id, customer_uid, status, next_charge_at */
  answer: 'signup_answer',
} as const;
