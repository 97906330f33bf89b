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

  it('never throws: past 40 characters it switches to a compact, then a digest form that still routes', () => {
    const longest = 'a'.repeat(20);
    const decimal = merchantUidFor(longest, created, 1, 1);
    const compact = merchantUidFor(longest, created, 10_000_000, 1000);
    const digest = merchantUidFor(longest, created, Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);
    expect(decimal).toBe(`${longest}_${created.toString(36)}_1_1`);
    expect(compact).toBe(`${longest}_${created.toString(36)}_${(10_000_000).toString(36)}-${(1000).toString(36)}`);
    expect(digest).toMatch(new RegExp(`^${longest}_-[0-9a-z]+$`));
    for (const uid of [decimal, compact, digest]) {
      expect(uid.length).toBeLessThanOrEqual(MERCHANT_UID_MAX_LENGTH);
      expect(subscriptionIdFromMerchantUid(uid)).toBe(longest);
    }
    // Numbers no counter produces still give a valid merchant_uid instead of an exception.
    for (const odd of [-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(merchantUidFor('sub-1', created, odd, odd)).toMatch(/^[A-Za-z0-9_-]{1,40}$/);
    }
    expect(subscriptionIdFromMerchantUid(merchantUidFor('not valid!', created, 1, 1))).toBeUndefined();
    expect(merchantUidFor('not valid!', created, 1, 1)).toMatch(/^[A-Za-z0-9_-]{1,40}$/);
  });

  it('fits, stays unique across (cycle, attempt) and routes back for counters of any size', () => {
    const counter = fc.oneof(
      fc.integer({ min: 1, max: 10_000 }),
      fc.integer({ min: 1, max: 1_000_000_000 }),
      fc.maxSafeNat(),
    );
    fc.assert(
      fc.property(
        fc.stringMatching(/^[A-Za-z0-9-]{1,20}$/),
        fc.integer({ min: 0, max: Date.parse('2100-01-01') }),
        fc.uniqueArray(fc.tuple(counter, counter), {
          minLength: 2,
          maxLength: 30,
          selector: ([cycle, attempt]) => `${cycle}/${attempt}`,
        }),
        (id, createdAt, pairs) => {
          const uids = pairs.map(([cycle, attempt]) => merchantUidFor(id, createdAt, cycle, attempt));
          for (const uid of uids) {
            expect(uid.length).toBeLessThanOrEqual(MERCHANT_UID_MAX_LENGTH);
            expect(uid).toMatch(/^[A-Za-z0-9_-]+$/);
            expect(uid.startsWith(`${id}_`)).toBe(true);
            expect(subscriptionIdFromMerchantUid(uid)).toBe(id);
          }
          expect(new Set(uids).size).toBe(uids.length);
        },
      ),
    );
  });

  it('routes attempt and cycle numbers past the old router pattern (4 and 7 digits)', () => {
    expect(subscriptionIdFromMerchantUid(merchantUidFor('sub-1', created, 12_345_678, 10_000))).toBe('sub-1');
    expect(subscriptionIdFromMerchantUid('sub-1_mfx1k2ab_3_123456')).toBe('sub-1');
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
