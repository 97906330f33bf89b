/**
 * Merchant events end to end on the real dev server, against the sandbox over HTTP in real time: a receiver that
 * verifies every delivery with standardwebhooks' own Webhook.verify gets exactly the events of what happened, in
 * sequence, one id each, signed across a secret rotation; and a happy cycle's cost with events on.
 */
import { temporal } from '@temporalio/proto';
import { TEST_CARDS } from 'iamport-sandbox';
import { workflowIdFor } from '../workflows/ids';
import { cancel, changePlan, getEvents, pause, resume, updatePaymentMethod } from '../workflows/messages';
import { newSecret, startEventReceiver, type EventReceiver } from './helpers/event-receiver';
import { useDevServerStack } from './helpers/dev-server-stack';
import { eventually } from './helpers/stack';
import { issueKey, startSubscription, uniqueId, waitForState } from './helpers/subscriptions';

const OLD_SECRET = newSecret();
const NEW_SECRET = newSecret();

let receiver: EventReceiver;
const events = { url: '', secrets: [OLD_SECRET] };

beforeAll(async () => {
  receiver = await startEventReceiver({ secrets: [OLD_SECRET, NEW_SECRET] });
  events.url = receiver.url;
});
afterAll(async () => {
  await receiver?.close();
});
// Registered after the receiver's hooks: its beforeAll finds the receiver's URL in `events`.
const billing = useDevServerStack({ events });
const { handleOf } = billing;

it('a decline, a card update, cycles, a plan change, a secret rotation, a pause and a cancel: exactly their events, in order, each signed', async () => {
  const { stack } = billing;
  const id = uniqueId('evt');
  const declining = await issueKey(stack.iamport, `bad-${id}`, TEST_CARDS.insufficientBalance);
  await startSubscription(stack.client, stack.taskQueue, {
    subscription_id: id,
    customer_uid: declining,
    plan: { name: 'Events', amount: 1000, interval: 'PT8S' },
    dunning: { retry_delays: ['PT1H'], final_action: 'cancel' },
    events: {},
  });
  await waitForState(stack.client, id, (s) => s.status === 'past_due');

  const good = await issueKey(stack.iamport, `good-${id}`);
  await handleOf(id).executeUpdate(updatePaymentMethod, { args: [{ customer_uid: good }] });
  await waitForState(stack.client, id, (s) => s.totals.paid_count === 1);
  await waitForState(stack.client, id, (s) => s.totals.paid_count === 2, 20_000);
  // A price cut applies at once (a rise waits for the customer's consent: test/workflow-korean-rules.test.ts).
  await handleOf(id).executeUpdate(changePlan, { args: [{ amount: 500 }] });
  await waitForState(stack.client, id, (s) => s.totals.paid_count === 3, 20_000);

  // Rotation: the worker now signs with the new secret and the old one.
  events.secrets = [NEW_SECRET, OLD_SECRET];
  await stack.stopWorker();
  await stack.startWorker();
  await handleOf(id).executeUpdate(pause);
  await handleOf(id).executeUpdate(resume);
  await waitForState(stack.client, id, (s) => s.totals.paid_count === 4, 20_000);
  await handleOf(id).executeUpdate(cancel, { args: [{}] });
  const final = await handleOf(id).result();
  expect(final.status).toBe('canceled');

  // The renewals' payment.succeeded fall between the commands as the 8 s calendar goes: the other events are exactly
  // these, in this order.
  const expectedOthers = [
    'subscription.created',
    'payment.failed',
    'subscription.past_due',
    'subscription.payment_method_changed',
    'subscription.plan_changed',
    'subscription.paused',
    'subscription.resumed',
    'subscription.canceled',
  ];
  const accepted = await eventually(async () => {
    const list = receiver.accepted(id);
    return list.some((e) => e.type === 'subscription.canceled') ? list : undefined;
  });
  const types = accepted.map((e) => e.type);
  expect(types.filter((t) => t !== 'payment.succeeded')).toEqual(expectedOthers);
  expect(types.indexOf('payment.succeeded')).toBe(types.indexOf('subscription.payment_method_changed') + 1);
  expect(types.slice(types.indexOf('subscription.resumed')).includes('payment.succeeded')).toBe(true);
  expect(accepted.map((e) => e.data.sequence)).toEqual(accepted.map((_, i) => i + 1));
  // Every delivery is verified by standardwebhooks; after the rotation each carries both signatures.
  const all = receiver.received.filter((e) => e.data.subscription_id === id);
  expect(new Set(all.map((e) => e.id)).size).toBe(accepted.length);
  const rotatedFrom = all.findIndex((e) => e.type === 'subscription.paused');
  expect(rotatedFrom).toBeGreaterThan(0);
  for (const [index, event] of all.entries()) {
    const signatures = String(event.headers['webhook-signature']).split(' ');
    expect(event.verified[OLD_SECRET]).toBe(true);
    expect(event.verified[NEW_SECRET]).toBe(signatures.length === 2);
    if (index >= rotatedFrom) expect(signatures).toHaveLength(2);
    if (index === 0) expect(signatures).toHaveLength(1);
  }

  // The events' own fields, and the money in them matches the sandbox's ledger.
  const charges = stack.sandbox.ledger().charges.filter((c) => c.customer_uid === good || c.customer_uid === declining);
  const paid = charges.filter((c) => c.status === 'paid');
  const succeeded = accepted.filter((e) => e.type === 'payment.succeeded');
  expect(succeeded.map((e) => e.data.merchant_uid).sort()).toEqual(paid.map((c) => c.merchant_uid).sort());
  // 1000 until the price cut (a charge iamport was already running when it came may still be 1000), 500 at the end.
  const cutAt = accepted.findIndex((e) => e.type === 'subscription.plan_changed');
  expect(succeeded.filter((e) => accepted.indexOf(e) < cutAt).every((e) => e.data.amount === 1000)).toBe(true);
  expect(succeeded.slice(-2).map((e) => e.data.amount)).toEqual([500, 500]);
  for (const event of succeeded) {
    expect(event.data).toMatchObject({
      imp_uid: expect.any(String),
      paid_at: expect.any(String),
      receipt_url: expect.stringContaining('receipts'),
      period_start: expect.any(String),
      period_end: expect.any(String),
      subscription: { subscription_id: id },
    });
  }
  expect(accepted[1].data).toMatchObject({ fail_reason: expect.stringContaining('잔액부족'), attempt: 1 });
  expect(accepted[1].data.next_retry_at).toEqual(expect.any(String));
  expect(accepted.at(-1)!.data).toMatchObject({ reason: 'requested', subscription: { status: 'canceled' } });
  expect(JSON.stringify(accepted.map((e) => e.raw))).not.toMatch(/card_number|whsec_|4242/);

  // The delivery log (carried across continue-as-new) shows every event delivered once.
  const log = await handleOf(id).query(getEvents);
  expect(
    log.deliveries
      .filter((d) => d.status === 'delivered')
      .map((d) => d.event.id)
      .sort(),
  ).toEqual(accepted.map((e) => e.id).sort());
  expect(log.deliveries.every((d) => d.attempts === 1 && d.last_answer === 'HTTP 204')).toBe(true);
});

it('a slow merchant holds up neither the cycle nor a cancel; the event in flight at continue-as-new is sent again under its id', async () => {
  const { stack } = billing;
  const id = uniqueId('slow');
  const customer = await issueKey(stack.iamport, `cust-${id}`);
  // The merchant takes 6 s to answer subscription.created: the first charge is paid meanwhile, and the run continues
  // as new without waiting for that delivery.
  receiver.settings.answer = (event) =>
    event.data.subscription_id === id && event.type === 'subscription.created'
      ? { status: 204, delayMs: 6_000 }
      : { status: 204 };
  try {
    const started = await startSubscription(stack.client, stack.taskQueue, {
      subscription_id: id,
      customer_uid: customer,
      plan: { name: 'Slow merchant', amount: 1000, interval: 'P1M' },
      events: {},
    });
    await waitForState(stack.client, id, (s) => s.totals.paid_count === 1);
    await handleOf(id).executeUpdate(cancel, { args: [{}] });
    const final = await handleOf(id).result();
    expect(final).toMatchObject({ status: 'canceled', totals: { paid_count: 1 } });
    // The second run started before the slow answer came.
    const runs: string[] = [];
    for await (const run of stack.client.workflow.list({ query: `WorkflowId="${workflowIdFor(id)}"` })) {
      runs.push(run.runId);
    }
    expect(runs.length).toBeGreaterThanOrEqual(2);
    expect(runs).toContain(started.firstExecutionRunId);
    const createdDeliveries = receiver.received.filter(
      (e) => e.data.subscription_id === id && e.type === 'subscription.created',
    );
    expect(new Set(createdDeliveries.map((e) => e.id)).size).toBe(1);
    expect(receiver.accepted(id).map((e) => e.type)).toEqual([
      'subscription.created',
      'payment.succeeded',
      'subscription.canceled',
    ]);
  } finally {
    receiver.settings.answer = undefined;
  }
});

const EventType = temporal.api.enums.v1.EventType;

it('costs one billable action more per happy cycle with events on: the delivery of payment.succeeded', async () => {
  const { stack } = billing;
  const id = uniqueId('cost');
  const customer = await issueKey(stack.iamport, `cust-${id}`);
  await startSubscription(stack.client, stack.taskQueue, {
    subscription_id: id,
    customer_uid: customer,
    plan: { name: 'Cost', amount: 1000, interval: 'PT3S' },
    events: {},
  });
  await waitForState(stack.client, id, (s) => s.totals.paid_count >= 3, 30_000);
  await handleOf(id).executeUpdate(cancel, { args: [{}] });
  // Run 2 of 3+: a whole happy cycle (its first task delivers the previous cycle's payment.succeeded).
  const runs: string[] = [];
  for await (const run of stack.client.workflow.list({ query: `WorkflowId="${workflowIdFor(id)}"` })) {
    runs.push(run.runId);
  }
  expect(runs.length).toBeGreaterThanOrEqual(3);
  const histories = await Promise.all(
    runs.map((runId) => stack.client.workflow.getHandle(workflowIdFor(id), runId).fetchHistory()),
  );
  const happy = histories.filter(
    (h) =>
      h.events?.at(-1)?.eventType === EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW &&
      h.events?.[0].workflowExecutionStartedEventAttributes?.continuedExecutionRunId,
  );
  expect(happy.length).toBeGreaterThanOrEqual(1);
  for (const history of happy) {
    const events = history.events ?? [];
    const count = (type: temporal.api.enums.v1.EventType) => events.filter((e) => e.eventType === type).length;
    const scheduled = events
      .filter((e) => e.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED)
      .map((e) => e.activityTaskScheduledEventAttributes?.activityType?.name);
    const actions =
      count(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED) +
      scheduled.length +
      count(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED) +
      count(EventType.EVENT_TYPE_TIMER_STARTED) +
      count(EventType.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES);
    expect(scheduled.filter((name) => name === 'deliverEvent')).toHaveLength(1);
    expect(actions).toBeLessThanOrEqual(6);
    console.log(`happy cycle with events: ${actions} billable actions (activities: ${scheduled.join(', ')})`);
  }
});
