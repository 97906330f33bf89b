/**
 * Commands that arrive while an iamport call is still retrying: they must not wait minutes behind it. The sandbox
 * loses every answer to a registration (it takes effect, the answer is a 500), so the workflow cannot know whether
 * iamport holds the charge, and iamport really does hold it.
 */
import { cancel, changePlan } from '../workflows/messages';
import { recordHistory } from './helpers/histories';
import { useDevServerStack } from './helpers/dev-server-stack';
import { eventually } from './helpers/stack';
import { issueKey, startSubscription, stateOf, uniqueId, waitForState } from './helpers/subscriptions';

const REGISTRATION_PATH = '/subscribe/payments/schedule';
/** One registration attempt plus the revoke, with room for a slow machine; the activity alone retries for 3 minutes. */
const PROMPT_MS = 20_000;

const billing = useDevServerStack();
afterEach(() => {
  billing.stack.sandbox.faults.set({ failAfterRate: 0, latencyMs: 0, faultPaths: [] });
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Starts a subscription due in `dueInMs` whose registration iamport takes but never confirms. */
async function subscriptionStuckRegistering(prefix: string, amount: number, dueInMs: number) {
  const id = uniqueId(prefix);
  const customer = await issueKey(billing.stack.iamport, `cust-${id}`);
  billing.stack.sandbox.faults.set({ failAfterRate: 1, faultPaths: [REGISTRATION_PATH] });
  const dueAt = Date.now() + dueInMs;
  await startSubscription(billing.stack.client, billing.stack.taskQueue, {
    subscription_id: id,
    customer_uid: customer,
    plan: { name: 'Outage', amount, interval: 'P1M' },
    start_at: new Date(dueAt).toISOString(),
  });
  const { pending_charge } = await waitForState(billing.stack.client, id, (s) => s.pending_charge !== undefined);
  const merchantUid = pending_charge!.merchant_uid;
  await eventually(
    async () => (await billing.stack.iamport.getSchedule(merchantUid).catch(() => undefined))?.schedule_status,
  );
  expect((await stateOf(billing.stack.client, id)).pending_charge).toMatchObject({
    merchant_uid: merchantUid,
    registered: false,
  });
  return { id, customer, merchantUid, dueAt };
}

it('cancels at once while a registration is retrying, revokes what iamport holds, and nothing is charged', async () => {
  const { id, customer, merchantUid, dueAt } = await subscriptionStuckRegistering('cxl', 3300, 15_000);

  const sent = Date.now();
  const canceled = await billing.handleOf(id).executeUpdate(cancel, { args: [{}] });
  expect(Date.now() - sent).toBeLessThan(PROMPT_MS);
  expect(canceled.status).toBe('canceled');
  expect(canceled.pending_charge).toBeUndefined();
  expect((await billing.stack.iamport.getSchedule(merchantUid)).schedule_status).toBe('revoked');

  billing.stack.sandbox.faults.set({ failAfterRate: 0 });
  await sleep(Math.max(dueAt - Date.now(), 0) + 3000);
  expect(billing.chargesOf(customer)).toEqual([]);
  expect((await billing.handleOf(id).result()).status).toBe('canceled');
  recordHistory('cancel-while-registering', await billing.handleOf(id).fetchHistory());
});

it('lets a registration attempt in flight finish before revoking, so the revoke cannot overtake it', async () => {
  const id = uniqueId('fly');
  const customer = await issueKey(billing.stack.iamport, `cust-${id}`);
  billing.stack.sandbox.faults.set({ latencyMs: 5000, faultPaths: [REGISTRATION_PATH] });
  const dueAt = Date.now() + 15_000;
  await startSubscription(billing.stack.client, billing.stack.taskQueue, {
    subscription_id: id,
    customer_uid: customer,
    plan: { name: 'InFlight', amount: 5500, interval: 'P1M' },
    start_at: new Date(dueAt).toISOString(),
  });
  const registering = await waitForState(
    billing.stack.client,
    id,
    (s) => s.waiting_for.startsWith('registering'),
    10_000,
  );
  const merchantUid = registering.pending_charge!.merchant_uid;

  const canceled = await billing.handleOf(id).executeUpdate(cancel, { args: [{}] });
  expect(canceled.status).toBe('canceled');
  // The registration reached iamport while the cancel waited for it; the revoke came after it.
  expect((await billing.stack.iamport.getSchedule(merchantUid)).schedule_status).toBe('revoked');
  await sleep(Math.max(dueAt - Date.now(), 0) + 3000);
  expect(billing.chargesOf(customer)).toEqual([]);
});

it('lowers the price at once while a registration is retrying: only the new amount is charged, once', async () => {
  const { id, customer, merchantUid, dueAt } = await subscriptionStuckRegistering('chg', 8800, 15_000);

  const sent = Date.now();
  const changed = await billing.handleOf(id).executeUpdate(changePlan, { args: [{ amount: 4400 }] });
  expect(Date.now() - sent).toBeLessThan(PROMPT_MS);
  expect(changed.pending_charge).toMatchObject({ amount: 4400 });
  expect(changed.pending_charge!.merchant_uid).not.toBe(merchantUid);
  expect((await billing.stack.iamport.getSchedule(merchantUid)).schedule_status).toBe('revoked');

  billing.stack.sandbox.faults.set({ failAfterRate: 0 });
  const paid = await waitForState(
    billing.stack.client,
    id,
    (s) => s.totals.paid_count === 1,
    Math.max(dueAt - Date.now(), 0) + 60_000,
  );
  expect(paid.recent_payments[0]).toMatchObject({ amount: 4400, merchant_uid: changed.pending_charge!.merchant_uid });
  expect(billing.chargesOf(customer)).toEqual([expect.objectContaining({ amount: 4400, status: 'paid' })]);
  await billing.handleOf(id).executeUpdate(cancel, { args: [{}] });
});
