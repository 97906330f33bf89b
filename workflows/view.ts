import type {
  Buyer,
  DunningPolicy,
  LastError,
  PaymentRecord,
  Period,
  Plan,
  PriceChange,
  SubscriptionState,
  SubscriptionStatus,
  SubscriptionTotals,
} from './types';

/** The pending charge as callers see it. */
export interface PendingChargeView {
  merchant_uid: string;
  customer_uid: string;
  amount: number;
  attempt: number;
  charge_at: string;
  /** true once iamport has confirmed the schedule */
  registered: boolean;
  scheduled_at?: string;
  failures: number;
}

/**
 * The subscription as callers see it: the query answer, every update's answer and the HTTP body. Its own type, so the
 * state carried across continue-as-new can change inside without breaking merchants, and the reverse.
 */
export interface SubscriptionView {
  subscription_id: string;
  status: SubscriptionStatus;
  customer_uid: string;
  plan: Plan;
  buyer?: Buyer;
  dunning: DunningPolicy;
  cycle: number;
  /** the billing calendar's anchor: periods start at it plus whole intervals */
  anchor_at: string;
  current_period?: Period;
  next_charge_at?: string;
  pending_charge?: PendingChargeView;
  trial_end?: string;
  cancel_at_period_end: boolean;
  canceled_at?: string;
  paused_at?: string;
  recent_payments: PaymentRecord[];
  totals: SubscriptionTotals;
  last_error?: LastError;
  /** why charging has stopped, while status is needs_attention */
  attention?: { reason: string; since: string };
  waiting_for: string;
  /** a price rise or a trial's paid conversion waiting for the customer's consent (README: Korean rules) */
  price_change?: PriceChange;
  /** price changes decided, newest first */
  consents?: PriceChange[];
}

export function toView(state: SubscriptionState): SubscriptionView {
  const pending = state.pending_charge;
  return {
    subscription_id: state.subscription_id,
    status: state.attention ? 'needs_attention' : state.status,
    customer_uid: state.customer_uid,
    plan: { ...state.plan },
    buyer: state.buyer ? { ...state.buyer } : undefined,
    dunning: { ...state.dunning, retry_delays: [...state.dunning.retry_delays] },
    cycle: state.cycle,
    anchor_at: state.anchor_at,
    current_period: state.current_period ? { ...state.current_period } : undefined,
    next_charge_at: state.next_charge_at,
    pending_charge: pending
      ? {
          merchant_uid: pending.merchant_uid,
          customer_uid: pending.customer_uid,
          amount: pending.amount,
          attempt: pending.attempt,
          charge_at: pending.charge_at,
          registered: pending.registered,
          scheduled_at: pending.scheduled_at,
          failures: pending.failures,
        }
      : undefined,
    trial_end: state.trial_end,
    cancel_at_period_end: state.cancel_at_period_end,
    canceled_at: state.canceled_at,
    paused_at: state.paused_at,
    recent_payments: state.recent_payments.map((p) => ({
      ...p,
      ...(p.refunds ? { refunds: p.refunds.map((r) => ({ ...r })) } : {}),
    })),
    totals: { ...state.totals },
    last_error: state.last_error ? { ...state.last_error } : undefined,
    attention: state.attention ? { reason: state.attention.reason, since: state.attention.since } : undefined,
    waiting_for: state.waiting_for,
    ...(state.price_change ? { price_change: copyChange(state.price_change) } : {}),
    ...(state.consents?.length ? { consents: state.consents.map(copyChange) } : {}),
  };
}

function copyChange(change: PriceChange): PriceChange {
  return { ...change, plan_before: { ...change.plan_before }, plan_after: { ...change.plan_after } };
}
