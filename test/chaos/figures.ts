import type { SandboxLedger } from 'iamport-sandbox';
import type { SubscriptionView } from '../../workflows/view';
import type { PlannedSubscription, Role } from './population';
import type { CancelRecord, SignupResult } from './subscription-api';

export interface RunFacts {
  planned: PlannedSubscription[];
  signups: SignupResult[];
  cancels: CancelRecord[];
  states: Map<string, SubscriptionView | undefined>;
  ledger: SandboxLedger;
  chargedAfterAcceptedCancel: { merchant_uid: string; registered_after_ms: number }[];
  /** payments a workflow recorded that the ledger does not show as made (a forged or misread notification) */
  unverifiedPayments: number;
  injected: { before: number; after: number; hangs: number };
  workerKills: number;
  temporalRestarts: number;
  unexpectedExits: string[];
  wallMs: number;
  chaosMs: number;
  settleMs: number;
}

/** Everything measured in the run, summed over the subscriptions' states and the sandbox's ledger. */
export function measure(facts: RunFacts) {
  const states = [...facts.states.values()].filter((s): s is SubscriptionView => s !== undefined);
  const total = (pick: (s: SubscriptionView) => number) => states.reduce((sum, s) => sum + pick(s), 0);
  const webhooks = (kind: string) => facts.ledger.webhooks.filter((w) => w.kind === kind).length;
  const roles = new Map<Role, number>();
  for (const p of facts.planned) roles.set(p.role, (roles.get(p.role) ?? 0) + 1);
  const paid = facts.ledger.charges.filter((c) => c.status === 'paid');
  const renewingCycles = facts.planned
    .filter((p) => p.role === 'renews' || p.role === 'recovers')
    .map((p) => facts.states.get(p.id)?.totals.paid_count ?? 0);
  return {
    subscriptions: facts.planned.length,
    roles: Object.fromEntries(roles) as Record<Role, number>,
    paidCharges: paid.length,
    declinedCharges: facts.ledger.charges.length - paid.length,
    paidAmount: paid.reduce((sum, c) => sum + c.amount, 0),
    cyclesPerRenewing: { min: Math.min(...renewingCycles), max: Math.max(...renewingCycles) },
    webhooks: {
      sent: webhooks('sent'),
      duplicated: webhooks('duplicated'),
      dropped: webhooks('dropped'),
      forged: webhooks('forged'),
      notAccepted: facts.ledger.webhooks.filter((w) => w.kind !== 'dropped' && w.http_status !== 200).length,
    },
    duplicatesSuppressed: total((s) => s.totals.duplicate_notifications),
    ignoredNotifications: total((s) => s.totals.ignored_notifications),
    reconciliations: total((s) => s.totals.reconciliations),
    paymentsLearnedByLookup: total((s) => s.recent_payments.filter((p) => p.via === 'lookup').length),
    signupAttempts: facts.signups.reduce((sum, s) => sum + s.attempts, 0),
    cancelAttempts: facts.cancels.reduce((sum, c) => sum + c.attempts, 0),
    cancelSeconds: facts.cancels.map((c) => (c.confirmed_at_ms - c.requested_at_ms) / 1000).sort((a, b) => a - b),
    cancelAppliedSeconds: facts.cancels
      .filter((c) => !c.at_period_end && c.accepted_at_ms !== undefined)
      .map((c) => (Date.parse(facts.states.get(c.id)?.canceled_at ?? '') - c.accepted_at_ms!) / 1000)
      .filter((seconds) => !Number.isNaN(seconds))
      .sort((a, b) => a - b),
  };
}

export function figuresTable(facts: RunFacts, figures: ReturnType<typeof measure>): string {
  const s = (ms: number) => `${(ms / 1000).toFixed(0)} s`;
  const rows: [string, string][] = [
    [
      'subscriptions',
      `${figures.subscriptions} (${figures.roles.renews ?? 0} renew, ${figures.roles.recovers ?? 0} recover from declines, ` +
        `${figures.roles['cancels-now'] ?? 0} canceled at once, ${figures.roles['cancels-at-period-end'] ?? 0} at period end)`,
    ],
    ['signups (attempts)', `${facts.signups.length} (${figures.signupAttempts})`],
    [
      'cancels (attempts)',
      `${facts.cancels.length} (${figures.cancelAttempts}), confirmed to the API client after median ` +
        `${median(figures.cancelSeconds)} s, at most ${max(figures.cancelSeconds)} s`,
    ],
    [
      'cancel latency',
      `immediate cancels applied median ${median(figures.cancelAppliedSeconds)} s, at most ` +
        `${max(figures.cancelAppliedSeconds)} s after the workflow accepted them; charges registered after the ` +
        `acceptance: ${facts.chargedAfterAcceptedCancel.map((c) => `+${(c.registered_after_ms / 1000).toFixed(1)} s`).join(', ') || 'none'}`,
    ],
    [
      'cycles completed',
      `${figures.paidCharges} paid, ${figures.cyclesPerRenewing.min}–${figures.cyclesPerRenewing.max} per renewing subscription`,
    ],
    [
      'charges',
      `${figures.paidCharges + figures.declinedCharges} (${figures.declinedCharges} declined), ₩${figures.paidAmount.toLocaleString('en-US')} paid`,
    ],
    [
      'webhooks',
      `${figures.webhooks.sent} sent, ${figures.webhooks.duplicated} extra copies, ${figures.webhooks.dropped} dropped, ` +
        `${figures.webhooks.forged} forged, ${figures.webhooks.notAccepted} not answered 200`,
    ],
    ['duplicates suppressed', String(figures.duplicatesSuppressed)],
    [
      'forgeries rejected',
      `${figures.webhooks.forged} forged webhooks, ${facts.unverifiedPayments} recorded payments the ledger lacks; ` +
        `${figures.ignoredNotifications} notifications ignored as unverified`,
    ],
    ['reconciliations', `${figures.reconciliations} by lookup (${figures.paymentsLearnedByLookup} in recent payments)`],
    [
      'iamport faults injected',
      `${facts.injected.before} 500 before, ${facts.injected.after} 500 after handling, ${facts.injected.hangs} hangs`,
    ],
    ['worker kills (SIGKILL)', String(facts.workerKills)],
    ['Temporal restarts', String(facts.temporalRestarts)],
    ['unexpected exits', facts.unexpectedExits.length > 0 ? facts.unexpectedExits.join('; ') : 'none'],
    [
      'wall time',
      `${s(facts.wallMs)} from the stack's start (chaos ${s(facts.chaosMs)}, settling ${s(facts.settleMs)})`,
    ],
  ];
  const width = Math.max(...rows.map(([label]) => label.length));
  return rows.map(([label, value]) => `  ${label.padEnd(width)}  ${value}`).join('\n');
}

function median(sorted: number[]): string {
  return sorted.length > 0 ? sorted[Math.floor(sorted.length / 2)].toFixed(0) : '-';
}

function max(sorted: number[]): string {
  return sorted.length > 0 ? sorted[sorted.length - 1].toFixed(0) : '-';
}
