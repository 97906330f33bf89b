import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createActivities, FAILURE, type BillingActivities, type RegisterChargeInput } from '../activities';
import { CLAIM_DELAY_SEC } from '../activities';
import { createIamportClient } from '../src/iamport';
import type { Logger, LogFields } from '../src/logger';
import { startSandbox, TEST_CARDS, type SandboxHandle } from 'iamport-sandbox';
import { eventually, SANDBOX_KEY, SANDBOX_SECRET } from './helpers/stack';
import { issueKey, uniqueId } from './helpers/subscriptions';

/** The sandbox's access log: every request it finished handling, also those whose client had gone. */
const handled: { method: string; path: string; status: number; ms: number }[] = [];
function recordingLogger(): Logger {
  const logger: Logger = {
    debug: (msg: string, fields?: LogFields) => {
      if (msg === 'request' && fields) handled.push(fields as (typeof handled)[number]);
    },
    info: () => undefined,
    warn: () => undefined,
    error: () => undefined,
    child: () => logger,
  };
  return logger;
}

let sandbox: SandboxHandle;
let activities: BillingActivities;
const iamport = () => createIamportClient({ baseUrl: sandbox.url, apiKey: SANDBOX_KEY, apiSecret: SANDBOX_SECRET });

beforeAll(async () => {
  sandbox = await startSandbox({
    apiKey: SANDBOX_KEY,
    apiSecret: SANDBOX_SECRET,
    clock: { frozen: true },
    tickMs: 0,
    logger: recordingLogger(),
  });
  activities = createActivities({
    iamport: iamport(),
    noticeUrl: 'http://127.0.0.1:9/iamport-callback/schedule',
    // The worker's clock is the sandbox's, which the tests move.
    now: () => sandbox.clock.now(),
  });
});
afterEach(() => {
  sandbox.faults.set({ failBeforeRate: 0 });
  sandbox.rules.clear();
});
afterAll(() => sandbox?.close());

const inSeconds = (s: number) => new Date(sandbox.clock.now() + s * 1000).toISOString();
const scheduleAtOf = (s: number) => new Date(Math.ceil((sandbox.clock.now() + s * 1000) / 1000) * 1000).toISOString();

async function rejectionOf(promise: Promise<unknown>): Promise<ApplicationFailure> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ApplicationFailure);
  return error as ApplicationFailure;
}

async function newCharge(seconds = 3600, card?: string): Promise<RegisterChargeInput> {
  const customer = await issueKey(iamport(), uniqueId('c'), card);
  return {
    customer_uid: customer,
    merchant_uid: `${uniqueId()}_x_1_1`,
    amount: 8900,
    name: 'Plan',
    charge_at: inSeconds(seconds),
  };
}

const PROXY_403 = '<html><head><title>403 Forbidden</title></head><body>Request blocked (WAF)</body></html>';
const PROXY_404 = '<html><body><center><h1>404 Not Found</h1></center><hr><center>nginx</center></body></html>';

describe('registerCharge', () => {
  it('registers a charge once, and treats registering the same merchant_uid again as success', async () => {
    const input = await newCharge();
    const first = await activities.registerCharge(input);
    expect(first).toEqual({ outcome: 'scheduled', scheduled_at: scheduleAtOf(3600) });
    expect(await activities.registerCharge(input)).toEqual(first);
    const schedule = await iamport().getSchedule(input.merchant_uid);
    expect(schedule).toMatchObject({ schedule_status: 'scheduled', amount: 8900, customer_uid: input.customer_uid });
    expect(new Date(schedule.schedule_at * 1000).toISOString()).toBe(
      first.outcome === 'scheduled' && first.scheduled_at,
    );
  });

  it('answers refused only for iamport’s own refusal with nothing held (a customer without a billing key)', async () => {
    const result = await activities.registerCharge({ ...(await newCharge()), customer_uid: 'nobody' });
    expect(result).toEqual({ outcome: 'refused', reason: expect.stringContaining('등록된 고객정보가 없습니다') });
  });

  it('is IamportUnexpected, not a refusal, when iamport holds the merchant_uid for another amount', async () => {
    const input = await newCharge(60);
    await activities.registerCharge(input);
    const failure = await rejectionOf(activities.registerCharge({ ...input, amount: 2000 }));
    expect(failure).toMatchObject({ type: FAILURE.unexpected, nonRetryable: true });
  });

  it('schedules "charge now" at now + lead, and a future charge at its time', async () => {
    const withLead = createActivities({ iamport: iamport(), scheduleLeadMs: 60_000, now: () => sandbox.clock.now() });
    const now = await newCharge(-30);
    expect(await withLead.registerCharge(now)).toEqual({ outcome: 'scheduled', scheduled_at: scheduleAtOf(60) });
    const later = await newCharge(7200);
    expect(await withLead.registerCharge(later)).toEqual({ outcome: 'scheduled', scheduled_at: scheduleAtOf(7200) });
  });

  it.each([
    ['403 proxy page', 403, PROXY_403],
    ['404 proxy page', 404, PROXY_404],
    ['400 proxy page', 400, '<html>Bad Request</html>'],
  ])('takes a %s on the schedule call for an outage (retryable), never for a decline', async (_, status, text) => {
    const input = await newCharge();
    sandbox.rules.add({ method: 'POST', path: '/subscribe/payments/schedule', answer: { status, text }, times: 1 });
    const failure = await rejectionOf(activities.registerCharge(input));
    expect(failure).toMatchObject({ type: FAILURE.unavailable, nonRetryable: false });
    // Temporal's next attempt registers it.
    expect(await activities.registerCharge(input)).toMatchObject({ outcome: 'scheduled' });
  });

  it('retries, never refuses, when the lookup behind a refusal answers with a proxy page', async () => {
    const input = await newCharge();
    const refusal = { code: 1, message: '처리할 수 없는 요청입니다.', response: null };
    sandbox.rules.add({ method: 'POST', path: '/subscribe/payments/schedule', answer: { status: 200, json: refusal } });
    sandbox.rules.add({
      method: 'GET',
      path: '/subscribe/payments/schedule/:merchant_uid',
      answer: { status: 404, text: PROXY_404 },
    });
    expect(await rejectionOf(activities.registerCharge(input))).toMatchObject({ type: FAILURE.unavailable });
    // With iamport's own 404 behind the same refusal, it is a refusal.
    sandbox.rules.clear();
    sandbox.rules.add({ method: 'POST', path: '/subscribe/payments/schedule', answer: { status: 200, json: refusal } });
    expect(await activities.registerCharge(input)).toEqual({ outcome: 'refused', reason: refusal.message });
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
      const flakyActivities = createActivities({ iamport: client, now: () => flaky.clock.now() });
      const customer = await issueKey(client, uniqueId('c'));
      const input = {
        customer_uid: customer,
        merchant_uid: `${uniqueId()}_x_1_1`,
        amount: 500,
        name: 'P',
        charge_at: new Date(flaky.clock.now() + 60_000).toISOString(),
      };
      await flakyActivities.registerCharge(input);

      // The retry after a lost answer: the POST is refused as a duplicate, then the lookup answers 500 (each of the
      // client's three tries of it).
      script.push(0.99, 0.99, 0.99, ...[0.99, 0.1, 0.99], ...[0.99, 0.1, 0.99], ...[0.99, 0.1, 0.99]);
      const failure = await rejectionOf(flakyActivities.registerCharge(input));
      expect(failure).toMatchObject({ type: FAILURE.unavailable, nonRetryable: false });

      // Temporal's next attempt finds the schedule: success, and iamport holds exactly one.
      expect(await flakyActivities.registerCharge(input)).toEqual({
        outcome: 'scheduled',
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
});

describe('revokeCharge', () => {
  it('revokes a scheduled charge (iamport lists it), says so again on a retry, and reports an executed one', async () => {
    const pending = await newCharge(60, TEST_CARDS.insufficientBalance);
    await activities.registerCharge(pending);
    expect(await activities.revokeCharge(pending)).toEqual({ outcome: 'revoked' });
    expect(await activities.revokeCharge(pending)).toEqual({ outcome: 'revoked' });
    expect(await iamport().getSchedule(pending.merchant_uid)).toMatchObject({ schedule_status: 'revoked' });

    const executed = { ...pending, merchant_uid: `${uniqueId()}_x_1_2` };
    await activities.registerCharge(executed);
    sandbox.clock.advance(61_000);
    await sandbox.runDue();
    const result = await activities.revokeCharge(executed);
    expect(result).toEqual({
      outcome: 'executed',
      payment: expect.objectContaining({
        merchant_uid: executed.merchant_uid,
        status: 'failed',
        amount: 8900,
        customer_uid: pending.customer_uid,
        fail_reason: expect.stringContaining('잔액부족'),
      }),
    });
    expect(await activities.lookupCharge(executed.merchant_uid)).toEqual({
      schedule_status: 'executed',
      scheduled_at: expect.any(String),
      payment: result.outcome === 'executed' && result.payment,
    });
  });

  it('claims a merchant_uid iamport never got, so a registration arriving later is refused and nothing charges', async () => {
    const input = await newCharge(60);
    expect(await activities.revokeCharge(input)).toEqual({ outcome: 'revoked' });
    const claim = await iamport().getSchedule(input.merchant_uid);
    expect(claim).toMatchObject({ schedule_status: 'revoked', custom_data: expect.stringContaining('revoke-claim') });
    expect(claim.schedule_at * 1000).toBeGreaterThanOrEqual(Date.parse(input.charge_at) + CLAIM_DELAY_SEC * 1000);

    // The registration shows up after the revoke: iamport refuses it, and it is not mistaken for success.
    expect(await rejectionOf(activities.registerCharge(input))).toMatchObject({ type: FAILURE.unexpected });
    sandbox.clock.advance(120_000);
    await sandbox.runDue();
    expect(sandbox.ledger().charges.filter((c) => c.merchant_uid === input.merchant_uid)).toEqual([]);
  });

  it('does not acknowledge a future charge that iamport refused to unschedule (retryable), until it is revoked', async () => {
    const input = await newCharge(3600);
    await activities.registerCharge(input);
    const refusal = { code: 1, message: '취소할 예약결제 기록이 존재하지 않습니다.', response: null };
    sandbox.rules.add({
      method: 'POST',
      path: '/subscribe/payments/unschedule',
      answer: { status: 200, json: refusal },
    });
    expect(await rejectionOf(activities.revokeCharge(input))).toMatchObject({
      type: FAILURE.unavailable,
      nonRetryable: false,
    });
    sandbox.rules.clear();
    sandbox.rules.add({
      method: 'POST',
      path: '/subscribe/payments/unschedule',
      answer: { status: 403, text: PROXY_403 },
    });
    expect(await rejectionOf(activities.revokeCharge(input))).toMatchObject({ type: FAILURE.unavailable });
    expect(await iamport().getSchedule(input.merchant_uid)).toMatchObject({ schedule_status: 'scheduled' });

    sandbox.rules.clear();
    expect(await activities.revokeCharge(input)).toEqual({ outcome: 'revoked' });
  });

  it('does not take an unschedule answer that leaves the merchant_uid out for a revoke', async () => {
    const input = await newCharge(3600);
    await activities.registerCharge(input);
    sandbox.rules.add({
      method: 'POST',
      path: '/subscribe/payments/unschedule',
      answer: { status: 200, json: { code: 0, message: '', response: [] } },
    });
    expect(await rejectionOf(activities.revokeCharge(input))).toMatchObject({ type: FAILURE.unavailable });
  });

  it('answers executing for a charge whose time has come that iamport will not unschedule', async () => {
    const input = await newCharge(5);
    await activities.registerCharge(input);
    const refusal = { code: 1, message: '결제가 진행중입니다.', response: null };
    sandbox.rules.add({
      method: 'POST',
      path: '/subscribe/payments/unschedule',
      answer: { status: 200, json: refusal },
    });
    // The worker's clock says the charge's time has come; iamport still lists it as scheduled.
    const atChargeTime = createActivities({ iamport: iamport(), now: () => sandbox.clock.now() + 10_000 });
    expect(await atChargeTime.revokeCharge(input)).toEqual({ outcome: 'executing', scheduled_at: scheduleAtOf(5) });
  });

  it('retries (an outage), not executing, when iamport will not unschedule a charge whose time has not come', async () => {
    const input = await newCharge(5);
    await activities.registerCharge(input);
    sandbox.rules.add({
      method: 'POST',
      path: '/subscribe/payments/unschedule',
      answer: { status: 200, json: { code: 1, message: '결제가 진행중입니다.', response: null } },
    });
    expect(await rejectionOf(activities.revokeCharge(input))).toMatchObject({ type: FAILURE.unavailable });
  });

  it('keeps unscheduleCharge for recorded histories, answering in the old shape', async () => {
    const input = await newCharge(60);
    await activities.registerCharge(input);
    const ids = { customer_uid: input.customer_uid, merchant_uid: input.merchant_uid };
    expect(await activities.unscheduleCharge(ids)).toEqual({
      revoked: true,
      schedule_status: 'revoked',
      payment: null,
    });
    expect(await activities.unscheduleCharge(ids)).toEqual({
      revoked: true,
      schedule_status: 'revoked',
      payment: null,
    });
    expect(await activities.unscheduleCharge({ customer_uid: 'nobody', merchant_uid: 'nothing_x_1_1' })).toEqual({
      revoked: false,
      schedule_status: 'missing',
      payment: null,
    });
  });
});

describe('lookups', () => {
  it('looks up unknown charges and payments as missing, and unusable imp_uids as unknown without asking iamport', async () => {
    expect(await activities.lookupCharge('nobody_x_1_1')).toEqual({ schedule_status: 'missing', payment: null });
    expect(await activities.fetchPayment('imp_000000000000')).toBeNull();
    const before = handled.length;
    for (const id of ['..', '.', '', 'a/b', '1'.repeat(100), 'imp_../x', `imp_${'1'.repeat(40)}`]) {
      expect(await activities.fetchPayment(id)).toBeNull();
    }
    expect(handled.length).toBe(before);
  });

  it('passes no card data out: a payment summary holds ids, amount, currency, origin, status, reason and receipt URL only', async () => {
    const input = await newCharge(1);
    await activities.registerCharge(input);
    sandbox.clock.advance(2_000);
    await sandbox.runDue();
    const { payment } = await activities.lookupCharge(input.merchant_uid);
    expect(Object.keys(payment!).sort()).toEqual([
      'amount',
      'at',
      'currency',
      'customer_uid',
      'customer_uid_usage',
      'fail_reason',
      'imp_uid',
      'merchant_uid',
      'receipt_url',
      'status',
    ]);
    expect(payment).toMatchObject({ currency: 'KRW', customer_uid_usage: 'payment.scheduled', status: 'paid' });
    expect(JSON.stringify(payment)).not.toMatch(/4242/);
  });
});

describe('error classification: every failure is a known type', () => {
  it('turns an iamport outage into a retryable IamportUnavailable failure', async () => {
    sandbox.faults.set({ failBeforeRate: 1 });
    const failure = await rejectionOf(activities.lookupCharge('any_x_1_1'));
    expect(failure).toMatchObject({ type: FAILURE.unavailable, nonRetryable: false });
  });

  it.each([
    ['200 with a non-zero code', 200, { json: { code: 1, message: '오류', response: null } }, FAILURE.unexpected],
    [
      '400 with iamport’s envelope',
      400,
      { json: { code: -1, message: '잘못된 요청', response: null } },
      FAILURE.unexpected,
    ],
    [
      '403 with iamport’s envelope',
      403,
      { json: { code: -1, message: '권한 없음', response: null } },
      FAILURE.unexpected,
    ],
    ['403 proxy page', 403, { text: PROXY_403 }, FAILURE.unavailable],
    ['404 proxy page', 404, { text: PROXY_404 }, FAILURE.unavailable],
    ['WAF JSON without an envelope', 403, { json: { code: 403, message: 'Forbidden' } }, FAILURE.unavailable],
    [
      'schedule without schedule_at',
      200,
      {
        json: {
          code: 0,
          message: '',
          response: { customer_uid: 'c', merchant_uid: 'm', amount: 1, schedule_status: 'scheduled', imp_uid: null },
        },
      },
      FAILURE.unexpected,
    ],
  ] as const)('a lookup answered %s is %s', async (_, status, body, type) => {
    sandbox.rules.add({
      method: 'GET',
      path: '/subscribe/payments/schedule/:merchant_uid',
      answer: { status, ...body },
    });
    const failure = await rejectionOf(activities.lookupCharge('any_x_1_1'));
    expect(failure.type).toBe(type);
    expect(failure.nonRetryable).toBe(type === FAILURE.unexpected);
  });

  it('a payment read answered 400 or with a malformed payment is IamportUnexpected, never a TypeError', async () => {
    sandbox.rules.add({
      method: 'GET',
      path: '/payments/:imp_uid',
      answer: { status: 400, json: { code: -1, message: 'bad', response: null } },
      times: 1,
    });
    expect(await rejectionOf(activities.fetchPayment('imp_123456789012'))).toMatchObject({ type: FAILURE.unexpected });
    sandbox.rules.add({
      method: 'GET',
      path: '/payments/:imp_uid',
      answer: { status: 200, json: { code: 0, message: '', response: { imp_uid: 'imp_1', amount: '1' } } },
    });
    expect(await rejectionOf(activities.fetchPayment('imp_123456789012'))).toMatchObject({ type: FAILURE.unexpected });
  });
});

describe('attempts: cancellation, deadline, heartbeats', () => {
  const info = (startToCloseTimeoutMs: number) => ({
    startToCloseTimeoutMs,
    scheduleToCloseTimeoutMs: 180_000,
    scheduledTimestampMs: Date.now(),
  });

  it('a cancelled registration whose request hangs returns promptly; the request lands late and is refused after the revoke', async () => {
    const input = await newCharge(60);
    sandbox.rules.add({ method: 'POST', path: '/subscribe/payments/schedule', latency_ms: 3_000, times: 1 });
    // As the workflow schedules registrations: with a heartbeat timeout, so cancellation reaches the attempt.
    const env = new MockActivityEnvironment({ ...info(45_000), heartbeatTimeoutMs: 15_000 });
    let heartbeats = 0;
    env.on('heartbeat', () => (heartbeats += 1));
    const handledBefore = handled.length;

    const started = Date.now();
    const registering = env.run(activities.registerCharge, input).then(
      () => undefined,
      (e: unknown) => e,
    );
    // Cancel once the request is at iamport (the latency rule has taken it), the way a command interrupts it.
    await eventually(async () => sandbox.rules.list().length === 0, 5_000);
    env.cancel();
    expect(await registering).toBeInstanceOf(CancelledFailure);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(heartbeats).toBeGreaterThan(0);

    // The workflow revokes at once: the claim takes the merchant_uid before the late registration gets there.
    expect(await activities.revokeCharge(input)).toEqual({ outcome: 'revoked' });
    const schedulePosts = () =>
      handled.slice(handledBefore).filter((r) => r.method === 'POST' && r.path === '/subscribe/payments/schedule');
    await eventually(async () => schedulePosts().length === 2, 10_000);
    expect(Date.now() - started).toBeGreaterThanOrEqual(2_900);
    expect(schedulePosts().map((r) => r.ms >= 2_900)).toEqual([false, true]);
    // Nothing the late registration did survives: iamport holds only the revoked claim, and nothing is charged.
    const held = await iamport().getSchedule(input.merchant_uid);
    expect(held).toMatchObject({ schedule_status: 'revoked', custom_data: expect.stringContaining('revoke-claim') });
    sandbox.clock.advance(120_000);
    await sandbox.runDue();
    expect(sandbox.ledger().charges.filter((c) => c.merchant_uid === input.merchant_uid)).toEqual([]);
  });

  it('a registration that landed but whose answer was lost is revoked: the claim is refused, iamport lists the revoke', async () => {
    const input = await newCharge(60);
    sandbox.rules.add({
      method: 'POST',
      path: '/subscribe/payments/schedule',
      answer: { status: 502, text: '<html>502 Bad Gateway</html>', after_effect: true },
      times: 1,
    });
    expect(await rejectionOf(activities.registerCharge(input))).toMatchObject({ type: FAILURE.unavailable });
    expect(await activities.revokeCharge(input)).toEqual({ outcome: 'revoked' });
    const held = await iamport().getSchedule(input.merchant_uid);
    expect(held).toMatchObject({ schedule_status: 'revoked', custom_data: null });
    sandbox.clock.advance(120_000);
    await sandbox.runDue();
    expect(sandbox.ledger().charges.filter((c) => c.merchant_uid === input.merchant_uid)).toEqual([]);
  });

  it('ends an attempt before its start-to-close timeout, token fetch included, as a retryable outage', async () => {
    const input = await newCharge(60);
    sandbox.rules.add({ method: 'POST', path: '/subscribe/payments/schedule', latency_ms: 10_000, times: 1 });
    const started = Date.now();
    const failure = await rejectionOf(new MockActivityEnvironment(info(1_500)).run(activities.registerCharge, input));
    const took = Date.now() - started;
    expect(failure).toMatchObject({ type: FAILURE.unavailable, nonRetryable: false });
    expect(took).toBeGreaterThanOrEqual(1_000);
    expect(took).toBeLessThan(1_500);

    // A fresh client has no token yet: a hanging getToken is cut by the same deadline.
    const fresh = createActivities({ iamport: iamport(), now: () => sandbox.clock.now() });
    sandbox.rules.add({ method: 'POST', path: '/users/getToken', latency_ms: 10_000, times: 1 });
    const tokenStarted = Date.now();
    const viaToken = await rejectionOf(new MockActivityEnvironment(info(1_500)).run(fresh.lookupCharge, 'x_x_1_1'));
    expect(viaToken).toMatchObject({ type: FAILURE.unavailable });
    expect(Date.now() - tokenStarted).toBeLessThan(1_500);
  });

  it('heartbeats while a slow call runs, when the activity has a heartbeat timeout; a read without one does not', async () => {
    const slowLookup = () =>
      sandbox.rules.add({
        method: 'GET',
        path: '/subscribe/payments/schedule/:merchant_uid',
        latency_ms: 2_500,
        times: 1,
      });
    const heartbeatsOf = async (activityInfo: ReturnType<typeof info> & { heartbeatTimeoutMs?: number }) => {
      const env = new MockActivityEnvironment(activityInfo);
      let heartbeats = 0;
      env.on('heartbeat', () => (heartbeats += 1));
      expect(await env.run(activities.lookupCharge, 'slow_x_1_1')).toEqual({
        schedule_status: 'missing',
        payment: null,
      });
      return heartbeats;
    };

    slowLookup();
    expect(await heartbeatsOf({ ...info(45_000), heartbeatTimeoutMs: 15_000 })).toBeGreaterThanOrEqual(3);
    slowLookup();
    expect(await heartbeatsOf(info(45_000))).toBe(0);
  });
});
