import type { PaymentSummary, PendingCharge } from './types';

export type Verdict =
  /** money taken for this charge, or (refunded) taken and already given back: see judgePayment */
  | { kind: 'paid' | 'failed' | 'refunded'; payment: PaymentSummary }
  /** still running at iamport (status ready): ask again later */
  | { kind: 'not_final' }
  /** does not belong to the pending charge: forged, stale, another subscription's, or not the schedule's payment */
  | { kind: 'unverified'; reason: string };

/** The only currency plans are billed in. */
export const BILLING_CURRENCY = 'KRW';
/** iamport's customer_uid_usage for a payment its scheduler made from a billing key (the spec's enum). */
export const SCHEDULED_USAGE = 'payment.scheduled';

/**
 * Decides what a payment fetched from iamport means for the charge this workflow registered. Webhooks are unsigned,
 * so only a payment iamport itself reports counts, and only when it is what was charged:
 * - for this merchant_uid and billing key (customer_uid);
 * - paid: the pending amount, in KRW, made by iamport's scheduler (`customer_uid_usage` 'payment.scheduled'), since
 *   every charge is registered as a schedule. Test-mode payments never get here against the real API (they are
 *   looked up without include_sandbox, so iamport does not show them);
 * - failed (a decline): whatever amount iamport echoes;
 * - cancelled: iamport has already refunded it. `refunded`, never `paid`: the cycle does not advance on money that
 *   was given back, and the workflow treats it as not paid (needs_attention).
 * A summary recorded before currency and customer_uid_usage were read (an old history: both keys absent, never
 * null) is judged without those two checks, so recorded histories replay as they ran.
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
    case 'cancelled': {
      if (payment.amount !== pending.amount) {
        return { kind: 'unverified', reason: `amount ${payment.amount} differs from ${pending.amount}` };
      }
      const recordedBeforeOriginChecks = payment.currency === undefined && payment.customer_uid_usage === undefined;
      if (!recordedBeforeOriginChecks) {
        if (payment.currency !== BILLING_CURRENCY) {
          return { kind: 'unverified', reason: `currency ${payment.currency ?? 'missing'} is not ${BILLING_CURRENCY}` };
        }
        if (payment.customer_uid_usage !== SCHEDULED_USAGE) {
          return {
            kind: 'unverified',
            reason: `payment was not made by the schedule (customer_uid_usage ${payment.customer_uid_usage ?? 'null'})`,
          };
        }
      }
      return { kind: payment.status === 'paid' ? 'paid' : 'refunded', payment };
    }
    case 'failed':
      return { kind: 'failed', payment };
    default:
      return { kind: 'not_final' };
  }
}
