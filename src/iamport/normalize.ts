import { z } from 'zod';
import type { Paged, Payment, ScheduleResult } from './types';

/**
 * Answers are checked before anyone reads them: the fields callers branch on must be there with the documented type,
 * or the call fails as `malformed` (never a TypeError deep in a caller, never a guess). Fields nobody branches on stay
 * as iamport sent them. Real responses use 0 for "no timestamp" where the spec says null, and vice versa between
 * deployments; callers see 0 either way. payment_status is null until a schedule runs, whether null or missing.
 */
const unixOrAbsent = z.number().nullish();

const scheduleShape = z.looseObject({
  customer_uid: z.string(),
  merchant_uid: z.string(),
  imp_uid: z.string().nullish(),
  schedule_at: z.number(),
  executed_at: unixOrAbsent,
  revoked_at: unixOrAbsent,
  amount: z.number(),
  schedule_status: z.enum(['scheduled', 'executed', 'revoked']),
  payment_status: z.enum(['paid', 'failed', 'cancelled']).nullish(),
});

const paymentShape = z.looseObject({
  imp_uid: z.string(),
  merchant_uid: z.string(),
  amount: z.number(),
  status: z.enum(['ready', 'paid', 'failed', 'cancelled']),
  currency: z.string().nullish(),
  customer_uid: z.string().nullish(),
  customer_uid_usage: z.string().nullish(),
  paid_at: unixOrAbsent,
  failed_at: unixOrAbsent,
  cancelled_at: unixOrAbsent,
  cancel_amount: z.number().nullish(),
});

/** Says what is wrong, naming fields only (never values: a payload may echo card or buyer data). */
export class ShapeError extends Error {
  override name = 'ShapeError';
}

function check<S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const fields = [...new Set(result.error.issues.map((issue) => issue.path.join('.') || '(root)'))].slice(0, 5);
  throw new ShapeError(`${what} with missing or mistyped ${fields.join(', ')}`);
}

function zeroIfAbsent(value: number | null | undefined): number {
  return typeof value === 'number' ? value : 0;
}

export function normalizePayment(payment: unknown): Payment {
  const checked = check(paymentShape, payment, 'a payment');
  return {
    ...(checked as unknown as Payment),
    paid_at: zeroIfAbsent(checked.paid_at),
    failed_at: zeroIfAbsent(checked.failed_at),
    cancelled_at: zeroIfAbsent(checked.cancelled_at),
    cancel_amount: zeroIfAbsent(checked.cancel_amount),
  };
}

export function normalizeSchedule(schedule: unknown): ScheduleResult {
  const checked = check(scheduleShape, schedule, 'a schedule');
  return {
    ...(checked as unknown as ScheduleResult),
    imp_uid: checked.imp_uid ?? null,
    executed_at: zeroIfAbsent(checked.executed_at),
    revoked_at: zeroIfAbsent(checked.revoked_at),
    payment_status: checked.payment_status ?? null,
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
