import type { Payment } from '../../../src/iamport/types';
import { maskCardNumber } from '../../../src/logger';
import { checkCardFields, type CardFields } from './card-validation';
import { executeCharge } from './charges';
import type { SandboxCore } from './core';
import { issueBillingKey } from './customers';
import { businessError } from './envelope';
import { paymentsByMerchantUid, type StoredCustomer } from './state';
import { cardCompany, classifyCard } from './test-cards';

export const CARD_AUTH_FAILED_MESSAGE = '카드정보 인증에 실패하였습니다.';

export interface OnetimeInput extends CardFields {
  merchant_uid: string;
  amount: number;
  currency?: string;
  /** when given, the card is also stored as this billing key (buyer_* become its customer_*) */
  customer_uid?: string;
  pg?: string;
  name: string | null;
  buyer_name?: string;
  buyer_email?: string;
  buyer_tel?: string;
  buyer_addr?: string;
  buyer_postcode?: string;
  custom_data?: string;
  notice_url?: string;
}

/**
 * POST /subscribe/payments/onetime: charge a card given in the request (key-in), optionally storing it as a billing
 * key. The test card decides the outcome as for `again`; a card that fails the format checks, or that the "PG"
 * refuses to authorise, is code -1 with no payment. merchant_uid rules and webhooks are those of `again`.
 */
export function chargeOnetime(core: SandboxCore, input: OnetimeInput): Payment {
  const check = checkCardFields(input, core.clock.now());
  if (!check.ok) throw businessError(`${CARD_AUTH_FAILED_MESSAGE} (${check.reason})`, -1);
  const classification = classifyCard(check.digits);
  if (!classification.issuable) throw businessError(`${CARD_AUTH_FAILED_MESSAGE} (${classification.reason})`, -1);
  assertMerchantUidChargeable(core, input.merchant_uid);

  let card: StoredCustomer;
  if (input.customer_uid) {
    issueBillingKey(core, input.customer_uid, {
      ...input,
      customer_name: input.buyer_name,
      customer_email: input.buyer_email,
      customer_tel: input.buyer_tel,
      customer_addr: input.buyer_addr,
      customer_postcode: input.buyer_postcode,
    });
    card = core.state.customers.get(input.customer_uid)!;
  } else {
    const now = core.clock.nowSeconds();
    card = {
      customer: {
        customer_uid: '',
        pg_provider: core.config.pgProvider,
        pg_id: core.config.pgId,
        sandbox: true,
        ...cardCompany(check.digits),
        card_number: maskCardNumber(check.digits),
        card_type: 0,
        inserted: now,
        updated: now,
      },
      behaviour: classification.behaviour,
      charges: 0,
    };
  }
  const { payment, notice_url } = executeCharge(
    core,
    {
      source: 'onetime',
      customer_uid: input.customer_uid ?? null,
      merchant_uid: input.merchant_uid,
      amount: input.amount,
      currency: input.currency ?? 'KRW',
      name: input.name,
      buyer_name: input.buyer_name,
      buyer_email: input.buyer_email,
      buyer_tel: input.buyer_tel,
      custom_data: input.custom_data,
      notice_url: input.notice_url ?? null,
    },
    card,
  );
  const url = notice_url ?? core.config.defaultNoticeUrl;
  if (payment.status === 'paid' && url) {
    core.webhooks.send([
      { url, body: { imp_uid: payment.imp_uid, merchant_uid: payment.merchant_uid, status: 'paid' } },
    ]);
  }
  return { ...payment };
}

/** "A unique value on each payment request": refused when a schedule or a paid/refunded payment holds it. */
function assertMerchantUidChargeable(core: SandboxCore, merchantUid: string): void {
  if (core.state.schedules.has(merchantUid)) {
    throw businessError(`merchant_uid(${merchantUid})는 예약결제에 이미 사용된 주문번호입니다.`);
  }
  if (paymentsByMerchantUid(core.state, merchantUid).some((p) => p.payment.status !== 'failed')) {
    throw businessError(
      `이미 결제가 완료된 merchant_uid(${merchantUid})입니다. 동일한 주문번호로 중복 결제할 수 없습니다.`,
    );
  }
}
