/**
 * SubscriptionWorkflow on the time-skipping test server: months pass in seconds. The sandbox's clock is frozen and
 * moved in lock-step with Temporal's, so iamport executes each schedule at exactly the workflow's charge time.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { workflowIdFor } from '../workflows/ids';
import { cancel, pause, resume, undoCancel } from '../workflows/messages';
import { startTimeSkippingServer } from './helpers/temporal';
import { startBillingStack, type BillingStack } from './helpers/stack';
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

beforeAll(async () => {
  env = await startTimeSkippingServer({ searchAttributes: SUBSCRIPTION_SEARCH_ATTRIBUTES });
  stack = await startBillingStack(env, {
    sandbox: { clock: { startAt: await env.currentTimeMs(), frozen: true }, tickMs: 0 },
  });
});
afterAll(async () => {
  await stack?.teardown();
  await env?.teardown();
});

/** Moves Temporal's clock and then the sandbox's to `atMs`, and lets iamport run what is due (webhooks included). */
async function advanceTo(atMs: number): Promise<void> {
  const now = await env.currentTimeMs();
  if (atMs > now) await env.sleep(atMs - now);
  stack.sandbox.clock.set(atMs);
  await stack.sandbox.runDue();
}

function chargesOf(customerUid: string) {
  return stack.sandbox.ledger().charges.filter((charge) => charge.customer_uid === customerUid);
}

const ms = (isoTime: string) => Date.parse(isoTime);

it('bills 14 months from a Jan 31 anchor through a leap year, each once, on the clamped day, at 10:00 KST', async () => {
  const id = uniqueId('cal');
  const customer = await issueKey(stack.iamport, `cust-${id}`);
  const expected = [
    '2028-01-31T01:00:00.000Z',
    '2028-02-29T01:00:00.000Z',
    '2028-03-31T01:00:00.000Z',
    '2028-04-30T01:00:00.000Z',
    '2028-05-31T01:00:00.000Z',
    '2028-06-30T01:00:00.000Z',
    '2028-07-31T01:00:00.000Z',
    '2028-08-31T01:00:00.000Z',
    '2028-09-30T01:00:00.000Z',
    '2028-10-31T01:00:00.000Z',
    '2028-11-30T01:00:00.000Z',
    '2028-12-31T01:00:00.000Z',
    '2029-01-31T01:00:00.000Z',
    '2029-02-28T01:00:00.000Z',
  ];
  await startSubscription(stack.client, stack.taskQueue, {
    subscription_id: id,
    customer_uid: customer,
    plan: { name: 'Monthly', amount: 8900, interval: 'P1M' },
    start_at: expected[0],
    payment_result_grace: 'PT1H',
    timezone: 'Asia/Seoul',
  });

  for (const [index, chargeAt] of expected.entries()) {
    const registered = await waitForState(stack.client, id, (s) => s.pending_charge?.registered === true);
    expect(registered.pending_charge?.scheduled_at).toBe(chargeAt);
    expect(registered.cycle).toBe(index + 1);
    await advanceTo(ms(chargeAt));
    await waitForState(stack.client, id, (s) => s.totals.paid_count === index + 1);
  }

  const charges = chargesOf(customer);
  expect(charges.map((charge) => new Date(charge.at_ms).toISOString())).toEqual(expected);
  expect(charges.every((charge) => charge.amount === 8900 && charge.status === 'paid')).toBe(true);
  expect(new Set(charges.map((charge) => charge.merchant_uid)).size).toBe(expected.length);

  const state = await stateOf(stack.client, id);
  expect(state.totals).toMatchObject({ paid_count: 14, paid_amount: 14 * 8900, failed_count: 0 });
  expect(state.current_period).toEqual({ start: expected[13], end: '2029-03-31T01:00:00.000Z' });
  expect(state.next_charge_at).toBe('2029-03-31T01:00:00.000Z');

  await stack.client.workflow.getHandle(workflowIdFor(id)).executeUpdate(cancel, { args: [{}] });
  expect(chargesOf(customer)).toHaveLength(14);
});

it('charges nothing during a trial, then charges at trial end and monthly from there', async () => {
  const id = uniqueId('trial');
  const customer = await issueKey(stack.iamport, `cust-${id}`);
  await advanceTo(ms('2029-04-01T00:00:00.000Z'));
  await startSubscription(stack.client, stack.taskQueue, {
    subscription_id: id,
    customer_uid: customer,
    plan: { name: 'Trial plan', amount: 15000, interval: 'P1M' },
    trial_end: '2029-04-15T03:00:00.000Z',
    payment_result_grace: 'PT1H',
  });
  const trialing = await waitForState(stack.client, id, (s) => s.pending_charge?.registered === true);
  expect(trialing.status).toBe('trialing');
  expect(trialing.next_charge_at).toBe('2029-04-15T03:00:00.000Z');

  await advanceTo(ms('2029-04-15T02:59:59.000Z'));
  expect(chargesOf(customer)).toHaveLength(0);
  expect((await stateOf(stack.client, id)).status).toBe('trialing');

  await advanceTo(ms('2029-04-15T03:00:00.000Z'));
  const active = await waitForState(stack.client, id, (s) => s.totals.paid_count === 1);
  expect(active.status).toBe('active');
  expect(active.current_period).toEqual({ start: '2029-04-15T03:00:00.000Z', end: '2029-05-15T03:00:00.000Z' });
  await waitForState(stack.client, id, (s) => s.pending_charge?.registered === true);

  await advanceTo(ms('2029-05-15T03:00:00.000Z'));
  await waitForState(stack.client, id, (s) => s.totals.paid_count === 2);
  expect(chargesOf(customer).map((c) => [new Date(c.at_ms).toISOString(), c.amount])).toEqual([
    ['2029-04-15T03:00:00.000Z', 15000],
    ['2029-05-15T03:00:00.000Z', 15000],
  ]);
  await stack.client.workflow.getHandle(workflowIdFor(id)).executeUpdate(cancel, { args: [{}] });
});

it('cancels at period end: no further charge, ends when the paid period ends, and can be undone before', async () => {
  const undone = uniqueId('undo');
  const ended = uniqueId('end');
  const undoneCustomer = await issueKey(stack.iamport, `cust-${undone}`);
  const endedCustomer = await issueKey(stack.iamport, `cust-${ended}`);
  await advanceTo(ms('2029-06-01T00:00:00.000Z'));
  for (const [id, customer] of [
    [undone, undoneCustomer],
    [ended, endedCustomer],
  ]) {
    await startSubscription(stack.client, stack.taskQueue, {
      subscription_id: id,
      customer_uid: customer,
      plan: { name: 'Basic', amount: 5000, interval: 'P1M' },
      start_at: '2029-06-01T03:00:00.000Z',
      payment_result_grace: 'PT1H',
    });
    await waitForState(stack.client, id, (s) => s.pending_charge?.registered === true);
  }
  await advanceTo(ms('2029-06-01T03:00:00.000Z'));
  for (const id of [undone, ended]) {
    await waitForState(stack.client, id, (s) => s.totals.paid_count === 1 && s.pending_charge?.registered === true);
  }

  for (const id of [undone, ended]) {
    const handle = stack.client.workflow.getHandle(workflowIdFor(id));
    const state = await handle.executeUpdate(cancel, { args: [{ at_period_end: true }] });
    expect(state).toMatchObject({ status: 'active', cancel_at_period_end: true });
    expect(state.next_charge_at).toBeUndefined();
    expect(state.pending_charge?.registered).toBe(false);
  }
  const revoked = await stack.iamport.getSchedulesByCustomer(endedCustomer, {
    from: Math.floor(ms('2029-06-01T00:00:00.000Z') / 1000),
    to: Math.floor(ms('2029-08-01T00:00:00.000Z') / 1000),
  });
  expect(revoked.list.find((s) => s.schedule_at === ms('2029-07-01T03:00:00.000Z') / 1000)?.schedule_status).toBe(
    'revoked',
  );

  const afterUndo = await stack.client.workflow.getHandle(workflowIdFor(undone)).executeUpdate(undoCancel);
  expect(afterUndo.cancel_at_period_end).toBe(false);
  await waitForState(stack.client, undone, (s) => s.pending_charge?.registered === true);

  await advanceTo(ms('2029-07-01T03:00:00.000Z'));
  await waitForState(stack.client, undone, (s) => s.totals.paid_count === 2);
  const final = await stack.client.workflow.getHandle(workflowIdFor(ended)).result();
  expect(final).toMatchObject({ status: 'canceled', canceled_at: '2029-07-01T03:00:00.000Z' });
  expect(chargesOf(endedCustomer)).toHaveLength(1);
  expect(chargesOf(undoneCustomer).map((c) => new Date(c.at_ms).toISOString())).toEqual([
    '2029-06-01T03:00:00.000Z',
    '2029-07-01T03:00:00.000Z',
  ]);
  await stack.client.workflow.getHandle(workflowIdFor(undone)).executeUpdate(cancel, { args: [{}] });
});

it('pauses without charging, and on resume charges at once and re-anchors the calendar', async () => {
  const id = uniqueId('pause');
  const customer = await issueKey(stack.iamport, `cust-${id}`);
  await advanceTo(ms('2029-08-01T00:00:00.000Z'));
  await startSubscription(stack.client, stack.taskQueue, {
    subscription_id: id,
    customer_uid: customer,
    plan: { name: 'Pausable', amount: 7000, interval: 'P1M' },
    start_at: '2029-08-01T03:00:00.000Z',
    payment_result_grace: 'PT1H',
  });
  await waitForState(stack.client, id, (s) => s.pending_charge?.registered === true);
  await advanceTo(ms('2029-08-01T03:00:00.000Z'));
  await waitForState(stack.client, id, (s) => s.totals.paid_count === 1 && s.pending_charge?.registered === true);

  const handle = stack.client.workflow.getHandle(workflowIdFor(id));
  const paused = await handle.executeUpdate(pause);
  expect(paused).toMatchObject({ status: 'paused' });
  expect(paused.pending_charge).toBeUndefined();

  await advanceTo(ms('2029-09-20T05:00:00.000Z'));
  expect(chargesOf(customer)).toHaveLength(1);
  expect((await stateOf(stack.client, id)).status).toBe('paused');

  const resumed = await handle.executeUpdate(resume);
  expect(resumed.status).toBe('active');
  const resumedAt = Date.parse(resumed.anchor_at);
  expect(resumedAt).toBeGreaterThanOrEqual(ms('2029-09-20T05:00:00.000Z'));
  expect(resumedAt).toBeLessThan(ms('2029-09-20T05:01:00.000Z'));
  await waitForState(stack.client, id, (s) => s.pending_charge?.registered === true);
  await advanceTo(resumedAt);
  const charged = await waitForState(stack.client, id, (s) => s.totals.paid_count === 2);
  expect(charged.current_period?.start).toBe(resumed.anchor_at);
  // Re-anchored: the next charge is one calendar month after the resume, in the same time of day.
  const nextExpected = new Date(resumedAt);
  nextExpected.setUTCMonth(nextExpected.getUTCMonth() + 1);
  expect(charged.next_charge_at).toBe(nextExpected.toISOString());
  expect(chargesOf(customer).map((c) => c.amount)).toEqual([7000, 7000]);
  await handle.executeUpdate(cancel, { args: [{}] });
});

it('keeps retrying through a long iamport outage, shows it in the state, and registers once iamport is back', async () => {
  const id = uniqueId('outage');
  const customer = await issueKey(stack.iamport, `cust-${id}`);
  await advanceTo(ms('2029-11-01T00:00:00.000Z'));
  stack.sandbox.faults.set({ failBeforeRate: 1 });
  try {
    await startSubscription(stack.client, stack.taskQueue, {
      subscription_id: id,
      customer_uid: customer,
      plan: { name: 'Outage', amount: 3300, interval: 'P1M' },
      start_at: '2029-11-02T03:00:00.000Z',
      payment_result_grace: 'PT1H',
    });
    await env.sleep('20 minutes');
    const during = await waitForState(stack.client, id, (s) => s.last_error !== undefined);
    expect(during.last_error).toMatchObject({
      type: 'IamportUnavailable',
      // a registration out of time looks the charge up before it waits: either call's failure may be the last
      message: expect.stringMatching(/^(registering a charge|looking up a charge): /),
    });
    expect(during.waiting_for).toContain('iamport unavailable while registering a charge');
    expect(during.pending_charge?.registered).toBe(false);
  } finally {
    stack.sandbox.faults.set({ failBeforeRate: 0 });
  }
  await env.sleep('1 hour');
  const registered = await waitForState(stack.client, id, (s) => s.pending_charge?.registered === true);
  expect(registered.next_charge_at).toBe('2029-11-02T03:00:00.000Z');
  await advanceTo(ms('2029-11-02T03:00:00.000Z'));
  await waitForState(stack.client, id, (s) => s.totals.paid_count === 1);
  expect(chargesOf(customer)).toHaveLength(1);
  await stack.client.workflow.getHandle(workflowIdFor(id)).executeUpdate(cancel, { args: [{}] });
});
