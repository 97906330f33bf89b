/**
 * The consent and refund transitions of the model (README: Korean rules), without a server. The workflow tests with
 * the sandbox ledger are in test/workflow-korean-rules.test.ts.
 */
import { SubscriptionModel } from '../workflows/model';
import type { OperatorCommand } from '../workflows/messages';
import type { PaymentSummary, SubscriptionInput } from '../workflows/types';

const DAY = 86_400_000;
const T0 = Date.parse('2027-01-01T01:00:00.000Z'); // 10:00 KST
const iso = (ms: number) => new Date(ms).toISOString();

function input(extra: Partial<SubscriptionInput> = {}): SubscriptionInput {
  return {
    subscription_id: 'sub-k',
    customer_uid: 'cust-k',
    plan: { name: 'Basic', amount: 9900, interval: 'P1M' },
    created_at: iso(T0),
    start_at: iso(T0),
    timezone: 'Asia/Seoul',
    ...extra,
  };
}

/** A model whose first charge (T0) is paid: cycle 2 is pending, due 2027-02-01 10:00 KST. */
function paidOnce(extra: Partial<SubscriptionInput> = {}): SubscriptionModel {
  const model = new SubscriptionModel(input(extra), T0);
  model.registered(iso(T0));
  const pending = model.pending!;
  const payment: PaymentSummary = {
    imp_uid: 'imp_100',
    merchant_uid: pending.merchant_uid,
    customer_uid: 'cust-k',
    amount: 9900,
    status: 'paid',
    at: iso(T0),
  };
  model.triage({ imp_uid: 'imp_100', merchant_uid: pending.merchant_uid, status: 'paid' });
  model.fetched('imp_100', payment, T0);
  expect(model.nextStep(T0).kind).toBe('next_cycle');
  return new SubscriptionModel({ ...input(extra), state: JSON.parse(JSON.stringify(model.state)) }, T0);
}

function run(model: SubscriptionModel, command: OperatorCommand, nowMs: number): void {
  model.validate(command, nowMs);
  model.apply(command, nowMs, nowMs, true);
}

const FEB1 = Date.parse('2027-02-01T01:00:00.000Z');

describe('price rise', () => {
  it('waits for consent: the request is due 30 days before the charge, the old amount stays until then', () => {
    const model = paidOnce();
    const changedAt = T0 + DAY / 2;
    run(model, { command: 'changePlan', args: { amount: 12900 } }, changedAt);
    const change = model.state.price_change!;
    expect(change).toMatchObject({
      change_id: 'chg_1',
      kind: 'price_rise',
      status: 'scheduled',
      amount_before: 9900,
      amount_after: 12900,
      effective_at: iso(FEB1),
      request_at: iso(FEB1 - 30 * DAY), // 2027-01-02 10:00 KST, after the change
    });
    expect(model.state.plan.amount).toBe(9900);
    expect(model.pending!.amount).toBe(9900);
    // nothing is registered while the amount waits for consent
    expect(model.nextStep(changedAt)).toMatchObject({ kind: 'wait', untilMs: FEB1 - 30 * DAY });
    expect(model.nextStep(FEB1 - 30 * DAY).kind).toBe('consent_due');
    expect(model.consentDue(FEB1 - 30 * DAY)).toMatchObject({ kind: 'requested' });
    expect(model.view().price_change).toMatchObject({ status: 'requested', requested_at: iso(FEB1 - 30 * DAY) });
    expect(model.nextStep(FEB1 - 29 * DAY)).toMatchObject({ kind: 'wait', untilMs: FEB1 });

    run(
      model,
      {
        command: 'consent',
        args: { change_id: 'chg_1', decision: 'granted', channel: 'app', at: iso(FEB1 - 5 * DAY) },
      },
      FEB1 - 5 * DAY,
    );
    expect(model.state.price_change).toBeUndefined();
    expect(model.state.plan.amount).toBe(12900);
    expect(model.pending!.amount).toBe(12900);
    expect(model.view().consents![0]).toMatchObject({ status: 'granted', outcome: 'applied', channel: 'app' });
    expect(model.nextStep(FEB1 - 5 * DAY).kind).toBe('register');
  });

  it('takes back a charge iamport holds at the old amount until the customer decides', () => {
    const model = paidOnce();
    model.registered(iso(FEB1));
    const at = T0 + DAY / 2;
    run(model, { command: 'changePlan', args: { amount: 12900 } }, at);
    expect(model.nextStep(at).kind).toBe('revoke');
    expect(model.revocation({ outcome: 'revoked' }, at)).toBe(true);
    expect(model.pending).toMatchObject({ registered: false, amount: 9900, charge_at: iso(FEB1) });
    expect(model.nextStep(at).kind).toBe('wait');
  });

  it('without consent by the charge: cancels at the end of the paid period, never charging the new amount', () => {
    const model = paidOnce();
    run(model, { command: 'changePlan', args: { amount: 12900 } }, T0 + DAY);
    model.consentDue(FEB1 - 30 * DAY);
    expect(model.nextStep(FEB1).kind).toBe('consent_due');
    expect(model.consentDue(FEB1)).toMatchObject({ kind: 'missing' });
    expect(model.view().consents![0]).toMatchObject({ status: 'missing', outcome: 'canceled_at_period_end' });
    expect(model.nextStep(FEB1).kind).toBe('period_end');
    model.endAtPeriodEnd();
    expect(model.view()).toMatchObject({ status: 'canceled', canceled_at: iso(FEB1) });
  });

  it('keep_price: without consent the old amount is charged', () => {
    const model = paidOnce({ consent: { window: 'P30D', on_missing_consent: 'keep_price' } });
    run(model, { command: 'changePlan', args: { amount: 12900, name: 'Pro' } }, T0 + DAY);
    model.consentDue(FEB1 - 30 * DAY);
    expect(model.consentDue(FEB1)).toMatchObject({ kind: 'missing' });
    expect(model.view().consents![0]).toMatchObject({ status: 'missing', outcome: 'kept_price' });
    expect(model.state.plan).toMatchObject({ name: 'Basic', amount: 9900 });
    const step = model.nextStep(FEB1);
    expect(step).toMatchObject({ kind: 'register', charge: { amount: 9900 } });
  });

  it('declined: the policy applies at once; a consent given more than 30 days before the charge does not count', () => {
    const model = paidOnce();
    run(model, { command: 'changePlan', args: { amount: 12900 } }, T0 + DAY);
    const early = {
      command: 'consent',
      args: { change_id: 'chg_1', decision: 'granted', channel: 'app', at: iso(FEB1 - 31 * DAY) },
    } as const;
    expect(() => model.validate(early, T0 + DAY)).toThrow(/within the 30 days before/);
    expect(() =>
      model.validate({ command: 'consent', args: { ...early.args, change_id: 'chg_9', at: iso(T0 + DAY) } }, T0 + DAY),
    ).toThrow(/not the change waiting for consent \(chg_1 is\)/);
    run(model, { command: 'consent', args: { ...early.args, decision: 'declined', at: iso(T0 + DAY) } }, T0 + DAY);
    expect(model.state.cancel_at_period_end).toBe(true);
    expect(model.view().consents![0]).toMatchObject({ status: 'declined', outcome: 'canceled_at_period_end' });
    expect(() => model.validate({ command: 'consent', args: { ...early.args, at: iso(T0 + DAY) } }, T0 + DAY)).toThrow(
      /decided already/,
    );
  });

  it('a price decrease needs no consent and applies to the next charge', () => {
    const model = paidOnce();
    run(model, { command: 'changePlan', args: { amount: 7900 } }, T0 + DAY);
    expect(model.state.price_change).toBeUndefined();
    expect(model.pending!.amount).toBe(7900);
  });

  it('a consent window shorter than 30 days sends the request later; the request never goes before the change', () => {
    const model = paidOnce({ consent: { window: 'P7D', on_missing_consent: 'cancel' } });
    run(model, { command: 'changePlan', args: { amount: 12900 } }, T0 + DAY);
    expect(model.state.price_change!.request_at).toBe(iso(FEB1 - 7 * DAY));
    const late = paidOnce();
    run(late, { command: 'changePlan', args: { amount: 12900 } }, FEB1 - 3 * DAY);
    expect(late.state.price_change!.request_at).toBe(iso(FEB1 - 3 * DAY));
  });
});

describe('trial conversion', () => {
  const trialEnd = Date.parse('2027-01-15T01:00:00.000Z');
  it('a trial signed up without conversion consent waits for it and ends without it', () => {
    const model = new SubscriptionModel(
      input({ trial_end: iso(trialEnd), consent: { window: 'P30D', on_missing_consent: 'keep_price' } }),
      T0,
    );
    expect(model.state.price_change).toMatchObject({
      kind: 'trial_conversion',
      amount_before: 0,
      amount_after: 9900,
      on_missing_consent: 'cancel', // no free price to keep
      request_at: iso(T0),
    });
    expect(model.nextStep(T0).kind).toBe('consent_due');
    model.consentDue(T0);
    expect(model.nextStep(T0 + DAY)).toMatchObject({ kind: 'wait', untilMs: trialEnd });
    model.consentDue(trialEnd);
    expect(model.nextStep(trialEnd).kind).toBe('period_end');
  });

  it('a trial signed up with conversion consent is billed as before', () => {
    const model = new SubscriptionModel(
      input({
        trial_end: iso(trialEnd),
        consent: {
          window: 'P30D',
          on_missing_consent: 'cancel',
          trial_conversion: { granted_at: iso(T0), channel: 'web' },
        },
      }),
      T0,
    );
    expect(model.state.price_change).toBeUndefined();
    expect(model.view().consents![0]).toMatchObject({ kind: 'trial_conversion', status: 'granted', channel: 'web' });
    expect(model.nextStep(T0).kind).toBe('register');
  });
});

describe('refunds', () => {
  it('refuses a refund larger than what is left, with the numbers', () => {
    const model = paidOnce();
    expect(() => model.validate({ command: 'refund', args: { amount: 10000, reason: 'x' } }, T0 + DAY)).toThrow(
      'a refund of ₩10,000 is more than is refundable on imp_100: ₩9,900 paid, ₩0 refunded, ₩9,900 left',
    );
    const plan = model.refundFor({ command: 'refund', args: { amount: 4000, reason: 'partial' } }, T0 + DAY)!;
    expect(plan).toMatchObject({ imp_uid: 'imp_100', amount: 4000, checksum: 9900 });
    model.refunded(plan, { outcome: 'refunded', refunded_total: 4000 }, T0 + DAY, true);
    expect(model.view().recent_payments[0]).toMatchObject({ refunded_amount: 4000, refunds: [{ amount: 4000 }] });
    // the next one's checksum is what is left
    expect(model.refundFor({ command: 'refund', args: { reason: 'rest' } }, T0 + DAY)).toMatchObject({
      amount: 5900,
      checksum: 5900,
    });
  });

  it('a refused refund fails its command and records what iamport says was refunded', () => {
    const model = paidOnce();
    const plan = model.refundFor({ command: 'refund', args: { reason: 'x' } }, T0 + DAY)!;
    expect(() =>
      model.refunded(plan, { outcome: 'refused', reason: 'checksum mismatch', refunded_total: 9900 }, T0 + DAY, true),
    ).toThrow(/refused the refund/);
    expect(model.view().recent_payments[0].refunded_amount).toBe(9900);
    expect(() => model.validate({ command: 'refund', args: { reason: 'again' } }, T0 + DAY)).toThrow(/in full already/);
  });

  it('cancel with a prorated refund refunds the unused days of the paid period; withdrawal only within 7 days', () => {
    const model = paidOnce();
    const jan16 = Date.parse('2027-01-16T03:00:00.000Z'); // 12:00 KST: Jan 17..31 unused = 15 of 31 days
    expect(model.refundFor({ command: 'cancel', args: { refund: 'prorated' } }, jan16)).toMatchObject({
      amount: 4790,
      unused_days: 15,
      period_days: 31,
      checksum: 9900,
    });
    expect(model.refundFor({ command: 'cancel', args: {} }, jan16)).toBeUndefined();
    expect(model.refundFor({ command: 'cancel', args: { withdrawal: true } }, T0 + 6 * DAY)).toMatchObject({
      amount: 9900,
      kind: 'withdrawal',
    });
    expect(() => model.refundFor({ command: 'cancel', args: { withdrawal: true } }, T0 + 8 * DAY)).toThrow(
      /withdrawal period .* ended/,
    );
    expect(() => model.validate({ command: 'cancel', args: { at_period_end: true, refund: 'full' } }, T0)).toThrow(
      /immediate cancel/,
    );
  });
});
