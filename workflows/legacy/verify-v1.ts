import type { PaymentSummary, PendingCharge } from './types-v1';

export type Verdict =
  | { kind: 'paid' | 'failed' | 'cancelled'; payment: PaymentSummary }
  /** still running at iamport (status ready): ask again later */
  | { kind: 'not_final' }
  /** does not belong to the pending charge: forged, stale, or another subscription's */
  | { kind: 'unverified'; reason: string };

/**
 * Decides what a payment fetched from iamport means for the charge this workflow registered. Webhooks are unsigned,
 * so only a payment iamport itself reports, for this merchant_uid, billing key and amount, counts.
 */
export function judgePayment(payment: PaymentSummary | null, pending: PendingCharge): Verdict {
  if (!payment) return { kind: 'unverified', reason: 'iamport knows no such imp_uid' };
  if (payment.merchant_uid !== pending.merchant_uid) {
    return { kind: 'unverified', reason: `payment is for merchant_uid ${payment.merchant_uid}` };
  }
  if (payment.customer_uid !== pending.customer_uid) {
    return { kind: 'unverified', reason: 'payment was made with another billing key' };
  }
  switch (payment.status) {
    case 'paid':
    case 'cancelled':
      if (payment.amount !== pending.amount) {
        return { kind: 'unverified', reason: `amount ${payment.amount} differs from ${pending.amount}` };
      }
      return { kind: payment.status, payment };
    case 'failed':
      return { kind: 'failed', payment };
    default:
      return { kind: 'not_final' };
  }
}
