import { ApplicationFailure } from '@temporalio/common';
import { createActivities, FAILURE, type BillingActivities } from '../activities';
import { createIamportClient } from '../src/iamport';
import { startSandbox, TEST_CARDS, type SandboxHandle } from 'iamport-sandbox';
import { SANDBOX_KEY, SANDBOX_SECRET } from './helpers/stack';
import { issueKey, uniqueId } from './helpers/subscriptions';

let sandbox: SandboxHandle;
let activities: BillingActivities;
const iamport = () => createIamportClient({ baseUrl: sandbox.url, apiKey: SANDBOX_KEY, apiSecret: SANDBOX_SECRET });

beforeAll(async () => {
  sandbox = await startSandbox({ apiKey: SANDBOX_KEY, apiSecret: SANDBOX_SECRET, clock: { frozen: true }, tickMs: 0 });
  activities = createActivities({ iamport: iamport(), noticeUrl: 'http://127.0.0.1:9/iamport-callback/schedule' });
});
afterEach(() => sandbox.faults.set({ failBeforeRate: 0 }));
afterAll(() => sandbox?.close());

const inSeconds = (s: number) => new Date(sandbox.clock.now() + s * 1000).toISOString();

async function rejectionOf(promise: Promise<unknown>): Promise<ApplicationFailure> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ApplicationFailure);
  return error as ApplicationFailure;
}

it('registers a charge once, and treats registering the same merchant_uid again as success', async () => {
  const customer = await issueKey(iamport(), uniqueId('c'));
  const input = {
    customer_uid: customer,
    merchant_uid: `${uniqueId()}_x_1_1`,
    amount: 8900,
    name: 'Plan',
    charge_at: inSeconds(3600),
  };
  const first = await activities.registerCharge(input);
  const again = await activities.registerCharge(input);
  expect(again).toEqual(first);
  const schedule = await iamport().getSchedule(input.merchant_uid);
  expect(schedule).toMatchObject({ schedule_status: 'scheduled', amount: 8900, customer_uid: customer });
  expect(schedule.schedule_at * 1000).toBe(Date.parse(first.scheduled_at));
});

it('refuses the same merchant_uid for a different amount, and a customer without a billing key, as ChargeRejected', async () => {
  const customer = await issueKey(iamport(), uniqueId('c'));
  const merchantUid = `${uniqueId()}_x_1_1`;
  await activities.registerCharge({
    customer_uid: customer,
    merchant_uid: merchantUid,
    amount: 1000,
    name: 'P',
    charge_at: inSeconds(60),
  });
  const different = await rejectionOf(
    activities.registerCharge({
      customer_uid: customer,
      merchant_uid: merchantUid,
      amount: 2000,
      name: 'P',
      charge_at: inSeconds(60),
    }),
  );
  expect(different).toMatchObject({ type: FAILURE.chargeRejected, nonRetryable: true });
  const noKey = await rejectionOf(
    activities.registerCharge({
      customer_uid: 'nobody',
      merchant_uid: `${uniqueId()}_x_1_1`,
      amount: 1,
      name: 'P',
      charge_at: inSeconds(60),
    }),
  );
  expect(noKey).toMatchObject({ type: FAILURE.chargeRejected, nonRetryable: true });
  expect(noKey.message).toContain('등록된 고객정보가 없습니다');
});

it('revokes a scheduled charge, says so again on a retry, and reports an executed one with its payment', async () => {
  const customer = await issueKey(iamport(), uniqueId('c'), TEST_CARDS.insufficientBalance);
  const pending = {
    customer_uid: customer,
    merchant_uid: `${uniqueId()}_x_1_1`,
    amount: 700,
    name: 'P',
    charge_at: inSeconds(60),
  };
  await activities.registerCharge(pending);
  expect(await activities.unscheduleCharge(pending)).toMatchObject({ revoked: true, schedule_status: 'revoked' });
  expect(await activities.unscheduleCharge(pending)).toMatchObject({ revoked: true, schedule_status: 'revoked' });

  const executed = { ...pending, merchant_uid: `${uniqueId()}_x_1_2` };
  await activities.registerCharge(executed);
  sandbox.clock.advance(61_000);
  await sandbox.runDue();
  const result = await activities.unscheduleCharge(executed);
  expect(result).toMatchObject({
    revoked: false,
    schedule_status: 'executed',
    payment: { merchant_uid: executed.merchant_uid, status: 'failed', amount: 700, customer_uid: customer },
  });
  expect(result.payment?.fail_reason).toContain('잔액부족');
  expect(await activities.lookupCharge(executed.merchant_uid)).toEqual({
    schedule_status: 'executed',
    payment: result.payment,
  });
});

it('looks up unknown charges and payments as missing, not as errors', async () => {
  expect(await activities.lookupCharge('nobody_x_1_1')).toEqual({ schedule_status: 'missing', payment: null });
  expect(await activities.fetchPayment('imp_000000000000')).toBeNull();
});

it('passes no card data out: a payment summary holds ids, amount, status and reason only', async () => {
  const customer = await issueKey(iamport(), uniqueId('c'));
  const uid = `${uniqueId()}_x_1_1`;
  await activities.registerCharge({
    customer_uid: customer,
    merchant_uid: uid,
    amount: 300,
    name: 'P',
    charge_at: inSeconds(1),
  });
  sandbox.clock.advance(2_000);
  await sandbox.runDue();
  const { payment } = await activities.lookupCharge(uid);
  expect(Object.keys(payment!).sort()).toEqual([
    'amount',
    'at',
    'customer_uid',
    'fail_reason',
    'imp_uid',
    'merchant_uid',
    'status',
  ]);
  expect(JSON.stringify(payment)).not.toMatch(/4242/);
});

it('turns an iamport outage into a retryable IamportUnavailable failure', async () => {
  sandbox.faults.set({ failBeforeRate: 1 });
  const failure = await rejectionOf(activities.lookupCharge('any_x_1_1'));
  expect(failure).toMatchObject({ type: FAILURE.unavailable, nonRetryable: false });
});

it('retries, never refuses, when the lookup behind a duplicate registration fails (no dunning on a live charge)', async () => {
  // Scripted fault decisions: each request draws (hang, fail-before, fail-after); an empty script means no fault.
  const script: number[] = [];
  const flaky = await startSandbox({
    apiKey: SANDBOX_KEY,
    apiSecret: SANDBOX_SECRET,
    clock: { frozen: true },
    tickMs: 0,
    faults: { failBeforeRate: 0.5 },
    random: () => script.shift() ?? 0.99,
  });
  try {
    const client = createIamportClient({ baseUrl: flaky.url, apiKey: SANDBOX_KEY, apiSecret: SANDBOX_SECRET });
    const flakyActivities = createActivities({ iamport: client });
    const customer = await issueKey(client, uniqueId('c'));
    const input = {
      customer_uid: customer,
      merchant_uid: `${uniqueId()}_x_1_1`,
      amount: 500,
      name: 'P',
      charge_at: new Date(flaky.clock.now() + 60_000).toISOString(),
    };
    await flakyActivities.registerCharge(input);

    // The retry after a lost answer: the POST is refused as a duplicate, then the lookup answers 500.
    script.push(0.99, 0.99, 0.99, 0.99, 0.1, 0.99);
    const failure = await rejectionOf(flakyActivities.registerCharge(input));
    expect(failure).toMatchObject({ type: FAILURE.unavailable, nonRetryable: false });

    // Temporal's next attempt finds the schedule: success, and iamport holds exactly one.
    expect(await flakyActivities.registerCharge(input)).toEqual({
      scheduled_at: new Date(Math.ceil((flaky.clock.now() + 60_000) / 1000) * 1000).toISOString(),
    });
    const held = await client.getSchedulesByCustomer(customer, {
      from: Math.floor(flaky.clock.now() / 1000) - 60,
      to: Math.floor(flaky.clock.now() / 1000) + 3600,
    });
    expect(held.list).toHaveLength(1);
  } finally {
    await flaky.close();
  }
});
