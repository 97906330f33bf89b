import type { SandboxCore } from './core';
import type { SandboxFaults } from './faults';
import type { LedgerWebhook } from './ledger';
import type { ScheduleRunner } from './scheduler';

/** What the dashboard shows, newest first; also served as JSON at GET /__sandbox/dashboard. Times are sandbox ms. */
export interface DashboardData {
  now_ms: number;
  frozen: boolean;
  next_scheduled_at_ms: number | null;
  faults: SandboxFaults;
  billing_keys: {
    customer_uid: string;
    card_name: string;
    card_number: string | null;
    pg: string;
    inserted_ms: number;
    updated_ms: number;
    charges: number;
  }[];
  schedules: {
    merchant_uid: string;
    customer_uid: string;
    schedule_at_ms: number;
    amount: number;
    name: string | null;
    schedule_status: string;
    payment_status: string | null;
    imp_uid: string | null;
    executed_at_ms: number | null;
    fail_reason: string | null;
  }[];
  payments: {
    imp_uid: string;
    merchant_uid: string;
    customer_uid: string | null;
    amount: number;
    cancel_amount: number;
    status: string;
    at_ms: number;
    fail_reason: string | null;
    /** which API made it: schedule, again or onetime */
    via: 'schedule' | 'again' | 'onetime';
  }[];
  refunds: { at_ms: number; imp_uid: string; merchant_uid: string; amount: number; reason: string; full: boolean }[];
  webhooks: (Omit<LedgerWebhook, 'body'> & { imp_uid: string; merchant_uid: string; status: string })[];
}

/** Rows beyond this many per table are left out (the ledger endpoint has everything). */
export const DASHBOARD_ROWS = 200;

const ms = (seconds: number) => seconds * 1000;
const newestFirst = <T>(rows: T[], at: (row: T) => number): T[] =>
  rows
    .map((row, index) => ({ row, index }))
    .sort((a, b) => at(b.row) - at(a.row) || b.index - a.index)
    .slice(0, DASHBOARD_ROWS)
    .map(({ row }) => row);

export function dashboardData(core: SandboxCore, runner: ScheduleRunner): DashboardData {
  const { state } = core;
  const scheduledImpUids = new Set([...state.schedules.values()].map((s) => s.result.imp_uid).filter(Boolean));
  return {
    now_ms: core.clock.now(),
    frozen: core.clock.isFrozen(),
    next_scheduled_at_ms: runner.nextScheduledAt() ?? null,
    faults: core.faults.get(),
    billing_keys: newestFirst(
      [...state.customers.values()].map(({ customer, charges }) => ({
        customer_uid: customer.customer_uid,
        card_name: customer.card_name,
        card_number: customer.card_number ?? null,
        pg: `${customer.pg_provider}.${customer.pg_id}`,
        inserted_ms: ms(customer.inserted),
        updated_ms: ms(customer.updated),
        charges,
      })),
      (row) => row.updated_ms,
    ),
    schedules: newestFirst(
      [...state.schedules.values()].map(({ result }) => ({
        merchant_uid: result.merchant_uid,
        customer_uid: result.customer_uid,
        schedule_at_ms: ms(result.schedule_at),
        amount: result.amount,
        name: result.name,
        schedule_status: result.schedule_status,
        payment_status: result.payment_status,
        imp_uid: result.imp_uid,
        executed_at_ms: result.executed_at ? ms(result.executed_at) : null,
        fail_reason: result.fail_reason ?? null,
      })),
      (row) => row.schedule_at_ms,
    ),
    // in the order the payments were made (iamport's times are whole seconds)
    payments: [...state.payments.values()]
      .reverse()
      .slice(0, DASHBOARD_ROWS)
      .map(({ payment }) => ({
        imp_uid: payment.imp_uid,
        merchant_uid: payment.merchant_uid,
        customer_uid: payment.customer_uid ?? null,
        amount: payment.amount,
        cancel_amount: payment.cancel_amount,
        status: payment.status,
        at_ms: ms(payment.paid_at || payment.failed_at || payment.started_at || 0),
        fail_reason: payment.fail_reason ?? null,
        via:
          payment.customer_uid_usage === 'payment'
            ? 'again'
            : scheduledImpUids.has(payment.imp_uid)
              ? 'schedule'
              : 'onetime',
      })),
    refunds: newestFirst(
      state.ledger.refunds.map(({ at_ms, imp_uid, merchant_uid, amount, reason, full }) => ({
        at_ms,
        imp_uid,
        merchant_uid,
        amount,
        reason,
        full,
      })),
      (row) => row.at_ms,
    ),
    webhooks: newestFirst(
      state.ledger.webhooks.map(({ body, ...delivery }) => ({
        ...delivery,
        imp_uid: body.imp_uid,
        merchant_uid: body.merchant_uid,
        status: body.status,
      })),
      (row) => row.at_ms,
    ),
  };
}
