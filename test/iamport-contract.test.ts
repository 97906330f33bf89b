/**
 * Contract: the project's iamport client against the project's sandbox, over real HTTP, for every endpoint the
 * billing worker and the HTTP server use — including token expiry, the 401 refresh-and-retry, duplicate merchant_uid,
 * declines and the retryable classification of 5xx and timeouts. Everything both sides log is checked for the card.
 */
import { createIamportClient, IamportError, type IamportClient } from '../src/iamport';
import { addLogSink, createLogger } from '../src/logger';
import { startSandbox, TEST_CARDS, type SandboxHandle } from 'iamport-sandbox';

const KEY = 'contract_key';
const SECRET = 'contract_secret_never_logged';
const CARD = '4242-4242-4242-4242';
const T0 = Date.parse('2030-01-01T00:00:00.000Z');

let sandbox: SandboxHandle;
let client: IamportClient;
const logged: string[] = [];
let removeSink: () => void;

beforeAll(async () => {
  removeSink = addLogSink((line) => logged.push(line));
  sandbox = await startSandbox({
    apiKey: KEY,
    apiSecret: SECRET,
    tokenLifetimeSec: 600,
    clock: { startAt: T0, frozen: true },
    tickMs: 0,
    logger: createLogger({ component: 'sandbox' }),
  });
  client = createIamportClient({
    baseUrl: sandbox.url,
    apiKey: KEY,
    apiSecret: SECRET,
    lookupTimeoutMs: 1500,
    chargeTimeoutMs: 1500,
    logger: createLogger({ component: 'iamport' }),
  });
});
afterEach(() => sandbox.faults.set({ failBeforeRate: 0, failAfterRate: 0, timeoutRate: 0 }));
afterAll(async () => {
  await sandbox?.close();
  removeSink?.();
});

const card = (cardNumber = CARD) => ({ card_number: cardNumber, expiry: '2031-12', birth: '900101', pwd_2digit: '12' });
const seconds = (ms: number) => Math.floor(ms / 1000);

async function failure(promise: Promise<unknown>): Promise<IamportError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(IamportError);
  return error as IamportError;
}

describe('billing keys', () => {
  it('issues, reads, re-issues (replacing the card) and deletes a key; only the masked card comes back', async () => {
    const issued = await client.issueBillingKey('contract-cust-1', { ...card(), customer_name: '홍길동' });
    expect(issued).toMatchObject({ customer_uid: 'contract-cust-1', customer_name: '홍길동', sandbox: true });
    expect(issued.card_number).not.toContain('4242-4242-4242-4242');
    expect(await client.getBillingKey('contract-cust-1')).toMatchObject({ customer_uid: 'contract-cust-1' });
    const replaced = await client.issueBillingKey('contract-cust-1', card('5555-5555-5555-4444'));
    expect(replaced.card_number).toMatch(/4444$/);
    expect(await client.deleteBillingKey('contract-cust-1', 'contract test')).toMatchObject({
      customer_uid: 'contract-cust-1',
    });
    expect((await failure(client.getBillingKey('contract-cust-1'))).kind).toBe('not_found');
  });

  it('reports a card the PG refuses as a non-retryable business error with iamport’s message', async () => {
    const error = await failure(client.issueBillingKey('contract-cust-refused', card(TEST_CARDS.issuanceFails)));
    expect(error).toMatchObject({ kind: 'business', code: -1, retryable: false });
    expect(error.iamportMessage).toContain('빌키 발급에 실패');
    expect(error.message).not.toContain('0000-0000-0001');
  });
});

describe('schedules and payments', () => {
  it('schedules, looks up, executes on the sandbox clock, and finds the payment by imp_uid and merchant_uid', async () => {
    await client.issueBillingKey('contract-cust-2', card());
    const at = seconds(T0) + 3600;
    const [scheduled] = await client.schedule({
      customer_uid: 'contract-cust-2',
      schedules: [{ merchant_uid: 'contract_m_1', schedule_at: at, amount: 8900, name: 'Monthly', currency: 'KRW' }],
    });
    expect(scheduled).toMatchObject({
      merchant_uid: 'contract_m_1',
      schedule_status: 'scheduled',
      payment_status: null,
    });
    expect(scheduled.imp_uid).toBeNull();
    expect(scheduled.executed_at).toBe(0);

    sandbox.clock.set(at * 1000);
    await sandbox.runDue();
    const executed = await client.getSchedule('contract_m_1');
    expect(executed).toMatchObject({ schedule_status: 'executed', payment_status: 'paid' });
    const payment = await client.getPayment(executed.imp_uid!, { includeSandbox: true });
    expect(payment).toMatchObject({
      merchant_uid: 'contract_m_1',
      amount: 8900,
      status: 'paid',
      customer_uid: 'contract-cust-2',
      paid_at: at,
      failed_at: 0,
    });
    expect(await client.findPayment('contract_m_1', { includeSandbox: true })).toMatchObject({
      imp_uid: executed.imp_uid,
    });
    const page = await client.getSchedulesByCustomer('contract-cust-2', { from: at - 60, to: at + 60 });
    expect(page.list.map((s) => s.merchant_uid)).toEqual(['contract_m_1']);
  });

  it('refuses a duplicate merchant_uid as a non-retryable business error', async () => {
    await client.issueBillingKey('contract-cust-3', card());
    const item = { merchant_uid: 'contract_dup', schedule_at: seconds(T0) + 7200, amount: 100, name: 'D' };
    await client.schedule({ customer_uid: 'contract-cust-3', schedules: [item] });
    const error = await failure(client.schedule({ customer_uid: 'contract-cust-3', schedules: [item] }));
    expect(error).toMatchObject({ kind: 'business', code: 1, retryable: false });
    expect(error.iamportMessage).toContain('contract_dup');
  });

  it('unschedules a pending charge, and says when there is nothing left to revoke', async () => {
    await client.issueBillingKey('contract-cust-4', card());
    const item = { merchant_uid: 'contract_rev', schedule_at: seconds(T0) + 9000, amount: 100, name: 'R' };
    await client.schedule({ customer_uid: 'contract-cust-4', schedules: [item] });
    const [revoked] = await client.unschedule({ customer_uid: 'contract-cust-4', merchant_uid: ['contract_rev'] });
    expect(revoked).toMatchObject({ merchant_uid: 'contract_rev', schedule_status: 'revoked' });
    expect(revoked.revoked_at).toBeGreaterThan(0);
    const error = await failure(client.unschedule({ customer_uid: 'contract-cust-4', merchant_uid: ['contract_rev'] }));
    expect(error).toMatchObject({ kind: 'business', code: 1 });
  });

  it('charges now with again: approved, declined (a failed payment, not an error), and refunds in part and in full', async () => {
    await client.issueBillingKey('contract-cust-5', card());
    await client.issueBillingKey('contract-cust-6', card(TEST_CARDS.lostOrStolen));
    const paid = await client.again({
      customer_uid: 'contract-cust-5',
      merchant_uid: 'contract_again_1',
      amount: 5000,
      name: 'A',
    });
    expect(paid).toMatchObject({ status: 'paid', amount: 5000, cancel_amount: 0 });
    const declined = await client.again({
      customer_uid: 'contract-cust-6',
      merchant_uid: 'contract_again_2',
      amount: 5000,
      name: 'A',
    });
    expect(declined.status).toBe('failed');
    expect(declined.fail_reason).toContain('분실/도난');

    const partial = await client.cancelPayment({
      imp_uid: paid.imp_uid,
      amount: 2000,
      checksum: 5000,
      reason: 'partial',
    });
    expect(partial).toMatchObject({ status: 'paid', cancel_amount: 2000 });
    const full = await client.cancelPayment({ merchant_uid: 'contract_again_1', checksum: 3000, reason: 'rest' });
    expect(full).toMatchObject({ status: 'cancelled', cancel_amount: 5000 });
    expect(full.cancel_history).toHaveLength(2);
  });

  it('answers not_found for unknown payments and schedules', async () => {
    expect((await failure(client.getPayment('imp_000000009999'))).kind).toBe('not_found');
    expect((await failure(client.findPayment('contract_nothing'))).kind).toBe('not_found');
    expect((await failure(client.getSchedule('contract_nothing'))).kind).toBe('not_found');
  });
});

describe('tokens', () => {
  const tokenRequests = () =>
    logged.filter((line) => {
      const entry = JSON.parse(line) as { component?: string; msg?: string; path?: string; status?: number };
      return entry.component === 'sandbox' && entry.msg === 'request' && entry.path === '/users/getToken';
    });

  it('reuses one token, and gets a new one after it expires on the server’s clock', async () => {
    const fresh = createIamportClient({ baseUrl: sandbox.url, apiKey: KEY, apiSecret: SECRET });
    const before = tokenRequests().length;
    await Promise.all([1, 2, 3, 4].map(() => fresh.getBillingKey('contract-cust-2')));
    await fresh.getBillingKey('contract-cust-2');
    expect(tokenRequests().length - before).toBe(1);
    sandbox.clock.advance(11 * 60 * 1000); // past the 600 s token lifetime
    await fresh.getBillingKey('contract-cust-2');
    expect(tokenRequests().length - before).toBe(2);
  });

  it('refreshes and retries once when the server rejects a token the client still trusts (401)', async () => {
    // A fresh client learns expiry from the server's own now/expired_at; jumping the sandbox clock far ahead makes the
    // server reject the token while the client's cache still holds it.
    const fresh = createIamportClient({ baseUrl: sandbox.url, apiKey: KEY, apiSecret: SECRET });
    await fresh.getBillingKey('contract-cust-2');
    const before = tokenRequests().length;
    const rejected = () => logged.filter((line) => line.includes('"status":401')).length;
    const rejectedBefore = rejected();
    sandbox.clock.advance(2 * 3600 * 1000);
    expect(await fresh.getBillingKey('contract-cust-2')).toMatchObject({ customer_uid: 'contract-cust-2' });
    expect(rejected() - rejectedBefore).toBeGreaterThanOrEqual(1); // the stale token was refused once…
    expect(tokenRequests().length - before).toBe(1); // …and one refresh sufficed
  });

  it('reports wrong credentials as an auth error, never retried', async () => {
    const wrong = createIamportClient({ baseUrl: sandbox.url, apiKey: KEY, apiSecret: 'not-the-secret' });
    expect(await failure(wrong.getBillingKey('contract-cust-2'))).toMatchObject({ kind: 'auth', retryable: false });
  });
});

describe('failures', () => {
  it('classifies 5xx as retryable', async () => {
    sandbox.faults.set({ failBeforeRate: 1 });
    expect(await failure(client.getSchedule('contract_m_1'))).toMatchObject({ httpStatus: 500, retryable: true });
  });

  it('classifies a hanging request as a retryable timeout', async () => {
    sandbox.faults.set({ timeoutRate: 1, timeoutMs: 5000 });
    expect(await failure(client.getSchedule('contract_m_1'))).toMatchObject({ kind: 'timeout', retryable: true });
  });

  it('classifies a refused connection as a retryable network error', async () => {
    const nowhere = createIamportClient({ baseUrl: 'http://127.0.0.1:9', apiKey: KEY, apiSecret: SECRET });
    expect(await failure(nowhere.getSchedule('x'))).toMatchObject({ kind: 'network', retryable: true });
  });
});

it('never logged the card number or the API secret, on either side', () => {
  expect(logged.length).toBeGreaterThan(10);
  const everything = logged.join('\n');
  for (const secret of [CARD, CARD.replace(/-/g, ''), '5555555555554444', SECRET]) {
    expect(everything).not.toContain(secret);
  }
});
