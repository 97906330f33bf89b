import fc from 'fast-check';
import {
  canonicalJson,
  IDEMPOTENCY_KEY_PATTERN,
  keyedUpdateId,
  keyPartOf,
  randomUpdateId,
  requestFingerprint,
  subscriptionIdForKey,
} from '../src/idempotency';
import { SUBSCRIPTION_ID_PATTERN } from '../workflows/ids';

const key = fc.string({ minLength: 1, maxLength: 255, unit: fc.constantFrom(...'!~azAZ09-_.:/'.split('')) });

describe('idempotency ids', () => {
  it('derives a subscription id that fits SUBSCRIPTION_ID_PATTERN, the same for the same key', () => {
    fc.assert(
      fc.property(key, (k) => {
        const id = subscriptionIdForKey(k);
        expect(id).toMatch(SUBSCRIPTION_ID_PATTERN);
        expect(id).toMatch(/^idem-[0-9a-z]{15}$/);
        expect(subscriptionIdForKey(k)).toBe(id);
      }),
    );
    expect(subscriptionIdForKey('a')).not.toBe(subscriptionIdForKey('b'));
  });

  it('keyed update ids: <16 hex of sha256(key)>.<16 hex of the request>, same key half for the same key', () => {
    const a = keyedUpdateId('k-1', requestFingerprint('pause sub-1', {}));
    const b = keyedUpdateId('k-1', requestFingerprint('resume sub-1', {}));
    expect(a).toMatch(/^[0-9a-f]{16}\.[0-9a-f]{16}$/);
    expect(a).toBe(keyedUpdateId('k-1', requestFingerprint('pause sub-1', {})));
    expect(a).not.toBe(b);
    expect(keyPartOf(a)).toBe(keyPartOf(b));
    expect(keyPartOf(keyedUpdateId('k-2', requestFingerprint('pause sub-1', {})))).not.toBe(keyPartOf(a));
    expect(keyPartOf(randomUpdateId())).toBeUndefined();
    expect(randomUpdateId()).not.toBe(randomUpdateId());
  });

  it('fingerprints ignore key order and undefined fields, and keep no value in clear', () => {
    const one = requestFingerprint('POST /subscriptions', { b: 1, a: { y: [1, 2], x: undefined }, card: '4242' });
    const two = requestFingerprint('POST /subscriptions', { card: '4242', a: { y: [1, 2] }, b: 1 });
    expect(one).toBe(two);
    expect(one).toMatch(/^[0-9a-f]{64}$/);
    expect(requestFingerprint('POST /subscriptions', { b: 2 })).not.toBe(
      requestFingerprint('POST /subscriptions', { b: 1 }),
    );
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        expect(JSON.parse(canonicalJson(value))).toEqual(JSON.parse(JSON.stringify(value)));
      }),
    );
  });

  it('accepts 1 to 255 visible ASCII characters as a key', () => {
    expect(IDEMPOTENCY_KEY_PATTERN.test('a')).toBe(true);
    expect(IDEMPOTENCY_KEY_PATTERN.test('x'.repeat(255))).toBe(true);
    expect(IDEMPOTENCY_KEY_PATTERN.test('550e8400-e29b-41d4-a716-446655440000')).toBe(true);
    for (const bad of ['', 'x'.repeat(256), 'a b', 'é', 'a\tb']) expect(IDEMPOTENCY_KEY_PATTERN.test(bad)).toBe(false);
  });
});
