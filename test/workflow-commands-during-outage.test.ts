/**
 * Commands that arrive while an iamport call is still retrying: they must not wait minutes behind it. The sandbox
 * loses every answer to a registration (it takes effect, the answer is a 500), so the workflow cannot know whether
 * iamport holds the charge, and iamport really does hold it.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { workflowIdFor } from '../workflows/ids';
import { cancel, changePlan } from '../workflows/messages';
import { recordHistory } from './helpers/histories';
import { startDevServer } from './helpers/temporal';
import { eventually, startBillingStack, type BillingStack } from './helpers/stack';
import {
  issueKey,
  startSubscription,
  stateOf,
  SUBSCRIPTION_SEARCH_ATTRIBUTES,
  uniqueId,
  waitForState,
} from './helpers/subscriptions';

const REGISTRATION_PATH = '/subscribe/payments/schedule';
/** One registration attempt plus the revoke, with room for a slow machine; the activity alone retries for 3 minutes. */
const PROMPT_MS = 20_000;

let env: TestWorkflowEnvironment;
let stack: BillingStack;

beforeAll(async () => {
  env = await startDevServer({ searchAttributes: SUBSCRIPTION_SEARCH_ATTRIBUTES });
  stack = await startBillingStack(env, { sandbox: { tickMs: 100 } });
});
afterEach(() => {
  stack.sandbox.faults.set({ failAfterRate: 0, latencyMs: 0, faultPaths: [] });
});
afterAll(async () => {
  await stack?.teardown();
  await env?.teardown();
});

const handleOf = (id: string) => stack.client.workflow.getHandle(workflowIdFor(id));
const chargesOf = (customerUid: string) =>
  stack.sandbox.ledger().charges.filter((charge) => charge.customer_uid === customerUid);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Starts a subscription due in `dueInMs` whose registration iamport takes but never confirms. */
async function subscriptionStuckRegistering(prefix: string, amount: number, dueInMs: number) {
  const id = uniqueId(prefix);
  const customer = await issueKey(stack.iamport, `cust-${id}`);
  stack.sandbox.faults.set({ failAfterRate: 1, faultPaths: [REGISTRATION_PATH] });
  const dueAt = Date.now() + dueInMs;
  await startSubscription(stack.client, stack.taskQueue, {
    subscription_id: id,
    customer_uid: customer,
    plan: { name: 'Outage', amount, interval: 'P1M' },
    start_at: new Date(dueAt).toISOString(),
  });
  const { pending_charge } = await waitForState(stack.client, id, (s) => s.pending_charge !== undefined);
  const merchantUid = pending_charge!.merchant_uid;
  await eventually(async () => (await stack.iamport.getSchedule(merchantUid).catch(() => undefined))?.schedule_status);
  expect((await stateOf(stack.client, id)).pending_charge).toMatchObject({
    merchant_uid: merchantUid,
    registered: false,
  });
  return { id, customer, merchantUid, dueAt };
}

it('cancels at once while a registration is retrying, revokes what iamport holds, and nothing is charged', async () => {
  const { id, customer, merchantUid, dueAt } = await subscriptionStuckRegistering('cxl', 3300, 15_000);

  const sent = Date.now();
  const canceled = await handleOf(id).executeUpdate(cancel, { args: [{}] });
  expect(Date.now() - sent).toBeLessThan(PROMPT_MS);
  expect(canceled.status).toBe('canceled');
  expect(canceled.pending_charge).toBeUndefined();
  expect((await stack.iamport.getSchedule(merchantUid)).schedule_status).toBe('revoked');

  stack.sandbox.faults.set({ failAfterRate: 0 });
  await sleep(Math.max(dueAt - Date.now(), 0) + 3000);
  expect(chargesOf(customer)).toEqual([]);
  expect((await handleOf(id).result()).status).toBe('canceled');
  recordHistory('cancel-while-registering', await handleOf(id).fetchHistory());
});

it('lets a registration attempt in flight finish before revoking, so the revoke cannot overtake it', async () => {
  const id = uniqueId('fly');
  const customer = await issueKey(stack.iamport, `cust-${id}`);
  stack.sandbox.faults.set({ latencyMs: 5000, faultPaths: [REGISTRATION_PATH] });
  const dueAt = Date.now() + 15_000;
  await startSubscription(stack.client, stack.taskQueue, {
    subscription_id: id,
    customer_uid: customer,
    plan: { name: 'InFlight', amount: 5500, interval: 'P1M' },
    start_at: new Date(dueAt).toISOString(),
  });
  const registering = await waitForState(stack.client, id, (s) => s.waiting_for.startsWith('registering'), 10_000);
  const merchantUid = registering.pending_charge!.merchant_uid;

  const canceled = await handleOf(id).executeUpdate(cancel, { args: [{}] });
  expect(canceled.status).toBe('canceled');
  // The registration reached iamport while the cancel waited for it; the revoke came after it.
  expect((await stack.iamport.getSchedule(merchantUid)).schedule_status).toBe('revoked');
  await sleep(Math.max(dueAt - Date.now(), 0) + 3000);
  expect(chargesOf(customer)).toEqual([]);
});

it('changes the plan at once while a registration is retrying: only the new amount is charged, once', async () => {
  const { id, customer, merchantUid, dueAt } = await subscriptionStuckRegistering('chg', 4400, 15_000);

  const sent = Date.now();
  const changed = await handleOf(id).executeUpdate(changePlan, { args: [{ amount: 8800 }] });
  expect(Date.now() - sent).toBeLessThan(PROMPT_MS);
  expect(changed.pending_charge).toMatchObject({ amount: 8800 });
  expect(changed.pending_charge!.merchant_uid).not.toBe(merchantUid);
  expect((await stack.iamport.getSchedule(merchantUid)).schedule_status).toBe('revoked');

  stack.sandbox.faults.set({ failAfterRate: 0 });
  const paid = await waitForState(
    stack.client,
    id,
    (s) => s.totals.paid_count === 1,
    Math.max(dueAt - Date.now(), 0) + 60_000,
  );
  expect(paid.recent_payments[0]).toMatchObject({ amount: 8800, merchant_uid: changed.pending_charge!.merchant_uid });
  expect(chargesOf(customer)).toEqual([expect.objectContaining({ amount: 8800, status: 'paid' })]);
  await handleOf(id).executeUpdate(cancel, { args: [{}] });
});
