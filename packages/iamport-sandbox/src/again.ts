import type { Payment } from '../../../src/iamport/types';
import { executeCharge, type ChargeRequest } from './charges';
import type { SandboxCore } from './core';
import { businessError } from './envelope';
import { paymentsByMerchantUid } from './state';

export const UNKNOWN_BUYER_MESSAGE = '등록되지 않은 구매자입니다.';

export type AgainInput = Omit<ChargeRequest, 'source' | 'notice_url' | 'currency' | 'customer_uid'> & {
  customer_uid: string;
  currency?: string;
  notice_url?: string;
};

/**
 * POST /subscribe/payments/again: charge a billing key now. A decline is a `failed` Payment with code 0. A
 * merchant_uid that is paid (or refunded) or belongs to a schedule is refused; one whose earlier attempts all
 * failed may be charged again. Paid charges notify notice_url (else the default URL); declines notify nobody,
 * as iamport sends no webhook for failed non-scheduled payments.
 */
export function chargeAgain(core: SandboxCore, input: AgainInput): Payment {
  if (!core.state.customers.has(input.customer_uid)) throw businessError(UNKNOWN_BUYER_MESSAGE);
  if (core.state.schedules.has(input.merchant_uid)) {
    throw businessError(`merchant_uid(${input.merchant_uid})는 예약결제에 이미 사용된 주문번호입니다.`);
  }
  const settled = paymentsByMerchantUid(core.state, input.merchant_uid).find((p) => p.payment.status !== 'failed');
  if (settled) {
    throw businessError(
      `이미 결제가 완료된 merchant_uid(${input.merchant_uid})입니다. 동일한 주문번호로 중복 결제할 수 없습니다.`,
    );
  }
  const { payment, notice_url } = executeCharge(core, {
    ...input,
    source: 'again',
    currency: input.currency ?? 'KRW',
    notice_url: input.notice_url ?? null,
  });
  const url = notice_url ?? core.config.defaultNoticeUrl;
  if (payment.status === 'paid' && url) {
    core.webhooks.send([
      { url, body: { imp_uid: payment.imp_uid, merchant_uid: payment.merchant_uid, status: 'paid' } },
    ]);
  }
  return { ...payment };
}
