import type { CancelReason, EventsSettings, EventsState } from './events';

/**
 * The subscription's vocabulary, shared by the workflow, the activities, the client and the HTTP server. Field names
 * are snake_case like iamport's and like the HTTP API, so one shape travels end to end. Times are ISO-8601 strings
 * (UTC), readable as they are in Temporal UI. No card data ever appears here.
 */

/** The billing status the workflow keeps. */
export type BillingStatus = 'trialing' | 'active' | 'past_due' | 'paused' | 'unpaid' | 'canceled';
/**
 * What callers see: the billing status, or `needs_attention` while the workflow cannot tell what became of a charge
 * (or met an answer it cannot classify) and has stopped charging until the cause goes away or an operator acts.
 */
export type SubscriptionStatus = BillingStatus | 'needs_attention';

export interface Plan {
  /** shown on the card statement; iamport allows 40 characters */
  name: string;
  /** whole KRW, > 0 */
  amount: number;
  /** ISO-8601 duration: P1M, P1Y (calendar) or P7D, PT30S (exact time) */
  interval: string;
}

export interface Buyer {
  name?: string;
  email?: string;
  tel?: string;
}

export type FinalAction = 'cancel' | 'unpaid';

export interface DunningPolicy {
  /** each delay counts from the previous failed attempt */
  retry_delays: string[];
  /** what happens when every retry failed */
  final_action: FinalAction;
}

/** A charge registered (or about to be) with iamport's schedule API. */
export interface PendingCharge {
  merchant_uid: string;
  customer_uid: string;
  amount: number;
  /** 1 = the cycle's first try; retries and re-registrations count up */
  attempt: number;
  /** the time the charge is due */
  charge_at: string;
  /** true once iamport has confirmed the schedule */
  registered: boolean;
  /**
   * A command cut the registration short after iamport may have received it (its answer was lost or still retrying):
   * iamport may hold this merchant_uid, so it is revoked before the charge is replaced or dropped.
   */
  maybe_registered?: boolean;
  /** the schedule_at iamport holds (later than charge_at when the charge was registered late) */
  scheduled_at?: string;
  /** how many dunning retries have failed before this attempt */
  failures: number;
  /** when to look the charge up if no verified result has come (charge time + grace, then the lookup backoff) */
  result_deadline_at?: string;
  /** lookups that found no final result yet */
  lookups?: number;
  /** imp_uids already fetched for this charge: duplicates of a notification cost nothing */
  checked_imp_uids?: string[];
}

export type PaymentOutcome = 'paid' | 'failed' | 'cancelled';

export interface PaymentRecord {
  /** null when iamport refused the charge before creating a payment */
  imp_uid: string | null;
  merchant_uid: string;
  amount: number;
  status: PaymentOutcome;
  /** when iamport paid or failed it */
  at: string;
  cycle: number;
  attempt: number;
  fail_reason?: string;
  /** how the result was learned: the webhook, a lookup after the grace period, or iamport's answer to a revoke */
  via: 'webhook' | 'lookup' | 'registration' | 'revoke';
  /** refunded so far through this system (iamport's cancel_amount as last seen); absent = none */
  refunded_amount?: number;
  /** the refunds of this payment, oldest first (workflows/refunds.ts) */
  refunds?: RefundRecord[];
  /** iamport's receipt, when it gave one */
  receipt_url?: string;
}

/** One refund of a payment, through iamport's /payments/cancel (workflows/refunds.ts). */
export interface RefundRecord {
  amount: number;
  /** `refunded`: iamport refunded it; `refused`: iamport refused it (reason), nothing was refunded */
  status: 'refunded' | 'refused';
  /** why: the merchant's reason, or what the cancel asked for */
  kind: 'requested' | 'prorated' | 'full' | 'withdrawal';
  reason: string;
  /** when the request was accepted */
  at: string;
  refused_reason?: string;
  /** for a prorated refund: unused whole days / days in the period */
  unused_days?: number;
  period_days?: number;
}

export interface Period {
  start: string;
  end: string;
}

export interface SubscriptionTotals {
  paid_amount: number;
  paid_count: number;
  failed_count: number;
  /** notifications that did not verify (forged, stale, other subscription's) */
  ignored_notifications: number;
  /** notifications for a result already handled */
  duplicate_notifications: number;
  /** results learned by looking the schedule up because no webhook came */
  reconciliations: number;
  /** refunded through this system, in KRW (absent: none) */
  refunded_amount?: number;
}

export interface LastError {
  message: string;
  type?: string;
  at: string;
}

/** Why the workflow stopped charging and waits for the cause to go away or for an operator. */
export interface Attention {
  reason: string;
  since: string;
  /** `unexpected`: an iamport answer it cannot classify (clears itself when the call succeeds); `refunded`: the
   * period's payment was refunded at iamport; `unverifiable`: iamport executed the charge but its payment cannot be
   * verified. The last two clear only when an operator acts (retry, cancel, pause, new card). */
  kind: 'unexpected' | 'refunded' | 'unverifiable';
}

/** An applied update, kept across continue-as-new so a retried request (same update id) is not applied twice. */
export interface AppliedUpdate {
  id: string;
  at: string;
}

/**
 * The state the workflow carries across continue-as-new. Internal: callers see SubscriptionView (workflows/view.ts),
 * so a field here can change without breaking a merchant.
 */
export interface SubscriptionState {
  subscription_id: string;
  status: BillingStatus;
  customer_uid: string;
  plan: Plan;
  buyer?: Buyer;
  dunning: DunningPolicy;
  /** 1-based number of the billing cycle being charged or waited for */
  cycle: number;
  /** the calendar anchor and the index of the next charge's period relative to it */
  anchor_at: string;
  period_index: number;
  /** the period paid most recently (the customer's entitlement) */
  current_period?: Period;
  next_charge_at?: string;
  pending_charge?: PendingCharge;
  /** the highest attempt number used in this cycle, so every merchant_uid is new */
  last_attempt: number;
  trial_end?: string;
  cancel_at_period_end: boolean;
  canceled_at?: string;
  paused_at?: string;
  /** newest first, at most RECENT_PAYMENTS_KEPT */
  recent_payments: PaymentRecord[];
  totals: SubscriptionTotals;
  last_error?: LastError;
  /** what the workflow is waiting for right now, in words */
  waiting_for: string;
  /** set while the subscription needs attention */
  attention?: Attention;
  /** the newest updates applied, newest first (at most RECENT_UPDATES_KEPT) */
  recent_updates?: AppliedUpdate[];
  /** a price rise (or a trial's paid conversion) waiting for the customer's consent (workflows/consent.ts) */
  price_change?: PriceChange;
  /** price changes decided (granted, declined, missing, superseded), newest first, at most CONSENTS_KEPT */
  consents?: PriceChange[];
  /** how many price changes were created; numbers change ids */
  price_change_count?: number;
  /** why it was canceled (set with status canceled) */
  cancel_reason?: CancelReason;
  /** merchant events: sequence, outbox and delivery log (workflows/events.ts); only when events are on */
  events?: EventsState;
}

export type OnMissingConsent = 'cancel' | 'keep_price';
export type ConsentChannel = string;

/**
 * A change of the charged amount that needs the customer's consent (E-Commerce Act art. 13(6), Enforcement Decree
 * art. 20-2): a price rise, or a free trial turning into paid billing. Its consent request is "sent" (status
 * `requested`, an event point) CONSENT_WINDOW before the charge at the new amount, never earlier.
 */
export interface PriceChange {
  change_id: string;
  kind: 'price_rise' | 'trial_conversion';
  /** scheduled: the request is not due yet; requested: asked, waiting; then granted / declined / missing / superseded */
  status: 'scheduled' | 'requested' | 'granted' | 'declined' | 'missing' | 'superseded';
  plan_before: Plan;
  /** amount charged before (0 for a trial) */
  amount_before: number;
  plan_after: Plan;
  amount_after: number;
  /** the first charge at the new amount */
  effective_at: string;
  /** when the consent request is due: max(created_at, effective_at - CONSENT_WINDOW) */
  request_at: string;
  created_at: string;
  requested_at?: string;
  /** when the customer consented or declined (as the merchant or the portal reports it) */
  decided_at?: string;
  channel?: ConsentChannel;
  /** what the subscription does without consent by effective_at */
  on_missing_consent: OnMissingConsent;
  /** what happened: the new amount applies; canceled at the end of the paid period; the old price kept */
  outcome?: 'applied' | 'canceled_at_period_end' | 'kept_price' | 'superseded';
  resolved_at?: string;
}

/** How a signup records consent it already has (a trial's paid conversion consented at signup). */
export interface ConsentGrant {
  granted_at: string;
  channel: ConsentChannel;
}

/** Korean consent rules of a subscription (absent in runs started before them: price rises still need consent). */
export interface ConsentSettings {
  /** ISO-8601 duration, at most P30D: how long before the charge at the new amount the consent request goes out */
  window: string;
  on_missing_consent: OnMissingConsent;
  /** the trial's paid conversion, consented at signup; without it a trial ends unless the customer consents */
  trial_conversion?: ConsentGrant;
}

/** What starts a subscription. */
export interface SubscriptionInput {
  subscription_id: string;
  customer_uid: string;
  plan: Plan;
  buyer?: Buyer;
  /** first charge (or trial start); defaults to the start of the workflow */
  start_at?: string;
  trial_end?: string;
  dunning?: DunningPolicy;
  /** ISO-8601 duration; how long after the charge time to wait for the webhook before looking it up */
  payment_result_grace?: string;
  /** IANA zone of the billing calendar, fixed for the subscription's life */
  timezone?: string;
  /** when the subscription was created; part of every merchant_uid so a reused subscription id never collides */
  created_at: string;
  /** which subscription-core code runs this input (workflows/patches.ts); absent in runs of the first version */
  core_version?: number;
  /** the state carried across continue-as-new; absent on the first run */
  state?: SubscriptionState;
  /** continue-as-new past this many history events even when Temporal has not suggested it (default 2 000) */
  history_limit?: number;
  /** webhooks received but not handled when the previous run continued as new */
  notifications?: PaymentNotification[];
  /** consent rules (workflows/consent.ts); set by every signup through SubscriptionClient */
  consent?: ConsentSettings;
  /** merchant events on (EVENTS_URL set when the subscription started); absent = off */
  events?: EventsSettings;
}

export const RECENT_PAYMENTS_KEPT = 12;
export const RECENT_UPDATES_KEPT = 20;
export const DEFAULT_DUNNING: DunningPolicy = { retry_delays: ['P1D', 'P3D', 'P5D', 'P7D'], final_action: 'cancel' };
export const DEFAULT_PAYMENT_RESULT_GRACE = 'PT15M';
export const DEFAULT_TIMEZONE = 'Asia/Seoul';
/** Decree art. 20-2: consent is obtained within the 30 days before the increase; default and maximum window. */
export const MAX_CONSENT_WINDOW = 'P30D';
export const CONSENTS_KEPT = 10;

/** A payment as the verifying activity reports it: only what the workflow needs to decide, no card data. */
export interface PaymentSummary {
  imp_uid: string;
  merchant_uid: string;
  customer_uid: string | null;
  amount: number;
  /**
   * iamport's `currency` (KRW, USD…) and `customer_uid_usage` (null = a normal payment, 'issue', 'payment' = again,
   * 'payment.scheduled' = a schedule), null when iamport sent none. Absent only in summaries recorded before they
   * were checked (old histories); see workflows/verify.ts.
   */
  currency?: string | null;
  customer_uid_usage?: string | null;
  status: 'ready' | 'paid' | 'failed' | 'cancelled';
  /** paid_at / failed_at / cancelled_at, whichever applies */
  at?: string;
  fail_reason?: string;
  /** iamport's receipt_url; absent in summaries recorded before events */
  receipt_url?: string;
}

/** The iamport webhook body, forwarded as a signal. Unverified: only a hint. */
export interface PaymentNotification {
  imp_uid: string;
  merchant_uid: string;
  status: string;
}
