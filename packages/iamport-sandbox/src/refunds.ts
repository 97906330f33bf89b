import type { CancelHistory, Payment } from '../../../src/iamport/types';
import { nextSeq, type SandboxCore } from './core';
import { badRequest, businessError } from './envelope';
import { paymentsByMerchantUid, type StoredPayment } from './state';

export const NOTHING_TO_CANCEL_MESSAGE = '취소할 결제건이 존재하지 않습니다.';

export interface RefundInput {
  imp_uid?: string;
  merchant_uid?: string;
  /** omitted or 0 = the whole remaining amount */
  amount?: number;
  /** the refundable balance as the caller knows it; undefined or null = no check */
  checksum?: number | null;
  reason?: string;
  enable_webhook?: boolean;
}

/**
 * POST /payments/cancel: full or partial refund. cancel_amount grows with each refund; the status becomes
 * `cancelled` (and cancelled_at is set) only once nothing is left to refund.
 */
export function refund(core: SandboxCore, input: RefundInput): Payment {
  if (!input.imp_uid && !input.merchant_uid) throw badRequest('imp_uid 또는 merchant_uid 중 하나는 필수입니다.');
  const stored = findRefundable(core, input);
  if (!stored) throw businessError(NOTHING_TO_CANCEL_MESSAGE);
  const payment = stored.payment;
  if (payment.status === 'cancelled') throw businessError('이미 전액취소된 주문입니다.');
  if (payment.status !== 'paid') throw businessError(`결제승인된 거래건이 아닙니다. (status: ${payment.status})`);

  const refundable = payment.amount - payment.cancel_amount;
  if (input.checksum != null && input.checksum !== refundable) {
    throw businessError(
      `[취소실패] 요청하신 checksum(${input.checksum})과 취소가능잔액(${refundable})이 일치하지 않습니다.`,
    );
  }
  const amount = input.amount ? input.amount : refundable;
  if (amount < 0) throw badRequest('amount는 0 이상이어야 합니다.');
  if (amount > refundable) {
    throw businessError(`[취소실패] 취소요청금액(${amount})이 취소가능잔액(${refundable})보다 큽니다.`);
  }

  const now = core.clock.nowSeconds();
  const seq = nextSeq(core);
  const reason = input.reason ?? '';
  const entry: CancelHistory = {
    pg_tid: `${payment.pg_tid ?? payment.imp_uid}C${seq}`,
    amount,
    cancelled_at: now,
    reason,
    cancellation_id: `cancel_${String(seq).padStart(12, '0')}`,
    receipt_url: `https://sandbox.iamport.invalid/receipts/${payment.imp_uid}/cancel/${seq}`,
  };
  payment.cancel_amount += amount;
  payment.cancel_history = [...(payment.cancel_history ?? []), entry];
  payment.cancel_reason = reason;
  const full = payment.cancel_amount >= payment.amount;
  if (full) {
    payment.status = 'cancelled';
    payment.cancelled_at = now;
    const schedule = core.state.schedules.get(payment.merchant_uid);
    if (schedule?.result.imp_uid === payment.imp_uid) schedule.result.payment_status = 'cancelled';
  }
  core.state.ledger.refunds.push({
    at_ms: core.clock.now(),
    imp_uid: payment.imp_uid,
    merchant_uid: payment.merchant_uid,
    amount,
    cancellation_id: entry.cancellation_id!,
    reason,
    full,
  });
  core.changed();
  core.logger.info('refund', { imp_uid: payment.imp_uid, merchant_uid: payment.merchant_uid, amount, full });

  // iamport notifies API cancels only when asked to (enable_webhook=true).
  const url = stored.notice_url ?? core.config.defaultNoticeUrl;
  if (input.enable_webhook && url) {
    core.webhooks.send([
      {
        url,
        body: {
          imp_uid: payment.imp_uid,
          merchant_uid: payment.merchant_uid,
          status: payment.status,
          cancellation_id: entry.cancellation_id,
        },
      },
    ]);
  }
  return { ...payment };
}

/** imp_uid wins over merchant_uid; by merchant_uid, the latest paid payment (else the latest one). */
function findRefundable(core: SandboxCore, input: RefundInput): StoredPayment | undefined {
  if (input.imp_uid) return core.state.payments.get(input.imp_uid);
  const candidates = paymentsByMerchantUid(core.state, input.merchant_uid!).sort((a, b) => b.seq - a.seq);
  return candidates.find((p) => p.payment.status === 'paid') ?? candidates[0];
}
