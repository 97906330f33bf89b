import { durationToMs } from './calendar';
import { iso } from './state';
import type { Period, Plan, PriceChange, SubscriptionInput, SubscriptionState } from './types';
import { toView, type SubscriptionView } from './view';

/**
 * Merchant events (issue 11): what happened to a subscription, as the merchant's endpoint receives it. Pure: the
 * workflow calls `observe` after each transition of the model, and the events are derived from what changed, so no
 * transition has to remember to emit one. Every event gets its per-subscription `sequence` and an id made of the
 * subscription, its creation time and that sequence: the sequence is part of the workflow state (carried across
 * continue-as-new), so a replay, a retried activity or a worker crash can never mint a second id for one event.
 */

export const EVENT_TYPES = [
  'subscription.created',
  'subscription.trial_will_end',
  'subscription.renewal_upcoming',
  'payment.succeeded',
  'payment.failed',
  'subscription.past_due',
  'subscription.unpaid',
  'subscription.paused',
  'subscription.resumed',
  'subscription.plan_changed',
  'subscription.payment_method_changed',
  'subscription.canceled',
  'subscription.needs_attention',
  'payment.refunded',
  'consent.requested',
  'consent.granted',
  'consent.declined',
  'consent.missing',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

export type CancelReason = 'requested' | 'period_end' | 'dunning_exhausted';

/** `data` of every event: who, the public view at that moment, and the event's own fields. No card data. */
export interface EventData {
  subscription_id: string;
  customer_uid: string;
  /** per-subscription, 1, 2, 3…: the order the merchant should apply them in */
  sequence: number;
  subscription: SubscriptionView;
  [field: string]: unknown;
}

export interface MerchantEvent {
  /** the webhook-id: deterministic, the same on every delivery of this event */
  id: string;
  type: EventType;
  /** when it happened (workflow time), ISO-8601 */
  timestamp: string;
  data: EventData;
}

/** The body POSTed to the merchant (Standard Webhooks' recommended shape). */
export function eventBody(event: MerchantEvent): { type: EventType; timestamp: string; data: EventData } {
  return { type: event.type, timestamp: event.timestamp, data: event.data };
}

export type DeliveryStatus = 'pending' | 'delivered' | 'failed';

/** One event and what became of its deliveries. */
export interface Delivery {
  event: MerchantEvent;
  status: DeliveryStatus;
  /** HTTP attempts made (a check that found the endpoint disabled is not one) */
  attempts: number;
  /** when the next attempt is due (pending only) */
  next_attempt_at?: string;
  last_attempt_at?: string;
  /** e.g. "HTTP 200", "HTTP 503 (Retry-After 120 s)", "connect ECONNREFUSED" */
  last_answer?: string;
  delivered_at?: string;
}

/** What one delivery attempt learned (the deliverEvent activity's answer). */
export type DeliveryAnswer =
  | { outcome: 'delivered'; status: number }
  /** not 2xx, or no answer: retried on the schedule; retry_after_ms from a 429/503 Retry-After */
  | { outcome: 'failed'; answer: string; status?: number; retry_after_ms?: number }
  /** 410 Gone, now or earlier: the endpoint is disabled until an operator enables it again; nothing was sent */
  | { outcome: 'disabled'; answer: string };

/** The Standard Webhooks schedule: the delay before attempt n+1 after attempt n failed (attempt 1 is immediate). */
export const RETRY_SCHEDULE_MS = [
  5_000,
  5 * 60_000,
  30 * 60_000,
  2 * 3600_000,
  5 * 3600_000,
  10 * 3600_000,
  14 * 3600_000,
  20 * 3600_000,
  24 * 3600_000,
];
export const MAX_ATTEMPTS = RETRY_SCHEDULE_MS.length + 1;
/** While the endpoint is disabled (410), a pending event checks again this often (one activity, no HTTP request). */
export const DISABLED_RECHECK_MS = 24 * 3600_000;
/** A Retry-After longer than this is read as this. */
export const MAX_RETRY_AFTER_MS = 24 * 3600_000;
/** Pending events kept at most; past it the oldest is given up (failed, visible in the log). */
export const MAX_PENDING = 100;
/** Delivered and failed events kept (with their body, so they can be redelivered): each carries a view, and the log
 * is carried across continue-as-new, so it is kept short. */
export const LOG_KEPT = 12;
export const DEFAULT_RENEWAL_NOTICE_BEFORE = 'P7D';

/** The events part of the state carried across continue-as-new. */
export interface EventsState {
  /** the last sequence used */
  sequence: number;
  /** pending deliveries, oldest first; the head is delivered first */
  outbox: Delivery[];
  /** delivered and failed, newest first, at most LOG_KEPT */
  log: Delivery[];
  /** the key of the last renewal or trial notice emitted, so each is sent once */
  noticed?: string;
}

/** Events settings in the workflow input; absent = events off (and every history recorded without them replays). */
export interface EventsSettings {
  /** ISO-8601 duration, default P7D */
  renewal_notice_before?: string;
}

/** What the workflow saw after the previous transition. */
interface Observed {
  status: SubscriptionView['status'];
  customer_uid: string;
  plan: Plan;
  /** key of the newest payment record */
  newest_payment?: string;
  /** refund records seen per imp_uid */
  refunds: Map<string, number>;
  /** `change_id:status` of every price change the state shows */
  consents: Set<string>;
}

function observe(state: SubscriptionState): Observed {
  const view = toView(state);
  const newest = state.recent_payments[0];
  return {
    status: view.status,
    customer_uid: state.customer_uid,
    plan: { ...state.plan },
    newest_payment: newest ? paymentKey(newest) : undefined,
    refunds: new Map(state.recent_payments.flatMap((p) => (p.imp_uid ? [[p.imp_uid, p.refunds?.length ?? 0]] : []))),
    consents: new Set(priceChanges(state).flatMap(consentKeys)),
  };
}

const priceChanges = (state: SubscriptionState): PriceChange[] => [
  ...(state.price_change ? [state.price_change] : []),
  ...(state.consents ?? []),
];
/** The consent events a change has had: its request (once sent) and its current status. */
const consentKeys = (change: PriceChange) => [
  ...new Set([
    ...(change.requested_at ? [`${change.change_id}:requested`] : []),
    `${change.change_id}:${change.status}`,
  ]),
];

/** What the merchant must show the customer about a price change (Enforcement Decree art. 20-2), and its state. */
function consentFields(change: PriceChange, state: SubscriptionState): Record<string, unknown> {
  return {
    change_id: change.change_id,
    kind: change.kind,
    plan_before: change.plan_before,
    amount_before: change.amount_before,
    plan_after: change.plan_after,
    amount_after: change.amount_after,
    effective_at: change.effective_at,
    payment_method: { customer_uid: state.customer_uid },
    on_missing_consent: change.on_missing_consent,
    requested_at: change.requested_at ?? null,
    decided_at: change.decided_at ?? null,
    channel: change.channel ?? null,
    outcome: change.outcome ?? null,
  };
}

const CONSENT_EVENTS: Partial<Record<PriceChange['status'], EventType>> = {
  requested: 'consent.requested',
  granted: 'consent.granted',
  declined: 'consent.declined',
  missing: 'consent.missing',
};

const paymentKey = (p: SubscriptionState['recent_payments'][number]) => `${p.merchant_uid}|${p.status}|${p.imp_uid}`;

/** Short, stable tag of the subscription's creation time: a reused subscription id never repeats an event id. */
const createdTag = (createdAt: string) => Date.parse(createdAt).toString(36);

export function eventIdFor(subscriptionId: string, createdAt: string, sequence: number): string {
  return `evt_${subscriptionId}_${createdTag(createdAt)}_${sequence}`;
}

/** The subscription an event id belongs to (for POST /events/:id/redeliver), or undefined. */
export function subscriptionIdFromEventId(eventId: string): string | undefined {
  const match = /^evt_([A-Za-z0-9-]{1,20})_[0-9a-z]{1,11}_\d{1,10}$/.exec(eventId);
  return match?.[1];
}

export class SubscriptionEvents {
  readonly state: EventsState;
  private last: Observed;
  private readonly noticeMs: number;
  /** bumped on every change, so the delivery loop wakes */
  version = 0;

  constructor(
    private readonly subscription: SubscriptionState,
    private readonly input: Pick<SubscriptionInput, 'created_at' | 'start_at'>,
    settings: EventsSettings,
    carried: EventsState | undefined,
    nowMs: number,
  ) {
    this.noticeMs = durationToMs(settings.renewal_notice_before ?? DEFAULT_RENEWAL_NOTICE_BEFORE);
    this.last = observe(subscription);
    if (carried) {
      this.state = carried;
    } else {
      this.state = { sequence: 0, outbox: [], log: [] };
      this.emit('subscription.created', {}, nowMs);
    }
  }

  // ---- emission --------------------------------------------------------------------------------------------------

  /** Emits the events for what changed since the last call. */
  observe(nowMs: number): MerchantEvent[] {
    const before = this.last;
    const state = this.subscription;
    const now = observe(state);
    this.last = now;
    const emitted: MerchantEvent[] = [];
    const emit = (type: EventType, fields: Record<string, unknown>) => emitted.push(this.emit(type, fields, nowMs));

    // Payments first: one settled in the same step as a command (by the command's revoke) happened before it.
    // Payment records are only ever prepended: the new ones are those before the newest seen last time.
    const records = state.recent_payments;
    const seen = before.newest_payment ? records.findIndex((p) => paymentKey(p) === before.newest_payment) : -1;
    const fresh = (seen === -1 ? records : records.slice(0, seen)).slice().reverse();
    for (const record of fresh) {
      if (record.status === 'paid') {
        emit('payment.succeeded', {
          imp_uid: record.imp_uid,
          merchant_uid: record.merchant_uid,
          amount: record.amount,
          paid_at: record.at,
          receipt_url: record.receipt_url ?? null,
          ...paidPeriod(state, record.cycle),
        });
      } else if (record.status === 'failed') {
        emit('payment.failed', {
          imp_uid: record.imp_uid,
          merchant_uid: record.merchant_uid,
          amount: record.amount,
          fail_reason: record.fail_reason ?? null,
          attempt: record.attempt,
          next_retry_at: state.status === 'past_due' ? (state.pending_charge?.charge_at ?? null) : null,
        });
      }
      // 'cancelled' (already refunded at iamport): needs_attention follows.
    }
    // Refunds through this system, oldest first (refused ones are the command's 4xx, not an event).
    for (const payment of records.slice().reverse()) {
      if (!payment.imp_uid || !payment.refunds) continue;
      for (const refund of payment.refunds.slice(before.refunds.get(payment.imp_uid) ?? 0)) {
        if (refund.status !== 'refunded') continue;
        emit('payment.refunded', {
          imp_uid: payment.imp_uid,
          merchant_uid: payment.merchant_uid,
          amount: refund.amount,
          kind: refund.kind,
          reason: refund.reason,
          refunded_at: refund.at,
          paid_amount: payment.amount,
          refunded_total: payment.refunded_amount ?? refund.amount,
          ...(refund.unused_days !== undefined
            ? { unused_days: refund.unused_days, period_days: refund.period_days }
            : {}),
        });
      }
    }
    // Price changes in their order: requested, then what the customer (or the clock) decided.
    for (const change of priceChanges(state).slice().reverse()) {
      for (const key of consentKeys(change)) {
        const type = CONSENT_EVENTS[key.slice(key.indexOf(':') + 1) as PriceChange['status']];
        if (!type || before.consents.has(key)) continue;
        emit(type, consentFields(change, state));
      }
    }
    if (JSON.stringify(now.plan) !== JSON.stringify(before.plan)) {
      emit('subscription.plan_changed', { previous_plan: before.plan, plan: now.plan });
    }
    if (now.customer_uid !== before.customer_uid) {
      emit('subscription.payment_method_changed', { previous_customer_uid: before.customer_uid });
    }
    if (now.status !== before.status) {
      switch (now.status) {
        case 'past_due':
        case 'unpaid':
        case 'paused':
          emit(`subscription.${now.status}`, {});
          break;
        case 'canceled':
          emit('subscription.canceled', { reason: state.cancel_reason ?? 'requested' });
          break;
        case 'needs_attention':
          emit('subscription.needs_attention', { reason: state.attention?.reason ?? null });
          break;
      }
      if (before.status === 'paused' && now.status !== 'canceled') emit('subscription.resumed', {});
    }
    return emitted;
  }

  private emit(type: EventType, fields: Record<string, unknown>, nowMs: number): MerchantEvent {
    const state = this.subscription;
    const sequence = ++this.state.sequence;
    const event: MerchantEvent = {
      id: eventIdFor(state.subscription_id, this.input.created_at, sequence),
      type,
      timestamp: iso(nowMs),
      data: {
        subscription_id: state.subscription_id,
        customer_uid: state.customer_uid,
        sequence,
        ...fields,
        subscription: toView(state),
      },
    };
    this.state.outbox.push({ event, status: 'pending', attempts: 0, next_attempt_at: iso(nowMs) });
    while (this.state.outbox.length > MAX_PENDING) {
      const dropped = this.state.outbox.shift()!;
      this.toLog({ ...dropped, status: 'failed', next_attempt_at: undefined, last_answer: 'given up: outbox full' });
    }
    this.version += 1;
    return event;
  }

  // ---- renewal and trial notices ---------------------------------------------------------------------------------

  /** The notice to send next and when, if any: a time RENEWAL_NOTICE_BEFORE before the charge or the trial's end. */
  nextNotice(): { key: string; type: EventType; atMs: number; dueMs: number } | undefined {
    const state = this.subscription;
    const pending = state.pending_charge;
    if (!pending || state.attention || state.cancel_at_period_end || pending.failures > 0) return undefined;
    const dueMs = Date.parse(pending.charge_at);
    let notice: { key: string; type: EventType; startMs: number } | undefined;
    if (state.status === 'trialing' && state.trial_end && pending.charge_at === state.trial_end) {
      const startMs = Date.parse(this.input.start_at ?? this.input.created_at);
      notice = { key: `trial:${state.trial_end}`, type: 'subscription.trial_will_end', startMs };
    } else if (state.status === 'active' && state.current_period && pending.charge_at === state.current_period.end) {
      notice = {
        key: `renewal:${state.cycle}:${pending.charge_at}`,
        type: 'subscription.renewal_upcoming',
        startMs: Date.parse(state.current_period.start),
      };
    }
    // Only for periods longer than the notice: a daily plan gets no weekly notice.
    if (!notice || dueMs - notice.startMs <= this.noticeMs || this.state.noticed === notice.key) return undefined;
    return { key: notice.key, type: notice.type, atMs: dueMs - this.noticeMs, dueMs };
  }

  /**
   * Emits the notice when its time has come. One whose charge is already due (a worker down through the notice time)
   * is skipped, never sent late: the payment event follows.
   */
  noticeIfDue(nowMs: number): MerchantEvent | undefined {
    const notice = this.nextNotice();
    if (!notice || nowMs < notice.atMs) return undefined;
    this.state.noticed = notice.key;
    if (nowMs >= notice.dueMs) return undefined;
    const pending = this.subscription.pending_charge!;
    return this.emit(
      notice.type,
      notice.type === 'subscription.trial_will_end'
        ? { trial_end: this.subscription.trial_end }
        : { charge_at: pending.charge_at, amount: pending.amount },
      nowMs,
    );
  }

  // ---- delivery --------------------------------------------------------------------------------------------------

  /** The pending delivery to try next (the oldest: events go out in order). */
  head(): Delivery | undefined {
    return this.state.outbox[0];
  }

  /** Records what an attempt at the head learned. */
  answered(eventId: string, answer: DeliveryAnswer, nowMs: number): void {
    const delivery = this.state.outbox.find((d) => d.event.id === eventId);
    if (!delivery) return;
    delivery.last_attempt_at = iso(nowMs);
    this.version += 1;
    if (answer.outcome === 'disabled') {
      delivery.last_answer = answer.answer;
      delivery.next_attempt_at = iso(nowMs + DISABLED_RECHECK_MS);
      return;
    }
    delivery.attempts += 1;
    if (answer.outcome === 'delivered') {
      delivery.last_answer = `HTTP ${answer.status}`;
      this.finish(delivery, 'delivered', nowMs);
      return;
    }
    delivery.last_answer = answer.answer;
    if (delivery.attempts >= MAX_ATTEMPTS) {
      this.finish(delivery, 'failed', nowMs);
      return;
    }
    const scheduled = RETRY_SCHEDULE_MS[delivery.attempts - 1];
    const retryAfter = Math.min(answer.retry_after_ms ?? 0, MAX_RETRY_AFTER_MS);
    delivery.next_attempt_at = iso(nowMs + Math.max(scheduled, retryAfter));
  }

  /** An operator asks for an event again: a pending one is tried at once, a finished one goes back to the outbox. */
  redeliver(eventId: string, nowMs: number): Delivery | undefined {
    const pending = this.state.outbox.find((d) => d.event.id === eventId);
    if (pending) {
      pending.next_attempt_at = iso(nowMs);
      this.version += 1;
      return pending;
    }
    const index = this.state.log.findIndex((d) => d.event.id === eventId);
    if (index === -1) return undefined;
    const [entry] = this.state.log.splice(index, 1);
    const again: Delivery = { ...entry, status: 'pending', attempts: 0, next_attempt_at: iso(nowMs) };
    delete again.delivered_at;
    this.state.outbox.push(again);
    this.state.outbox.sort((a, b) => a.event.data.sequence - b.event.data.sequence);
    this.version += 1;
    return again;
  }

  /** Every delivery known, newest first. */
  list(): Delivery[] {
    return [...this.state.outbox.slice().reverse(), ...this.state.log];
  }

  private finish(delivery: Delivery, status: 'delivered' | 'failed', nowMs: number): void {
    this.state.outbox = this.state.outbox.filter((d) => d !== delivery);
    delete delivery.next_attempt_at;
    if (status === 'delivered') delivery.delivered_at = iso(nowMs);
    this.toLog({ ...delivery, status });
  }

  private toLog(delivery: Delivery): void {
    this.state.log = [delivery, ...this.state.log].slice(0, LOG_KEPT);
  }
}

/** The period a payment of `cycle` paid: the current period once the cycle advanced past it. */
function paidPeriod(
  state: SubscriptionState,
  cycle: number,
): { period_start: string | null; period_end: string | null } {
  const period: Period | undefined = state.current_period;
  if (!period || state.cycle !== cycle + 1) return { period_start: null, period_end: null };
  return { period_start: period.start, period_end: period.end };
}
