import type { Paged, Payment, ScheduleResult } from './types';

/**
 * Real responses use 0 for "no timestamp" where the spec says null, and vice versa between deployments; callers
 * see 0 either way. payment_status is null until a schedule runs, whether the field is null or missing.
 */
function zeroIfAbsent(value: number | null | undefined): number {
  return typeof value === 'number' ? value : 0;
}

export function normalizePayment(payment: Payment): Payment {
  return {
    ...payment,
    paid_at: zeroIfAbsent(payment.paid_at),
    failed_at: zeroIfAbsent(payment.failed_at),
    cancelled_at: zeroIfAbsent(payment.cancelled_at),
    cancel_amount: zeroIfAbsent(payment.cancel_amount),
  };
}

export function normalizeSchedule(schedule: ScheduleResult): ScheduleResult {
  return {
    ...schedule,
    imp_uid: schedule.imp_uid ?? null,
    executed_at: zeroIfAbsent(schedule.executed_at),
    revoked_at: zeroIfAbsent(schedule.revoked_at),
    payment_status: schedule.payment_status ?? null,
  };
}

/**
 * The spec declares a plain array; official clients parse `{total, previous, next, list}`. Accept both; anything
 * else is undefined (never an empty page, which would read as "no schedules").
 */
export function toPage<T>(response: Paged<T> | T[]): Paged<T> | undefined {
  if (Array.isArray(response)) return { total: response.length, previous: 0, next: 0, list: response };
  if (typeof response !== 'object' || response === null || !Array.isArray(response.list)) return undefined;
  return {
    total: zeroIfAbsent(response.total),
    previous: zeroIfAbsent(response.previous),
    next: zeroIfAbsent(response.next),
    list: response.list,
  };
}
