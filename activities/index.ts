import { isIamportError, type IamportClient, type ScheduleStatus } from '../src/iamport';
import type { Buyer, PaymentSummary } from '../workflows/types';
import { FAILURE, toActivityFailure } from './failures';
import { scheduleMatches, toPaymentSummary } from './payment-summary';

export interface ActivityDependencies {
  iamport: IamportClient;
  /** where iamport posts the schedule's webhook: PUBLIC_URL + /iamport-callback/schedule */
  noticeUrl?: string;
  channelKey?: string;
}

export interface RegisterChargeInput {
  customer_uid: string;
  merchant_uid: string;
  amount: number;
  name: string;
  charge_at: string;
  buyer?: Buyer;
}

export interface ChargeLookup {
  schedule_status: ScheduleStatus | 'missing';
  payment: PaymentSummary | null;
}

/**
 * Every iamport call the workflow makes. Each is idempotent: safe to retry after a lost answer, safe to run twice.
 * Only ids, amounts and statuses go in and out; card data never does.
 */
export function createActivities({ iamport, noticeUrl, channelKey }: ActivityDependencies) {
  async function lookupCharge(merchantUid: string): Promise<ChargeLookup> {
    try {
      const schedule = await iamport.getSchedule(merchantUid);
      const payment = schedule.imp_uid ? await fetchPayment(schedule.imp_uid) : null;
      return { schedule_status: schedule.schedule_status, payment };
    } catch (error) {
      if (isIamportError(error, 'not_found')) return { schedule_status: 'missing', payment: null };
      throw toActivityFailure(error);
    }
  }

  async function fetchPayment(impUid: string): Promise<PaymentSummary | null> {
    try {
      return toPaymentSummary(await iamport.getPayment(impUid, { includeSandbox: true }));
    } catch (error) {
      if (isIamportError(error, 'not_found')) return null;
      throw toActivityFailure(error);
    }
  }

  return {
    /**
     * Registers the charge with iamport's schedule API. Registering a merchant_uid iamport already holds for the same
     * customer and amount counts as success, so a retry after a lost answer is harmless.
     */
    async registerCharge(input: RegisterChargeInput): Promise<{ scheduled_at: string }> {
      // iamport runs a schedule at schedule_at; one in the past runs at once.
      const scheduleAt = Math.max(Math.ceil(Date.parse(input.charge_at) / 1000), Math.ceil(Date.now() / 1000));
      try {
        await iamport.schedule({
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
        });
        return { scheduled_at: new Date(scheduleAt * 1000).toISOString() };
      } catch (error) {
        if (!isIamportError(error) || error.retryable || error.kind === 'auth') throw toActivityFailure(error);
        // Only "no such schedule" means iamport refused it; a failed lookup says nothing, so the activity retries
        // (taking it for a refusal would start dunning while the first registration still charges: a double charge).
        const existing = await iamport.getSchedule(input.merchant_uid).catch((lookupError: unknown) => {
          if (isIamportError(lookupError, 'not_found')) return undefined;
          throw toActivityFailure(lookupError);
        });
        if (existing && scheduleMatches(existing, input.customer_uid, input.amount)) {
          return { scheduled_at: new Date(existing.schedule_at * 1000).toISOString() };
        }
        throw toActivityFailure(error, FAILURE.chargeRejected);
      }
    },

    /** Revokes a registered charge. `revoked: false` means iamport had already executed it (or never had it). */
    async unscheduleCharge(input: {
      customer_uid: string;
      merchant_uid: string;
    }): Promise<ChargeLookup & { revoked: boolean }> {
      try {
        await iamport.unschedule({ customer_uid: input.customer_uid, merchant_uid: [input.merchant_uid] });
        return { revoked: true, schedule_status: 'revoked', payment: null };
      } catch (error) {
        if (!isIamportError(error) || error.retryable || error.kind === 'auth') throw toActivityFailure(error);
        // "Nothing to revoke": find out why — already executed, already revoked (a retry), or unknown.
        const found = await lookupCharge(input.merchant_uid);
        return { revoked: found.schedule_status === 'revoked', ...found };
      }
    },

    fetchPayment,
    lookupCharge,
  };
}

export type BillingActivities = ReturnType<typeof createActivities>;
export { FAILURE } from './failures';
