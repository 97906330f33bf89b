/**
 * The events routes of the HTTP server (GET /events, POST /events/:id/redeliver, the endpoint's flag) over a real
 * dev server, the sandbox and a worker that delivers to a receiver verifying with standardwebhooks.
 */
import { TEST_CARDS } from 'iamport-sandbox';
import { request, startBillingServer, type BillingServer } from './helpers/billing-server';
import { newSecret, startEventReceiver, type EventReceiver } from './helpers/event-receiver';
import { eventually, startBillingStack, type BillingStack } from './helpers/stack';
import { SUBSCRIPTION_SEARCH_ATTRIBUTES, uniqueId } from './helpers/subscriptions';
import { startDevServer } from './helpers/temporal';

const SECRET = newSecret();
let stack: BillingStack;
let receiver: EventReceiver;
let server: BillingServer;

beforeAll(async () => {
  receiver = await startEventReceiver({ secrets: [SECRET] });
  const env = await startDevServer({ searchAttributes: SUBSCRIPTION_SEARCH_ATTRIBUTES });
  stack = await startBillingStack(env, { events: { url: receiver.url, secrets: [SECRET] } });
  server = await startBillingServer({
    client: stack.client,
    iamport: stack.iamport,
    taskQueue: stack.taskQueue,
    client_options: { events: {} },
  });
});
afterAll(async () => {
  await server?.close();
  await stack?.teardown();
  await stack?.env.teardown();
  await receiver?.close();
});

it('lists a subscription’s events with their delivery, filters them, and redelivers one under the same id', async () => {
  const id = uniqueId('http');
  const signup = await server.api('POST', '/subscriptions', {
    subscription_id: id,
    customer_uid: `cust-${id}`,
    card: { card_number: TEST_CARDS.alwaysApprove, expiry: '2031-12', birth: '880808', pwd_2digit: '12' },
    plan: { name: 'Basic', amount: 5000 },
    start_at: new Date(Date.now() + 86_400_000).toISOString(),
  });
  expect(signup.status).toBe(201);
  const listed = await eventually(async () => {
    const answer = await server.api('GET', `/events?subscription_id=${id}`);
    return answer.body.events?.[0]?.status === 'delivered' ? answer : undefined;
  });
  expect(listed.status).toBe(200);
  expect(listed.body).toMatchObject({
    subscription_id: id,
    events_enabled: true,
    endpoint: { disabled: false },
    events: [{ type: 'subscription.created', sequence: 1, attempts: 1, last_answer: 'HTTP 204' }],
  });
  const eventId: string = listed.body.events[0].id;
  expect(receiver.received.filter((e) => e.id === eventId)).toHaveLength(1);

  expect((await server.api('GET', `/events?subscription_id=${id}&status=pending`)).body.events).toEqual([]);
  expect((await server.api('GET', `/events?subscription_id=${id}&type=subscription.created`)).body.events).toHaveLength(
    1,
  );

  const again = await server.api('POST', `/events/${eventId}/redeliver`);
  expect(again.status).toBe(202);
  expect(again.body).toMatchObject({ id: eventId, status: 'pending', attempts: 0 });
  await eventually(async () => receiver.received.filter((e) => e.id === eventId).length === 2);
  expect(receiver.received.filter((e) => e.id === eventId).every((e) => e.verified[SECRET])).toBe(true);
});

it('answers bad requests with a 4xx that says what is wrong, and requires the bearer token', async () => {
  const unauthenticated = await request(`${server.url}/events?subscription_id=x`, { method: 'GET' });
  expect(unauthenticated.status).toBe(401);
  const noId = await server.api('GET', '/events');
  expect(noId.status).toBe(400);
  expect(noId.text).toContain('subscription_id');
  const badType = await server.api('GET', '/events?subscription_id=abc&type=payment.bounced');
  expect(badType.status).toBe(400);
  expect(badType.text).toContain('type');
  expect((await server.api('GET', '/events?subscription_id=no-such-sub')).status).toBe(404);
  expect((await server.api('POST', '/events/not-an-event/redeliver')).status).toBe(400);
  expect((await server.api('POST', '/events/evt_no-such-sub_abc_1/redeliver')).status).toBe(404);
  const id = uniqueId('http');
  await server.api('POST', '/subscriptions', {
    subscription_id: id,
    customer_uid: `cust-${id}`,
    card: { card_number: TEST_CARDS.alwaysApprove, expiry: '2031-12', birth: '880808', pwd_2digit: '12' },
    plan: { name: 'Basic', amount: 5000 },
    start_at: new Date(Date.now() + 86_400_000).toISOString(),
  });
  const unknownEvent = await server.api('POST', `/events/evt_${id}_abc_99/redeliver`);
  expect(unknownEvent.status).toBe(404);
  expect(unknownEvent.text).toContain('no event');
  expect((await server.api('GET', '/events/endpoint')).body).toEqual({ disabled: false });
  expect((await server.api('POST', '/events/endpoint/enable')).body).toEqual({ disabled: false, was_disabled: false });
});
