/**
 * Merchant events on the time-skipping test server: an endpoint that refuses connections for two simulated days
 * loses nothing and gets no new ids; Retry-After is honoured; 410 Gone disables the endpoint (visibly) until an
 * operator enables it, and a redelivery then sends what waited.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { enableEndpoint, readDisabled } from '../src/events-endpoint';
import { EVENTS_ENDPOINT_WORKFLOW_ID } from '../workflows/events-endpoint';
import { workflowIdFor } from '../workflows/ids';
import { cancel, getEvents, redeliverEvent } from '../workflows/messages';
import { newSecret, startEventReceiver, type EventReceiver } from './helpers/event-receiver';
import { eventually, startBillingStack, type BillingStack } from './helpers/stack';
import {
  issueKey,
  startSubscription,
  SUBSCRIPTION_SEARCH_ATTRIBUTES,
  uniqueId,
  waitForState,
} from './helpers/subscriptions';
import { startTimeSkippingServer } from './helpers/temporal';

const SECRET = newSecret();
const HOUR = 3600_000;
const DAY = 24 * HOUR;

let env: TestWorkflowEnvironment;
let stack: BillingStack;
let receiver: EventReceiver;
/** answers per subscription id: a list consumed one delivery at a time, then 204 */
const script = new Map<string, { status: number; headers?: Record<string, string> }[]>();

beforeAll(async () => {
  receiver = await startEventReceiver({
    secrets: [SECRET],
    answer: (event) => script.get(event.data.subscription_id)?.shift() ?? { status: 204 },
  });
  env = await startTimeSkippingServer({ searchAttributes: SUBSCRIPTION_SEARCH_ATTRIBUTES });
  stack = await startBillingStack(env, {
    sandbox: { clock: { startAt: await env.currentTimeMs(), frozen: true }, tickMs: 0 },
    events: { url: receiver.url, secrets: [SECRET] },
  });
});
afterAll(async () => {
  await stack?.teardown();
  await env?.teardown();
  await receiver?.close();
});

const handleOf = (id: string) => stack.client.workflow.getHandle(workflowIdFor(id));
const deliveriesOf = async (id: string) => (await handleOf(id).query(getEvents)).deliveries;

afterEach(async () => {
  await receiver.up().catch(() => undefined); // listening already
});

it('an endpoint refusing connections for two simulated days gets every event once it is back, under the same ids', async () => {
  await receiver.down();
  const id = uniqueId('down');
  const customer = await issueKey(stack.iamport, `cust-${id}`);
  const startAt = await env.currentTimeMs();
  stack.sandbox.clock.set(startAt);
  await startSubscription(stack.client, stack.taskQueue, {
    subscription_id: id,
    customer_uid: customer,
    plan: { name: 'Monthly', amount: 5000, interval: 'P1M' },
    start_at: new Date(startAt).toISOString(),
    payment_result_grace: 'PT1H',
    events: {},
  });
  const registered = await waitForState(stack.client, id, (s) => s.pending_charge?.registered === true);
  const dueMs = Date.parse(registered.pending_charge!.scheduled_at!);
  await env.sleep(Math.max(dueMs - (await env.currentTimeMs()), 1));
  stack.sandbox.clock.set(dueMs);
  await stack.sandbox.runDue();
  await waitForState(stack.client, id, (s) => s.totals.paid_count === 1);

  await env.sleep(2 * DAY);
  const during = await deliveriesOf(id);
  expect(during.map((d) => [d.event.type, d.status])).toEqual([
    ['payment.succeeded', 'pending'],
    ['subscription.created', 'pending'],
  ]);
  const created = during[1];
  // 0, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 14 h: eight attempts in the first 48 h, the ninth 20 h after the eighth.
  expect(created.attempts).toBe(8);
  expect(created.last_answer).toMatch(/ECONNREFUSED/);
  expect(during[0].attempts).toBe(0); // behind the head: the endpoint is tried once per round, not once per event
  expect(receiver.received).toHaveLength(0);
  const ids = during.map((d) => d.event.id).sort();

  await receiver.up();
  await env.sleep(5 * HOUR);
  const accepted = await eventually(async () => {
    const list = receiver.accepted(id);
    return list.length === 2 ? list : undefined;
  });
  expect(accepted.map((e) => e.type)).toEqual(['subscription.created', 'payment.succeeded']);
  expect(accepted.map((e) => e.id).sort()).toEqual(ids);
  expect(receiver.received.filter((e) => e.data.subscription_id === id)).toHaveLength(2);
  expect(accepted.every((e) => e.verified[SECRET])).toBe(true);
  const after = await deliveriesOf(id);
  expect(after.map((d) => [d.event.type, d.status, d.attempts])).toEqual([
    ['payment.succeeded', 'delivered', 1],
    ['subscription.created', 'delivered', 9],
  ]);
  await handleOf(id).executeUpdate(cancel, { args: [{}] });
  await eventually(async () => (receiver.accepted(id).length === 3 ? true : undefined));
});

it('honours Retry-After; 410 disables the endpoint visibly until an operator enables it; redeliver sends what waited', async () => {
  const id = uniqueId('gone');
  const customer = await issueKey(stack.iamport, `cust-${id}`);
  script.set(id, [{ status: 503, headers: { 'retry-after': '3600' } }, { status: 410 }]);
  await startSubscription(stack.client, stack.taskQueue, {
    subscription_id: id,
    customer_uid: customer,
    plan: { name: 'Later', amount: 5000, interval: 'P1M' },
    // no charge during the test
    start_at: new Date((await env.currentTimeMs()) + 20 * DAY).toISOString(),
    events: {},
  });
  const first = await eventually(async () => {
    const [created] = await deliveriesOf(id);
    return created?.attempts === 1 ? created : undefined;
  });
  expect(first.last_answer).toBe('HTTP 503 (Retry-After 3600 s)');
  expect(Date.parse(first.next_attempt_at!) - Date.parse(first.last_attempt_at!)).toBe(HOUR);

  await env.sleep(HOUR + 1000);
  const gone = await eventually(async () => {
    const [created] = await deliveriesOf(id);
    return created?.attempts === 2 ? created : undefined;
  });
  expect(gone.last_answer).toMatch(/410 Gone/);
  expect(await readDisabled(stack.client)).toMatch(/410 Gone/);
  const endpoint = await stack.client.workflow.getHandle(EVENTS_ENDPOINT_WORKFLOW_ID).describe();
  expect(endpoint.status.name).toBe('RUNNING'); // visible in Temporal UI

  // While disabled, nothing is POSTed: a later event waits, checked without a request.
  await handleOf(id).executeUpdate(cancel, { args: [{}] });
  await env.sleep(10 * 60_000);
  const waiting = await deliveriesOf(id);
  expect(waiting.map((d) => [d.event.type, d.status])).toEqual([
    ['subscription.canceled', 'pending'],
    ['subscription.created', 'pending'],
  ]);
  expect(waiting[1].last_answer).toMatch(/endpoint disabled/);
  expect(waiting[1].attempts).toBe(2);
  expect(receiver.received.filter((e) => e.data.subscription_id === id)).toHaveLength(2);

  expect(await enableEndpoint(stack.client)).toBe(true);
  await new Promise((resolve) => setTimeout(resolve, 5500)); // the workers' cached flag expires
  await handleOf(id).executeUpdate(redeliverEvent, { args: [waiting[1].event.id] });
  const final = await handleOf(id).result();
  expect(final.status).toBe('canceled');
  expect(receiver.accepted(id).map((e) => e.type)).toEqual(['subscription.created', 'subscription.canceled']);
  expect(await readDisabled(stack.client)).toBeUndefined();
});
