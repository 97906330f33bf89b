import fc from 'fast-check';
import {
  MERCHANT_UID_MAX_LENGTH,
  merchantUidFor,
  SUBSCRIPTION_ID_PATTERN,
  subscriptionIdFromMerchantUid,
  workflowIdFor,
} from '../workflows/ids';

describe('merchant_uid', () => {
  const created = Date.parse('2026-11-21T06:00:00.000Z');

  it('names the subscription, its creation, the cycle and the attempt', () => {
    expect(merchantUidFor('sub-42', created, 3, 1)).toBe(`sub-42_${created.toString(36)}_3_1`);
    expect(workflowIdFor('sub-42')).toBe('subscription-sub-42');
  });

  it('differs when a subscription id is reused later, and per cycle and attempt', () => {
    const uids = new Set([
      merchantUidFor('a', created, 1, 1),
      merchantUidFor('a', created + 1, 1, 1),
      merchantUidFor('a', created, 2, 1),
      merchantUidFor('a', created, 1, 2),
      merchantUidFor('a', created, 11, 1),
    ]);
    expect(uids.size).toBe(5);
    expect(merchantUidFor('a', created, 1, 11)).not.toBe(merchantUidFor('a', created, 11, 1));
  });

  it('always fits iamport: at most 40 characters of [A-Za-z0-9_-], and routes back to its subscription', () => {
    const subscriptionId = fc.stringMatching(/^[A-Za-z0-9-]{1,20}$/);
    fc.assert(
      fc.property(
        subscriptionId,
        fc.integer({ min: 0, max: Date.parse('2059-01-01') }),
        fc.integer({ min: 1, max: 999_999 }),
        fc.integer({ min: 1, max: 999 }),
        (id, createdAt, cycle, attempt) => {
          const uid = merchantUidFor(id, createdAt, cycle, attempt);
          expect(uid.length).toBeLessThanOrEqual(MERCHANT_UID_MAX_LENGTH);
          expect(uid).toMatch(/^[A-Za-z0-9_-]+$/);
          expect(subscriptionIdFromMerchantUid(uid)).toBe(id);
        },
      ),
    );
  });

  it('refuses to build one longer than 40 characters', () => {
    expect(() => merchantUidFor('a'.repeat(20), created, 10_000_000, 1000)).toThrow('longer than 40');
  });

  it.each(['order_monthly_0001', 'sub 1_x_1_1', '', 'a'.repeat(21) + '_x_1_1', 'sub_x_1'])(
    'does not route %j',
    (uid) => {
      expect(subscriptionIdFromMerchantUid(uid)).toBeUndefined();
    },
  );

  it('subscription ids: letters, digits and dashes, 1 to 20', () => {
    expect(SUBSCRIPTION_ID_PATTERN.test('Sub-2026-0001')).toBe(true);
    for (const bad of ['', 'has_underscore', 'has space', 'a'.repeat(21), '한글']) {
      expect(SUBSCRIPTION_ID_PATTERN.test(bad)).toBe(false);
    }
  });
});
