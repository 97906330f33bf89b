import type { AxiosInstance } from 'axios';
import type { SandboxHandle } from '../src';
import { authedClient, issueKey, scheduleItem, startTestSandbox, startWebhookReceiver } from './sandbox-helpers';

describe('sandbox: again, payment lookup and cancel', () => {
  let sandbox: SandboxHandle;
  let api: AxiosInstance;
  let receiver: Awaited<ReturnType<typeof startWebhookReceiver>>;

  beforeAll(async () => {
    receiver = await startWebhookReceiver();
    sandbox = await startTestSandbox();
    api = await authedClient(sandbox);
    await issueKey(api, 'good', { card_number: '4242-4242-4242-4242' });
    await issueKey(api, 'broke', { card_number: '4000-0000-0000-0002' });
  });
  afterAll(async () => {
    await sandbox.close();
    await receiver.close();
  });
  beforeEach(() => {
    receiver.received.length = 0;
  });

  const again = (body: Record<string, unknown>) =>
    api.post('/subscribe/payments/again', { amount: 9900, name: '월간 구독', ...body });
  const cancel = (body: Record<string, unknown>) => api.post('/payments/cancel', body);

  describe('POST /subscribe/payments/again', () => {
    it('charges now and returns the paid Payment', async () => {
      const res = await again({ customer_uid: 'good', merchant_uid: 'again_paid', buyer_name: '홍길동' });
      expect(res.status).toBe(200);
      expect(res.data.code).toBe(0);
      expect(res.data.response).toMatchObject({
        merchant_uid: 'again_paid',
        status: 'paid',
        amount: 9900,
        channel: 'api',
        pay_method: 'card',
        card_number: '424242******4242',
        customer_uid: 'good',
        customer_uid_usage: 'payment',
        buyer_name: '홍길동',
        fail_reason: null,
      });
      expect(res.data.response.paid_at).toBe(sandbox.clock.nowSeconds());
      expect(sandbox.ledger().charges.at(-1)).toMatchObject({
        source: 'again',
        merchant_uid: 'again_paid',
        status: 'paid',
      });
    });

    it('returns a declined charge as code 0 with a failed Payment', async () => {
      const res = await again({ customer_uid: 'broke', merchant_uid: 'again_failed' });
      expect(res.data.code).toBe(0);
      expect(res.data.response).toMatchObject({ status: 'failed', paid_at: 0, failed_at: sandbox.clock.nowSeconds() });
      expect(res.data.response.fail_reason).toContain('잔액부족');
    });

    it('refuses a merchant_uid that is already paid with code 1, but allows retrying a failed one', async () => {
      const dup = await again({ customer_uid: 'good', merchant_uid: 'again_paid' });
      expect(dup.status).toBe(200);
      expect(dup.data.code).toBe(1);
      expect(dup.data.message).toContain('again_paid');
      expect(dup.data.response).toBeNull();

      const retry = await again({ customer_uid: 'broke', merchant_uid: 'again_failed' });
      expect(retry.data.code).toBe(0);
      expect(retry.data.response.status).toBe('failed');
      expect(sandbox.ledger().charges.filter((c) => c.merchant_uid === 'again_failed')).toHaveLength(2);
    });

    it('refuses a merchant_uid that belongs to a schedule', async () => {
      await api.post('/subscribe/payments/schedule', {
        customer_uid: 'good',
        schedules: [scheduleItem('again_vs_schedule', sandbox.clock.nowSeconds() + 3600)],
      });
      const res = await again({ customer_uid: 'good', merchant_uid: 'again_vs_schedule' });
      expect(res.data.code).toBe(1);
      expect(res.data.message).toContain('again_vs_schedule');
    });

    it('refuses an unknown customer_uid with code 1', async () => {
      const res = await again({ customer_uid: 'nobody', merchant_uid: 'again_nobody' });
      expect(res.data).toEqual({ code: 1, message: '등록되지 않은 구매자입니다.', response: null });
    });

    it('notifies notice_url for a paid charge only', async () => {
      const paid = await again({ customer_uid: 'good', merchant_uid: 'again_hook_paid', notice_url: receiver.url });
      await again({ customer_uid: 'broke', merchant_uid: 'again_hook_failed', notice_url: receiver.url });
      await sandbox.webhooksIdle();
      expect(receiver.received.map((r) => r.body)).toEqual([
        { imp_uid: paid.data.response.imp_uid, merchant_uid: 'again_hook_paid', status: 'paid' },
      ]);
    });

    it('answers 400 for missing or mistyped fields', async () => {
      for (const body of [
        { customer_uid: 'good', amount: 100 },
        { customer_uid: 'good', merchant_uid: 'x', amount: 'lots' },
        { customer_uid: 'good', merchant_uid: 'x', amount: 0 },
        { customer_uid: ['good'], merchant_uid: 'x', amount: 100 },
        { customer_uid: 'good', merchant_uid: 'x', amount: 100, notice_url: 'not a url' },
      ]) {
        const res = await api.post('/subscribe/payments/again', body);
        expect(res.status).toBe(400);
        expect(res.data).toEqual({ code: -1, message: expect.any(String), response: null });
      }
    });
  });

  describe('GET /payments/{imp_uid} and /payments/find/{merchant_uid}', () => {
    it('finds a payment by imp_uid (sandbox payments are visible without include_sandbox)', async () => {
      const paid = (await again({ customer_uid: 'good', merchant_uid: 'lookup_1' })).data.response;
      const res = await api.get(`/payments/${paid.imp_uid}`);
      expect(res.status).toBe(200);
      expect(res.data.response).toEqual(paid);
      expect((await api.get(`/payments/${paid.imp_uid}`, { params: { include_sandbox: true } })).data.response).toEqual(
        paid,
      );
    });

    it('answers 404 with the envelope for an unknown imp_uid or merchant_uid', async () => {
      for (const path of ['/payments/imp_000000999999', '/payments/find/no_such_order']) {
        const res = await api.get(path);
        expect(res.status).toBe(404);
        expect(res.data.code).not.toBe(0);
        expect(res.data.response).toBeNull();
      }
    });

    it('finds the latest payment of a merchant_uid, optionally by status', async () => {
      const first = (await again({ customer_uid: 'broke', merchant_uid: 'find_many' })).data.response;
      sandbox.clock.advance(1000);
      const second = (await again({ customer_uid: 'broke', merchant_uid: 'find_many' })).data.response;
      const paid = (await again({ customer_uid: 'good', merchant_uid: 'find_many' })).data.response;

      expect((await api.get('/payments/find/find_many')).data.response.imp_uid).toBe(paid.imp_uid);
      expect((await api.get('/payments/find/find_many/failed')).data.response.imp_uid).toBe(second.imp_uid);
      expect(
        (await api.get('/payments/find/find_many/failed', { params: { sorting: 'started' } })).data.response.imp_uid,
      ).toBe(first.imp_uid);
      expect((await api.get('/payments/find/find_many/cancelled')).status).toBe(404);
      expect((await api.get('/payments/find/find_many/bogus')).status).toBe(400);

      const all = (await api.get('/payments/findAll/find_many')).data.response;
      expect(all).toMatchObject({ total: 3, previous: 0, next: 0 });
      expect(all.list.map((p: { imp_uid: string }) => p.imp_uid)).toEqual([
        paid.imp_uid,
        second.imp_uid,
        first.imp_uid,
      ]);
    });

    it('hides sandbox payments without include_sandbox=true when hideSandboxPayments is set', async () => {
      const strict = await startTestSandbox({ hideSandboxPayments: true });
      try {
        const client = await authedClient(strict);
        await issueKey(client, 'strict');
        const paid = (
          await client.post('/subscribe/payments/again', { customer_uid: 'strict', merchant_uid: 's1', amount: 1 })
        ).data.response;
        expect((await client.get(`/payments/${paid.imp_uid}`)).status).toBe(404);
        expect((await client.get(`/payments/${paid.imp_uid}?include_sandbox=true`)).data.response.imp_uid).toBe(
          paid.imp_uid,
        );
      } finally {
        await strict.close();
      }
    });
  });

  describe('POST /payments/cancel', () => {
    it('refunds partially, then fully; status becomes cancelled only at the end', async () => {
      const paid = (await again({ customer_uid: 'good', merchant_uid: 'refund_1', amount: 10000 })).data.response;

      const partial = await cancel({ imp_uid: paid.imp_uid, amount: 3000, checksum: 10000, reason: '부분 환불' });
      expect(partial.data.code).toBe(0);
      expect(partial.data.response).toMatchObject({
        status: 'paid',
        cancel_amount: 3000,
        cancelled_at: 0,
        cancel_reason: '부분 환불',
      });
      expect(partial.data.response.cancel_history).toEqual([
        expect.objectContaining({ amount: 3000, reason: '부분 환불', cancelled_at: sandbox.clock.nowSeconds() }),
      ]);

      const rest = await cancel({ merchant_uid: 'refund_1', checksum: 7000 });
      expect(rest.data.code).toBe(0);
      expect(rest.data.response).toMatchObject({ status: 'cancelled', cancel_amount: 10000 });
      expect(rest.data.response.cancelled_at).toBe(sandbox.clock.nowSeconds());
      expect(rest.data.response.cancel_history).toHaveLength(2);
      expect(rest.data.response.cancel_history[1].amount).toBe(7000);
      const ids = rest.data.response.cancel_history.map((h: { cancellation_id: string }) => h.cancellation_id);
      expect(new Set(ids).size).toBe(2);

      const again_ = await cancel({ imp_uid: paid.imp_uid });
      expect(again_.data.code).toBe(1);
      expect(
        sandbox
          .ledger()
          .refunds.filter((r) => r.imp_uid === paid.imp_uid)
          .map((r) => [r.amount, r.full]),
      ).toEqual([
        [3000, false],
        [7000, true],
      ]);
    });

    it('refuses a wrong checksum or an amount above the refundable balance, changing nothing', async () => {
      const paid = (await again({ customer_uid: 'good', merchant_uid: 'refund_2', amount: 5000 })).data.response;
      const wrongChecksum = await cancel({ imp_uid: paid.imp_uid, amount: 1000, checksum: 4000 });
      expect(wrongChecksum.status).toBe(200);
      expect(wrongChecksum.data.code).toBe(1);
      expect(wrongChecksum.data.message).toContain('checksum');
      const tooMuch = await cancel({ imp_uid: paid.imp_uid, amount: 6000 });
      expect(tooMuch.data.code).toBe(1);
      expect((await api.get(`/payments/${paid.imp_uid}`)).data.response.cancel_amount).toBe(0);
    });

    it('refuses unknown payments with code 1 and failed payments with code 1', async () => {
      const unknown = await cancel({ imp_uid: 'imp_000000888888' });
      expect(unknown.status).toBe(200);
      expect(unknown.data).toEqual({ code: 1, message: '취소할 결제건이 존재하지 않습니다.', response: null });
      expect((await cancel({ merchant_uid: 'never_paid' })).data.code).toBe(1);
      const failed = (await again({ customer_uid: 'broke', merchant_uid: 'refund_failed' })).data.response;
      expect((await cancel({ imp_uid: failed.imp_uid })).data.code).toBe(1);
      expect((await cancel({})).status).toBe(400);
      expect((await cancel({ imp_uid: 'x', amount: 'all' })).status).toBe(400);
    });

    it('marks the schedule payment_status cancelled after a full refund of a scheduled payment', async () => {
      await api.post('/subscribe/payments/schedule', {
        customer_uid: 'good',
        schedules: [scheduleItem('refund_sched', sandbox.clock.nowSeconds() + 1)],
      });
      sandbox.clock.advance(1000);
      await sandbox.runDue();
      const { imp_uid } = (await api.get('/subscribe/payments/schedule/refund_sched')).data.response;
      expect((await cancel({ imp_uid, reason: '구독 취소' })).data.response.status).toBe('cancelled');
      expect((await api.get('/subscribe/payments/schedule/refund_sched')).data.response.payment_status).toBe(
        'cancelled',
      );
    });

    it('notifies the cancellation only with enable_webhook=true', async () => {
      const paid = (await again({ customer_uid: 'good', merchant_uid: 'refund_hook', notice_url: receiver.url })).data
        .response;
      await sandbox.webhooksIdle();
      receiver.received.length = 0;
      await cancel({ imp_uid: paid.imp_uid, amount: 100 });
      const full = await cancel({ imp_uid: paid.imp_uid, enable_webhook: 'true' });
      await sandbox.webhooksIdle();
      expect(receiver.received.map((r) => r.body)).toEqual([
        {
          imp_uid: paid.imp_uid,
          merchant_uid: 'refund_hook',
          status: 'cancelled',
          cancellation_id: full.data.response.cancel_history[1].cancellation_id,
        },
      ]);
    });
  });
});
