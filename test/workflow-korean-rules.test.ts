/**
 * Korean auto-renewal rules on the time-skipping test server with the sandbox ledger (README: Korean rules): consent
 * before a price rise or a trial's paid conversion, prorated and duplicate refunds. The sandbox's clock moves in
 * lock-step with Temporal's, so months pass in seconds and iamport runs each schedule at its time.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { workflowIdFor } from '../workflows/ids';
import { cancel, changePlan, consent } from '../workflows/messages';
import type { SubscriptionInput } from '../workflows/types';
import { startBillingServer, type BillingServer } from './helpers/billing-server';
import { startTimeSkippingServer } from './helpers/temporal';
import { newSecret, startEventReceiver, type EventReceiver } from './helpers/event-receiver';
import { eventually, startBillingStack, type BillingStack } from './helpers/stack';
import {
  issueKey,
  startSubscription,
  stateOf,
  SUBSCRIPTION_SEARCH_ATTRIBUTES,
  uniqueId,
  waitForState,
} from './helpers/subscriptions';

let env: TestWorkflowEnvironment;
let stack: BillingStack;
let server: BillingServer;
/** the merchant's endpoint: consent and refund events reach it as every other event does */
let receiver: EventReceiver;
const EVENTS_SECRET = newSecret();

beforeAll(async () => {
  receiver = await startEventReceiver({ secrets: [EVENTS_SECRET] });
  env = await startTimeSkippingServer({ searchAttributes: SUBSCRIPTION_SEARCH_ATTRIBUTES });
  stack = await startBillingStack(env, {
    sandbox: { clock: { startAt: await env.currentTimeMs(), frozen: true }, tickMs: 0 },
    events: { url: receiver.url, secrets: [EVENTS_SECRET] },
  });
  server = await startBillingServer({ client: stack.client, iamport: stack.iamport, taskQueue: stack.taskQueue });
});
afterAll(async () => {
  await server?.close();
  await stack?.teardown();
  await env?.teardown();
  await receiver?.close();
});

const DAY = 86_400_000;
const ms = (isoTime: string) => Date.parse(isoTime);
const iso = (at: number) => new Date(at).toISOString();

/** Moves Temporal's clock and then the sandbox's to `atMs`, and lets iamport run what is due (webhooks included). */
async function advanceTo(atMs: number): Promise<void> {
  const now = await env.currentTimeMs();
  if (atMs > now) await env.sleep(atMs - now);
  stack.sandbox.clock.set(atMs);
  await stack.sandbox.runDue();
}

const chargesOf = (customerUid: string) =>
  stack.sandbox.ledger().charges.filter((charge) => charge.customer_uid === customerUid);
const refundsOf = (impUid: string) => stack.sandbox.ledger().refunds.filter((refund) => refund.imp_uid === impUid);
const handleOf = (id: string) => stack.client.workflow.getHandle(workflowIdFor(id));

/** A monthly subscription starting at `startAt`, whose first charge is paid. */
async function paidSubscription(prefix: string, startAt: string, extra: Partial<SubscriptionInput> = {}) {
  const id = uniqueId(prefix);
  const customer = await issueKey(stack.iamport, `cust-${id}`);
  await advanceTo(ms(startAt) - DAY);
  await startSubscription(stack.client, stack.taskQueue, {
    subscription_id: id,
    customer_uid: customer,
    plan: { name: 'Basic', amount: 10000, interval: 'P1M' },
    start_at: startAt,
    payment_result_grace: 'PT1H',
    events: {},
    ...extra,
  });
  await waitForState(stack.client, id, (s) => s.pending_charge?.registered === true);
  await advanceTo(ms(startAt));
  const paid = await waitForState(stack.client, id, (s) => s.totals.paid_count === 1);
  await waitForState(stack.client, id, (s) => s.pending_charge?.registered === true);
  return { id, customer, paid };
}

describe('price rise', () => {
  it('with consent: the request goes out 30 days before, never earlier; the new amount is charged from then', async () => {
    const { id, customer } = await paidSubscription('rise', '2030-01-01T01:00:00.000Z');
    const held = (await stateOf(stack.client, id)).pending_charge!;
    const changed = await handleOf(id).executeUpdate(changePlan, { args: [{ amount: 15000, name: 'Pro' }] });
    // the plan stays until the customer consents; iamport no longer holds the charge at the old amount
    expect(changed.plan).toMatchObject({ name: 'Basic', amount: 10000 });
    const change = changed.price_change!;
    const effective = ms('2030-02-01T01:00:00.000Z');
    expect(change).toMatchObject({
      kind: 'price_rise',
      status: 'scheduled',
      amount_before: 10000,
      amount_after: 15000,
      effective_at: iso(effective),
      request_at: iso(effective - 30 * DAY),
    });
    expect((await stack.iamport.getSchedule(held.merchant_uid)).schedule_status).toBe('revoked');

    await advanceTo(effective - 30 * DAY - 1000);
    expect((await stateOf(stack.client, id)).price_change).toMatchObject({ status: 'scheduled' });
    await advanceTo(effective - 30 * DAY);
    const requested = await waitForState(stack.client, id, (s) => s.price_change?.status === 'requested');
    expect(ms(requested.price_change!.requested_at!)).toBeGreaterThanOrEqual(effective - 30 * DAY);
    expect(requested.pending_charge?.registered).toBe(false);

    await advanceTo(effective - 10 * DAY);
    const granted = await handleOf(id).executeUpdate(consent, {
      args: [{ change_id: change.change_id, decision: 'granted', channel: 'app', at: iso(effective - 10 * DAY) }],
    });
    expect(granted.plan).toMatchObject({ name: 'Pro', amount: 15000 });
    expect(granted.consents![0]).toMatchObject({ status: 'granted', outcome: 'applied', channel: 'app' });
    await waitForState(stack.client, id, (s) => s.pending_charge?.registered === true);
    await advanceTo(effective);
    await waitForState(stack.client, id, (s) => s.totals.paid_count === 2);
    expect(chargesOf(customer).map((c) => [iso(c.at_ms), c.amount, c.status])).toEqual([
      ['2030-01-01T01:00:00.000Z', 10000, 'paid'],
      ['2030-02-01T01:00:00.000Z', 15000, 'paid'],
    ]);
    await handleOf(id).executeUpdate(cancel, { args: [{}] });

    // The merchant got the consent request (with what it must show) when it was due, then the consent, then the plan.
    const received = await eventually(async () => {
      const list = receiver.accepted(id);
      return list.some((e) => e.type === 'subscription.canceled') ? list : undefined;
    });
    const consentTypes = received.map((e) => e.type).filter((t) => t.startsWith('consent.') || t.endsWith('_changed'));
    expect(consentTypes).toEqual(['consent.requested', 'consent.granted', 'subscription.plan_changed']);
    const request = received.find((e) => e.type === 'consent.requested')!;
    expect(ms(request.timestamp)).toBeGreaterThanOrEqual(effective - 30 * DAY);
    expect(request.data).toMatchObject({
      change_id: change.change_id,
      kind: 'price_rise',
      amount_before: 10000,
      amount_after: 15000,
      effective_at: iso(effective),
      payment_method: { customer_uid: customer },
    });
    expect(received.find((e) => e.type === 'consent.granted')!.data).toMatchObject({
      channel: 'app',
      outcome: 'applied',
    });
    expect(received.every((e) => e.verified[EVENTS_SECRET])).toBe(true);
  });

  it('without consent: nothing is charged at the new amount and the subscription ends with the paid period', async () => {
    const { id, customer } = await paidSubscription('nocon', '2030-04-01T01:00:00.000Z');
    await handleOf(id).executeUpdate(changePlan, { args: [{ amount: 15000 }] });
    const effective = ms('2030-05-01T01:00:00.000Z');
    await advanceTo(effective - 30 * DAY);
    await waitForState(stack.client, id, (s) => s.price_change?.status === 'requested');
    await advanceTo(effective);
    const ended = await waitForState(stack.client, id, (s) => s.status === 'canceled');
    expect(ended.canceled_at).toBe(iso(effective));
    expect(ended.consents![0]).toMatchObject({ status: 'missing', outcome: 'canceled_at_period_end' });
    await advanceTo(effective + 40 * DAY);
    expect(chargesOf(customer).map((c) => c.amount)).toEqual([10000]);
  });

  it('without consent and keep_price: the old amount goes on being charged', async () => {
    const { id, customer } = await paidSubscription('keep', '2030-07-01T01:00:00.000Z', {
      consent: { window: 'P30D', on_missing_consent: 'keep_price' },
    });
    await handleOf(id).executeUpdate(changePlan, { args: [{ amount: 15000 }] });
    const effective = ms('2030-08-01T01:00:00.000Z');
    await advanceTo(effective);
    const kept = await waitForState(stack.client, id, (s) => s.consents?.[0]?.outcome === 'kept_price');
    expect(kept.plan.amount).toBe(10000);
    await waitForState(stack.client, id, (s) => s.pending_charge?.registered === true || s.totals.paid_count === 2);
    await stack.sandbox.runDue();
    await waitForState(stack.client, id, (s) => s.totals.paid_count === 2);
    expect(chargesOf(customer).map((c) => c.amount)).toEqual([10000, 10000]);
    await handleOf(id).executeUpdate(cancel, { args: [{}] });
  });

  it('a trial signed up without conversion consent is not charged and ends with the trial', async () => {
    const id = uniqueId('trial');
    const customer = await issueKey(stack.iamport, `cust-${id}`);
    await advanceTo(ms('2030-10-01T00:00:00.000Z'));
    const trialEnd = ms('2030-10-15T01:00:00.000Z');
    await startSubscription(stack.client, stack.taskQueue, {
      subscription_id: id,
      customer_uid: customer,
      plan: { name: 'Trial plan', amount: 15000, interval: 'P1M' },
      trial_end: iso(trialEnd),
      payment_result_grace: 'PT1H',
      consent: { window: 'P30D', on_missing_consent: 'cancel' },
    });
    const trialing = await waitForState(stack.client, id, (s) => s.price_change?.status === 'requested');
    expect(trialing.price_change).toMatchObject({ kind: 'trial_conversion', amount_before: 0, amount_after: 15000 });
    expect(trialing.pending_charge?.registered).toBe(false);
    await advanceTo(trialEnd);
    const ended = await waitForState(stack.client, id, (s) => s.status === 'canceled');
    expect(ended.canceled_at).toBe(iso(trialEnd));
    await advanceTo(trialEnd + 40 * DAY);
    expect(chargesOf(customer)).toEqual([]);
  });
});

describe('refunds', () => {
  it('a prorated cancel refunds exactly the unused whole days: 15 of 31 days of ₩10,000 is ₩4,838', async () => {
    const { id, paid } = await paidSubscription('prorate', '2031-01-01T01:00:00.000Z');
    const impUid = paid.recent_payments[0].imp_uid!;
    await advanceTo(ms('2031-01-16T03:00:00.000Z')); // 12:00 KST on the 16th: the 17th to the 31st are unused
    const res = await server.api('POST', `/subscriptions/${id}/cancel`, { refund: 'prorated' });
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('canceled');
    expect(res.body.recent_payments[0]).toMatchObject({
      imp_uid: impUid,
      refunded_amount: 4838, // floor(10000 × 15 / 31)
      refunds: [expect.objectContaining({ amount: 4838, status: 'refunded', kind: 'prorated', unused_days: 15 })],
    });
    expect(refundsOf(impUid).map((r) => r.amount)).toEqual([4838]);
    expect((await stack.iamport.getPayment(impUid)).status).toBe('paid'); // a partial refund keeps `paid`
  });

  it('a withdrawal refunds the latest charge in full within 7 days of it, and is refused after', async () => {
    const late = await paidSubscription('wdlate', '2031-02-01T01:00:00.000Z');
    await advanceTo(ms('2031-02-08T01:00:01.000Z')); // 7 days and a second after the charge
    const refused = await server.api('POST', `/subscriptions/${late.id}/cancel`, { withdrawal: true });
    expect(refused.status).toBe(409);
    expect(refused.body.error.message).toContain('withdrawal period');
    expect(refused.body.error.message).toContain('"refund": "prorated"');
    expect((await stateOf(stack.client, late.id)).status).toBe('active'); // refused: nothing changed
    await handleOf(late.id).executeUpdate(cancel, { args: [{}] });

    const { id, paid } = await paidSubscription('wd', '2031-02-10T01:00:00.000Z');
    const impUid = paid.recent_payments[0].imp_uid!;
    await advanceTo(ms('2031-02-16T01:00:00.000Z'));
    const res = await server.api('POST', `/subscriptions/${id}/cancel`, { withdrawal: true });
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('canceled');
    expect(res.body.recent_payments[0]).toMatchObject({ refunded_amount: 10000 });
    expect(refundsOf(impUid).map((r) => [r.amount, r.full])).toEqual([[10000, true]]);
    expect((await stack.iamport.getPayment(impUid)).status).toBe('cancelled');
  });

  it('a duplicate refund request refunds once; more than is refundable is refused with a 409', async () => {
    const { id, paid } = await paidSubscription('refund', '2031-03-01T01:00:00.000Z');
    const impUid = paid.recent_payments[0].imp_uid!;
    const path = `/subscriptions/${id}/refunds`;

    const tooMuch = await server.api('POST', path, { amount: 10001, reason: 'too much' });
    expect(tooMuch.status).toBe(409);
    expect(tooMuch.body.error.message).toContain('more than is refundable');
    expect(tooMuch.body.error.message).toContain('₩10,000 left');

    const key = { 'Idempotency-Key': `refund-${id}` };
    const first = await server.api('POST', path, { amount: 3000, reason: 'partial' }, key);
    const again = await server.api('POST', path, { amount: 3000, reason: 'partial' }, key);
    expect([first.status, again.status]).toEqual([200, 200]);
    expect(again.body.recent_payments[0].refunded_amount).toBe(3000);
    expect(refundsOf(impUid).map((r) => r.amount)).toEqual([3000]);

    // the rest, twice without a key: the second finds nothing left
    const rest = await server.api('POST', path, { reason: 'rest' });
    expect(rest.status).toBe(200);
    const twice = await server.api('POST', path, { reason: 'rest' });
    expect(twice.status).toBe(409);
    expect(twice.body.error.message).toContain('refunded in full already');
    expect(refundsOf(impUid).map((r) => r.amount)).toEqual([3000, 7000]);
    expect((await stack.iamport.getPayment(impUid)).status).toBe('cancelled');

    const state = await stateOf(stack.client, id);
    expect(state.recent_payments[0]).toMatchObject({ refunded_amount: 10000 });
    expect(state.totals.refunded_amount).toBe(10000);
    await handleOf(id).executeUpdate(cancel, { args: [{}] });

    // One payment.refunded per refund iamport made (the repeated and the refused requests send none).
    const received = await eventually(async () => {
      const list = receiver.accepted(id);
      return list.some((e) => e.type === 'subscription.canceled') ? list : undefined;
    });
    const refunded = received.filter((e) => e.type === 'payment.refunded');
    expect(refunded.map((e) => [e.data.imp_uid, e.data.amount, e.data.refunded_total])).toEqual([
      [impUid, 3000, 3000],
      [impUid, 7000, 10000],
    ]);
  });
});
