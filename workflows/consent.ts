/**
 * Consent before a price rise or a trial's paid conversion (E-Commerce Act art. 13(6), Enforcement Decree art. 20-2,
 * in force 2025-02-14; README: Korean rules). Pure: times come in as arguments.
 *
 * A change that raises the charged amount waits in `state.price_change`. iamport never holds a charge whose amount
 * waits for consent: the charge at the new amount ("the effective charge") is not registered (a registered one is
 * taken back) until the customer decides or its time comes. Then:
 *   granted  → the new plan applies and the effective charge is registered at the new amount;
 *   declined or no answer by the effective charge → `on_missing_consent`: `cancel` (default; the subscription ends
 *   when the paid period ends, i.e. at the effective charge, which never runs) or `keep_price` (the old amount is
 *   charged). A trial's conversion has no old price to keep: it always ends.
 * The request is "sent" (status `requested`) CONSENT_WINDOW (default and at most P30D) before the effective charge,
 * never earlier, and never before the change was made.
 */
import { durationToMs } from './calendar';
import { mayBeHeldByIamport } from './state';
import {
  CONSENTS_KEPT,
  MAX_CONSENT_WINDOW,
  type ConsentSettings,
  type OnMissingConsent,
  type Plan,
  type PriceChange,
  type SubscriptionState,
} from './types';

const iso = (ms: number) => new Date(ms).toISOString();
/** A registered effective charge this close to its time may be running at iamport: it is left to run. */
const TAKE_BACK_MARGIN_MS = 60_000;

export function consentWindowMs(settings: ConsentSettings | undefined): number {
  const max = durationToMs(MAX_CONSENT_WINDOW);
  if (!settings?.window) return max;
  try {
    return Math.min(max, durationToMs(settings.window));
  } catch {
    return max;
  }
}

export function onMissingConsent(settings: ConsentSettings | undefined): OnMissingConsent {
  return settings?.on_missing_consent ?? 'cancel';
}

/** A new change waiting for consent, for the charge due at effectiveAtMs. */
export function newPriceChange(
  state: SubscriptionState,
  change: {
    kind: PriceChange['kind'];
    plan_after: Plan;
    amount_before: number;
    effective_at_ms: number;
    now_ms: number;
    window_ms: number;
    on_missing_consent: OnMissingConsent;
  },
): PriceChange {
  state.price_change_count = (state.price_change_count ?? 0) + 1;
  return {
    change_id: `chg_${state.price_change_count}`,
    kind: change.kind,
    status: 'scheduled',
    plan_before: { ...state.plan },
    amount_before: change.amount_before,
    plan_after: { ...change.plan_after },
    amount_after: change.plan_after.amount,
    effective_at: iso(change.effective_at_ms),
    request_at: iso(Math.max(change.now_ms, change.effective_at_ms - change.window_ms)),
    created_at: iso(change.now_ms),
    on_missing_consent: change.kind === 'trial_conversion' ? 'cancel' : change.on_missing_consent,
  };
}

export function undecided(change: PriceChange | undefined): change is PriceChange {
  return change !== undefined && (change.status === 'scheduled' || change.status === 'requested');
}

/** What a change waiting for consent asks of the loop right now. */
export type ConsentGate =
  | { kind: 'none' }
  /** the effective charge is registered at the old amount: take it back until the customer decides */
  | { kind: 'take_back' }
  /** a transition is due: send the request, apply the missing-consent policy, or plan again */
  | { kind: 'due' }
  | { kind: 'wait'; untilMs: number; why: string };

export function consentGate(state: SubscriptionState, nowMs: number): ConsentGate {
  const change = state.price_change;
  const pending = state.pending_charge;
  if (!undecided(change) || !pending || state.cancel_at_period_end || state.status === 'canceled') {
    return { kind: 'none' };
  }
  const effectiveMs = Date.parse(change.effective_at);
  const dueMs = Date.parse(pending.charge_at);
  if (dueMs < effectiveMs) return { kind: 'none' }; // an earlier charge (a retry, a resume) at the agreed price
  if (dueMs > effectiveMs) return { kind: 'due' }; // the effective charge ran at the old price or moved: plan again
  if (mayBeHeldByIamport(pending)) {
    return dueMs > nowMs + TAKE_BACK_MARGIN_MS ? { kind: 'take_back' } : { kind: 'none' };
  }
  if (nowMs >= effectiveMs) return { kind: 'due' };
  const requestMs = Date.parse(change.request_at);
  if (change.status === 'scheduled' && nowMs >= requestMs) return { kind: 'due' };
  const untilMs = change.status === 'scheduled' ? Math.min(requestMs, effectiveMs) : effectiveMs;
  const why =
    change.status === 'scheduled'
      ? `the consent request of ${change.change_id} (${change.kind})`
      : `consent to ${change.change_id} (₩${change.amount_before} → ₩${change.amount_after}) until the charge`;
  return { kind: 'wait', untilMs, why };
}

/** Ends a change: into the history, newest first. */
export function resolveChange(
  state: SubscriptionState,
  status: PriceChange['status'],
  outcome: NonNullable<PriceChange['outcome']>,
  nowMs: number,
): PriceChange | undefined {
  const change = state.price_change;
  if (!change) return undefined;
  const resolved: PriceChange = { ...change, status, outcome, resolved_at: iso(nowMs) };
  state.price_change = undefined;
  state.consents = [resolved, ...(state.consents ?? [])].slice(0, CONSENTS_KEPT);
  return resolved;
}

/** The effective charge moved (it ran at the old price, or the calendar restarted): the change applies to the next. */
export function replan(change: PriceChange, effectiveAtMs: number, nowMs: number, windowMs: number): void {
  change.effective_at = iso(effectiveAtMs);
  change.request_at = iso(Math.max(nowMs, effectiveAtMs - windowMs));
  if (change.status === 'requested' && Date.parse(change.request_at) > nowMs) {
    // asked more than the window before the new date: the law's 30 days count again from a new request
    change.status = 'scheduled';
    change.requested_at = undefined;
  }
}
