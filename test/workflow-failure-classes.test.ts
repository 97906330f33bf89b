/**
 * One regression test per failure class of the subscription core (issue 10) that earlier suites did not reach at the
 * workflow level: the real subscription workflow on the dev server, the sandbox over HTTP, iamport's odd answers made
 * by the sandbox's per-route rules.
 */
import { cancel } from '../workflows/messages';
import { paymentNotification } from '../workflows/messages';
import { SubscriptionStatusKey } from '../workflows/search-attributes';
import { useDevServerStack } from './helpers/dev-server-stack';
import { eventually } from './helpers/stack';
import { issueKey, startSubscription, stateOf, uniqueId, waitForState } from './helpers/subscriptions';

const SCHEDULE_PATH = '/subscribe/payments/schedule';
const UNSCHEDULE_PATH = '/subscribe/payments/unschedule';
const PROXY_PAGE = '<html><body><h1>403 Forbidden</h1><p>Request blocked by the firewall.</p></body></html>';

const billing = useDevServerStack();
afterEach(() => {
  billing.stack.sandbox.rules.clear();
  billing.stack.sandbox.faults.set({ failAfterRate: 0, latencyMs: 0, faultPaths: [] });
});

async function subscriptionDueIn(prefix: string, amount: number, dueInMs: number) {
  const id = uniqueId(prefix);
  const customer = await issueKey(billing.stack.iamport, `cust-${id}`);
  await startSubscription(billing.stack.client, billing.stack.taskQueue, {
    subscription_id: id,
    customer_uid: customer,
    plan: { name: 'Classes', amount, interval: 'P1M' },
    start_at: new Date(Date.now() + dueInMs).toISOString(),
  });
  return { id, customer };
}

/** Whether the promise is still pending after `ms`. */
async function stillPendingAfter(promise: Promise<unknown>, ms: number): Promise<boolean> {
  const pending = Symbol('pending');
  const first = await Promise.race([
    promise.then(
      () => 'settled',
      () => 'settled',
    ),
    new Promise((resolve) => setTimeout(() => resolve(pending), ms)),
  ]);
  return first === pending;
}

it('does not acknowledge a cancel while iamport refuses the unschedule (code -1, then a proxy 403)', async () => {
  // Due in 3 minutes: well outside the window in which iamport may be running the charge already.
  const { id, customer } = await subscriptionDueIn('unsch', 3300, 180_000);
  const registered = await waitForState(billing.stack.client, id, (s) => s.pending_charge?.registered === true);
  const merchantUid = registered.pending_charge!.merchant_uid;
  const refusal = billing.stack.sandbox.rules.add({
    method: 'POST',
    path: UNSCHEDULE_PATH,
    answer: { status: 200, json: { code: -1, message: '취소할 예약결제 기록이 존재하지 않습니다.', response: null } },
    times: 2,
  });
  const proxy = billing.stack.sandbox.rules.add({
    method: 'POST',
    path: UNSCHEDULE_PATH,
    answer: { status: 403, text: PROXY_PAGE },
    times: 2,
  });

  const canceling = billing.handleOf(id).executeUpdate(cancel, { args: [{}] });
  expect(await stillPendingAfter(canceling, 1500)).toBe(true);
  expect((await billing.stack.iamport.getSchedule(merchantUid)).schedule_status).toBe('scheduled');
  expect((await stateOf(billing.stack.client, id)).status).toBe('active');

  const canceled = await canceling;
  expect(canceled.status).toBe('canceled');
  // Acknowledged only once iamport itself listed the merchant_uid as revoked.
  const ruleHits = billing.stack.sandbox.rules.list().filter((r) => r.id === refusal.id || r.id === proxy.id);
  expect(ruleHits).toEqual([]); // both used up (a rule whose times are used up is removed)
  expect((await billing.stack.iamport.getSchedule(merchantUid)).schedule_status).toBe('revoked');
  expect(billing.chargesOf(customer)).toEqual([]);
});

it('reads a proxy 404 on registering and looking up as an outage, not a decline: no dunning, charged once', async () => {
  const page = { status: 404, text: '<html><body>404 Not Found (nginx)</body></html>' };
  billing.stack.sandbox.rules.add({ method: 'POST', path: SCHEDULE_PATH, answer: page, for_ms: 6000 });
  billing.stack.sandbox.rules.add({
    method: 'GET',
    path: `${SCHEDULE_PATH}/:merchant_uid`,
    answer: page,
    for_ms: 6000,
  });
  const { id, customer } = await subscriptionDueIn('proxy', 4100, 4000);

  const paid = await waitForState(billing.stack.client, id, (s) => s.totals.paid_count === 1, 90_000);
  expect(paid.status).toBe('active');
  expect(paid.totals.failed_count).toBe(0);
  expect(paid.recent_payments.map((p) => p.status)).toEqual(['paid']);
  expect(billing.chargesOf(customer)).toEqual([expect.objectContaining({ amount: 4100, status: 'paid' })]);
  await billing.handleOf(id).executeUpdate(cancel, { args: [{}] });
});

it('survives webhooks whose imp_uid is no usable id, and still settles the real payment', async () => {
  const { id, customer } = await subscriptionDueIn('ids', 2200, 6000);
  const registered = await waitForState(billing.stack.client, id, (s) => s.pending_charge?.registered === true);
  const merchantUid = registered.pending_charge!.merchant_uid;
  for (const impUid of ['..', 'a/b', '1'.repeat(100), '']) {
    await billing
      .handleOf(id)
      .signal(paymentNotification, { imp_uid: impUid, merchant_uid: merchantUid, status: 'paid' });
  }

  const paid = await waitForState(billing.stack.client, id, (s) => s.totals.paid_count === 1, 60_000);
  expect(paid.status).toBe('active');
  expect(paid.totals.ignored_notifications).toBeGreaterThanOrEqual(3);
  expect((await billing.handleOf(id).describe()).status.name).toBe('RUNNING');
  expect(billing.chargesOf(customer)).toEqual([expect.objectContaining({ amount: 2200, status: 'paid' })]);
  await billing.handleOf(id).executeUpdate(cancel, { args: [{}] });
});

it('shows needs_attention on an answer it cannot read, charges nothing more meanwhile, and recovers on its own', async () => {
  // iamport's envelope with code 0 but no payment fields: not an outage, not a decline.
  billing.stack.sandbox.rules.add({
    method: 'GET',
    path: '/payments/:imp_uid',
    answer: { status: 200, json: { code: 0, message: null, response: { imp_uid: 'imp_000000000001' } } },
    for_ms: 15_000,
  });
  const { id, customer } = await subscriptionDueIn('attn', 5100, 3000);

  const attention = await waitForState(billing.stack.client, id, (s) => s.status === 'needs_attention', 60_000);
  expect(attention.attention?.reason).toMatch(/verifying a payment/);
  expect(attention.totals.paid_count).toBe(0);
  await eventually(async () => {
    const value = (await billing.handleOf(id).describe()).typedSearchAttributes.get(SubscriptionStatusKey);
    return value === 'needs_attention';
  });
  expect(billing.chargesOf(customer)).toHaveLength(1);

  // The rule expires; the next try (after the outage backoff) reads the payment and the subscription goes on.
  const recovered = await waitForState(billing.stack.client, id, (s) => s.totals.paid_count === 1, 150_000);
  expect(recovered.status).toBe('active');
  expect(recovered.attention).toBeUndefined();
  expect(billing.chargesOf(customer)).toEqual([expect.objectContaining({ amount: 5100, status: 'paid' })]);
  await billing.handleOf(id).executeUpdate(cancel, { args: [{}] });
}, 240_000);

it('records a paid charge from its webhook while the registration is still retrying after lost answers', async () => {
  // Every registration takes effect at iamport, but its answer is a 500: the workflow never hears "scheduled".
  billing.stack.sandbox.faults.set({ failAfterRate: 1, faultPaths: [SCHEDULE_PATH] });
  const dueInMs = 6000;
  const started = Date.now();
  const { id, customer } = await subscriptionDueIn('lost', 6600, dueInMs);

  const paid = await waitForState(billing.stack.client, id, (s) => s.totals.paid_count === 1, 60_000);
  // The activity alone retries for 3 minutes; the webhook interrupted it.
  expect(Date.now() - started).toBeLessThan(dueInMs + 45_000);
  expect(paid.recent_payments[0]).toMatchObject({ amount: 6600, status: 'paid' });
  expect(billing.chargesOf(customer)).toEqual([expect.objectContaining({ amount: 6600, status: 'paid' })]);
  billing.stack.sandbox.faults.set({ failAfterRate: 0, faultPaths: [] });
  await billing.handleOf(id).executeUpdate(cancel, { args: [{}] });
});
