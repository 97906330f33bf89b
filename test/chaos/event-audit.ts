/**
 * Merchant events against the sandbox's ledger: every paid charge has exactly one distinct payment.succeeded id
 * received, every decline one payment.failed, every refund one payment.refunded, every canceled subscription one
 * subscription.canceled, and nothing was
 * received for anything that did not happen. A missing event is a lag (it may still be on its way); a second id for
 * one fact, an event for a fact the ledger does not show, or a delivery that does not verify is a violation.
 */
import type { SandboxLedger } from 'iamport-sandbox';
import { subscriptionIdFromMerchantUid } from '../../workflows/ids';
import type { SubscriptionView } from '../../workflows/view';
import type { ReceivedEvent } from '../helpers/event-receiver';
import type { PlannedSubscription } from './population';

export interface EventFindings {
  violations: string[];
  lags: string[];
  /** distinct event ids accepted, by type */
  counts: Record<string, number>;
}

export function auditEvents(
  planned: PlannedSubscription[],
  ledger: SandboxLedger,
  states: Map<string, SubscriptionView | undefined>,
  received: ReceivedEvent[],
  secret: string,
): EventFindings {
  const findings: EventFindings = { violations: [], lags: [], counts: {} };
  const ours = new Set(planned.map((p) => p.id));
  for (const delivery of received) {
    if (!delivery.verified[secret]) findings.violations.push(`delivery ${delivery.id} does not verify`);
  }
  // One per id (the merchant's deduplication); a 2xx answer is a delivery.
  const accepted = new Map<string, ReceivedEvent>();
  for (const delivery of received) {
    if (delivery.answered >= 200 && delivery.answered < 300 && !accepted.has(delivery.id)) {
      accepted.set(delivery.id, delivery);
    }
  }
  const bySubscription = new Map<string, ReceivedEvent[]>();
  for (const event of accepted.values()) {
    findings.counts[event.type] = (findings.counts[event.type] ?? 0) + 1;
    const id = event.data.subscription_id;
    if (!ours.has(id)) {
      findings.violations.push(`${event.id}: an event of a subscription this run did not sign up (${id})`);
      continue;
    }
    bySubscription.set(id, [...(bySubscription.get(id) ?? []), event]);
  }
  const charges = new Map<string, SandboxLedger['charges']>();
  for (const charge of ledger.charges) {
    const id = subscriptionIdFromMerchantUid(charge.merchant_uid);
    if (id && ours.has(id)) charges.set(id, [...(charges.get(id) ?? []), charge]);
  }

  for (const subscription of planned) {
    const events = bySubscription.get(subscription.id) ?? [];
    const ledgerCharges = charges.get(subscription.id) ?? [];
    const of = (type: string, merchantUid?: string) =>
      events.filter((e) => e.type === type && (merchantUid === undefined || e.data.merchant_uid === merchantUid));
    for (const [type, status] of [
      ['payment.succeeded', 'paid'],
      ['payment.failed', 'failed'],
    ] as const) {
      for (const charge of ledgerCharges.filter((c) => c.status === status)) {
        const ids = of(type, charge.merchant_uid);
        if (ids.length === 0) findings.lags.push(`${subscription.id}: no ${type} yet for ${charge.merchant_uid}`);
        if (ids.length > 1) {
          findings.violations.push(
            `${subscription.id}: ${ids.length} ${type} ids for ${charge.merchant_uid}: ${ids.map((e) => e.id).join(', ')}`,
          );
        }
        for (const event of ids) {
          if (event.data.imp_uid !== charge.imp_uid || event.data.amount !== charge.amount) {
            findings.violations.push(
              `${event.id}: ${type} says ${String(event.data.imp_uid)}/${String(event.data.amount)}, the ledger ${charge.imp_uid}/${charge.amount}`,
            );
          }
        }
      }
      for (const event of of(type)) {
        const charge = ledgerCharges.find((c) => c.merchant_uid === event.data.merchant_uid && c.status === status);
        // A refusal at registration has no payment (imp_uid null) and so no ledger charge.
        if (!charge && !(type === 'payment.failed' && event.data.imp_uid === null)) {
          findings.violations.push(`${event.id}: ${type} for ${String(event.data.merchant_uid)}, not in the ledger`);
        }
      }
    }
    // Refunds: one payment.refunded per refund iamport made (same payment, same amount), none for another.
    const paidImpUids = new Set(ledgerCharges.filter((c) => c.status === 'paid').map((c) => c.imp_uid));
    const ledgerRefunds = ledger.refunds.filter((r) => paidImpUids.has(r.imp_uid));
    const refundEvents = of('payment.refunded');
    for (const refund of ledgerRefunds) {
      const matching = refundEvents.filter((e) => e.data.imp_uid === refund.imp_uid && e.data.reason === refund.reason);
      if (matching.length === 0) findings.lags.push(`${subscription.id}: no payment.refunded yet for ${refund.reason}`);
      if (matching.length > 1) {
        findings.violations.push(`${subscription.id}: ${matching.length} payment.refunded ids for ${refund.reason}`);
      }
      for (const event of matching) {
        if (event.data.amount !== refund.amount) {
          findings.violations.push(`${event.id}: refunded ${String(event.data.amount)}, the ledger ${refund.amount}`);
        }
      }
    }
    for (const event of refundEvents) {
      if (!ledgerRefunds.some((r) => r.imp_uid === event.data.imp_uid && r.reason === event.data.reason)) {
        findings.violations.push(`${event.id}: payment.refunded of ${String(event.data.imp_uid)}, not in the ledger`);
      }
    }
    const canceled = of('subscription.canceled');
    const state = states.get(subscription.id);
    if (state?.status === 'canceled' && canceled.length === 0) {
      findings.lags.push(`${subscription.id}: canceled, no subscription.canceled yet`);
    }
    if (canceled.length > 1)
      findings.violations.push(`${subscription.id}: ${canceled.length} subscription.canceled ids`);
    if (canceled.length > 0 && state && state.status !== 'canceled') {
      findings.violations.push(`${subscription.id}: subscription.canceled received, but it is ${state.status}`);
    }
    // Sequences: one id each, none missing once everything is delivered.
    const sequences = events.map((e) => e.data.sequence).sort((a, b) => a - b);
    if (new Set(sequences).size !== sequences.length) {
      findings.violations.push(`${subscription.id}: two ids for one sequence number`);
    }
    const missing = sequences.length > 0 ? sequences[sequences.length - 1] - sequences.length : 0;
    if (missing > 0) findings.lags.push(`${subscription.id}: ${missing} event(s) before the last one not received yet`);
    if (!events.some((e) => e.type === 'subscription.created')) {
      findings.lags.push(`${subscription.id}: no subscription.created yet`);
    }
  }
  return findings;
}
