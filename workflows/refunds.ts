/**
 * Refunds (README: Korean rules): which payment, how much, and what iamport answered. Pure: the workflow runs the
 * refund activity in between (workflows/subscription.ts), as part of the command that asked for it, so refunds are
 * durable and ordered with the charges and commands of the same subscription.
 *
 * Every refund carries iamport's `checksum`: the amount of the payment that is still refundable as this system
 * believes it. iamport refuses a refund whose checksum differs, so a retried or racing request refunds once.
 */
import { ApplicationFailure } from '@temporalio/common';
import { REJECTION, type OperatorCommand } from './messages';
import { prorate } from './proration';
import type { PaymentRecord, RefundRecord, SubscriptionState } from './types';

/** FTC 2022 corrective orders: unused digital content can be withdrawn within 7 days for a full refund. */
export const WITHDRAWAL_PERIOD_MS = 7 * 86_400_000;

/** What to ask iamport for. */
export interface RefundPlan {
  imp_uid: string;
  merchant_uid: string;
  amount: number;
  /** the refundable amount this system believes in (iamport's checksum guard) */
  checksum: number;
  reason: string;
  kind: RefundRecord['kind'];
  unused_days?: number;
  period_days?: number;
}

/** The refund activity's answer. `refunded_total`: iamport's cancel_amount of the payment afterwards (null: unknown). */
export type RefundResult =
  | { outcome: 'refunded'; refunded_total: number }
  | { outcome: 'refused'; reason: string; refunded_total: number | null };

const conflict = (message: string) =>
  ApplicationFailure.create({ type: REJECTION.conflict, message, nonRetryable: true });
const invalid = (message: string) =>
  ApplicationFailure.create({ type: REJECTION.invalid, message, nonRetryable: true });

const won = (amount: number) => `₩${amount.toLocaleString('en-US')}`;

export function refundableOf(payment: PaymentRecord): number {
  return payment.status === 'paid' ? Math.max(0, payment.amount - (payment.refunded_amount ?? 0)) : 0;
}

function latestPaid(state: Pick<SubscriptionState, 'recent_payments'>): PaymentRecord | undefined {
  return state.recent_payments.find((p) => p.status === 'paid' && p.imp_uid !== null);
}

function planFor(payment: PaymentRecord, amount: number, reason: string, kind: RefundPlan['kind']): RefundPlan {
  return {
    imp_uid: payment.imp_uid!,
    merchant_uid: payment.merchant_uid,
    amount,
    checksum: refundableOf(payment),
    reason,
    kind,
  };
}

/**
 * The refund a command asks for, or undefined when it asks for none (or nothing is left to refund). Throws an
 * InvalidRequest / InvalidState ApplicationFailure with an actionable message when the refund cannot be made.
 */
export function planRefund(
  state: Pick<SubscriptionState, 'recent_payments' | 'cycle' | 'current_period'>,
  command: OperatorCommand,
  atMs: number,
  timeZone: string,
): RefundPlan | undefined {
  if (command.command === 'refund') {
    const args = command.args;
    const payment = args.imp_uid ? state.recent_payments.find((p) => p.imp_uid === args.imp_uid) : latestPaid(state);
    if (!payment) {
      throw conflict(
        args.imp_uid
          ? `${args.imp_uid} is not one of this subscription's last ${state.recent_payments.length} payments`
          : 'this subscription has no paid payment to refund',
      );
    }
    if (payment.status !== 'paid') throw conflict(`${payment.imp_uid} was not paid (status ${payment.status})`);
    const refundable = refundableOf(payment);
    if (refundable === 0) throw conflict(`${payment.imp_uid} is refunded in full already`);
    const amount = args.amount ?? refundable;
    if (amount > refundable) {
      throw conflict(
        `a refund of ${won(amount)} is more than is refundable on ${payment.imp_uid}: ${won(payment.amount)} paid, ` +
          `${won(payment.refunded_amount ?? 0)} refunded, ${won(refundable)} left`,
      );
    }
    return planFor(payment, amount, args.reason, 'requested');
  }
  if (command.command !== 'cancel') return undefined;
  const args = command.args ?? {};
  const refund = args.refund ?? 'none';
  if (!args.withdrawal && refund === 'none') return undefined;
  if (args.at_period_end) {
    throw invalid('a refund comes with an immediate cancel: leave out at_period_end, or the refund');
  }
  if (args.withdrawal && refund === 'prorated') {
    throw invalid('a withdrawal refunds the latest charge in full: leave out refund, or send "full"');
  }
  const payment = latestPaid(state);
  if (!payment) {
    if (args.withdrawal) throw conflict('nothing to withdraw from: this subscription has no paid payment');
    return undefined; // nothing was paid: the cancel refunds nothing
  }
  const reason = args.reason ?? (args.withdrawal ? 'withdrawal (청약철회)' : `cancel with a ${refund} refund`);
  if (args.withdrawal) {
    const paidAtMs = Date.parse(payment.at);
    if (atMs > paidAtMs + WITHDRAWAL_PERIOD_MS) {
      throw conflict(
        `the 7-day withdrawal period of ${payment.imp_uid} (paid ${payment.at}) ended at ` +
          `${new Date(paidAtMs + WITHDRAWAL_PERIOD_MS).toISOString()}: cancel with "refund": "prorated" instead`,
      );
    }
    const refundable = refundableOf(payment);
    return refundable > 0 ? planFor(payment, refundable, reason, 'withdrawal') : undefined;
  }
  if (refund === 'full') {
    const refundable = refundableOf(payment);
    return refundable > 0 ? planFor(payment, refundable, reason, 'full') : undefined;
  }
  // prorated: the payment that paid the current period (the cycle before the one being charged)
  const period = state.current_period;
  if (!period || payment.cycle !== state.cycle - 1) return undefined;
  const proration = prorate({
    paid_amount: payment.amount,
    refunded_amount: payment.refunded_amount ?? 0,
    period_start_ms: Date.parse(period.start),
    period_end_ms: Date.parse(period.end),
    at_ms: atMs,
    time_zone: timeZone,
  });
  if (proration.amount === 0) return undefined;
  return {
    ...planFor(payment, proration.amount, reason, 'prorated'),
    unused_days: proration.unused_days,
    period_days: proration.period_days,
  };
}

/**
 * Records iamport's answer on the payment (an event point: `payment.refunded` when refunded). iamport's
 * cancel_amount, when it sent one, is the truth about what was refunded. Returns the refund record.
 */
export function recordRefund(
  state: SubscriptionState,
  plan: RefundPlan,
  result: RefundResult,
  atMs: number,
): RefundRecord {
  const record: RefundRecord = {
    amount: plan.amount,
    status: result.outcome,
    kind: plan.kind,
    reason: plan.reason,
    at: new Date(atMs).toISOString(),
    ...(result.outcome === 'refused' ? { refused_reason: result.reason } : {}),
    ...(plan.unused_days !== undefined ? { unused_days: plan.unused_days, period_days: plan.period_days } : {}),
  };
  const payment = state.recent_payments.find((p) => p.imp_uid === plan.imp_uid);
  if (payment) {
    const before = payment.refunded_amount ?? 0;
    const after = result.refunded_total ?? (result.outcome === 'refunded' ? before + plan.amount : before);
    payment.refunded_amount = after;
    payment.refunds = [...(payment.refunds ?? []), record];
    state.totals.refunded_amount = (state.totals.refunded_amount ?? 0) + Math.max(0, after - before);
  }
  return record;
}
