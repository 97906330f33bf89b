import {
  isIamportError,
  isUsableImpUid,
  isUsableMerchantUid,
  type IamportClient,
  type ScheduleResult,
  type ScheduleStatus,
} from '../src/iamport';
import type { RefundResult } from '../workflows/refunds';
import type { Buyer, PaymentSummary } from '../workflows/types';
import { runAttempt, type Attempt } from './attempt';
import { createDeliverEvent, type EventDeliverySettings } from './deliver-event';
import { unavailable, unexpected } from './failures';
import { scheduleMatches, toPaymentSummary } from './payment-summary';

export interface ActivityDependencies {
  iamport: IamportClient;
  /** where iamport posts the schedule's webhook: PUBLIC_URL + /iamport-callback/schedule */
  noticeUrl?: string;
  channelKey?: string;
  /**
   * Ask iamport for test-mode payments too (`include_sandbox=true`). Only against a sandbox or a test channel: in
   * production a test payment must never count as paid. Default false (config: IAMPORT_INCLUDE_SANDBOX).
   */
  includeSandbox?: boolean;
  /**
   * How far ahead of now a charge is scheduled at the earliest: `schedule_at = max(charge_at, now + lead)`, so "charge
   * now" is never a past schedule_at on iamport's clock (config: IAMPORT_SCHEDULE_LEAD). Default 0.
   */
  scheduleLeadMs?: number;
  /** the worker's clock, unix ms (tests) */
  now?: () => number;
  /** merchant events (EVENTS_URL, EVENTS_SECRET…); absent = deliverEvent answers that events are off */
  events?: EventDeliverySettings;
}

export interface RegisterChargeInput {
  customer_uid: string;
  merchant_uid: string;
  amount: number;
  name: string;
  charge_at: string;
  buyer?: Buyer;
}

/**
 * `scheduled`: iamport holds the charge (also when this merchant_uid was registered before for the same customer and
 * amount: a retry after a lost answer). `refused`: iamport refused it with its own business answer (HTTP 2xx, code
 * != 0) and holds nothing under the merchant_uid. Outages throw IamportUnavailable / IamportAuthFailed (retryable),
 * anything else IamportUnexpected (not retryable).
 */
export type RegisterChargeResult =
  { outcome: 'scheduled'; scheduled_at: string } | { outcome: 'refused'; reason: string };

/** Everything needed to claim the merchant_uid (a schedule for the same customer and amount) before revoking it. */
export interface RevokeChargeInput {
  customer_uid: string;
  merchant_uid: string;
  amount: number;
  name: string;
  charge_at: string;
}

/**
 * `revoked`: the merchant_uid can never be charged any more (iamport lists it as revoked, or refuses to hold it).
 * `executed`: iamport ran it (paid or failed: see the payment, null if iamport shows none yet). `executing`: it is
 * still scheduled and its time has come, so iamport may be running it now: wait for its result. A charge scheduled in
 * the future that iamport would not revoke throws IamportUnavailable (retryable): never acknowledge it as revoked.
 */
export type RevokeChargeResult =
  | { outcome: 'revoked' }
  | { outcome: 'executed'; payment: PaymentSummary | null }
  | { outcome: 'executing'; scheduled_at: string };

export interface ChargeLookup {
  schedule_status: ScheduleStatus | 'missing';
  /** iamport's schedule_at, when it holds the schedule */
  scheduled_at?: string;
  payment: PaymentSummary | null;
}

export interface RefundPaymentInput {
  imp_uid: string;
  amount: number;
  /** the refundable amount the workflow believes in */
  checksum: number;
  reason: string;
}

/** The result `unscheduleCharge` had before revokeCharge existed; recorded histories expect this shape. */
export interface LegacyUnscheduleResult {
  revoked: boolean;
  schedule_status: ScheduleStatus | 'missing';
  payment: PaymentSummary | null;
}

/** A claim sits this far after the charge (or now): long enough that it is always revoked before it could run. */
export const CLAIM_DELAY_SEC = 365 * 86_400;
/** Marks our claims (custom_data), for an operator reading iamport's console. */
export const CLAIM_CUSTOM_DATA = 'revoke-claim: held only to be revoked';
/**
 * Only a schedule whose time has come may be running at iamport. One still ahead of its time that iamport will not
 * unschedule is an outage to retry (the next try revokes it, or finds it executed), never a reason to acknowledge a
 * cancel before the charge: a skew here let a cancel be answered 2 s before a charge due in 3 s ran.
 */
export const EXECUTING_SKEW_MS = 0;

const iso = (unixSeconds: number) => new Date(unixSeconds * 1000).toISOString();

/**
 * Every iamport call the workflow makes. Each is idempotent: safe to retry after a lost answer, safe to run twice.
 * Only ids, amounts and statuses go in and out; card data never does. Every failure is an ApplicationFailure of a
 * type in FAILURE (or a cancellation); every request is bounded by the attempt (see attempt.ts).
 */
export function createActivities({
  iamport,
  noticeUrl,
  channelKey,
  includeSandbox = false,
  scheduleLeadMs = 0,
  now = Date.now,
  events,
}: ActivityDependencies) {
  /** The schedule iamport holds under merchantUid, or undefined when it answers 404 with its envelope. */
  async function findSchedule(merchantUid: string, { signal }: Attempt): Promise<ScheduleResult | undefined> {
    if (!isUsableMerchantUid(merchantUid)) return undefined;
    try {
      return await iamport.getSchedule(merchantUid, { signal });
    } catch (error) {
      if (isIamportError(error, 'not_found')) return undefined;
      throw error;
    }
  }

  async function paymentSummary(impUid: string, { signal }: Attempt): Promise<PaymentSummary | null> {
    if (!isUsableImpUid(impUid)) return null;
    try {
      return toPaymentSummary(await iamport.getPayment(impUid, { includeSandbox, signal }));
    } catch (error) {
      if (isIamportError(error, 'not_found')) return null;
      throw error;
    }
  }

  async function lookup(merchantUid: string, attempt: Attempt): Promise<ChargeLookup> {
    const schedule = await findSchedule(merchantUid, attempt);
    if (!schedule) return { schedule_status: 'missing', payment: null };
    attempt.heartbeat();
    const payment = schedule.imp_uid ? await paymentSummary(schedule.imp_uid, attempt) : null;
    return { schedule_status: schedule.schedule_status, scheduled_at: iso(schedule.schedule_at), payment };
  }

  /**
   * Claim, unschedule, then believe only iamport's list or its lookup (see RevokeChargeResult). Without `claim` (an
   * old history's unscheduleCharge, which knows no amount) the claim is skipped.
   */
  async function revoke(
    input: { customer_uid: string; merchant_uid: string },
    claim: { amount: number; name: string; charge_at: string } | undefined,
    attempt: Attempt,
  ): Promise<RevokeChargeResult | { outcome: 'missing' }> {
    const { signal } = attempt;
    let claimed = false;
    /** the claim's answer was lost: it may or may not hold the merchant_uid */
    let claimUnknown = false;
    if (claim) {
      // Hold the merchant_uid ourselves, far in the future: a registration still on its way to iamport is then
      // refused as a duplicate instead of landing after the revoke. Refused = someone (the original) holds it already.
      const claimAt = Math.ceil(Math.max(Date.parse(claim.charge_at) || 0, now()) / 1000) + CLAIM_DELAY_SEC;
      try {
        await iamport.schedule(
          {
            customer_uid: input.customer_uid,
            channel_key: channelKey,
            schedules: [
              {
                merchant_uid: input.merchant_uid,
                schedule_at: claimAt,
                currency: 'KRW',
                amount: claim.amount,
                name: claim.name,
                custom_data: CLAIM_CUSTOM_DATA,
                notice_url: noticeUrl,
              },
            ],
          },
          { signal },
        );
        claimed = true;
      } catch (error) {
        // A lost answer: go on. Only iamport listing the merchant_uid as revoked is believed below, and a revoked
        // record holds the merchant_uid as well as the claim would.
        if (isIamportError(error) && error.retryable && error.kind !== 'auth') claimUnknown = true;
        else if (!isIamportError(error, 'business')) throw error;
      }
      attempt.heartbeat();
    }
    try {
      const revoked = await iamport.unschedule(
        { customer_uid: input.customer_uid, merchant_uid: [input.merchant_uid] },
        { signal },
      );
      if (revoked.some((s) => s.merchant_uid === input.merchant_uid && s.schedule_status === 'revoked')) {
        return { outcome: 'revoked' };
      }
    } catch (error) {
      // "Nothing to revoke": the lookup says why (already revoked, executed, running, or never held).
      if (!isIamportError(error, 'business')) throw error;
    }
    attempt.heartbeat();
    const found = await lookup(input.merchant_uid, attempt);
    switch (found.schedule_status) {
      case 'revoked':
        return { outcome: 'revoked' };
      case 'executed':
        return { outcome: 'executed', payment: found.payment };
      case 'missing':
        if (claimed) throw unavailable(`iamport accepted the claim on ${input.merchant_uid} but does not show it`);
        if (claimUnknown) throw unavailable(`the claim on ${input.merchant_uid} got no answer; trying again`);
        // iamport holds nothing under this merchant_uid and refused to hold our claim (same customer, same amount), so
        // a registration still in flight is refused the same way: nothing can run under it.
        return claim ? { outcome: 'revoked' } : { outcome: 'missing' };
      case 'scheduled': {
        const scheduledAt = found.scheduled_at!;
        if (Date.parse(scheduledAt) <= now() + EXECUTING_SKEW_MS)
          return { outcome: 'executing', scheduled_at: scheduledAt };
        throw unavailable(
          `iamport still holds ${input.merchant_uid} scheduled at ${scheduledAt} and did not revoke it: trying again`,
        );
      }
    }
  }

  return {
    /**
     * Registers the charge with iamport's schedule API at max(charge_at, now + lead). Registering a merchant_uid
     * iamport already holds for the same customer and amount counts as success, so a retry after a lost answer is
     * harmless. Only iamport's business refusal with nothing held under the merchant_uid is `refused`.
     */
    async registerCharge(input: RegisterChargeInput): Promise<RegisterChargeResult> {
      return runAttempt(async (attempt) => {
        const scheduleAt = Math.ceil(Math.max(Date.parse(input.charge_at) || 0, now() + scheduleLeadMs) / 1000);
        try {
          await iamport.schedule(
            {
              customer_uid: input.customer_uid,
              channel_key: channelKey,
              schedules: [
                {
                  merchant_uid: input.merchant_uid,
                  schedule_at: scheduleAt,
                  currency: 'KRW',
                  amount: input.amount,
                  name: input.name,
                  buyer_name: input.buyer?.name,
                  buyer_email: input.buyer?.email,
                  buyer_tel: input.buyer?.tel,
                  notice_url: noticeUrl,
                },
              ],
            },
            { signal: attempt.signal },
          );
          return { outcome: 'scheduled', scheduled_at: iso(scheduleAt) };
        } catch (error) {
          if (!isIamportError(error, 'business')) throw error;
          attempt.heartbeat();
          // Refused. A failed lookup says nothing (it throws, and the activity retries): taking it for a refusal
          // would start dunning while the first registration still charges.
          const existing = await findSchedule(input.merchant_uid, attempt);
          if (!existing) return { outcome: 'refused', reason: error.iamportMessage ?? error.message };
          const ours =
            scheduleMatches(existing, input.customer_uid, input.amount) &&
            existing.schedule_status !== 'revoked' &&
            existing.custom_data !== CLAIM_CUSTOM_DATA &&
            existing.schedule_at < scheduleAt + CLAIM_DELAY_SEC / 2;
          if (ours) return { outcome: 'scheduled', scheduled_at: iso(existing.schedule_at) };
          throw unexpected(
            `iamport holds merchant_uid ${input.merchant_uid} as another charge (${existing.schedule_status}, ` +
              `${existing.amount} for another billing key or revoked): not registered`,
          );
        }
      });
    },

    /** Makes the merchant_uid impossible to charge, or says why it cannot (see RevokeChargeResult). */
    async revokeCharge(input: RevokeChargeInput): Promise<RevokeChargeResult> {
      return runAttempt(async (attempt) => {
        const result = await revoke(input, input, attempt);
        return result.outcome === 'missing' ? { outcome: 'revoked' } : result;
      });
    },

    /**
     * Kept for recorded histories that schedule it: revokeCharge, answered in the old shape. Given only the ids, it
     * claims with the amount and name of the schedule iamport holds, if any.
     */
    async unscheduleCharge(input: {
      customer_uid: string;
      merchant_uid: string;
      amount?: number;
      name?: string;
      charge_at?: string;
    }): Promise<LegacyUnscheduleResult> {
      return runAttempt(async (attempt) => {
        const held = input.amount === undefined ? await findSchedule(input.merchant_uid, attempt) : undefined;
        const claim =
          input.amount !== undefined
            ? { amount: input.amount, name: input.name ?? input.merchant_uid, charge_at: input.charge_at ?? '' }
            : held
              ? { amount: held.amount, name: held.name ?? input.merchant_uid, charge_at: iso(held.schedule_at) }
              : undefined;
        const result = await revoke(input, claim, attempt);
        switch (result.outcome) {
          case 'revoked':
            return { revoked: true, schedule_status: 'revoked', payment: null };
          case 'executed':
            return { revoked: false, schedule_status: 'executed', payment: result.payment };
          case 'executing':
            return { revoked: false, schedule_status: 'scheduled', payment: null };
          case 'missing':
            return { revoked: false, schedule_status: 'missing', payment: null };
        }
      });
    },

    /** The payment iamport reports for imp_uid; null when iamport knows none, or the id is not an imp_uid at all. */
    async fetchPayment(impUid: string): Promise<PaymentSummary | null> {
      return runAttempt((attempt) => paymentSummary(impUid, attempt));
    },

    /**
     * Refunds through iamport's /payments/cancel with the checksum guard (the refundable amount the workflow believes
     * in): a second try after a lost answer, or a racing request, finds the balance changed and is refused by iamport,
     * so a refund happens once. On a refusal the payment is read back: when its refunds already include this one
     * (the balance moved by exactly this amount and a refund of it with this reason is listed), it was this very
     * request whose answer was lost, and it is reported as refunded.
     */
    async refundPayment(input: RefundPaymentInput): Promise<RefundResult> {
      return runAttempt(async (attempt) => {
        try {
          const payment = await iamport.cancelPayment(
            { imp_uid: input.imp_uid, amount: input.amount, checksum: input.checksum, reason: input.reason },
            { signal: attempt.signal },
          );
          return { outcome: 'refunded', refunded_total: payment.cancel_amount };
        } catch (error) {
          if (!isIamportError(error, 'business')) throw error;
          attempt.heartbeat();
          const payment = await iamport.getPayment(input.imp_uid, { includeSandbox, signal: attempt.signal });
          const before = payment.amount - input.checksum;
          const listed = (payment.cancel_history ?? []).some(
            (entry) => entry.amount === input.amount && (entry.reason ?? '') === input.reason,
          );
          if (payment.cancel_amount === before + input.amount && listed) {
            return { outcome: 'refunded', refunded_total: payment.cancel_amount };
          }
          return {
            outcome: 'refused',
            reason: error.iamportMessage ?? error.message,
            refunded_total: payment.cancel_amount,
          };
        }
      });
    },

    /** What iamport holds under merchant_uid, and its payment once executed. */
    async lookupCharge(merchantUid: string): Promise<ChargeLookup> {
      return runAttempt((attempt) => lookup(merchantUid, attempt));
    },

    /** One signed POST of a merchant event (activities/deliver-event.ts). */
    deliverEvent: createDeliverEvent(events ?? { secrets: [] }),
  };
}

export type BillingActivities = ReturnType<typeof createActivities>;
export { FAILURE, NON_RETRYABLE_FAILURES } from '../workflows/failure-types';
