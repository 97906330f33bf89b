/**
 * V1 endpoints a merchant's own code needs beyond schedules, each checked against the official spec: onetime,
 * cancel's checksum, DELETE of a billing key with pending schedules, include_sandbox, and a schedule_at in the past.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AxiosInstance } from 'axios';
import type { SandboxHandle } from '../src';
import {
  authedClient,
  httpClient,
  issueKey,
  scheduleItem,
  startTestSandbox,
  startWebhookReceiver,
  T0_SEC,
  VALID_CARD,
} from './sandbox-helpers';

const SPEC_PATH = [
  process.env.IAMPORT_SPEC_PATH,
  join(__dirname, '..', '..', '..', '..', 'shared', 'reference', 'iamport-v1.openapi.json'),
].find((candidate): candidate is string => !!candidate && existsSync(candidate));

type Operation = { parameters?: { name: string; in: string }[] };
function specOperation(method: string, path: string): Operation {
  if (!SPEC_PATH) throw new Error('iamport V1 spec not found; set IAMPORT_SPEC_PATH');
  const spec = JSON.parse(readFileSync(SPEC_PATH, 'utf8')) as { paths: Record<string, Record<string, Operation>> };
  const operation = spec.paths[path]?.[method];
  if (!operation) throw new Error(`${method.toUpperCase()} ${path} is not in the official spec`);
  return operation;
}
const paramNames = (operation: Operation) => (operation.parameters ?? []).map((p) => p.name);

describe('sandbox V1 coverage: what the official spec declares', () => {
  it('declares every endpoint and parameter this suite relies on', () => {
    const onetime = paramNames(specOperation('post', '/subscribe/payments/onetime'));
    expect(onetime).toEqual(
      expect.arrayContaining([
        'merchant_uid',
        'amount',
        'card_number',
        'expiry',
        'birth',
        'customer_uid',
        'notice_url',
      ]),
    );
    expect(paramNames(specOperation('post', '/subscribe/payments/again'))).toEqual(
      expect.arrayContaining(['customer_uid', 'merchant_uid', 'amount', 'notice_url']),
    );
    expect(paramNames(specOperation('post', '/payments/cancel'))).toEqual(
      expect.arrayContaining(['imp_uid', 'merchant_uid', 'amount', 'checksum', 'reason', 'enable_webhook']),
    );
    expect(paramNames(specOperation('delete', '/subscribe/customers/{customer_uid}'))).toEqual(
      expect.arrayContaining(['customer_uid', 'reason']),
    );
    expect(paramNames(specOperation('get', '/payments/{imp_uid}'))).toContain('include_sandbox');
  });
});

describe('sandbox V1 coverage', () => {
  let sandbox: SandboxHandle;
  let api: AxiosInstance;
  let receiver: Awaited<ReturnType<typeof startWebhookReceiver>>;

  beforeEach(async () => {
    receiver = await startWebhookReceiver();
    sandbox = await startTestSandbox();
    api = await authedClient(sandbox);
  });
  afterEach(async () => {
    await sandbox.close();
    await receiver.close();
  });

  describe('POST /subscribe/payments/onetime', () => {
    const onetime = (body: Record<string, unknown>) =>
      api.post('/subscribe/payments/onetime', { ...VALID_CARD, amount: 5000, name: '단건', ...body });

    it('charges a card without storing it, and notifies a paid charge', async () => {
      const res = await onetime({ merchant_uid: 'one_1', notice_url: receiver.url });
      expect(res.status).toBe(200);
      expect(res.data).toMatchObject({ code: 0, response: { merchant_uid: 'one_1', amount: 5000, status: 'paid' } });
      expect(res.data.response).toMatchObject({
        customer_uid: null,
        customer_uid_usage: null,
        card_number: '424242******4242',
      });
      expect(JSON.stringify(res.data)).not.toContain('4242-4242-4242-4242');
      await sandbox.webhooksIdle();
      expect(receiver.received.map((w) => w.body)).toEqual([
        { imp_uid: res.data.response.imp_uid, merchant_uid: 'one_1', status: 'paid' },
      ]);
      expect((await api.get(`/payments/${res.data.response.imp_uid}`)).data.response.status).toBe('paid');
      expect(sandbox.ledger().charges).toEqual([
        expect.objectContaining({ source: 'onetime', merchant_uid: 'one_1', customer_uid: null, status: 'paid' }),
      ]);
    });

    it('stores the card as a billing key when customer_uid is given (buyer_* become customer_*)', async () => {
      const res = await onetime({ merchant_uid: 'one_2', customer_uid: 'one_cust', buyer_name: '김민지' });
      expect(res.data.response).toMatchObject({
        status: 'paid',
        customer_uid: 'one_cust',
        customer_uid_usage: 'issue',
      });
      const key = await api.get('/subscribe/customers/one_cust');
      expect(key.data.response).toMatchObject({ customer_uid: 'one_cust', customer_name: '김민지' });
      const again = await api.post('/subscribe/payments/again', {
        customer_uid: 'one_cust',
        merchant_uid: 'one_2_next',
        amount: 5000,
        name: '다음 결제',
      });
      expect(again.data.response).toMatchObject({ status: 'paid', customer_uid_usage: 'payment' });
    });

    it('answers a declined card with a failed payment (code 0) and no webhook', async () => {
      const res = await onetime({
        merchant_uid: 'one_3',
        card_number: '4000-0000-0000-0002',
        notice_url: receiver.url,
      });
      expect(res.data).toMatchObject({
        code: 0,
        response: { status: 'failed', fail_reason: expect.stringContaining('잔액부족') },
      });
      await sandbox.webhooksIdle();
      expect(receiver.received).toEqual([]);
      // a failed merchant_uid may be tried again; a paid one may not
      expect((await onetime({ merchant_uid: 'one_3' })).data.response.status).toBe('paid');
      const twice = await onetime({ merchant_uid: 'one_3' });
      expect(twice.data).toMatchObject({ code: 1, response: null });
    });

    it('refuses a bad card with code -1 and records nothing; a malformed request is a 400', async () => {
      for (const card of [{ card_number: '1234' }, { expiry: '2020-01' }, { card_number: '4000-0000-0000-0001' }]) {
        const res = await onetime({ merchant_uid: 'one_bad', ...card });
        expect(res.status).toBe(200);
        expect(res.data).toMatchObject({ code: -1, response: null });
        expect(res.data.message).toContain('카드정보 인증에 실패하였습니다.');
      }
      expect((await onetime({ amount: 100 })).status).toBe(400); // no merchant_uid
      expect((await onetime({ merchant_uid: 'one_neg', amount: -5 })).status).toBe(400);
      expect(sandbox.ledger().charges).toEqual([]);
      expect((await api.get('/payments/find/one_bad')).status).toBe(404);
    });

    it('needs a token', async () => {
      const res = await httpClient(sandbox.url).post('/subscribe/payments/onetime', {
        ...VALID_CARD,
        merchant_uid: 'one_anon',
        amount: 1000,
      });
      expect(res.status).toBe(401);
    });
  });

  describe('POST /payments/cancel checksum', () => {
    it('skips the check for a null checksum, refuses a stale one, accepts the current balance', async () => {
      await issueKey(api, 'ck_cust');
      const paid = (
        await api.post('/subscribe/payments/again', { customer_uid: 'ck_cust', merchant_uid: 'ck_1', amount: 9000 })
      ).data.response;
      const first = await api.post('/payments/cancel', { imp_uid: paid.imp_uid, amount: 1000, checksum: null });
      expect(first.data).toMatchObject({ code: 0, response: { cancel_amount: 1000 } });
      const stale = await api.post('/payments/cancel', { imp_uid: paid.imp_uid, amount: 1000, checksum: 9000 });
      expect(stale.data).toMatchObject({ code: 1, response: null });
      expect(stale.data.message).toContain('checksum');
      const rest = await api.post('/payments/cancel', { merchant_uid: 'ck_1', checksum: 8000 });
      expect(rest.data.response).toMatchObject({ status: 'cancelled', cancel_amount: 9000 });
    });
  });

  describe('DELETE /subscribe/customers/{uid} with pending schedules', () => {
    async function keyWithSchedules(uid: string) {
      await issueKey(api, uid);
      await api.post('/subscribe/payments/schedule', {
        customer_uid: uid,
        schedules: [scheduleItem(`${uid}_a`, T0_SEC + 3600), scheduleItem(`${uid}_b`, T0_SEC + 7200)],
      });
    }
    const scheduleStatus = async (merchantUid: string) =>
      (await api.get(`/subscribe/payments/schedule/${merchantUid}`)).data.response.schedule_status;

    it('keeps the schedules by default, as iamport documents (they fail when they run)', async () => {
      await keyWithSchedules('del_keep');
      const res = await api.delete('/subscribe/customers/del_keep', { params: { reason: '카드 변경' } });
      expect(res.data).toMatchObject({ code: 0, response: { customer_uid: 'del_keep' } });
      expect(await scheduleStatus('del_keep_a')).toBe('scheduled');
      expect((await api.get('/subscribe/customers/del_keep')).status).toBe(404);
    });

    it("refuses with code 1 and changes nothing under deleteWithSchedules 'refuse'", async () => {
      await sandbox.close();
      sandbox = await startTestSandbox({ deleteWithSchedules: 'refuse' });
      api = await authedClient(sandbox);
      await keyWithSchedules('del_refuse');
      const res = await api.delete('/subscribe/customers/del_refuse');
      expect(res.status).toBe(200);
      expect(res.data).toMatchObject({ code: 1, response: null });
      expect(res.data.message).toContain('예약된 결제(2건)');
      expect((await api.get('/subscribe/customers/del_refuse')).data.code).toBe(0);
      expect(await scheduleStatus('del_refuse_a')).toBe('scheduled');
      // after unscheduling, the delete goes through
      await api.post('/subscribe/payments/unschedule', { customer_uid: 'del_refuse' });
      expect((await api.delete('/subscribe/customers/del_refuse')).data.code).toBe(0);
    });

    it("revokes the pending schedules with the key under deleteWithSchedules 'revoke'", async () => {
      await sandbox.close();
      sandbox = await startTestSandbox({ deleteWithSchedules: 'revoke' });
      api = await authedClient(sandbox);
      await keyWithSchedules('del_revoke');
      expect((await api.delete('/subscribe/customers/del_revoke')).data.code).toBe(0);
      expect(await scheduleStatus('del_revoke_a')).toBe('revoked');
      expect(await scheduleStatus('del_revoke_b')).toBe('revoked');
      sandbox.clock.advance(3 * 3600_000);
      await sandbox.runDue();
      expect(sandbox.ledger().charges).toEqual([]);
    });
  });

  describe('a schedule_at in the past', () => {
    it('runs at once by default (the sources describe no refusal for POST schedule)', async () => {
      await issueKey(api, 'past_run');
      const res = await api.post('/subscribe/payments/schedule', {
        customer_uid: 'past_run',
        schedules: [scheduleItem('past_run_1', T0_SEC - 600)],
      });
      expect(res.data.code).toBe(0);
      await sandbox.runDue();
      expect(sandbox.ledger().charges).toEqual([
        expect.objectContaining({ merchant_uid: 'past_run_1', status: 'paid' }),
      ]);
    });

    it("is refused with HTTP 400, registering nothing, under pastScheduleAt 'refuse'", async () => {
      await sandbox.close();
      sandbox = await startTestSandbox({ pastScheduleAt: 'refuse' });
      api = await authedClient(sandbox);
      // a new customer with card data: neither the key nor the future item may be registered
      const res = await api.post('/subscribe/payments/schedule', {
        customer_uid: 'past_refuse',
        ...VALID_CARD,
        schedules: [scheduleItem('past_ok', T0_SEC + 600), scheduleItem('past_bad', T0_SEC - 1)],
      });
      expect(res.status).toBe(400);
      expect(res.data).toMatchObject({ code: -1, response: null });
      expect(res.data.message).toContain('past_bad');
      expect((await api.get('/subscribe/customers/past_refuse')).status).toBe(404);
      expect((await api.get('/subscribe/payments/schedule/past_ok')).status).toBe(404);
      // now itself is not the past
      await issueKey(api, 'past_refuse');
      const atNow = await api.post('/subscribe/payments/schedule', {
        customer_uid: 'past_refuse',
        schedules: [scheduleItem('past_now', T0_SEC)],
      });
      expect(atNow.data.code).toBe(0);
    });
  });

  describe('include_sandbox', () => {
    it('hides sandbox payments from GET /payments/{imp_uid} unless include_sandbox=true, with hideSandboxPayments', async () => {
      await sandbox.close();
      sandbox = await startTestSandbox({ hideSandboxPayments: true });
      api = await authedClient(sandbox);
      await issueKey(api, 'inc_cust');
      const paid = (
        await api.post('/subscribe/payments/again', { customer_uid: 'inc_cust', merchant_uid: 'inc_1', amount: 100 })
      ).data.response;
      expect(paid.sandbox).toBe(true);
      expect((await api.get(`/payments/${paid.imp_uid}`)).status).toBe(404);
      expect((await api.get(`/payments/${paid.imp_uid}`, { params: { include_sandbox: false } })).status).toBe(404);
      const included = await api.get(`/payments/${paid.imp_uid}`, { params: { include_sandbox: true } });
      expect(included.data.response.imp_uid).toBe(paid.imp_uid);
    });
  });
});
