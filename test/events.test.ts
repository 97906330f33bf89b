/**
 * Merchant events without a server (workflows/events.ts): what the model's transitions emit, the ids and sequence,
 * the renewal and trial notices, and the delivery bookkeeping (the Standard Webhooks schedule, Retry-After, 410).
 */
import { Webhook } from 'standardwebhooks';
import { signatureHeader } from '../activities/deliver-event';
import {
  eventBody,
  eventIdFor,
  MAX_ATTEMPTS,
  RETRY_SCHEDULE_MS,
  subscriptionIdFromEventId,
  SubscriptionEvents,
  type EventsSettings,
} from '../workflows/events';
import { SubscriptionModel } from '../workflows/model';
import type { OperatorCommand } from '../workflows/messages';
import type { PaymentSummary, SubscriptionInput } from '../workflows/types';
import { DAY, modelInput, T0 } from './helpers/model-input';

/** Dunning of one retry a day after the decline, so the second decline ends it. */
const input = (extra: Partial<SubscriptionInput> = {}) =>
  modelInput({ dunning: { retry_delays: ['P1D'], final_action: 'cancel' }, ...extra });

function payment(
  merchantUid: string,
  status: 'paid' | 'failed',
  customerUid = 'cust-1',
  amount = 9900,
): PaymentSummary {
  return {
    imp_uid: `imp_${merchantUid}`,
    merchant_uid: merchantUid,
    customer_uid: customerUid,
    amount,
    status,
    at: new Date(T0).toISOString(),
    fail_reason: status === 'failed' ? '잔액부족' : undefined,
    receipt_url: status === 'paid' ? `https://receipts.example/${merchantUid}` : undefined,
  };
}

function setUp(extra: Partial<SubscriptionInput> = {}, settings: EventsSettings = {}) {
  const subscriptionInput = input(extra);
  const model = new SubscriptionModel(subscriptionInput, T0);
  const events = new SubscriptionEvents(model.state, subscriptionInput, settings, undefined, T0);
  return { model, events, input: subscriptionInput };
}

/** Settles the pending charge with a payment of `status`, as a verified webhook does. */
function settle(model: SubscriptionModel, status: 'paid' | 'failed', atMs: number): string {
  model.registered(model.pending!.charge_at);
  const uid = model.pending!.merchant_uid;
  model.triage({ imp_uid: `imp_${uid}`, merchant_uid: uid, status });
  model.fetched(`imp_${uid}`, payment(uid, status, model.pending!.customer_uid, model.pending!.amount), atMs);
  return uid;
}

const types = (events: SubscriptionEvents) => events.state.outbox.map((d) => d.event.type);

describe('events emitted by the model’s transitions', () => {
  it('a signup is subscription.created with sequence 1 and the view; a paid charge is payment.succeeded', () => {
    const { model, events } = setUp();
    expect(types(events)).toEqual(['subscription.created']);
    const created = events.state.outbox[0].event;
    expect(created).toMatchObject({
      id: eventIdFor('sub-1', new Date(T0).toISOString(), 1),
      timestamp: new Date(T0).toISOString(),
      data: { subscription_id: 'sub-1', customer_uid: 'cust-1', sequence: 1, subscription: { status: 'active' } },
    });
    const uid = settle(model, 'paid', T0 + 1000);
    events.observe(T0 + 1000);
    expect(types(events)).toEqual(['subscription.created', 'payment.succeeded']);
    expect(events.state.outbox[1].event.data).toMatchObject({
      sequence: 2,
      imp_uid: `imp_${uid}`,
      merchant_uid: uid,
      amount: 9900,
      paid_at: new Date(T0).toISOString(),
      receipt_url: `https://receipts.example/${uid}`,
      period_start: '2027-01-31T00:00:00.000Z',
      period_end: '2027-02-28T00:00:00.000Z',
      subscription: { cycle: 2, status: 'active' },
    });
    // Nothing changed: nothing new.
    expect(events.observe(T0 + 2000)).toEqual([]);
  });

  it('a decline is payment.failed + past_due; the last retry failing is canceled with reason dunning_exhausted', () => {
    const { model, events } = setUp();
    settle(model, 'failed', T0 + 1000);
    events.observe(T0 + 1000);
    expect(types(events).slice(1)).toEqual(['payment.failed', 'subscription.past_due']);
    expect(events.state.outbox[1].event.data).toMatchObject({
      imp_uid: expect.any(String),
      fail_reason: '잔액부족',
      attempt: 1,
      next_retry_at: model.pending!.charge_at,
    });
    settle(model, 'failed', T0 + DAY + 1000);
    events.observe(T0 + DAY + 1000);
    expect(types(events).slice(3)).toEqual(['payment.failed', 'subscription.canceled']);
    expect(events.state.outbox[3].event.data).toMatchObject({ attempt: 2, next_retry_at: null });
    expect(events.state.outbox[4].event.data).toMatchObject({ reason: 'dunning_exhausted' });
  });

  it('commands: card, plan, pause, resume, cancel at period end, and an immediate cancel', () => {
    const { model, events } = setUp();
    settle(model, 'paid', T0);
    events.observe(T0);
    model.apply({ command: 'updatePaymentMethod', args: { customer_uid: 'cust-2' } }, T0 + 1, T0 + 1);
    // A price cut applies at once (a rise waits for consent: see the Korean rules events below).
    model.apply({ command: 'changePlan', args: { amount: 4900 } }, T0 + 1, T0 + 1);
    events.observe(T0 + 1);
    expect(types(events).slice(2)).toEqual(['subscription.plan_changed', 'subscription.payment_method_changed']);
    expect(events.state.outbox[2].event.data).toMatchObject({
      previous_plan: { amount: 9900 },
      plan: { amount: 4900 },
    });
    expect(events.state.outbox[3].event.data).toMatchObject({
      previous_customer_uid: 'cust-1',
      customer_uid: 'cust-2',
    });
    model.apply({ command: 'pause' }, T0 + 2, T0 + 2);
    events.observe(T0 + 2);
    model.apply({ command: 'resume' }, T0 + 3, T0 + 3);
    events.observe(T0 + 3);
    expect(types(events).slice(4)).toEqual(['subscription.paused', 'subscription.resumed']);
    model.apply({ command: 'cancel', args: { at_period_end: true } }, T0 + 4, T0 + 4);
    expect(events.observe(T0 + 4)).toEqual([]); // still active until the period ends
    model.endAtPeriodEnd();
    events.observe(T0 + 5);
    expect(events.state.outbox.at(-1)!.event).toMatchObject({
      type: 'subscription.canceled',
      data: { reason: 'period_end', subscription: { status: 'canceled' } },
    });

    const other = setUp();
    other.model.apply({ command: 'cancel', args: {} }, T0 + 1, T0 + 1);
    other.events.observe(T0 + 1);
    expect(other.events.state.outbox.at(-1)!.event.data).toMatchObject({ reason: 'requested' });
  });

  it('needs_attention is an event; sequences count up without gaps; ids are unique and name the subscription', () => {
    const { model, events } = setUp();
    model.enterAttention('unexpected', 'registering a charge: HTTP 400', T0);
    events.observe(T0);
    expect(events.state.outbox.at(-1)!.event).toMatchObject({
      type: 'subscription.needs_attention',
      data: { reason: 'registering a charge: HTTP 400', subscription: { status: 'needs_attention' } },
    });
    const ids = events.state.outbox.map((d) => d.event.id);
    expect(events.state.outbox.map((d) => d.event.data.sequence)).toEqual([1, 2]);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.map(subscriptionIdFromEventId)).toEqual(['sub-1', 'sub-1']);
  });

  it('a run continued as new carries the sequence: the same history gives the same ids, no created again', () => {
    const first = setUp();
    settle(first.model, 'paid', T0);
    first.events.observe(T0);
    const carried = JSON.parse(JSON.stringify(first.events.state));
    const state = JSON.parse(JSON.stringify(first.model.state));
    const next = new SubscriptionModel({ ...first.input, state }, T0 + 10);
    const nextEvents = new SubscriptionEvents(next.state, first.input, {}, carried, T0 + 10);
    expect(nextEvents.observe(T0 + 10)).toEqual([]);
    settle(next, 'paid', T0 + 40 * DAY);
    const [event] = nextEvents.observe(T0 + 40 * DAY);
    expect(event).toMatchObject({ type: 'payment.succeeded', data: { sequence: 3 } });
    expect(event.id).toBe(eventIdFor('sub-1', first.input.created_at, 3));
  });

  it('a cancel applied after the cycle was paid (before continue-as-new) ends the run instead of continuing it', () => {
    const { model, events } = setUp();
    settle(model, 'paid', T0);
    expect(model.nextStep(T0).kind).toBe('next_cycle');
    expect(model.completedCycle).toBe(true);
    model.apply({ command: 'cancel', args: {} }, T0 + 1, T0 + 1);
    expect(model.nextStep(T0 + 1).kind).toBe('ended');
    expect(model.completedCycle).toBe(false); // the delivery coroutine may send the last events
    events.observe(T0 + 1);
    expect(types(events).slice(1)).toEqual(['payment.succeeded', 'subscription.canceled']);
  });

  it('never carries card data or secrets', () => {
    const { model, events } = setUp({ buyer: { name: '홍길동' } });
    settle(model, 'paid', T0);
    events.observe(T0);
    const text = JSON.stringify(events.state.outbox.map((d) => eventBody(d.event)));
    for (const field of ['card_number', 'card_quota', 'expiry', 'pwd_2digit', 'birth', 'whsec_', 'api_secret']) {
      expect(text).not.toContain(field);
    }
  });
});

describe('Korean rules events: refunds and consent', () => {
  /** The next run after continue-as-new: a model and events on the carried state, as the workflow builds them. */
  function nextRun(model: SubscriptionModel, events: SubscriptionEvents, subscriptionInput: SubscriptionInput) {
    const carried = JSON.parse(JSON.stringify(model.state)) as SubscriptionInput['state'];
    const next = new SubscriptionModel({ ...subscriptionInput, state: carried }, T0);
    return { model: next, events: new SubscriptionEvents(next.state, subscriptionInput, {}, next.state.events, T0) };
  }
  /** The run after a paid first cycle: the second cycle's charge is pending. */
  function paidThenNextRun() {
    const first = setUp();
    settle(first.model, 'paid', T0);
    first.events.observe(T0);
    first.model.state.events = first.events.state;
    return { ...nextRun(first.model, first.events, first.input), input: first.input };
  }
  const run = (model: SubscriptionModel, command: OperatorCommand, nowMs: number) => {
    model.validate(command, nowMs);
    model.apply(command, nowMs, nowMs, true);
  };

  it('a refund iamport made is payment.refunded once, with the amount, kind and what is left; a refused one is not', () => {
    const { model, events } = paidThenNextRun();
    const command: OperatorCommand = { command: 'refund', args: { amount: 4000, reason: 'partial' } };
    const plan = model.refundFor(command, T0 + DAY)!;
    model.refunded(plan, { outcome: 'refunded', refunded_total: 4000 }, T0 + DAY, true);
    events.observe(T0 + DAY);
    events.observe(T0 + DAY + 1); // nothing new
    const refusedPlan = model.refundFor({ command: 'refund', args: { reason: 'rest' } }, T0 + DAY)!;
    expect(() =>
      model.refunded(refusedPlan, { outcome: 'refused', reason: 'checksum', refunded_total: 4000 }, T0 + DAY, true),
    ).toThrow();
    events.observe(T0 + DAY + 2);

    const refunded = events.state.outbox.filter((d) => d.event.type === 'payment.refunded');
    expect(refunded).toHaveLength(1);
    expect(refunded[0].event.data).toMatchObject({
      imp_uid: plan.imp_uid,
      amount: 4000,
      kind: 'requested',
      reason: 'partial',
      paid_amount: 9900,
      refunded_total: 4000,
    });
  });

  it('a price rise: consent.requested when the request is due, then consent.granted and plan_changed, each once', () => {
    const { model, events, input: first } = paidThenNextRun();
    const chargeMs = Date.parse(model.pending!.charge_at);
    run(model, { command: 'changePlan', args: { amount: 12900 } }, T0 + 1000);
    events.observe(T0 + 1000);
    expect(types(events).filter((t) => t.startsWith('consent.'))).toEqual([]); // not before its window

    const requestMs = Date.parse(model.state.price_change!.request_at);
    model.consentDue(requestMs);
    events.observe(requestMs);
    const requested = events.state.outbox.find((d) => d.event.type === 'consent.requested')!;
    expect(requested.event.data).toMatchObject({
      change_id: 'chg_1',
      kind: 'price_rise',
      amount_before: 9900,
      amount_after: 12900,
      effective_at: new Date(chargeMs).toISOString(),
      payment_method: { customer_uid: 'cust-1' },
      on_missing_consent: 'cancel',
    });

    const decidedMs = chargeMs - 2 * DAY;
    const consent: OperatorCommand = {
      command: 'consent',
      args: { change_id: 'chg_1', decision: 'granted', channel: 'app', at: new Date(decidedMs).toISOString() },
    };
    run(model, consent, decidedMs);
    events.observe(decidedMs);
    events.observe(decidedMs + 1);
    // the next run sees the decided change in the carried state: nothing again
    model.state.events = events.state;
    const later = nextRun(model, events, first);
    later.events.observe(decidedMs + 2);

    const consentTypes = types(later.events).filter((t) => t.startsWith('consent.') || t.endsWith('plan_changed'));
    expect(consentTypes).toEqual(['consent.requested', 'consent.granted', 'subscription.plan_changed']);
    expect(later.events.state.outbox.find((d) => d.event.type === 'consent.granted')!.event.data).toMatchObject({
      channel: 'app',
      outcome: 'applied',
    });
  });

  it('no consent by the charge: consent.missing with what happens (canceled at the period end)', () => {
    const { model, events } = paidThenNextRun();
    const chargeMs = Date.parse(model.pending!.charge_at);
    run(model, { command: 'changePlan', args: { amount: 12900 } }, T0 + 1000);
    model.consentDue(Date.parse(model.state.price_change!.request_at));
    events.observe(chargeMs - DAY);
    model.consentDue(chargeMs);
    events.observe(chargeMs);
    model.endAtPeriodEnd();
    events.observe(chargeMs);

    expect(types(events).filter((t) => t.startsWith('consent.') || t === 'subscription.canceled')).toEqual([
      'consent.requested',
      'consent.missing',
      'subscription.canceled',
    ]);
    expect(events.state.outbox.find((d) => d.event.type === 'consent.missing')!.event.data).toMatchObject({
      outcome: 'canceled_at_period_end',
      amount_after: 12900,
    });
  });
});

describe('renewal and trial notices', () => {
  it('renewal_upcoming RENEWAL_NOTICE_BEFORE before a charge, once; none for periods not longer than it', () => {
    const { model, events } = setUp();
    settle(model, 'paid', T0);
    events.observe(T0);
    const notice = events.nextNotice()!;
    expect(notice).toMatchObject({ type: 'subscription.renewal_upcoming' });
    expect(new Date(notice.atMs).toISOString()).toBe('2027-02-21T00:00:00.000Z');
    expect(events.noticeIfDue(notice.atMs - 1)).toBeUndefined();
    expect(events.noticeIfDue(notice.atMs)).toMatchObject({
      type: 'subscription.renewal_upcoming',
      data: { charge_at: '2027-02-28T00:00:00.000Z', amount: 9900 },
    });
    expect(events.noticeIfDue(notice.atMs + 1)).toBeUndefined();
    expect(events.nextNotice()).toBeUndefined();

    const weekly = setUp({ plan: { name: 'Weekly', amount: 1000, interval: 'P7D' } });
    settle(weekly.model, 'paid', T0);
    expect(weekly.model.view().cycle).toBe(2);
    expect(weekly.events.nextNotice()).toBeUndefined();
    const shortNotice = setUp(
      { plan: { name: 'Weekly', amount: 1000, interval: 'P7D' } },
      { renewal_notice_before: 'P1D' },
    );
    settle(shortNotice.model, 'paid', T0);
    expect(new Date(shortNotice.events.nextNotice()!.atMs).toISOString()).toBe('2027-02-06T00:00:00.000Z');
  });

  it('a notice whose charge is already due is skipped, not sent late, and asks for no more wake-ups', () => {
    const { model, events } = setUp();
    settle(model, 'paid', T0);
    events.observe(T0);
    const notice = events.nextNotice()!;
    expect(events.noticeIfDue(notice.dueMs + 1000)).toBeUndefined();
    expect(events.nextNotice()).toBeUndefined();
    expect(events.state.outbox.map((d) => d.event.type)).not.toContain('subscription.renewal_upcoming');
  });

  it('trial_will_end before a trial longer than the notice ends', () => {
    const trialEnd = new Date(T0 + 14 * DAY).toISOString();
    const { events } = setUp({ trial_end: trialEnd });
    const notice = events.nextNotice()!;
    expect(notice.type).toBe('subscription.trial_will_end');
    expect(notice.atMs).toBe(T0 + 7 * DAY);
    expect(events.noticeIfDue(notice.atMs)).toMatchObject({ data: { trial_end: trialEnd } });
    expect(setUp({ trial_end: new Date(T0 + 3 * DAY).toISOString() }).events.nextNotice()).toBeUndefined();
  });
});

describe('delivery bookkeeping', () => {
  it('retries on the Standard Webhooks schedule and gives up after the tenth attempt', () => {
    const { events } = setUp();
    const id = events.head()!.event.id;
    let now = T0;
    const delays: number[] = [];
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      events.answered(id, { outcome: 'failed', answer: 'connect ECONNREFUSED' }, now);
      const next = events.head()?.next_attempt_at;
      if (!next) break;
      delays.push(Date.parse(next) - now);
      now = Date.parse(next);
    }
    expect(delays).toEqual(RETRY_SCHEDULE_MS);
    expect(events.head()).toBeUndefined();
    expect(events.list()[0]).toMatchObject({ status: 'failed', attempts: 10, last_answer: 'connect ECONNREFUSED' });
    // An operator asks again: pending, attempted from zero, same id.
    expect(events.redeliver(id, now)).toMatchObject({ status: 'pending', attempts: 0 });
    expect(events.head()!.event.id).toBe(id);
  });

  it('honours Retry-After when it is longer than the schedule; a disabled endpoint costs no attempt', () => {
    const { events } = setUp();
    const id = events.head()!.event.id;
    events.answered(id, { outcome: 'failed', status: 503, answer: 'HTTP 503', retry_after_ms: 120_000 }, T0);
    expect(Date.parse(events.head()!.next_attempt_at!) - T0).toBe(120_000);
    events.answered(id, { outcome: 'disabled', answer: 'endpoint disabled (410 Gone)' }, T0 + 120_000);
    expect(events.head()).toMatchObject({ attempts: 1, last_answer: 'endpoint disabled (410 Gone)' });
    events.answered(id, { outcome: 'delivered', status: 204 }, T0 + 200_000);
    expect(events.head()).toBeUndefined();
    expect(events.list()[0]).toMatchObject({ status: 'delivered', attempts: 2, last_answer: 'HTTP 204' });
  });
});

describe('signatures', () => {
  it('one signature per active secret; the standardwebhooks verifier accepts each secret alone', () => {
    const current = `whsec_${Buffer.alloc(32, 1).toString('base64')}`;
    const previous = `whsec_${Buffer.alloc(32, 2).toString('base64')}`;
    const body = JSON.stringify({ type: 'payment.succeeded', timestamp: new Date().toISOString(), data: {} });
    const now = new Date();
    const header = signatureHeader([current, previous], 'evt_sub-1_x_1', now, body);
    expect(header.split(' ')).toHaveLength(2);
    const headers = {
      'webhook-id': 'evt_sub-1_x_1',
      'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
      'webhook-signature': header,
    };
    expect(new Webhook(current).verify(body, headers)).toBeTruthy();
    expect(new Webhook(previous).verify(body, headers)).toBeTruthy();
    expect(() => new Webhook(`whsec_${Buffer.alloc(32, 3).toString('base64')}`).verify(body, headers)).toThrow();
  });
});
