/**
 * SubscriptionWorkflow on the real dev server, against the sandbox in real time: what happens around a charge —
 * declines and dunning, forged, lost and duplicated webhooks, plan changes, a worker that goes away.
 */
import { TEST_CARDS } from 'iamport-sandbox';
import { workflowIdFor } from '../workflows/ids';
import { cancel, changePlan, operatorCommand, paymentNotification, updatePaymentMethod } from '../workflows/messages';
import { useDevServerStack } from './helpers/dev-server-stack';
import { eventually } from './helpers/stack';
import { issueKey, startSubscription, stateOf, uniqueId, waitForState } from './helpers/subscriptions';

const billing = useDevServerStack();
afterEach(() => {
  billing.stack.sandbox.faults.set({ webhookDropRate: 0, webhookCopies: 1 });
});

const inOneHour = () => new Date(Date.now() + 3600_000).toISOString();

it('retries a declined charge at the dunning times, then charges at once when the payment method is updated', async () => {
  const id = uniqueId('dun');
  const declining = await issueKey(billing.stack.iamport, `bad-${id}`, TEST_CARDS.insufficientBalance);
  await startSubscription(billing.stack.client, billing.stack.taskQueue, {
    subscription_id: id,
    customer_uid: declining,
    plan: { name: 'Dunning', amount: 9900, interval: 'P1M' },
    dunning: { retry_delays: ['PT2S', 'PT3S'], final_action: 'unpaid' },
  });

  const pastDue = await waitForState(billing.stack.client, id, (s) => s.status === 'past_due');
  expect(pastDue.recent_payments[0]).toMatchObject({
    status: 'failed',
    fail_reason: expect.stringContaining('잔액부족'),
  });
  const listed = await eventually(async () => {
    const ids: string[] = [];
    for await (const wf of billing.stack.client.workflow.list({ query: 'SubscriptionStatus="past_due"' }))
      ids.push(wf.workflowId);
    return ids.includes(workflowIdFor(id)) ? ids : undefined;
  });
  expect(listed).toContain(workflowIdFor(id));

  const unpaid = await waitForState(billing.stack.client, id, (s) => s.status === 'unpaid');
  expect(unpaid.totals.failed_count).toBe(3);
  expect(unpaid.pending_charge).toBeUndefined();
  const attempts = billing.chargesOf(declining);
  expect(attempts.map((a) => a.status)).toEqual(['failed', 'failed', 'failed']);
  const gaps = [attempts[1].at_ms - attempts[0].at_ms, attempts[2].at_ms - attempts[1].at_ms];
  expect(gaps[0]).toBeGreaterThanOrEqual(1950);
  // retries are registered when due, and iamport schedules in whole seconds: up to ~2 s late
  expect(gaps[0]).toBeLessThan(5000);
  expect(gaps[1]).toBeGreaterThanOrEqual(2950);
  expect(gaps[1]).toBeLessThan(6000);
  expect(new Set(attempts.map((a) => a.merchant_uid)).size).toBe(3);

  const good = await issueKey(billing.stack.iamport, `good-${id}`);
  const switched = await billing.handleOf(id).executeUpdate(updatePaymentMethod, { args: [{ customer_uid: good }] });
  expect(switched).toMatchObject({ status: 'past_due', customer_uid: good });
  const recovered = await waitForState(billing.stack.client, id, (s) => s.status === 'active');
  // No run of a recovered subscription, closed or running, still matches the past_due filter.
  await eventually(async () => {
    for await (const wf of billing.stack.client.workflow.list({
      query: `SubscriptionStatus="past_due" AND WorkflowId="${workflowIdFor(id)}"`,
    })) {
      return wf.workflowId === '' ? undefined : false;
    }
    return true;
  });
  expect(recovered.totals.paid_count).toBe(1);
  expect(billing.chargesOf(good)).toEqual([expect.objectContaining({ status: 'paid', amount: 9900 })]);
  expect(billing.chargesOf(good)[0].at_ms - Date.parse(switched.pending_charge!.charge_at)).toBeLessThan(2000);
  await billing.handleOf(id).executeUpdate(cancel, { args: [{}] });
});

it('cancels when every dunning retry failed and the final action is cancel', async () => {
  const id = uniqueId('gone');
  const declining = await issueKey(billing.stack.iamport, `bad-${id}`, TEST_CARDS.overLimit);
  const handle = await startSubscription(billing.stack.client, billing.stack.taskQueue, {
    subscription_id: id,
    customer_uid: declining,
    plan: { name: 'Dunning', amount: 1000, interval: 'P1M' },
    dunning: { retry_delays: ['PT1S'], final_action: 'cancel' },
  });
  const final = await handle.result();
  expect(final.status).toBe('canceled');
  expect(final.totals).toMatchObject({ failed_count: 2, paid_count: 0 });
  expect(billing.chargesOf(declining)).toHaveLength(2);
});

it('spaces retries by the dunning delays even when iamport refuses to register the charge (billing key gone)', async () => {
  const id = uniqueId('nokey');
  // Refused when registered, 3 s before it is due: the first retry still counts from the due time.
  const dueAt = Math.ceil((Date.now() + 3000) / 1000) * 1000;
  const handle = await startSubscription(billing.stack.client, billing.stack.taskQueue, {
    subscription_id: id,
    customer_uid: `never-issued-${id}`,
    plan: { name: 'No key', amount: 1000, interval: 'P1M' },
    start_at: new Date(dueAt).toISOString(),
    dunning: { retry_delays: ['PT2S', 'PT2S'], final_action: 'cancel' },
  });
  const final = await handle.result();
  expect(final.status).toBe('canceled');
  const attempts = [...final.recent_payments].reverse();
  expect(attempts.map((p) => [p.status, p.via, p.imp_uid])).toEqual([
    ['failed', 'registration', null],
    ['failed', 'registration', null],
    ['failed', 'registration', null],
  ]);
  expect(attempts[0].fail_reason).toContain('등록된 고객정보가 없습니다');
  const times = attempts.map((p) => Date.parse(p.at));
  expect(times[0]).toBeLessThan(dueAt);
  expect(times[1]).toBeGreaterThanOrEqual(dueAt + 2000);
  expect(times[2] - times[1]).toBeGreaterThanOrEqual(1900);
});

it('ignores forged notifications: unknown imp_uid, another subscription’s payment, another merchant_uid', async () => {
  const other = uniqueId('oth');
  const otherCustomer = await issueKey(billing.stack.iamport, `cust-${other}`);
  await startSubscription(billing.stack.client, billing.stack.taskQueue, {
    subscription_id: other,
    customer_uid: otherCustomer,
    plan: { name: 'Other', amount: 3000, interval: 'P1M' },
  });
  const otherPaid = (await waitForState(billing.stack.client, other, (s) => s.totals.paid_count === 1))
    .recent_payments[0];

  const id = uniqueId('forge');
  const customer = await issueKey(billing.stack.iamport, `cust-${id}`);
  await startSubscription(billing.stack.client, billing.stack.taskQueue, {
    subscription_id: id,
    customer_uid: customer,
    plan: { name: 'Target', amount: 3000, interval: 'P1M' },
    start_at: inOneHour(),
  });
  const registered = await waitForState(billing.stack.client, id, (s) => s.pending_charge?.registered === true);
  const merchantUid = registered.pending_charge!.merchant_uid;

  const forgeries = [
    { imp_uid: 'imp_999999999999', merchant_uid: merchantUid, status: 'paid' },
    { imp_uid: otherPaid.imp_uid!, merchant_uid: merchantUid, status: 'paid' },
    { imp_uid: otherPaid.imp_uid!, merchant_uid: otherPaid.merchant_uid, status: 'paid' },
  ];
  for (const forged of forgeries) await billing.handleOf(id).signal(paymentNotification, forged);

  const after = await waitForState(billing.stack.client, id, (s) => s.totals.ignored_notifications === 3);
  expect(after.totals.paid_count).toBe(0);
  expect(after.status).toBe('active');
  expect(after.pending_charge).toMatchObject({ merchant_uid: merchantUid, registered: true });
  expect(billing.chargesOf(customer)).toHaveLength(0);
  await billing.handleOf(id).executeUpdate(cancel, { args: [{}] });
  await billing.handleOf(other).executeUpdate(cancel, { args: [{}] });
});

it('reconciles by looking the charge up when the webhook is lost', async () => {
  billing.stack.sandbox.faults.set({ webhookDropRate: 1 });
  const id = uniqueId('lost');
  const customer = await issueKey(billing.stack.iamport, `cust-${id}`);
  await startSubscription(billing.stack.client, billing.stack.taskQueue, {
    subscription_id: id,
    customer_uid: customer,
    plan: { name: 'Lost webhook', amount: 4500, interval: 'P1M' },
    payment_result_grace: 'PT2S',
  });
  const state = await waitForState(billing.stack.client, id, (s) => s.totals.paid_count === 1);
  expect(state.recent_payments[0]).toMatchObject({ status: 'paid', amount: 4500, via: 'lookup' });
  expect(state.totals.reconciliations).toBe(1);
  expect(billing.chargesOf(customer)).toHaveLength(1);
  const webhooks = billing.stack.sandbox
    .ledger()
    .webhooks.filter((w) => w.body.merchant_uid === state.recent_payments[0].merchant_uid);
  expect(webhooks.map((w) => w.kind)).toEqual(['dropped']);
  await billing.handleOf(id).executeUpdate(cancel, { args: [{}] });
});

it('counts duplicated webhooks once', async () => {
  billing.stack.sandbox.faults.set({ webhookCopies: 3 });
  const id = uniqueId('dup');
  const customer = await issueKey(billing.stack.iamport, `cust-${id}`);
  await startSubscription(billing.stack.client, billing.stack.taskQueue, {
    subscription_id: id,
    customer_uid: customer,
    plan: { name: 'Duplicates', amount: 2500, interval: 'P1M' },
  });
  const state = await waitForState(billing.stack.client, id, (s) => s.totals.duplicate_notifications === 2);
  expect(state.totals).toMatchObject({ paid_count: 1, paid_amount: 2500 });
  expect(billing.stack.relayed.filter((n) => n.merchant_uid === state.recent_payments[0].merchant_uid)).toHaveLength(3);
  expect(billing.chargesOf(customer)).toHaveLength(1);
  await billing.handleOf(id).executeUpdate(cancel, { args: [{}] });
});

it('re-registers a registered charge at the new amount when the price goes down, so iamport holds only the new one', async () => {
  const id = uniqueId('plan');
  const customer = await issueKey(billing.stack.iamport, `cust-${id}`);
  const startAt = inOneHour();
  await startSubscription(billing.stack.client, billing.stack.taskQueue, {
    subscription_id: id,
    customer_uid: customer,
    plan: { name: 'Basic', amount: 15000, interval: 'P1M' },
    start_at: startAt,
  });
  const before = await waitForState(billing.stack.client, id, (s) => s.pending_charge?.registered === true);
  const changed = await billing.handleOf(id).executeUpdate(changePlan, { args: [{ amount: 12000, name: 'Pro' }] });
  expect(changed.plan).toEqual({ name: 'Pro', amount: 12000, interval: 'P1M' });
  const after = await waitForState(billing.stack.client, id, (s) => s.pending_charge?.registered === true);
  expect(after.pending_charge).toMatchObject({ amount: 12000, charge_at: before.pending_charge!.charge_at });
  expect(after.pending_charge!.merchant_uid).not.toBe(before.pending_charge!.merchant_uid);

  const fromS = Math.floor(Date.now() / 1000) - 60;
  const schedules = await billing.stack.iamport.getSchedulesByCustomer(customer, { from: fromS, to: fromS + 7200 });
  const held = schedules.list.filter((s) => s.schedule_status === 'scheduled');
  expect(held).toEqual([
    expect.objectContaining({ amount: 12000, name: 'Pro', merchant_uid: after.pending_charge!.merchant_uid }),
  ]);
  expect(schedules.list.find((s) => s.merchant_uid === before.pending_charge!.merchant_uid)?.schedule_status).toBe(
    'revoked',
  );
  await billing.handleOf(id).executeUpdate(cancel, { args: [{}] });
  const revoked = await billing.stack.iamport.getSchedule(after.pending_charge!.merchant_uid);
  expect(revoked.schedule_status).toBe('revoked');
});

it('charges exactly once when the worker is stopped mid-cycle and started again', async () => {
  const id = uniqueId('kill');
  const customer = await issueKey(billing.stack.iamport, `cust-${id}`);
  await startSubscription(billing.stack.client, billing.stack.taskQueue, {
    subscription_id: id,
    customer_uid: customer,
    plan: { name: 'Restart', amount: 6600, interval: 'P1M' },
    start_at: new Date(Date.now() + 3000).toISOString(),
  });
  const registered = await waitForState(billing.stack.client, id, (s) => s.pending_charge?.registered === true);
  await billing.stack.stopWorker();
  // iamport charges and notifies while no worker runs; the signal waits in the workflow's history.
  await eventually(async () =>
    billing.stack.relayed.some((n) => n.merchant_uid === registered.pending_charge!.merchant_uid),
  );
  await billing.stack.startWorker();
  const state = await waitForState(
    billing.stack.client,
    id,
    (s) => s.totals.paid_count === 1 && s.pending_charge?.registered === true,
  );
  expect(state.cycle).toBe(2);
  expect(billing.chargesOf(customer)).toEqual([expect.objectContaining({ status: 'paid', amount: 6600 })]);
  await billing.handleOf(id).executeUpdate(cancel, { args: [{}] });
  expect(billing.chargesOf(customer)).toHaveLength(1);
});

it('cancels at once: revokes the registered charge and completes, nothing charged after', async () => {
  const id = uniqueId('stop');
  const customer = await issueKey(billing.stack.iamport, `cust-${id}`);
  const handle = await startSubscription(billing.stack.client, billing.stack.taskQueue, {
    subscription_id: id,
    customer_uid: customer,
    plan: { name: 'Stop', amount: 1100, interval: 'P1M' },
    start_at: new Date(Date.now() + 4000).toISOString(),
  });
  const registered = await waitForState(billing.stack.client, id, (s) => s.pending_charge?.registered === true);
  const canceled = await handle.executeUpdate(cancel, { args: [{}] });
  expect(canceled).toMatchObject({ status: 'canceled' });
  expect((await handle.result()).status).toBe('canceled');
  expect((await billing.stack.iamport.getSchedule(registered.pending_charge!.merchant_uid)).schedule_status).toBe(
    'revoked',
  );
  await new Promise((resolve) => setTimeout(resolve, 5000));
  expect(billing.chargesOf(customer)).toHaveLength(0);
  expect((await stateOf(billing.stack.client, id)).status).toBe('canceled');
});

it('takes operator commands by signal (Temporal UI), and records a refused one as the last error', async () => {
  const id = uniqueId('ops');
  const customer = await issueKey(billing.stack.iamport, `cust-${id}`);
  await startSubscription(billing.stack.client, billing.stack.taskQueue, {
    subscription_id: id,
    customer_uid: customer,
    plan: { name: 'Ops', amount: 1200, interval: 'P1M' },
    start_at: inOneHour(),
  });
  const registered = await waitForState(billing.stack.client, id, (s) => s.pending_charge?.registered === true);
  await billing.handleOf(id).signal(operatorCommand, { command: 'resume' });
  const refused = await waitForState(billing.stack.client, id, (s) => s.last_error?.type === 'InvalidCommand');
  expect(refused.last_error?.message).toContain('not paused (status is active)');
  expect(refused.status).toBe('active');

  await billing.handleOf(id).signal(operatorCommand, { command: 'pause' });
  const paused = await waitForState(billing.stack.client, id, (s) => s.status === 'paused');
  expect(paused.pending_charge).toBeUndefined();
  expect((await billing.stack.iamport.getSchedule(registered.pending_charge!.merchant_uid)).schedule_status).toBe(
    'revoked',
  );
  await billing.handleOf(id).signal(operatorCommand, { command: 'cancel', args: {} });
  expect((await billing.handleOf(id).result()).status).toBe('canceled');
  expect(billing.chargesOf(customer)).toHaveLength(0);
});
