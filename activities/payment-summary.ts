import type { Payment, ScheduleResult } from '../src/iamport';
import type { PaymentSummary } from '../workflows/types';

const isoFromUnix = (seconds: number | undefined | null) =>
  seconds ? new Date(seconds * 1000).toISOString() : undefined;

/** Only what the workflow needs to decide; iamport's masked card and buyer fields stay out of Temporal. */
export function toPaymentSummary(payment: Payment): PaymentSummary {
  const at =
    payment.status === 'paid'
      ? payment.paid_at
      : payment.status === 'failed'
        ? payment.failed_at
        : payment.status === 'cancelled'
          ? payment.cancelled_at
          : undefined;
  return {
    imp_uid: payment.imp_uid,
    merchant_uid: payment.merchant_uid,
    customer_uid: payment.customer_uid ?? null,
    amount: payment.amount,
    // null, never undefined: an absent key marks a summary recorded before these were checked (workflows/verify.ts)
    currency: payment.currency ?? null,
    customer_uid_usage: payment.customer_uid_usage ?? null,
    status: payment.status,
    at: isoFromUnix(at),
    fail_reason: payment.fail_reason ?? undefined,
    receipt_url: payment.receipt_url ?? undefined,
  };
}

export function scheduleMatches(schedule: ScheduleResult, customerUid: string, amount: number): boolean {
  return schedule.customer_uid === customerUid && schedule.amount === amount;
}
