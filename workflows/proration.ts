/**
 * Pro-rata refunds (README: Korean rules). Pure and deterministic: every time comes in as an argument, the time zone
 * is explicit.
 *
 * The rule, in whole local days of the subscription's billing time zone (Asia/Seoul by default):
 * - days in the period = local calendar days from the period's start date to its end date
 *   (a monthly period from Jan 31 10:00 to Feb 29 10:00 has 29 days; Jan 1 → Feb 1 has 31);
 * - the day of the cancellation counts as used; the unused days are the whole days from the next local midnight
 *   after the cancellation to the period's end date (end date − cancellation date − 1, at least 0, at most the days in
 *   the period); a cancellation before the period started leaves every day unused;
 * - refund = floor(paid amount × unused days / days in the period), in whole won, and never more than the payment's
 *   amount not yet refunded.
 * A period shorter than one local day (test intervals) refunds nothing.
 */
import { DateTime } from 'luxon';

export interface ProrationInput {
  /** what the payment of the period charged, in KRW */
  paid_amount: number;
  /** already refunded of that payment */
  refunded_amount: number;
  period_start_ms: number;
  period_end_ms: number;
  /** when the cancellation was accepted */
  at_ms: number;
  time_zone: string;
}

export interface Proration {
  /** the refund, in whole won */
  amount: number;
  unused_days: number;
  period_days: number;
}

const localDay = (ms: number, zone: string) => DateTime.fromMillis(ms, { zone }).startOf('day');
const daysBetween = (from: DateTime, to: DateTime) => Math.round(to.diff(from, 'days').days);

export function prorate(input: ProrationInput): Proration {
  const zone = input.time_zone;
  const start = localDay(input.period_start_ms, zone);
  const end = localDay(input.period_end_ms, zone);
  const periodDays = Math.max(0, daysBetween(start, end));
  if (periodDays === 0) return { amount: 0, unused_days: 0, period_days: 0 };
  const unusedDays =
    input.at_ms < input.period_start_ms
      ? periodDays
      : Math.min(periodDays, Math.max(0, daysBetween(localDay(input.at_ms, zone), end) - 1));
  const refundable = Math.max(0, input.paid_amount - input.refunded_amount);
  const amount = Math.min(refundable, Math.floor((input.paid_amount * unusedDays) / periodDays));
  return { amount, unused_days: unusedDays, period_days: periodDays };
}
