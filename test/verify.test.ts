import { judgePayment } from '../workflows/verify';
import type { PaymentSummary, PendingCharge } from '../workflows/types';

const pending: PendingCharge = {
  merchant_uid: 'sub-1_mfx1k2ab_3_1',
  customer_uid: 'cust-1',
  amount: 8900,
  attempt: 1,
  charge_at: '2026-01-31T01:00:00.000Z',
  registered: true,
  failures: 0,
};
const paid: PaymentSummary = {
  imp_uid: 'imp_1',
  merchant_uid: pending.merchant_uid,
  customer_uid: 'cust-1',
  amount: 8900,
  currency: 'KRW',
  customer_uid_usage: 'payment.scheduled',
  status: 'paid',
  at: '2026-01-31T01:00:02.000Z',
};

describe('judgePayment', () => {
  it('accepts a paid payment the schedule made for this merchant_uid, billing key and amount, in KRW', () => {
    expect(judgePayment(paid, pending)).toEqual({ kind: 'paid', payment: paid });
  });

  it('reports a decline as failed, whatever amount iamport echoes', () => {
    const failed = { ...paid, status: 'failed' as const, fail_reason: '잔액부족', amount: 0 };
    expect(judgePayment(failed, pending)).toEqual({ kind: 'failed', payment: failed });
  });

  it('reports a payment iamport already refunded as refunded, never as paid', () => {
    const refunded = { ...paid, status: 'cancelled' as const };
    expect(judgePayment(refunded, pending)).toEqual({ kind: 'refunded', payment: refunded });
  });

  it.each([
    ['an unknown imp_uid', null, 'iamport knows no such imp_uid'],
    ['another merchant_uid', { ...paid, merchant_uid: 'sub-2_mfx1k2ab_1_1' }, 'merchant_uid sub-2_mfx1k2ab_1_1'],
    ['another billing key', { ...paid, customer_uid: 'cust-2' }, 'another billing key'],
    ['no billing key', { ...paid, customer_uid: null }, 'another billing key'],
    ['a different amount', { ...paid, amount: 100 }, 'amount 100 differs from 8900'],
    ['a refund of a different amount', { ...paid, status: 'cancelled' as const, amount: 1 }, 'amount 1'],
    ['another currency', { ...paid, currency: 'USD' }, 'currency USD is not KRW'],
    ['no currency', { ...paid, currency: null }, 'currency missing'],
    ['a payment made with `again`', { ...paid, customer_uid_usage: 'payment' }, 'customer_uid_usage payment'],
    ['a billing-key issue payment', { ...paid, customer_uid_usage: 'issue' }, 'not made by the schedule'],
    ['a normal (non-billing) payment', { ...paid, customer_uid_usage: null }, 'customer_uid_usage null'],
    ['a refund in another currency', { ...paid, status: 'cancelled' as const, currency: 'USD' }, 'currency USD'],
  ])('rejects %s', (_what, payment, reason) => {
    expect(judgePayment(payment, pending)).toEqual({ kind: 'unverified', reason: expect.stringContaining(reason) });
  });

  it('judges a summary recorded before currency and origin were read (both keys absent) as it did then', () => {
    const { currency: _c, customer_uid_usage: _u, ...legacy } = paid;
    expect(judgePayment(legacy, pending)).toEqual({ kind: 'paid', payment: legacy });
    // One key present means a new summary: both are checked.
    expect(judgePayment({ ...legacy, currency: 'KRW' }, pending)).toMatchObject({ kind: 'unverified' });
  });

  it('waits when iamport has not finished the payment', () => {
    expect(judgePayment({ ...paid, status: 'ready' }, pending)).toEqual({ kind: 'not_final' });
  });
});
