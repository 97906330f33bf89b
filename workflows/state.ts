import { parseInterval, periodStart, type BillingInterval } from './calendar';
import { merchantUidFor } from './ids';
import {
  DEFAULT_DUNNING,
  RECENT_PAYMENTS_KEPT,
  type PaymentRecord,
  type PendingCharge,
  type SubscriptionInput,
  type SubscriptionState,
} from './types';

/** Pure state transitions of a subscription; the workflow adds the waiting and the iamport calls. */

export const iso = (ms: number) => new Date(ms).toISOString();
/** iamport schedules in whole seconds; charge times are kept in whole seconds so they compare equal. */
export const wholeSecond = (ms: number) => Math.ceil(ms / 1000) * 1000;

export function initialState(input: SubscriptionInput, nowMs: number): SubscriptionState {
  const startMs = wholeSecond(input.start_at ? Date.parse(input.start_at) : nowMs);
  const trialEndMs = input.trial_end ? wholeSecond(Date.parse(input.trial_end)) : undefined;
  const anchorMs = trialEndMs ?? startMs;
  const state: SubscriptionState = {
    subscription_id: input.subscription_id,
    status: trialEndMs !== undefined ? 'trialing' : 'active',
    customer_uid: input.customer_uid,
    plan: input.plan,
    buyer: input.buyer,
    dunning: input.dunning ?? DEFAULT_DUNNING,
    cycle: 1,
    anchor_at: iso(anchorMs),
    period_index: 0,
    trial_end: trialEndMs !== undefined ? iso(trialEndMs) : undefined,
    cancel_at_period_end: false,
    last_attempt: 0,
    recent_payments: [],
    totals: {
      paid_amount: 0,
      paid_count: 0,
      failed_count: 0,
      ignored_notifications: 0,
      duplicate_notifications: 0,
      reconciliations: 0,
    },
    waiting_for: 'starting',
  };
  return state;
}

export function intervalOf(state: SubscriptionState): BillingInterval {
  return parseInterval(state.plan.interval, { minExactMs: 1 });
}

export function periodStartMs(state: SubscriptionState, index: number, timeZone: string): number {
  return periodStart(Date.parse(state.anchor_at), intervalOf(state), index, timeZone);
}

/** A new charge for the state's current cycle, with a merchant_uid never used before. */
export function newCharge(
  state: SubscriptionState,
  createdAtMs: number,
  chargeAtMs: number,
  failures: number,
): PendingCharge {
  state.last_attempt += 1;
  return {
    merchant_uid: merchantUidFor(state.subscription_id, createdAtMs, state.cycle, state.last_attempt),
    customer_uid: state.customer_uid,
    amount: state.plan.amount,
    attempt: state.last_attempt,
    charge_at: iso(wholeSecond(chargeAtMs)),
    registered: false,
    failures,
  };
}

/** iamport holds the charge, or may (a registration cut short): it must be revoked before it is dropped or replaced. */
export function mayBeHeldByIamport(pending: PendingCharge): boolean {
  return pending.registered || pending.maybe_registered === true;
}

/** The same charge again under a new merchant_uid (after iamport revoked the old one), with current key and amount. */
export function replacementCharge(state: SubscriptionState, createdAtMs: number, old: PendingCharge): PendingCharge {
  return newCharge(state, createdAtMs, Date.parse(old.charge_at), old.failures);
}

export function recordPayment(state: SubscriptionState, record: PaymentRecord): void {
  state.recent_payments = [record, ...state.recent_payments].slice(0, RECENT_PAYMENTS_KEPT);
  if (record.status === 'failed') {
    state.totals.failed_count += 1;
  } else if (record.status === 'paid') {
    // A payment iamport already shows as refunded (cancelled) pays for nothing.
    state.totals.paid_count += 1;
    state.totals.paid_amount += record.amount;
  }
}

/** After a paid cycle: the next period's charge, due at the period's start (at once when that start is past). */
export function advanceCycle(state: SubscriptionState, createdAtMs: number, timeZone: string): void {
  const paidStart = periodStartMs(state, state.period_index, timeZone);
  const paidEnd = periodStartMs(state, state.period_index + 1, timeZone);
  state.current_period = { start: iso(paidStart), end: iso(paidEnd) };
  state.cycle += 1;
  state.period_index += 1;
  state.last_attempt = 0;
  if (state.status === 'trialing' || state.status === 'past_due') state.status = 'active';
  state.pending_charge = newCharge(state, createdAtMs, paidEnd, 0);
  state.next_charge_at = state.cancel_at_period_end ? undefined : state.pending_charge.charge_at;
}

/** Starts the calendar again at `atMs` with a charge due then (resume, recovery from unpaid, interval change). */
export function reanchor(state: SubscriptionState, atMs: number): void {
  state.anchor_at = iso(wholeSecond(atMs));
  state.period_index = 0;
}
