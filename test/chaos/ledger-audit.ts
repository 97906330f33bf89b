/**
 * Compares what the sandbox charged (its ledger: the truth about money) with what the subscriptions' workflows say
 * and with what the design promises. Findings are either violations (facts that no amount of waiting can undo: a
 * period charged twice, a charge after a cancel, a payment the ledger never made) or lags (something still due).
 */
import type { LedgerCharge, SandboxLedger } from 'iamport-sandbox';
import { subscriptionIdFromMerchantUid } from '../../workflows/ids';
import type { SubscriptionView } from '../../workflows/view';
import { cyclesDueBy, dueAtMs, type PlannedSubscription } from './population';
import type { CancelRecord } from './subscription-api';

export interface Snapshot {
  /** sandbox time just before the states were read */
  atMs: number;
  states: Map<string, SubscriptionView | undefined>;
  ledger: SandboxLedger;
  /** when the sandbox registered each schedule, by merchant_uid */
  registeredAt: Map<string, number>;
}

export interface Findings {
  violations: string[];
  lags: string[];
  /** charges registered at iamport after the workflow had accepted the cancel, and how much later */
  chargedAfterAcceptedCancel: { merchant_uid: string; registered_after_ms: number }[];
  /** payments a workflow recorded that the ledger does not show as made */
  unverifiedPayments: number;
}

/**
 * How long after the workflow accepted a cancel a registration it had already sent may still reach iamport: a token
 * request and the registration, each with the chaos' 2 s latency, on a busy machine. A registration later than this
 * was sent after the workflow had the cancel.
 */
export const IN_FLIGHT_ALLOWANCE_MS = 10_000;

interface ChargeRef extends LedgerCharge {
  cycle: number;
  attempt: number;
}

export function auditLedger(
  planned: PlannedSubscription[],
  cancels: Map<string, CancelRecord>,
  snapshot: Snapshot,
): Findings {
  const findings: Findings = { violations: [], lags: [], chargedAfterAcceptedCancel: [], unverifiedPayments: 0 };
  const bySubscription = chargesBySubscription(snapshot.ledger, planned, findings);
  for (const subscription of planned) {
    new SubscriptionAudit(
      subscription,
      bySubscription.get(subscription.id) ?? [],
      snapshot,
      cancels.get(subscription.id),
      findings,
    ).run();
  }
  return findings;
}

function chargesBySubscription(ledger: SandboxLedger, planned: PlannedSubscription[], findings: Findings) {
  const known = new Set(planned.map((p) => p.id));
  const grouped = new Map<string, ChargeRef[]>();
  for (const charge of ledger.charges) {
    const id = subscriptionIdFromMerchantUid(charge.merchant_uid);
    const parts = /_(\d+)_(\d+)$/.exec(charge.merchant_uid);
    if (!id || !known.has(id) || !parts) {
      findings.violations.push(
        `charge ${charge.imp_uid} has a merchant_uid of no subscription: ${charge.merchant_uid}`,
      );
      continue;
    }
    const list = grouped.get(id) ?? [];
    list.push({ ...charge, cycle: Number(parts[1]), attempt: Number(parts[2]) });
    grouped.set(id, list);
  }
  return grouped;
}

class SubscriptionAudit {
  private readonly paid: ChargeRef[];
  private readonly failed: ChargeRef[];
  private readonly state: SubscriptionView | undefined;

  constructor(
    private readonly planned: PlannedSubscription,
    private readonly charges: ChargeRef[],
    private readonly snapshot: Snapshot,
    private readonly cancel: CancelRecord | undefined,
    private readonly findings: Findings,
  ) {
    this.paid = charges.filter((c) => c.status === 'paid').sort((a, b) => a.cycle - b.cycle);
    this.failed = charges.filter((c) => c.status === 'failed');
    this.state = snapshot.states.get(planned.id);
  }

  run(): void {
    this.checkCharges();
    this.checkRecordedPayments();
    if (this.planned.role === 'renews' || this.planned.role === 'recovers') this.checkRenewing();
    else this.checkCanceled();
  }

  private violation(text: string): void {
    this.findings.violations.push(`${this.planned.id} (${this.planned.role}): ${text}`);
  }

  private lag(text: string): void {
    this.findings.lags.push(`${this.planned.id} (${this.planned.role}): ${text}`);
  }

  /** Each period at most once, at the plan's amount, on the subscription's key, never before it is due. */
  private checkCharges(): void {
    const { planned } = this;
    const paidCycles = new Map<number, ChargeRef[]>();
    for (const charge of this.paid) paidCycles.set(charge.cycle, [...(paidCycles.get(charge.cycle) ?? []), charge]);
    for (const [cycle, charges] of paidCycles) {
      if (charges.length > 1) {
        this.violation(
          `cycle ${cycle} charged ${charges.length} times: ${charges.map((c) => c.merchant_uid).join(', ')}`,
        );
      }
    }
    const cycles = [...paidCycles.keys()];
    if (cycles.some((cycle, index) => cycle !== index + 1)) {
      this.violation(`the paid cycles are not 1..n: ${cycles.join(', ')}`);
    }
    for (const charge of this.charges) {
      if (charge.customer_uid !== planned.customer_uid) {
        this.violation(`${charge.merchant_uid} charged billing key ${charge.customer_uid}`);
      }
      if (charge.amount !== planned.amount) {
        this.violation(`${charge.merchant_uid} charged ${charge.amount} instead of ${planned.amount}`);
      }
      if (charge.at_ms < dueAtMs(planned, charge.cycle)) {
        this.violation(
          `${charge.merchant_uid} charged at ${iso(charge.at_ms)}, before cycle ${charge.cycle} was due at ${iso(dueAtMs(planned, charge.cycle))}`,
        );
      }
    }
    // The test card declines exactly its first `declines` charges: any other failure was not the card's doing.
    if (this.failed.length > planned.declines || (this.paid.length > 0 && this.failed.length !== planned.declines)) {
      this.violation(`${this.failed.length} declined charges, the card declines ${planned.declines}`);
    }
    if (this.failed.some((c) => c.cycle !== 1)) this.violation('a decline outside the first cycle');
  }

  /** Every payment a workflow believes in is one the ledger made: no forged or misread notification was accepted. */
  private checkRecordedPayments(): void {
    const state = this.state;
    if (!state) return;
    const byImpUid = new Map(this.charges.map((c) => [c.imp_uid, c]));
    for (const record of state.recent_payments) {
      if (record.via === 'registration') {
        // Every billing key here stays valid, so iamport has no reason to refuse a charge: a recorded refusal is wrong.
        const registeredAt = this.snapshot.registeredAt.get(record.merchant_uid);
        const charged = this.charges.find((c) => c.merchant_uid === record.merchant_uid);
        this.violation(
          `the workflow recorded ${record.merchant_uid} as refused by iamport (${record.fail_reason}), but iamport ` +
            (registeredAt === undefined
              ? 'never registered it'
              : `registered it at ${iso(registeredAt)}${charged ? ` and charged it (${charged.status}) at ${iso(charged.at_ms)}` : ''}`),
        );
        continue;
      }
      const charge = record.imp_uid ? byImpUid.get(record.imp_uid) : undefined;
      const expected = record.status === 'failed' ? 'failed' : 'paid';
      if (
        !charge ||
        charge.status !== expected ||
        charge.merchant_uid !== record.merchant_uid ||
        charge.amount !== record.amount ||
        charge.cycle !== record.cycle
      ) {
        this.findings.unverifiedPayments += 1;
        this.violation(
          `the workflow recorded ${record.status} ${record.imp_uid} for ${record.merchant_uid} (cycle ${record.cycle}, ${record.amount}, via ${record.via}); the ledger shows ${charge ? `${charge.status} ${charge.merchant_uid} ${charge.amount}` : 'no such charge'}`,
        );
      }
    }
    const { paid_count, paid_amount, failed_count } = state.totals;
    if (paid_amount !== paid_count * this.planned.amount) {
      this.violation(`totals.paid_amount ${paid_amount} is not ${paid_count} × ${this.planned.amount}`);
    }
    if (paid_count > this.paid.length)
      this.violation(`totals.paid_count ${paid_count} > ${this.paid.length} in the ledger`);
    if (failed_count > this.failed.length) {
      this.violation(`totals.failed_count ${failed_count} > ${this.failed.length} in the ledger`);
    }
  }

  /** Renewing subscriptions: every due period paid exactly once, the next one registered, the totals agree. */
  private checkRenewing(): void {
    const { planned, state } = this;
    const due = cyclesDueBy(planned, this.snapshot.atMs);
    const paidWhenDue = this.paid.filter((c) => dueAtMs(planned, c.cycle) <= this.snapshot.atMs).length;
    if (paidWhenDue < due) this.lag(`${due} cycles due, ${paidWhenDue} paid`);
    if (!state) return this.lag('state unreadable');
    if (state.status === 'canceled' || state.status === 'unpaid') {
      return this.violation(`status ${state.status} (last_error: ${state.last_error?.message})`);
    }
    if (state.status !== 'active') this.lag(`status ${state.status}, waiting for ${state.waiting_for}`);
    if (state.cycle > this.paid.length + 1) this.violation(`cycle ${state.cycle} after ${this.paid.length} payments`);
    if (state.totals.paid_count !== this.paid.length || state.totals.failed_count !== this.failed.length) {
      this.lag(
        `totals ${state.totals.paid_count} paid / ${state.totals.failed_count} failed, ledger ${this.paid.length} / ${this.failed.length}`,
      );
    }
    const next = state.pending_charge;
    const nextDue = iso(dueAtMs(planned, due + 1));
    if (state.cycle !== due + 1 || !next?.registered || next.charge_at !== nextDue || next.amount !== planned.amount) {
      this.lag(
        `cycle ${state.cycle} (expected ${due + 1}), next charge ${next ? `${next.charge_at} ${next.amount} registered=${next.registered}` : 'none'} (expected ${nextDue}); waiting for ${state.waiting_for}`,
      );
    }
  }

  /** Canceled subscriptions: nothing charged after the cancel; at period end, exactly the paid periods. */
  private checkCanceled(): void {
    const { planned, state, cancel } = this;
    if (!cancel) return this.violation('was never canceled (the suite did not get to it)');
    if (cancel.error) return this.violation(`cancel failed after ${cancel.attempts} attempts: ${cancel.error}`);
    // A cancel lets the one registration attempt in flight finish (then revokes it), so that attempt may still reach
    // iamport and, when its time has passed, be charged at once; a registration sent after the acceptance must not.
    const acceptedAt = cancel.accepted_at_ms;
    if (acceptedAt === undefined) this.violation('no accepted cancel update in the workflow history');
    for (const charge of this.charges) {
      const registeredAt = this.snapshot.registeredAt.get(charge.merchant_uid) ?? Infinity;
      if (acceptedAt !== undefined && charge.at_ms > acceptedAt && registeredAt >= acceptedAt) {
        const registeredAfterMs = registeredAt - acceptedAt;
        this.findings.chargedAfterAcceptedCancel.push({
          merchant_uid: charge.merchant_uid,
          registered_after_ms: registeredAfterMs,
        });
        if (registeredAfterMs > IN_FLIGHT_ALLOWANCE_MS) {
          this.violation(
            `${charge.merchant_uid} registered at iamport ${(registeredAfterMs / 1000).toFixed(1)} s after the workflow accepted the cancel (${iso(acceptedAt)}), charged at ${iso(charge.at_ms)}`,
          );
        }
      }
      if (charge.at_ms > cancel.confirmed_at_ms) {
        this.violation(
          `${charge.merchant_uid} charged at ${iso(charge.at_ms)}, after the cancel was confirmed at ${iso(cancel.confirmed_at_ms)}`,
        );
      }
    }
    if (!state) return this.lag('state unreadable');
    if (state.status !== 'canceled') return this.lag(`status ${state.status}, waiting for ${state.waiting_for}`);
    const canceledAtMs = Date.parse(state.canceled_at ?? '');
    if (state.pending_charge) this.violation(`canceled with a pending charge ${state.pending_charge.merchant_uid}`);
    if (state.totals.paid_count !== this.paid.length) {
      this.violation(`canceled with totals.paid_count ${state.totals.paid_count}, ledger ${this.paid.length}`);
    }
    if (planned.role === 'cancels-now') {
      // A charge iamport executed before the revoke reached it is settled, and is earlier than canceled_at.
      if (!(canceledAtMs >= cancel.requested_at_ms && canceledAtMs <= cancel.confirmed_at_ms)) {
        this.violation(
          `canceled_at ${state.canceled_at} is outside the cancel request ${iso(cancel.requested_at_ms)}..${iso(cancel.confirmed_at_ms)}`,
        );
      }
      for (const charge of this.charges) {
        if (charge.at_ms > canceledAtMs) {
          this.violation(
            `${charge.merchant_uid} charged at ${iso(charge.at_ms)}, after canceled_at ${state.canceled_at}`,
          );
        }
      }
      if (cancel.confirmed?.canceled_at !== state.canceled_at) {
        this.violation(
          `the cancel was confirmed with canceled_at ${cancel.confirmed?.canceled_at}, now ${state.canceled_at}`,
        );
      }
    } else {
      if (cancel.confirmed && !cancel.confirmed.cancel_at_period_end && cancel.confirmed.status !== 'canceled') {
        this.violation(`the cancel at period end was confirmed with a state that does not show it`);
      }
      // Ends when the last paid period ends, and that period's successor is never charged.
      const paidEnd = iso(dueAtMs(planned, this.paid.length + 1));
      if (state.canceled_at !== paidEnd || (this.paid.length > 0 && state.current_period?.end !== paidEnd)) {
        this.violation(
          `canceled_at ${state.canceled_at} / current period end ${state.current_period?.end}, but ${this.paid.length} paid periods end at ${paidEnd}`,
        );
      }
    }
  }
}

const iso = (ms: number) => new Date(ms).toISOString();
