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
  status: 'paid',
  at: '2026-01-31T01:00:02.000Z',
};

describe('judgePayment', () => {
  it('accepts a paid payment for this merchant_uid, billing key and amount', () => {
    expect(judgePayment(paid, pending)).toEqual({ kind: 'paid', payment: paid });
  });

  it('reports a decline as failed, whatever amount iamport echoes', () => {
    const failed = { ...paid, status: 'failed' as const, fail_reason: '잔액부족' };
    expect(judgePayment(failed, pending)).toEqual({ kind: 'failed', payment: failed });
  });

  it.each([
    ['an unknown imp_uid', null, 'iamport knows no such imp_uid'],
    ['another merchant_uid', { ...paid, merchant_uid: 'sub-2_mfx1k2ab_1_1' }, 'merchant_uid sub-2_mfx1k2ab_1_1'],
    ['another billing key', { ...paid, customer_uid: 'cust-2' }, 'another billing key'],
    ['no billing key', { ...paid, customer_uid: null }, 'another billing key'],
    ['a different amount', { ...paid, amount: 100 }, 'amount 100 differs from 8900'],
    ['a refund of a different amount', { ...paid, status: 'cancelled' as const, amount: 1 }, 'amount 1'],
  ])('rejects %s', (_what, payment, reason) => {
    expect(judgePayment(payment, pending)).toEqual({ kind: 'unverified', reason: expect.stringContaining(reason) });
  });

  it('waits when iamport has not finished the payment', () => {
    expect(judgePayment({ ...paid, status: 'ready' }, pending)).toEqual({ kind: 'not_final' });
  });
});
