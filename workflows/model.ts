import { ApplicationFailure } from '@temporalio/common';
import { durationToMs } from './calendar';
import { validateCommand } from './commands';
import {
  consentGate,
  consentWindowMs,
  newPriceChange,
  onMissingConsent,
  replan,
  resolveChange,
  undecided,
} from './consent';
import { REJECTION, type OperatorCommand } from './messages';
import { planRefund, recordRefund, type RefundPlan, type RefundResult } from './refunds';
import {
  advanceCycle,
  initialState,
  iso,
  mayBeHeldByIamport,
  newCharge,
  reanchor,
  recordPayment,
  replacementCharge,
} from './state';
import {
  DEFAULT_PAYMENT_RESULT_GRACE,
  DEFAULT_TIMEZONE,
  MAX_CONSENT_WINDOW,
  RECENT_UPDATES_KEPT,
  type Plan,
  type Attention,
  type PaymentNotification,
  type PaymentRecord,
  type PaymentSummary,
  type PendingCharge,
  type PriceChange,
  type RefundRecord,
  type ConsentSettings,
  type SubscriptionInput,
  type SubscriptionState,
} from './types';
import { judgePayment } from './verify';
import { toView, type SubscriptionView } from './view';

/** What the billing loop does next; decided from the state alone. */
export type Step =
  /** the cycle is paid: continue-as-new into the next one */
  | { kind: 'next_cycle' }
  /** canceled, nothing left to settle */
  | { kind: 'ended' }
  /** nothing to do until a command comes (paused, unpaid, waiting for an operator) */
  | { kind: 'idle'; why: string }
  /** nothing to do until `untilMs` (a dunning retry, the end of a period being canceled) or a command */
  | { kind: 'wait'; untilMs: number; why: string }
  /** the period being canceled at its end has ended */
  | { kind: 'period_end' }
  | { kind: 'register'; charge: PendingCharge }
  /** iamport holds the charge: wait for its webhook until the deadline */
  | { kind: 'await_result'; charge: PendingCharge; deadlineMs: number }
  /** no verified result by the deadline: ask iamport */
  | { kind: 'look_up'; charge: PendingCharge }
  /** iamport holds a charge that must not run (a canceled subscription, an amount waiting for consent): take it back */
  | { kind: 'revoke'; charge: PendingCharge }
  /** a price change's consent step is due: send its request, apply the missing-consent policy, or plan it again */
  | { kind: 'consent_due' };

/** What consentDue() did: each is an event point (consent.requested; the missing-consent outcome). */
export type ConsentTransition =
  | { kind: 'requested'; change: PriceChange }
  | { kind: 'missing'; change: PriceChange }
  | { kind: 'replanned'; change: PriceChange };

/** What revokeCharge learned: taken back, already run (with its payment if iamport has one), or running now. */
export type RevokeOutcome =
  | { outcome: 'revoked' }
  | { outcome: 'executed'; payment: PaymentSummary | null }
  | { outcome: 'executing'; scheduled_at: string };

export interface ChargeLookup {
  schedule_status: 'scheduled' | 'executed' | 'revoked' | 'failed' | 'missing' | string;
  scheduled_at?: string;
  payment: PaymentSummary | null;
}

/** How to treat a webhook: fetch it from iamport, or only count it. */
export type NotificationTriage = 'verify' | 'duplicate' | 'stray';

const LOOKUP_BACKOFF_MS = [60_000, 120_000, 240_000, 480_000, 900_000, 1_800_000, 3_600_000];
/** Lookups that find the charge executed but its payment unverifiable before an operator is asked. */
const UNVERIFIABLE_LOOKUPS = 3;

/**
 * A subscription's state and every transition of it: register, settle, dunning, each command. Pure: no Temporal
 * calls, no clock (every time comes in as an argument), so it is unit-tested without a server. The workflow
 * (workflows/subscription.ts) runs the loop, the waiting and the iamport calls around it.
 */
/** The law's window (Decree art. 20-2): consent given earlier than this before the change does not count. */
const MAX_CONSENT_WINDOW_FOR_LAW = MAX_CONSENT_WINDOW;

export class SubscriptionModel {
  readonly state: SubscriptionState;
  private readonly createdAtMs: number;
  private readonly timeZone: string;
  private readonly graceMs: number;
  private readonly consentSettings: ConsentSettings | undefined;
  /** set when a verified payment paid the cycle; the loop then continues as new */
  private cycleCompleted = false;

  constructor(input: SubscriptionInput, nowMs: number) {
    this.createdAtMs = Date.parse(input.created_at);
    this.timeZone = input.timezone ?? DEFAULT_TIMEZONE;
    this.graceMs = durationToMs(input.payment_result_grace ?? DEFAULT_PAYMENT_RESULT_GRACE);
    this.consentSettings = input.consent;
    if (input.state) {
      this.state = input.state;
    } else {
      this.state = initialState(input, nowMs);
      if (this.state.status !== 'canceled') {
        this.state.pending_charge = this.charge(Date.parse(this.state.anchor_at), 0);
        this.state.next_charge_at = this.state.pending_charge.charge_at;
      }
      if (input.consent && this.state.status === 'trialing') this.trialConversion(input.consent, nowMs);
    }
  }

  /** A verified payment paid the cycle: the run continues as new next (nothing else should start in it). */
  get completedCycle(): boolean {
    return this.cycleCompleted && this.state.status !== 'canceled';
  }

  get pending(): PendingCharge | undefined {
    return this.state.pending_charge;
  }

  view(): SubscriptionView {
    return toView(this.state);
  }

  // ---- the next step -------------------------------------------------------------------------------------------

  nextStep(nowMs: number): Step {
    const state = this.state;
    const pending = state.pending_charge;
    // Before the next cycle: a cycle paid by the revoke of a cancel ends here (the workflow does not continue a
    // canceled subscription as new, so answering next_cycle would loop without end).
    if (state.status === 'canceled') {
      // Canceled while iamport ran the charge: settle its result before the workflow ends.
      if (pending && pending.registered) return this.resultStep(pending, nowMs);
      return { kind: 'ended' };
    }
    if (this.cycleCompleted) return { kind: 'next_cycle' };
    if (state.attention && state.attention.kind !== 'unexpected') {
      return { kind: 'idle', why: `an operator (${state.attention.reason})` };
    }
    if (state.status === 'paused') return { kind: 'idle', why: 'resume' };
    if (state.status === 'unpaid') return { kind: 'idle', why: 'a new payment method' };
    if (!pending) return { kind: 'idle', why: 'a command' };
    const gate = consentGate(state, nowMs);
    if (gate.kind === 'take_back') return { kind: 'revoke', charge: pending };
    if (gate.kind === 'due') return { kind: 'consent_due' };
    if (gate.kind === 'wait') return { kind: 'wait', untilMs: gate.untilMs, why: gate.why };
    const dueMs = Date.parse(pending.charge_at);
    if (state.cancel_at_period_end && !mayBeHeldByIamport(pending)) {
      if (nowMs >= dueMs) return { kind: 'period_end' };
      return { kind: 'wait', untilMs: dueMs, why: `the end of the paid period at ${pending.charge_at}, then cancel` };
    }
    if (!pending.registered) {
      // A retry is registered when it falls due: if iamport refuses registrations (e.g. the billing key is gone),
      // registering ahead would use up every retry at once instead of one per dunning delay.
      if (pending.failures > 0 && !pending.maybe_registered && dueMs > nowMs) {
        return { kind: 'wait', untilMs: dueMs, why: `retry ${pending.failures} of the declined charge` };
      }
      return { kind: 'register', charge: pending };
    }
    return this.resultStep(pending, nowMs);
  }

  private resultStep(pending: PendingCharge, nowMs: number): Step {
    const deadlineMs = pending.result_deadline_at
      ? Date.parse(pending.result_deadline_at)
      : Date.parse(pending.scheduled_at ?? pending.charge_at) + this.graceMs; // a charge registered by the v1 code
    if (nowMs >= deadlineMs) return { kind: 'look_up', charge: pending };
    return { kind: 'await_result', charge: pending, deadlineMs };
  }

  // ---- registration --------------------------------------------------------------------------------------------

  /** iamport confirmed the schedule (or a revoke found it there). */
  registered(scheduledAt: string): void {
    const pending = this.state.pending_charge;
    if (!pending) return;
    pending.registered = true;
    delete pending.maybe_registered;
    pending.scheduled_at = scheduledAt;
    pending.result_deadline_at = iso(Date.parse(scheduledAt) + this.graceMs);
    pending.lookups = 0;
    pending.checked_imp_uids = [];
    if (!this.state.cancel_at_period_end && this.state.status !== 'canceled') this.state.next_charge_at = scheduledAt;
  }

  /** A registration cut short by a command or a webhook: iamport may hold the merchant_uid. */
  registrationInterrupted(): void {
    const pending = this.state.pending_charge;
    if (pending && !pending.registered) pending.maybe_registered = true;
  }

  /** iamport refused the charge itself (e.g. the billing key is gone): a failed payment, so dunning applies. */
  registrationRefused(reason: string, nowMs: number): void {
    const pending = this.state.pending_charge;
    if (!pending) return;
    this.record(pending, { imp_uid: null, status: 'failed', at: iso(nowMs), fail_reason: reason, via: 'registration' });
    this.dunning(pending, reason, nowMs);
  }

  // ---- results -------------------------------------------------------------------------------------------------

  /** Whether a webhook is worth fetching: only the first copy of each imp_uid for the pending charge is. */
  triage(notification: PaymentNotification): NotificationTriage {
    const pending = this.state.pending_charge;
    if (!pending || notification.merchant_uid !== pending.merchant_uid) {
      const seen = this.state.recent_payments.some((p) => p.merchant_uid === notification.merchant_uid);
      if (seen) this.state.totals.duplicate_notifications += 1;
      else this.state.totals.ignored_notifications += 1;
      return seen ? 'duplicate' : 'stray';
    }
    const checked = (pending.checked_imp_uids ??= []);
    if (checked.includes(notification.imp_uid)) {
      this.state.totals.duplicate_notifications += 1;
      return 'duplicate';
    }
    checked.push(notification.imp_uid);
    if (checked.length > 20) checked.shift();
    return 'verify';
  }

  /** The webhook was not verified after all (a command came first): its next copy is fetched again. */
  forgetCheck(impUid: string): void {
    const pending = this.state.pending_charge;
    if (pending) pending.checked_imp_uids = (pending.checked_imp_uids ?? []).filter((id) => id !== impUid);
  }

  /** A payment fetched from iamport for a webhook of the pending charge. */
  fetched(impUid: string, payment: PaymentSummary | null, nowMs: number): void {
    const pending = this.state.pending_charge;
    if (!pending) return;
    const verdict = judgePayment(payment, pending);
    if (verdict.kind === 'unverified') {
      this.state.totals.ignored_notifications += 1;
    } else if (verdict.kind === 'not_final') {
      this.forgetCheck(impUid);
    } else {
      this.settle(verdict.kind, verdict.payment, 'webhook', nowMs);
    }
  }

  /** What a lookup after the deadline found. Returns true when the charge must be revoked (a canceled subscription). */
  lookedUp(found: ChargeLookup, nowMs: number): { revoke: boolean } {
    const pending = this.state.pending_charge;
    if (!pending) return { revoke: false };
    const verdict = found.payment ? judgePayment(found.payment, pending) : undefined;
    if (verdict && verdict.kind !== 'unverified' && verdict.kind !== 'not_final') {
      this.state.totals.reconciliations += 1;
      this.settle(verdict.kind, verdict.payment, 'lookup', nowMs);
      return { revoke: false };
    }
    if (found.schedule_status === 'revoked') {
      // Revoked outside this workflow: register the period's charge again under a new merchant_uid.
      this.state.pending_charge = replacementCharge(this.state, this.createdAtMs, pending);
      return { revoke: false };
    }
    if (found.schedule_status === 'missing') {
      pending.registered = false; // lost by iamport: registering the same merchant_uid again is safe
      return { revoke: false };
    }
    const dueMs = Date.parse(found.scheduled_at ?? pending.scheduled_at ?? pending.charge_at);
    if (this.state.status === 'canceled' && found.schedule_status === 'scheduled' && dueMs > nowMs) {
      return { revoke: true };
    }
    const lookups = (pending.lookups ?? 0) + 1;
    pending.lookups = lookups;
    const ran = found.schedule_status === 'executed' || found.schedule_status === 'failed';
    if (ran && lookups >= UNVERIFIABLE_LOOKUPS) {
      const reason = `iamport ran ${pending.merchant_uid} but its payment cannot be verified`;
      this.enterAttention('unverifiable', reason, nowMs);
    }
    pending.result_deadline_at = iso(nowMs + LOOKUP_BACKOFF_MS[Math.min(lookups - 1, LOOKUP_BACKOFF_MS.length - 1)]);
    return { revoke: false };
  }

  /** The answer of revokeCharge. Returns true when nothing can charge any more. */
  revocation(result: RevokeOutcome, nowMs: number): boolean {
    const pending = this.state.pending_charge;
    if (!pending) return true;
    if (result.outcome === 'revoked') {
      this.state.pending_charge = replacementCharge(this.state, this.createdAtMs, pending);
      return true;
    }
    if (result.outcome === 'executed' && result.payment) {
      const verdict = judgePayment(result.payment, pending);
      if (verdict.kind !== 'unverified' && verdict.kind !== 'not_final') {
        this.settle(verdict.kind, verdict.payment, 'revoke', nowMs);
        // Settled: the charge that was held is gone; the next one (if any) is not registered yet.
        return !this.state.pending_charge || !mayBeHeldByIamport(this.state.pending_charge);
      }
    }
    // iamport is running it (or ran it and its result is not readable yet): wait for the result like any other.
    if (!pending.registered) {
      const scheduledAt =
        result.outcome === 'executing' ? result.scheduled_at : iso(Math.max(nowMs, Date.parse(pending.charge_at)));
      this.registered(scheduledAt);
    }
    return false;
  }

  private settle(
    kind: 'paid' | 'failed' | 'cancelled' | 'refunded',
    payment: PaymentSummary,
    via: PaymentRecord['via'],
    nowMs: number,
  ): void {
    const pending = this.state.pending_charge!;
    const status = kind === 'refunded' ? 'cancelled' : kind;
    this.record(pending, {
      imp_uid: payment.imp_uid,
      status,
      at: payment.at ?? iso(nowMs),
      fail_reason: payment.fail_reason,
      via,
      amount: payment.amount,
      receipt_url: payment.receipt_url,
    });
    if (this.state.attention?.kind === 'unverifiable') this.state.attention = undefined;
    if (status === 'failed') {
      this.dunning(pending, payment.fail_reason ?? 'declined', nowMs);
    } else if (this.state.status === 'canceled') {
      this.state.pending_charge = undefined;
    } else if (status === 'cancelled') {
      // Paid and already refunded at iamport: the period is not paid, and charging again is an operator's call.
      this.state.pending_charge = undefined;
      this.state.next_charge_at = undefined;
      this.enterAttention(
        'refunded',
        `iamport shows the payment ${payment.imp_uid} of ${pending.merchant_uid} as refunded`,
        nowMs,
      );
    } else {
      advanceCycle(this.state, this.createdAtMs, this.timeZone);
      this.cycleCompleted = true;
    }
  }

  private record(
    pending: PendingCharge,
    result: Pick<PaymentRecord, 'imp_uid' | 'status' | 'at' | 'fail_reason' | 'via' | 'receipt_url'> & {
      amount?: number;
    },
  ): void {
    recordPayment(this.state, {
      imp_uid: result.imp_uid,
      merchant_uid: pending.merchant_uid,
      amount: result.amount ?? pending.amount,
      status: result.status,
      at: result.at,
      cycle: this.state.cycle,
      attempt: pending.attempt,
      fail_reason: result.fail_reason,
      via: result.via,
      ...(result.receipt_url ? { receipt_url: result.receipt_url } : {}),
    });
  }

  private dunning(failed: PendingCharge, reason: string, nowMs: number): void {
    const state = this.state;
    state.last_error = { message: `payment failed: ${reason}`, type: 'PaymentFailed', at: iso(nowMs) };
    if (state.status === 'canceled') {
      state.pending_charge = undefined;
      return;
    }
    const failures = failed.failures + 1;
    const delays = state.dunning.retry_delays;
    if (failures <= delays.length) {
      state.status = 'past_due';
      // Counted from the failure, but never before the charge itself was due (a refusal can come at registration).
      const retryFrom = Math.max(nowMs, Date.parse(failed.charge_at));
      state.pending_charge = this.charge(retryFrom + durationToMs(delays[failures - 1]), failures);
      state.next_charge_at = state.pending_charge.charge_at;
    } else if (state.dunning.final_action === 'unpaid') {
      state.status = 'unpaid';
      state.pending_charge = undefined;
      state.next_charge_at = undefined;
    } else {
      state.status = 'canceled';
      state.cancel_reason = 'dunning_exhausted';
      state.canceled_at = iso(nowMs);
      state.pending_charge = undefined;
      state.next_charge_at = undefined;
    }
  }

  /** The paid period that was being canceled at its end is over. */
  endAtPeriodEnd(): void {
    const pending = this.state.pending_charge;
    this.state.status = 'canceled';
    this.state.cancel_reason = 'period_end';
    this.state.canceled_at = pending?.charge_at ?? this.state.current_period?.end;
    this.state.pending_charge = undefined;
    this.state.next_charge_at = undefined;
  }

  // ---- trouble -------------------------------------------------------------------------------------------------

  /** An iamport outage: recorded for operators; the call is retried. */
  outage(what: string, message: string, type: string, nowMs: number): void {
    this.state.last_error = { message: `${what}: ${message}`, type, at: iso(nowMs) };
  }

  enterAttention(kind: Attention['kind'], reason: string, nowMs: number): void {
    if (this.state.attention?.kind !== kind || this.state.attention.reason !== reason) {
      this.state.attention = { kind, reason, since: this.state.attention?.since ?? iso(nowMs) };
    }
    this.state.last_error = { message: reason, type: 'NeedsAttention', at: iso(nowMs) };
  }

  /** A call that had failed unexpectedly went through: the cause is gone. */
  callSucceeded(): void {
    if (this.state.attention?.kind === 'unexpected') this.state.attention = undefined;
  }

  // ---- commands ------------------------------------------------------------------------------------------------

  /** Throws an ApplicationFailure (InvalidRequest / InvalidState) when the command does not fit. */
  validate(command: OperatorCommand, nowMs?: number): void {
    validateCommand(this.state, command);
    if (nowMs !== undefined) this.refundFor(command, nowMs);
    if (command.command === 'consent') this.validateConsent(command.args, nowMs);
  }

  /** Whether the pending charge must be taken back from iamport before the command can be applied. */
  needsRevocation(command: OperatorCommand): boolean {
    const pending = this.state.pending_charge;
    if (!pending || !mayBeHeldByIamport(pending) || this.state.status === 'canceled') return false;
    switch (command.command) {
      case 'cancel':
      case 'pause':
        return true;
      case 'changePlan':
        return (
          (command.args.amount !== undefined && command.args.amount !== pending.amount) ||
          command.args.name !== undefined
        );
      case 'updatePaymentMethod':
        return command.args.customer_uid !== pending.customer_uid;
      case 'consent': {
        // granted: the held charge's amount changes; declined (cancel policy): the held charge must not run
        const change = this.state.price_change;
        if (!change) return false;
        if (command.args.decision === 'granted') return change.amount_after !== pending.amount;
        return change.on_missing_consent === 'cancel';
      }
      default:
        return false;
    }
  }

  /**
   * Applies a validated command. `acceptedAtMs` is when its update (or signal) was accepted: canceled_at and
   * paused_at are that time, so what the caller was told is what is saved. When the pending charge may be held by
   * iamport, the caller has revoked it first (`revoked` false: iamport is running it).
   */
  apply(command: OperatorCommand, acceptedAtMs: number, nowMs: number, revoked = true): void {
    const state = this.state;
    switch (command.command) {
      case 'cancel': {
        if (command.args?.at_period_end) {
          state.cancel_at_period_end = true;
          state.next_charge_at = undefined;
          return;
        }
        state.status = 'canceled';
        state.cancel_reason = 'requested';
        state.canceled_at = iso(acceptedAtMs);
        state.cancel_at_period_end = false;
        state.next_charge_at = undefined;
        state.attention = undefined;
        // Not revoked: iamport is executing it; the loop settles its result before the workflow ends.
        if (revoked) state.pending_charge = undefined;
        return;
      }
      case 'undoCancel':
        state.cancel_at_period_end = false;
        state.next_charge_at = state.pending_charge?.charge_at;
        return;
      case 'pause':
        if (!revoked) {
          throw ApplicationFailure.create({
            type: REJECTION.conflict,
            message: 'iamport is executing the pending charge right now; try again in a minute',
            nonRetryable: true,
          });
        }
        state.status = 'paused';
        state.paused_at = iso(acceptedAtMs);
        state.pending_charge = undefined;
        state.next_charge_at = undefined;
        state.attention = undefined;
        return;
      case 'resume':
        // Documented choice: resuming charges at once and starts the billing calendar again from now.
        reanchor(state, nowMs);
        state.status = 'active';
        state.paused_at = undefined;
        state.pending_charge = this.charge(nowMs, 0);
        state.next_charge_at = state.pending_charge.charge_at;
        return;
      case 'changePlan': {
        const change = command.args;
        const pending = state.pending_charge;
        const waitingTrial = undecided(state.price_change) && state.price_change.kind === 'trial_conversion';
        const rise = change.amount !== undefined && change.amount > state.plan.amount;
        // The latest plan change wins over one still waiting for consent.
        if (undecided(state.price_change)) resolveChange(state, 'superseded', 'superseded', acceptedAtMs);
        if (rise || waitingTrial) {
          // A price rise (or any change of a trial whose paid conversion waits for consent) waits for consent.
          state.price_change = newPriceChange(state, {
            kind: waitingTrial ? 'trial_conversion' : 'price_rise',
            plan_after: { ...state.plan, ...stripUndefined(change) },
            amount_before: waitingTrial ? 0 : state.plan.amount,
            effective_at_ms: pending ? Date.parse(pending.charge_at) : nowMs,
            now_ms: acceptedAtMs,
            window_ms: consentWindowMs(this.consentSettings),
            on_missing_consent: onMissingConsent(this.consentSettings),
          });
          return;
        }
        this.applyPlan(change, nowMs);
        return;
      }
      case 'consent': {
        const change = state.price_change!;
        change.decided_at = new Date(Date.parse(command.args.at)).toISOString();
        change.channel = command.args.channel;
        if (command.args.decision === 'granted') {
          // event point: consent.granted
          this.applyPlan(change.plan_after, nowMs);
          resolveChange(state, 'granted', 'applied', acceptedAtMs);
        } else {
          // event point: consent.declined (with the missing-consent outcome)
          this.missingConsent('declined', acceptedAtMs);
        }
        return;
      }
      case 'refund':
        return; // the workflow runs the refund (refundFor / refunded)
      case 'updatePaymentMethod': {
        state.customer_uid = command.args.customer_uid;
        const pending = state.pending_charge;
        if (state.status === 'unpaid') {
          // Recovery after dunning gave up: charge now and start the calendar again from now.
          reanchor(state, nowMs);
          state.status = 'past_due';
          state.pending_charge = this.charge(nowMs, 0);
        } else if (pending && !mayBeHeldByIamport(pending)) {
          pending.customer_uid = state.customer_uid;
          // A new card while past due is tried at once.
          if (state.status === 'past_due') state.pending_charge = this.charge(nowMs, pending.failures);
        }
        if (state.attention?.kind !== 'unexpected') state.attention = undefined;
        const billing = state.status === 'active' || state.status === 'trialing' || state.status === 'past_due';
        if (billing && !state.pending_charge && !state.cancel_at_period_end) {
          state.pending_charge = this.charge(nowMs, 0); // e.g. after a refunded payment: the new card pays the period
        }
        state.next_charge_at = state.cancel_at_period_end ? undefined : state.pending_charge?.charge_at;
        return;
      }
      case 'retry':
        state.attention = undefined;
        state.pending_charge = this.charge(nowMs, state.pending_charge?.failures ?? 0);
        state.next_charge_at = state.pending_charge.charge_at;
        return;
    }
  }

  /** A plan change that needs no consent (or has it): applies from the pending charge when iamport does not hold it. */
  private applyPlan(change: Partial<Plan>, nowMs: number): void {
    const state = this.state;
    const pending = state.pending_charge;
    if (change.interval !== undefined && change.interval !== state.plan.interval) {
      // The next charge keeps its time; periods after it follow the new interval from there.
      reanchor(state, pending ? Date.parse(pending.charge_at) : nowMs);
    }
    state.plan = { ...state.plan, ...stripUndefined(change) };
    // A charge iamport is running keeps its amount; the new one applies from the next charge.
    if (pending && !mayBeHeldByIamport(pending)) pending.amount = state.plan.amount;
  }

  // ---- consent (workflows/consent.ts) --------------------------------------------------------------------------

  /** At signup: a trial's paid conversion needs consent unless the signup brought it. */
  private trialConversion(settings: ConsentSettings, nowMs: number): void {
    const state = this.state;
    const pending = state.pending_charge;
    if (!pending) return;
    const change = newPriceChange(state, {
      kind: 'trial_conversion',
      plan_after: state.plan,
      amount_before: 0,
      effective_at_ms: Date.parse(pending.charge_at),
      now_ms: nowMs,
      window_ms: consentWindowMs(settings),
      on_missing_consent: 'cancel',
    });
    state.price_change = change;
    if (settings.trial_conversion) {
      change.decided_at = settings.trial_conversion.granted_at;
      change.channel = settings.trial_conversion.channel;
      resolveChange(state, 'granted', 'applied', nowMs);
    }
  }

  /** The consent step the loop was told is due (Step `consent_due`). */
  consentDue(nowMs: number): ConsentTransition | undefined {
    const state = this.state;
    const change = state.price_change;
    const pending = state.pending_charge;
    if (!undecided(change) || !pending) return undefined;
    const dueMs = Date.parse(pending.charge_at);
    if (dueMs > Date.parse(change.effective_at)) {
      replan(change, dueMs, nowMs, consentWindowMs(this.consentSettings));
      return { kind: 'replanned', change };
    }
    if (nowMs >= Date.parse(change.effective_at)) {
      return { kind: 'missing', change: this.missingConsent('missing', nowMs)! };
    }
    // event point: consent.requested (the change carries what the merchant must show)
    change.status = 'requested';
    change.requested_at = iso(nowMs);
    return { kind: 'requested', change };
  }

  /** Declined, or no consent by the effective charge: the policy applies; the new amount is never charged. */
  private missingConsent(status: 'declined' | 'missing', nowMs: number): PriceChange | undefined {
    const state = this.state;
    const change = state.price_change;
    if (!change) return undefined;
    if (change.on_missing_consent === 'keep_price') return resolveChange(state, status, 'kept_price', nowMs);
    // Canceled at the end of the paid period: the effective charge (the period's end) never runs.
    state.cancel_at_period_end = true;
    state.next_charge_at = undefined;
    return resolveChange(state, status, 'canceled_at_period_end', nowMs);
  }

  private validateConsent(args: { change_id: string; at: string }, nowMs: number | undefined): void {
    const change = this.state.price_change;
    const refuse = (type: string, message: string) => {
      throw ApplicationFailure.create({ type, message, nonRetryable: true });
    };
    if (!undecided(change)) {
      const decided = (this.state.consents ?? []).find((c) => c.change_id === args.change_id);
      refuse(
        REJECTION.conflict,
        decided
          ? `${args.change_id} is decided already (${decided.status}, ${decided.outcome})`
          : `no price change ${args.change_id} waits for consent`,
      );
      return;
    }
    if (change.change_id !== args.change_id) {
      refuse(REJECTION.conflict, `${args.change_id} is not the change waiting for consent (${change.change_id} is)`);
    }
    const atMs = Date.parse(args.at);
    const earliest = Date.parse(change.effective_at) - durationToMs(MAX_CONSENT_WINDOW_FOR_LAW);
    if (atMs < earliest) {
      refuse(
        REJECTION.invalid,
        `consent to ${change.change_id} counts only within the 30 days before ${change.effective_at} ` +
          `(from ${iso(earliest)}): ask the customer again`,
      );
    }
    if (nowMs !== undefined && atMs > nowMs + 5 * 60_000) {
      refuse(REJECTION.invalid, 'the consent time (at / granted_at) must not be in the future');
    }
  }

  // ---- refunds (workflows/refunds.ts) --------------------------------------------------------------------------

  /** The refund a command asks for (undefined: none); throws a refusal when it cannot be made. */
  refundFor(command: OperatorCommand, atMs: number): RefundPlan | undefined {
    return planRefund(this.state, command, atMs, this.timeZone);
  }

  /**
   * iamport's answer to a refund. Event point: `payment.refunded` when refunded. A refused standalone refund fails
   * its command (after recording what iamport says was refunded); with a cancel it is only recorded.
   */
  refunded(plan: RefundPlan, result: RefundResult, nowMs: number, failOnRefusal: boolean): RefundRecord {
    const record = recordRefund(this.state, plan, result, nowMs);
    if (result.outcome === 'refused') {
      this.state.last_error = {
        message: `refund of ${plan.amount} on ${plan.imp_uid} refused by iamport: ${result.reason}`,
        type: 'RefundRefused',
        at: iso(nowMs),
      };
      if (failOnRefusal) {
        throw ApplicationFailure.create({
          type: REJECTION.conflict,
          message: `iamport refused the refund of ${plan.imp_uid}: ${result.reason}`,
          nonRetryable: true,
        });
      }
    }
    return record;
  }

  // ---- updates seen --------------------------------------------------------------------------------------------

  /** Whether an update with this id was applied already (in this run or one before it). */
  updateApplied(updateId: string): boolean {
    return (this.state.recent_updates ?? []).some((u) => u.id === updateId);
  }

  /**
   * Update ids of the HTTP API are `<key hash>.<request hash>`: the same Idempotency-Key with another request is a
   * conflict, not a new command.
   */
  updateConflicts(updateId: string): boolean {
    const dot = updateId.indexOf('.');
    if (dot <= 0) return false;
    const key = updateId.slice(0, dot + 1);
    return (this.state.recent_updates ?? []).some((u) => u.id.startsWith(key) && u.id !== updateId);
  }

  updateDone(updateId: string, nowMs: number): void {
    this.state.recent_updates = [{ id: updateId, at: iso(nowMs) }, ...(this.state.recent_updates ?? [])].slice(
      0,
      RECENT_UPDATES_KEPT,
    );
  }

  // ---- helpers -------------------------------------------------------------------------------------------------

  private charge(chargeAtMs: number, failures: number): PendingCharge {
    return newCharge(this.state, this.createdAtMs, chargeAtMs, failures);
  }
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
