import type { SandboxLedger } from 'iamport-sandbox';
import type { RefundAnswer } from './subscription-api';

/**
 * The refunds in the sandbox's ledger against the charges and the requests the suite sent: no charge refunded beyond
 * what it paid, no refund of something that was not a paid charge, and a request repeated with its Idempotency-Key
 * (even at the same moment) refunded at most once — exactly once when it was answered 200.
 */
export function auditRefunds(ledger: SandboxLedger, answers: RefundAnswer[]): string[] {
  const violations: string[] = [];
  const charged = new Map(ledger.charges.filter((c) => c.status === 'paid').map((c) => [c.imp_uid, c]));
  const refundedByPayment = new Map<string, number>();
  for (const refund of ledger.refunds) {
    if (!charged.has(refund.imp_uid)) violations.push(`refund of ${refund.imp_uid}, which is no paid charge`);
    refundedByPayment.set(refund.imp_uid, (refundedByPayment.get(refund.imp_uid) ?? 0) + refund.amount);
  }
  for (const [impUid, refunded] of refundedByPayment) {
    const charge = charged.get(impUid);
    if (charge && refunded > charge.amount) {
      violations.push(`${charge.merchant_uid} (${impUid}) paid ${charge.amount} and was refunded ${refunded}`);
    }
  }
  const byReason = new Map<string, number>();
  for (const refund of ledger.refunds) byReason.set(refund.reason, (byReason.get(refund.reason) ?? 0) + 1);
  const requests = new Map<string, RefundAnswer[]>();
  for (const answer of answers) requests.set(answer.key, [...(requests.get(answer.key) ?? []), answer]);
  for (const [key, sent] of requests) {
    const refunds = byReason.get(sent[0].reason) ?? 0;
    const answered200 = sent.some((a) => a.status === 200);
    if (refunds > 1) violations.push(`${key} (sent ${sent.length} times) refunded ${refunds} times`);
    if (answered200 && refunds === 0) violations.push(`${key} was answered 200 but nothing was refunded`);
  }
  return violations;
}
