import type { Payment } from '../../../src/iamport/types';
import { nextSeq, type SandboxCore } from './core';
import type { StoredCustomer, StoredPayment } from './state';
import { decideCharge, type ChargeDecision } from './test-cards';

export interface ChargeRequest {
  source: 'schedule' | 'again' | 'onetime';
  /** null: a onetime charge that stores no billing key */
  customer_uid: string | null;
  merchant_uid: string;
  amount: number;
  currency: string;
  name: string | null;
  buyer_name?: string | null;
  buyer_email?: string | null;
  buyer_tel?: string | null;
  custom_data?: string | null;
  notice_url: string | null;
}

const CUSTOMER_UID_USAGE: Record<ChargeRequest['source'], (uid: string | null) => Payment['customer_uid_usage']> = {
  schedule: () => 'payment.scheduled',
  again: () => 'payment',
  // onetime with a customer_uid stores the card as that billing key
  onetime: (uid) => (uid === null ? null : 'issue'),
};

const NO_BILLING_KEY: ChargeDecision = { status: 'failed', fail_reason: '등록된 빌링키 정보가 없습니다.' };

/**
 * Charges a billing key the way the PG would: the test card decides paid or failed. Records the Payment (a
 * declined charge is a `failed` payment, not an error) and the ledger entry.
 */
export function executeCharge(
  core: SandboxCore,
  request: ChargeRequest,
  /** the card to charge; default: the billing key of request.customer_uid */
  card: StoredCustomer | undefined = request.customer_uid === null
    ? undefined
    : core.state.customers.get(request.customer_uid),
): StoredPayment {
  const stored = card;
  const decision = stored ? decideCharge(stored.behaviour, stored.charges) : NO_BILLING_KEY;
  if (stored) stored.charges += 1;

  const seq = nextSeq(core);
  const now = core.clock.nowSeconds();
  const customer = stored?.customer;
  const imp_uid = `imp_${String(seq).padStart(12, '0')}`;
  const paid = decision.status === 'paid';
  const payment: Payment = {
    imp_uid,
    merchant_uid: request.merchant_uid,
    pay_method: 'card',
    channel: 'api',
    pg_provider: customer?.pg_provider ?? core.config.pgProvider,
    pg_tid: `${customer?.pg_id ?? core.config.pgId}${String(seq).padStart(10, '0')}`,
    pg_id: customer?.pg_id ?? core.config.pgId,
    sandbox: true,
    escrow: false,
    apply_num: paid ? String(30_000_000 + ((seq * 7919) % 60_000_000)) : '',
    card_code: customer?.card_code ?? null,
    card_name: customer?.card_name ?? null,
    card_quota: 0,
    card_number: customer?.card_number ?? null,
    card_type: customer?.card_type ?? null,
    name: request.name,
    amount: request.amount,
    cancel_amount: 0,
    currency: request.currency,
    buyer_name: request.buyer_name ?? customer?.customer_name ?? null,
    buyer_email: request.buyer_email ?? customer?.customer_email ?? null,
    buyer_tel: request.buyer_tel ?? customer?.customer_tel ?? null,
    custom_data: request.custom_data ?? null,
    status: decision.status,
    started_at: now,
    paid_at: paid ? now : 0,
    failed_at: paid ? 0 : now,
    cancelled_at: 0,
    fail_reason: decision.status === 'failed' ? decision.fail_reason : null,
    cancel_reason: null,
    receipt_url: paid ? `https://sandbox.iamport.invalid/receipts/${imp_uid}` : null,
    cancel_history: [],
    customer_uid: request.customer_uid,
    customer_uid_usage: CUSTOMER_UID_USAGE[request.source](request.customer_uid),
  };
  const record: StoredPayment = { payment, seq, notice_url: request.notice_url };
  core.state.payments.set(imp_uid, record);
  const charge = {
    at_ms: core.clock.now(),
    source: request.source,
    merchant_uid: request.merchant_uid,
    imp_uid,
    customer_uid: request.customer_uid,
    amount: request.amount,
    status: decision.status,
    fail_reason: payment.fail_reason ?? null,
  };
  core.state.ledger.charges.push(charge);
  core.changed();
  core.logger.info('charge', charge);
  return record;
}
