/**
 * The subscription model without a server: its transitions one by one, and a property test that drives it with a
 * small in-memory iamport through random sequences of registrations (answered, lost, late), webhooks (copies,
 * forgeries), lookups, revokes and commands, checking the money rules on iamport's side of the ledger.
 */
import fc from 'fast-check';
import type { OperatorCommand } from '../workflows/messages';
import { SubscriptionModel, type ChargeLookup, type RevokeOutcome } from '../workflows/model';
import type { PaymentSummary } from '../workflows/types';
import { DAY, modelInput, T0 } from './helpers/model-input';

const input = modelInput;

function paid(merchantUid: string, amount: number, customerUid = 'cust-1'): PaymentSummary {
  return {
    imp_uid: `imp_${merchantUid.length}${amount}`,
    merchant_uid: merchantUid,
    customer_uid: customerUid,
    amount,
    status: 'paid',
    at: new Date(T0).toISOString(),
  };
}

describe('SubscriptionModel transitions', () => {
  it('starts with the first charge due at the start and registers it first', () => {
    const model = new SubscriptionModel(input(), T0);
    const step = model.nextStep(T0);
    expect(step.kind).toBe('register');
    expect(model.view()).toMatchObject({ status: 'active', next_charge_at: new Date(T0).toISOString() });
  });

  it('completes the cycle on a verified paid webhook, and the next charge is one month later', () => {
    const model = new SubscriptionModel(input(), T0);
    model.registered(new Date(T0).toISOString());
    const uid = model.pending!.merchant_uid;
    expect(model.triage({ imp_uid: 'imp_1', merchant_uid: uid, status: 'paid' })).toBe('verify');
    model.fetched('imp_1', paid(uid, 9900), T0);
    expect(model.nextStep(T0).kind).toBe('next_cycle');
    expect(model.view()).toMatchObject({ cycle: 2, next_charge_at: '2027-02-28T00:00:00.000Z' });
    expect(model.view().totals).toMatchObject({ paid_count: 1, paid_amount: 9900 });
  });

  it('counts a second copy of a webhook as a duplicate without fetching it again', () => {
    const model = new SubscriptionModel(input(), T0);
    model.registered(new Date(T0).toISOString());
    const notification = { imp_uid: 'imp_1', merchant_uid: model.pending!.merchant_uid, status: 'paid' };
    expect(model.triage(notification)).toBe('verify');
    expect(model.triage(notification)).toBe('duplicate');
    expect(model.state.totals.duplicate_notifications).toBe(1);
  });

  it('does not count a payment of another amount or another billing key', () => {
    const model = new SubscriptionModel(input(), T0);
    model.registered(new Date(T0).toISOString());
    const uid = model.pending!.merchant_uid;
    model.fetched('imp_1', paid(uid, 100), T0);
    model.fetched('imp_2', paid(uid, 9900, 'someone-else'), T0);
    expect(model.nextStep(T0).kind).toBe('await_result');
    expect(model.state.totals.ignored_notifications).toBe(2);
  });

  it('does not advance on a payment iamport already shows as refunded: needs_attention until an operator acts', () => {
    const model = new SubscriptionModel(input(), T0);
    model.registered(new Date(T0).toISOString());
    const uid = model.pending!.merchant_uid;
    model.fetched('imp_1', { ...paid(uid, 9900), status: 'cancelled' }, T0);
    expect(model.view().status).toBe('needs_attention');
    expect(model.view().totals.paid_count).toBe(0);
    expect(model.nextStep(T0).kind).toBe('idle');
    model.validate({ command: 'retry' });
    model.apply({ command: 'retry' }, T0, T0);
    expect(model.view().status).toBe('active');
    const step = model.nextStep(T0);
    expect(step.kind).toBe('register');
    expect(model.pending!.merchant_uid).not.toBe(uid);
  });

  it('an unexpected answer shows needs_attention and clears when a call succeeds', () => {
    const model = new SubscriptionModel(input(), T0);
    model.enterAttention('unexpected', 'looking up a charge: HTTP 400', T0);
    expect(model.view().status).toBe('needs_attention');
    expect(model.nextStep(T0).kind).toBe('register'); // the loop keeps retrying the step it was on
    model.callSucceeded();
    expect(model.view().status).toBe('active');
  });

  it('a declined payment starts dunning at the first retry delay; exhausted dunning cancels', () => {
    const model = new SubscriptionModel(input({ dunning: { retry_delays: ['P1D'], final_action: 'cancel' } }), T0);
    model.registered(new Date(T0).toISOString());
    let uid = model.pending!.merchant_uid;
    model.fetched('imp_1', { ...paid(uid, 9900), status: 'failed', fail_reason: 'declined' }, T0);
    expect(model.view().status).toBe('past_due');
    const wait = model.nextStep(T0);
    expect(wait).toMatchObject({ kind: 'wait', untilMs: T0 + DAY });
    expect(model.nextStep(T0 + DAY).kind).toBe('register');
    model.registered(new Date(T0 + DAY).toISOString());
    uid = model.pending!.merchant_uid;
    model.fetched('imp_2', { ...paid(uid, 9900), status: 'failed', fail_reason: 'declined' }, T0 + DAY);
    expect(model.view().status).toBe('canceled');
    expect(model.nextStep(T0 + DAY).kind).toBe('ended');
  });

  it('stamps canceled_at with the time the cancel was accepted, not the time it was applied', () => {
    const model = new SubscriptionModel(input(), T0);
    model.apply({ command: 'cancel', args: {} }, T0 + 1000, T0 + 60_000);
    expect(model.view().canceled_at).toBe(new Date(T0 + 1000).toISOString());
  });

  it('asks for a revoke before a cancel when iamport may hold the charge, and keeps the charge when it is running', () => {
    const model = new SubscriptionModel(input(), T0);
    model.registrationInterrupted();
    const cancel: OperatorCommand = { command: 'cancel', args: {} };
    expect(model.needsRevocation(cancel)).toBe(true);
    const revoked = model.revocation({ outcome: 'executing', scheduled_at: new Date(T0).toISOString() }, T0);
    expect(revoked).toBe(false);
    model.apply(cancel, T0, T0, revoked);
    expect(model.view().status).toBe('canceled');
    // iamport is running it: the workflow waits for its result before it ends.
    expect(model.nextStep(T0).kind).toBe('await_result');
  });

  it('a revoke that finds the charge paid settles it before the command applies', () => {
    const model = new SubscriptionModel(input(), T0);
    model.registered(new Date(T0).toISOString());
    const uid = model.pending!.merchant_uid;
    expect(model.revocation({ outcome: 'executed', payment: paid(uid, 9900) }, T0)).toBe(true);
    expect(model.view()).toMatchObject({ cycle: 2, totals: { paid_count: 1 } });
  });

  it('a cancel whose revoke finds the charge paid ends the subscription, not a next cycle', () => {
    const model = new SubscriptionModel(input(), T0);
    model.registered(new Date(T0).toISOString());
    const uid = model.pending!.merchant_uid;
    const cancel: OperatorCommand = { command: 'cancel', args: {} };
    const revoked = model.revocation({ outcome: 'executed', payment: paid(uid, 9900) }, T0);
    model.apply(cancel, T0, T0, revoked);
    expect(model.view()).toMatchObject({ status: 'canceled', totals: { paid_count: 1 } });
    expect(model.nextStep(T0).kind).toBe('ended');
  });

  it('a canceled subscription whose charge is still scheduled in the future is revoked after a lookup', () => {
    const model = new SubscriptionModel(input({ start_at: new Date(T0 + DAY).toISOString() }), T0);
    model.registered(new Date(T0 + DAY).toISOString());
    model.revocation({ outcome: 'executing', scheduled_at: new Date(T0 + DAY).toISOString() }, T0);
    model.apply({ command: 'cancel', args: {} }, T0, T0, false);
    const found: ChargeLookup = {
      schedule_status: 'scheduled',
      scheduled_at: new Date(T0 + DAY).toISOString(),
      payment: null,
    };
    expect(model.lookedUp(found, T0).revoke).toBe(true);
  });

  it('asks an operator when iamport ran the charge but its payment cannot be verified', () => {
    const model = new SubscriptionModel(input(), T0);
    model.registered(new Date(T0).toISOString());
    const found: ChargeLookup = { schedule_status: 'executed', payment: null };
    for (let i = 0; i < 3; i++) model.lookedUp(found, T0 + i * DAY);
    expect(model.view().status).toBe('needs_attention');
    expect(model.view().last_error?.message).toMatch(/cannot be verified/);
  });

  it('remembers applied update ids and refuses the same key with another request', () => {
    const model = new SubscriptionModel(input(), T0);
    model.updateDone('key1.body1', T0);
    expect(model.updateApplied('key1.body1')).toBe(true);
    expect(model.updateConflicts('key1.body2')).toBe(true);
    expect(model.updateConflicts('key2.body1')).toBe(false);
    expect(model.updateConflicts('random-id')).toBe(false);
  });
});

// ---- property test ------------------------------------------------------------------------------------------------

interface FakeSchedule {
  merchant_uid: string;
  customer_uid: string;
  amount: number;
  schedule_at: number;
  status: 'scheduled' | 'executed' | 'failed' | 'revoked';
  payment?: PaymentSummary;
}

/** iamport as the model must assume it: one schedule per merchant_uid ever, executed when due, revocable before. */
class FakeIamport {
  readonly schedules = new Map<string, FakeSchedule>();
  /** registration requests still on the wire: they land later (or never) */
  readonly inFlight: { merchant_uid: string; customer_uid: string; amount: number; schedule_at: number }[] = [];
  readonly webhooks: { imp_uid: string; merchant_uid: string; status: string }[] = [];
  declineNext = false;
  private seq = 0;

  register(req: { merchant_uid: string; customer_uid: string; amount: number; schedule_at: number }): boolean {
    const existing = this.schedules.get(req.merchant_uid);
    if (existing) return existing.customer_uid === req.customer_uid && existing.amount === req.amount;
    this.schedules.set(req.merchant_uid, { ...req, status: 'scheduled' });
    return true;
  }

  revoke(req: { merchant_uid: string; customer_uid: string; amount: number }, nowMs: number): RevokeOutcome {
    // Claim first: after this no late registration of the merchant_uid can land.
    this.register({ ...req, schedule_at: nowMs + 365 * DAY });
    const schedule = this.schedules.get(req.merchant_uid)!;
    if (schedule.status === 'scheduled') {
      schedule.status = 'revoked';
      return { outcome: 'revoked' };
    }
    if (schedule.status === 'revoked') return { outcome: 'revoked' };
    return { outcome: 'executed', payment: schedule.payment ?? null };
  }

  lookup(merchantUid: string): ChargeLookup {
    const schedule = this.schedules.get(merchantUid);
    if (!schedule) return { schedule_status: 'missing', payment: null };
    return {
      schedule_status: schedule.status,
      scheduled_at: new Date(schedule.schedule_at).toISOString(),
      payment: schedule.payment ?? null,
    };
  }

  run(nowMs: number): void {
    for (const schedule of this.schedules.values()) {
      if (schedule.status !== 'scheduled' || schedule.schedule_at > nowMs) continue;
      const declined = this.declineNext;
      schedule.status = declined ? 'failed' : 'executed';
      schedule.payment = {
        imp_uid: `imp_${++this.seq}`,
        merchant_uid: schedule.merchant_uid,
        customer_uid: schedule.customer_uid,
        amount: schedule.amount,
        status: declined ? 'failed' : 'paid',
        at: new Date(nowMs).toISOString(),
        fail_reason: declined ? 'declined' : undefined,
      };
      this.webhooks.push({ imp_uid: schedule.payment.imp_uid, merchant_uid: schedule.merchant_uid, status: 'x' });
    }
  }

  payment(impUid: string): PaymentSummary | null {
    for (const s of this.schedules.values()) if (s.payment?.imp_uid === impUid) return s.payment;
    return null;
  }
}

type Action =
  | { kind: 'step'; lose: boolean }
  | { kind: 'land' }
  | { kind: 'run'; decline: boolean }
  | { kind: 'webhook'; copy: boolean }
  | { kind: 'forge' }
  | { kind: 'time'; ms: number }
  | { kind: 'command'; command: OperatorCommand }
  | { kind: 'consent'; decision: 'granted' | 'declined' };

const actionArb: fc.Arbitrary<Action> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('step' as const), lose: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('land' as const) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('run' as const), decline: fc.boolean() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('webhook' as const), copy: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('forge' as const) }) },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant('time' as const), ms: fc.integer({ min: 1000, max: 40 * DAY }) }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('consent' as const),
      decision: fc.constantFrom('granted' as const, 'declined' as const),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('command' as const),
      command: fc.oneof(
        fc.constant<OperatorCommand>({ command: 'cancel', args: {} }),
        fc.constant<OperatorCommand>({ command: 'cancel', args: { at_period_end: true } }),
        fc.constant<OperatorCommand>({ command: 'undoCancel' }),
        fc.constant<OperatorCommand>({ command: 'pause' }),
        fc.constant<OperatorCommand>({ command: 'resume' }),
        fc.constant<OperatorCommand>({ command: 'retry' }),
        fc
          .integer({ min: 1000, max: 50_000 })
          .map<OperatorCommand>((amount) => ({ command: 'changePlan', args: { amount } })),
        fc
          .constantFrom('cust-1', 'cust-2')
          .map<OperatorCommand>((c) => ({ command: 'updatePaymentMethod', args: { customer_uid: c } })),
      ),
    }),
  },
);

/** Runs one random history; returns the violations of the money rules found on iamport's side. */
function simulate(actions: Action[]): string[] {
  const iamport = new FakeIamport();
  let now = T0;
  let model = new SubscriptionModel(input({ dunning: { retry_delays: ['P1D', 'P3D'], final_action: 'unpaid' } }), now);
  /** amounts the customer agreed to, per merchant_uid, when the model asked for the charge */
  const agreed = new Map<string, number>();
  /** amounts the customer consented to: the signup's, every decrease, every price rise granted */
  const consented = new Set<number>([model.state.plan.amount]);
  let canceledAt: number | undefined;
  const violations: string[] = [];

  const revoke = (): boolean => {
    const pending = model.pending!;
    return model.revocation(iamport.revoke(pending, now), now);
  };

  for (const action of actions) {
    // After the end, iamport keeps running (a charge left behind would show), the model has nothing more to do.
    const ended = model.nextStep(now).kind === 'ended';
    if (ended && action.kind !== 'run' && action.kind !== 'time' && action.kind !== 'land') continue;
    switch (action.kind) {
      case 'step': {
        const step = model.nextStep(now);
        if (step.kind === 'next_cycle' && model.state.status === 'canceled') {
          // The workflow does not continue a canceled subscription as new: asking for it would loop forever.
          violations.push('a canceled subscription asks for the next cycle');
          break;
        }
        if (step.kind === 'next_cycle') {
          // continue-as-new: the next run starts from the serialized state
          const carried = JSON.parse(JSON.stringify(model.state));
          model = new SubscriptionModel({ ...input(), dunning: carried.dunning, state: carried }, now);
        } else if (step.kind === 'register') {
          const req = { ...step.charge, schedule_at: Math.max(Date.parse(step.charge.charge_at), now) };
          agreed.set(step.charge.merchant_uid, model.state.plan.amount);
          if (step.charge.amount !== model.state.plan.amount)
            violations.push(`registers ${step.charge.amount}, plan says ${model.state.plan.amount}`);
          if (!consented.has(step.charge.amount)) violations.push(`registers ${step.charge.amount}, never consented`);
          if (action.lose) {
            iamport.inFlight.push(req); // the answer is lost and the request may land later
            model.registrationInterrupted();
          } else if (iamport.register(req)) {
            model.registered(new Date(iamport.schedules.get(req.merchant_uid)!.schedule_at).toISOString());
          } else {
            model.registrationRefused('duplicate merchant_uid', now);
          }
        } else if (step.kind === 'look_up') {
          if (model.lookedUp(iamport.lookup(step.charge.merchant_uid), now).revoke) revoke();
        } else if (step.kind === 'revoke') {
          revoke();
        } else if (step.kind === 'consent_due') {
          model.consentDue(now);
        } else if (step.kind === 'period_end') {
          model.endAtPeriodEnd();
          canceledAt = now;
        } else if (step.kind === 'wait') {
          now = Math.max(now, step.untilMs);
        } else if (step.kind === 'await_result') {
          now = Math.max(now, step.deadlineMs);
        }
        break;
      }
      case 'land': {
        const req = iamport.inFlight.shift();
        if (req) iamport.register(req);
        break;
      }
      case 'run': {
        iamport.declineNext = action.decline;
        const before = [...iamport.schedules.values()].filter((s) => s.payment).length;
        iamport.run(now);
        const after = [...iamport.schedules.values()].filter((s) => s.payment);
        if (canceledAt !== undefined && after.length > before) {
          for (const s of after.slice(before)) {
            if (s.payment?.status === 'paid') violations.push(`${s.merchant_uid} charged after the cancel`);
          }
        }
        break;
      }
      case 'webhook': {
        const webhook = action.copy ? iamport.webhooks[0] : iamport.webhooks.shift();
        if (webhook && model.triage(webhook) === 'verify')
          model.fetched(webhook.imp_uid, iamport.payment(webhook.imp_uid), now);
        break;
      }
      case 'forge': {
        const pending = model.pending;
        if (
          pending &&
          model.triage({ imp_uid: 'imp_forged', merchant_uid: pending.merchant_uid, status: 'paid' }) === 'verify'
        ) {
          model.fetched('imp_forged', iamport.payment('imp_forged'), now);
        }
        break;
      }
      case 'time':
        now += action.ms;
        break;
      case 'consent': {
        const change = model.state.price_change;
        const command: OperatorCommand = {
          command: 'consent',
          args: {
            change_id: change?.change_id ?? 'chg_0',
            decision: action.decision,
            channel: 'app',
            at: new Date(now).toISOString(),
          },
        };
        try {
          model.validate(command, now);
        } catch {
          break;
        }
        const revoked = model.needsRevocation(command) ? revoke() : true;
        try {
          model.validate(command, now);
          model.apply(command, now, now, revoked);
        } catch {
          break;
        }
        if (action.decision === 'granted' && change) consented.add(change.amount_after);
        break;
      }
      case 'command': {
        try {
          model.validate(action.command);
        } catch {
          break;
        }
        let revoked = true;
        if (model.needsRevocation(action.command)) {
          revoked = revoke();
          try {
            model.validate(action.command);
          } catch {
            break;
          }
        }
        const planBefore = model.state.plan.amount;
        try {
          model.apply(action.command, now, now, revoked);
        } catch {
          break;
        }
        const change = action.command.command === 'changePlan' ? action.command.args : undefined;
        if (change?.amount !== undefined && change.amount <= planBefore) consented.add(change.amount);
        if (action.command.command === 'cancel' && !action.command.args?.at_period_end && revoked) canceledAt = now;
        break;
      }
    }
  }

  // iamport's side of the ledger: at most one paid charge per billing period, each for the amount agreed.
  const paidByPeriod = new Map<string, number>();
  for (const s of iamport.schedules.values()) {
    if (s.payment?.status !== 'paid') continue;
    const [, , cycle] = s.merchant_uid.split('_');
    const periodKey = `cycle ${cycle}`;
    paidByPeriod.set(periodKey, (paidByPeriod.get(periodKey) ?? 0) + 1);
    if (agreed.get(s.merchant_uid) !== s.amount)
      violations.push(`${s.merchant_uid} paid ${s.amount}, agreed ${agreed.get(s.merchant_uid)}`);
  }
  for (const [period, count] of paidByPeriod) if (count > 1) violations.push(`${period} paid ${count} times`);
  return violations;
}

describe('SubscriptionModel under random histories', () => {
  it('never charges a period twice, never after an acknowledged cancel, never an amount not agreed to', () => {
    fc.assert(
      fc.property(fc.array(actionArb, { minLength: 5, maxLength: 120 }), (actions) => {
        expect(simulate(actions)).toEqual([]);
      }),
      { numRuns: 1500 },
    );
  });
});
