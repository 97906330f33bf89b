import type { AxiosInstance } from 'axios';
import type { SandboxHandle } from '../src';
import {
  authedClient,
  issueKey,
  scheduleItem,
  startTestSandbox,
  startWebhookReceiver,
  VALID_CARD,
} from './sandbox-helpers';

const HOUR = 3_600_000;

describe('sandbox: scheduled payments', () => {
  let sandbox: SandboxHandle;
  let api: AxiosInstance;
  let receiver: Awaited<ReturnType<typeof startWebhookReceiver>>;
  const nowSec = () => sandbox.clock.nowSeconds();

  beforeAll(async () => {
    receiver = await startWebhookReceiver();
    sandbox = await startTestSandbox();
    api = await authedClient(sandbox);
  });
  afterAll(async () => {
    await sandbox.close();
    await receiver.close();
  });
  beforeEach(() => {
    receiver.received.length = 0;
  });

  const schedule = (customerUid: string, items: unknown[]) =>
    api.post('/subscribe/payments/schedule', { customer_uid: customerUid, schedules: items });
  const getSchedule = async (merchantUid: string) =>
    (await api.get(`/subscribe/payments/schedule/${merchantUid}`)).data.response;

  it('executes a schedule when the clock reaches schedule_at, records the payment and notifies once', async () => {
    await issueKey(api, 'sched_basic', { card_number: '4242-4242-4242-4242' });
    const at = nowSec() + 3600;
    const registered = await schedule('sched_basic', [
      scheduleItem('sched_basic_1', at, { notice_url: receiver.url, custom_data: '{"plan":"pro"}' }),
    ]);
    expect(registered.status).toBe(200);
    expect(registered.data.code).toBe(0);
    expect(registered.data.response).toEqual([
      expect.objectContaining({
        customer_uid: 'sched_basic',
        merchant_uid: 'sched_basic_1',
        imp_uid: null,
        schedule_at: at,
        executed_at: 0,
        revoked_at: 0,
        amount: 9900,
        schedule_status: 'scheduled',
        payment_status: null,
      }),
    ]);
    expect(sandbox.nextScheduledAt()).toBe(at * 1000);

    sandbox.clock.advance(HOUR - 1000);
    await sandbox.runDue();
    expect(receiver.received).toHaveLength(0);
    expect((await getSchedule('sched_basic_1')).schedule_status).toBe('scheduled');

    sandbox.clock.advance(1000);
    await sandbox.runDue();
    const executed = await getSchedule('sched_basic_1');
    expect(executed).toMatchObject({ schedule_status: 'executed', payment_status: 'paid', executed_at: at });
    expect(executed.imp_uid).toMatch(/^imp_\d+$/);

    const payment = (await api.get(`/payments/${executed.imp_uid}`)).data.response;
    expect(payment).toMatchObject({
      imp_uid: executed.imp_uid,
      merchant_uid: 'sched_basic_1',
      status: 'paid',
      amount: 9900,
      cancel_amount: 0,
      currency: 'KRW',
      channel: 'api',
      pay_method: 'card',
      card_number: '424242******4242',
      customer_uid: 'sched_basic',
      customer_uid_usage: 'payment.scheduled',
      custom_data: '{"plan":"pro"}',
      paid_at: at,
      failed_at: 0,
      sandbox: true,
    });

    expect(receiver.received).toEqual([
      {
        body: { imp_uid: executed.imp_uid, merchant_uid: 'sched_basic_1', status: 'paid' },
        contentType: expect.stringContaining('application/json'),
      },
    ]);
    sandbox.clock.advance(HOUR);
    await sandbox.runDue();
    expect(receiver.received).toHaveLength(1);
    expect(sandbox.ledger().charges.filter((c) => c.merchant_uid === 'sched_basic_1')).toHaveLength(1);
  });

  it('runs a schedule whose time is already past at the next tick of the real-time ticker', async () => {
    const ticking = await startTestSandbox({ tickMs: 20 });
    try {
      const client = await authedClient(ticking);
      await issueKey(client, 'past_1');
      const at = ticking.clock.nowSeconds() - 86_400;
      expect(
        (
          await client.post('/subscribe/payments/schedule', {
            customer_uid: 'past_1',
            schedules: [scheduleItem('past_1_a', at)],
          })
        ).data.code,
      ).toBe(0);
      const deadline = Date.now() + 3000;
      let status = 'scheduled';
      while (status === 'scheduled' && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 20));
        status = (await client.get('/subscribe/payments/schedule/past_1_a')).data.response.schedule_status;
      }
      expect(status).toBe('executed');
    } finally {
      await ticking.close();
    }
  });

  it('sends the webhook to the default notice URL when the item has none, and nowhere without either', async () => {
    const withDefault = await startTestSandbox({ defaultNoticeUrl: receiver.url });
    const withoutDefault = await startTestSandbox();
    try {
      for (const box of [withDefault, withoutDefault]) {
        const client = await authedClient(box);
        await issueKey(client, 'default_url');
        await client.post('/subscribe/payments/schedule', {
          customer_uid: 'default_url',
          schedules: [scheduleItem('default_url_1', box.clock.nowSeconds() + 10)],
        });
        box.clock.advance(10_000);
        await box.runDue();
      }
      expect(receiver.received.map((r) => r.body.merchant_uid)).toEqual(['default_url_1']);
      expect(withoutDefault.ledger().webhooks).toEqual([]);
      expect(withoutDefault.ledger().charges).toHaveLength(1);
    } finally {
      await withDefault.close();
      await withoutDefault.close();
    }
  });

  it.each([
    ['4000-0000-0000-0002', '잔액부족'],
    ['4000-0000-0000-0003', '한도초과'],
    ['4000-0000-0000-0004', '유효기간 만료'],
    ['4000-0000-0000-0005', '분실/도난'],
  ])('declines card %s with a "%s" fail_reason, a failed payment and a failed webhook', async (card, reason) => {
    const uid = `decline_${card.slice(-1)}`;
    await issueKey(api, uid, { card_number: card });
    const at = nowSec() + 60;
    await schedule(uid, [scheduleItem(`${uid}_1`, at, { notice_url: receiver.url })]);
    sandbox.clock.advance(60_000);
    await sandbox.runDue();

    const executed = await getSchedule(`${uid}_1`);
    expect(executed).toMatchObject({ schedule_status: 'executed', payment_status: 'failed' });
    expect(executed.fail_reason).toContain(reason);
    const payment = (await api.get(`/payments/${executed.imp_uid}`)).data.response;
    expect(payment).toMatchObject({
      status: 'failed',
      paid_at: 0,
      failed_at: at,
      customer_uid_usage: 'payment.scheduled',
    });
    expect(payment.fail_reason).toContain(reason);
    expect(receiver.received.map((r) => r.body)).toEqual([
      { imp_uid: executed.imp_uid, merchant_uid: `${uid}_1`, status: 'failed' },
    ]);
  });

  it('declines the first N charges of a 4000-0000-0000-01N0 card, then approves', async () => {
    await issueKey(api, 'n_then_pass', { card_number: '4000-0000-0000-0120' });
    const base = nowSec();
    await schedule(
      'n_then_pass',
      [1, 2, 3].map((i) => scheduleItem(`n_then_pass_${i}`, base + i * 60)),
    );
    const statuses: string[] = [];
    for (let i = 1; i <= 3; i++) {
      sandbox.clock.advance(60_000);
      await sandbox.runDue();
      statuses.push((await getSchedule(`n_then_pass_${i}`)).payment_status);
    }
    expect(statuses).toEqual(['failed', 'failed', 'paid']);
  });

  it('approves the first N charges of a 4000-0000-0000-02N0 card, then declines with 한도초과', async () => {
    await issueKey(api, 'pass_then_fail', { card_number: '4000-0000-0000-0210' });
    const base = nowSec();
    await schedule(
      'pass_then_fail',
      [1, 2].map((i) => scheduleItem(`pass_then_fail_${i}`, base + i)),
    );
    sandbox.clock.advance(2000);
    await sandbox.runDue();
    expect((await getSchedule('pass_then_fail_1')).payment_status).toBe('paid');
    const second = await getSchedule('pass_then_fail_2');
    expect(second.payment_status).toBe('failed');
    expect(second.fail_reason).toContain('한도초과');
  });

  it('refuses a customer_uid without a billing key with code 1', async () => {
    const res = await schedule('no_such_customer', [scheduleItem('nokey_1', nowSec() + 60)]);
    expect(res.status).toBe(200);
    expect(res.data).toEqual({ code: 1, message: '등록된 고객정보가 없습니다.', response: null });
    expect((await api.get('/subscribe/payments/schedule/nokey_1')).status).toBe(404);
  });

  it('issues the key first when card data comes with the schedule request', async () => {
    const res = await api.post('/subscribe/payments/schedule', {
      customer_uid: 'inline_card',
      ...VALID_CARD,
      schedules: [scheduleItem('inline_card_1', nowSec() + 60)],
    });
    expect(res.data.code).toBe(0);
    expect((await api.get('/subscribe/customers/inline_card')).data.response.card_number).toBe('424242******4242');
  });

  it('rejects a duplicate merchant_uid (schedule, payment, or twice in one request) with code 1, atomically', async () => {
    await issueKey(api, 'dup');
    const at = nowSec() + 600;
    expect((await schedule('dup', [scheduleItem('dup_1', at)])).data.code).toBe(0);

    const again = await schedule('dup', [scheduleItem('dup_2', at), scheduleItem('dup_1', at)]);
    expect(again.status).toBe(200);
    expect(again.data.code).toBe(1);
    expect(again.data.message).toContain('dup_1');
    expect((await api.get('/subscribe/payments/schedule/dup_2')).status).toBe(404);

    const twice = await schedule('dup', [scheduleItem('dup_3', at), scheduleItem('dup_3', at)]);
    expect(twice.data.code).toBe(1);
    expect(twice.data.message).toContain('dup_3');

    await api.post('/subscribe/payments/again', {
      customer_uid: 'dup',
      merchant_uid: 'dup_paid',
      amount: 100,
      name: 'x',
    });
    const afterPayment = await schedule('dup', [scheduleItem('dup_paid', at)]);
    expect(afterPayment.data.code).toBe(1);
    expect(afterPayment.data.message).toContain('dup_paid');

    await api.post('/subscribe/payments/unschedule', { customer_uid: 'dup', merchant_uid: ['dup_1'] });
    expect((await schedule('dup', [scheduleItem('dup_1', at)])).data.code).toBe(1);
  });

  it('accepts form-urlencoded schedules with schedules[0][field] nesting', async () => {
    await issueKey(api, 'form_sched');
    const at = nowSec() + 600;
    const form = new URLSearchParams({
      customer_uid: 'form_sched',
      'schedules[0][merchant_uid]': 'form_sched_1',
      'schedules[0][schedule_at]': String(at),
      'schedules[0][amount]': '12000',
      'schedules[0][name]': '폼 구독',
      'schedules[1][merchant_uid]': 'form_sched_2',
      'schedules[1][schedule_at]': String(at + 60),
      'schedules[1][amount]': '13000',
    });
    const res = await api.post('/subscribe/payments/schedule', form.toString(), {
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(res.data.code).toBe(0);
    expect(res.data.response.map((r: { merchant_uid: string; amount: number }) => [r.merchant_uid, r.amount])).toEqual([
      ['form_sched_1', 12000],
      ['form_sched_2', 13000],
    ]);
    expect(res.data.response[0].schedule_at).toBe(at);
  });

  it('keeps the order of more than 20 form-encoded schedules (past qs array limit)', async () => {
    await issueKey(api, 'form_many');
    const at = nowSec() + 600;
    const form = new URLSearchParams({ customer_uid: 'form_many' });
    for (let i = 0; i < 23; i++) {
      form.append(`schedules[${i}][merchant_uid]`, `form_many_${i}`);
      form.append(`schedules[${i}][schedule_at]`, String(at + i));
      form.append(`schedules[${i}][amount]`, '1000');
    }
    const res = await api.post('/subscribe/payments/schedule', form.toString(), {
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(res.data.code).toBe(0);
    expect(res.data.response.map((r: { merchant_uid: string }) => r.merchant_uid)).toEqual(
      Array.from({ length: 23 }, (_, i) => `form_many_${i}`),
    );
  });

  it.each([
    ['no schedules', { customer_uid: 'bad' }],
    ['an empty schedules array', { customer_uid: 'bad', schedules: [] }],
    [
      'a non-numeric schedule_at',
      { customer_uid: 'bad', schedules: [{ merchant_uid: 'b1', schedule_at: 'soon', amount: 1 }] },
    ],
    ['a negative amount', { customer_uid: 'bad', schedules: [{ merchant_uid: 'b1', schedule_at: 1, amount: -5 }] }],
    ['a 41-character merchant_uid', { customer_uid: 'bad', schedules: [scheduleItem('m'.repeat(41), 1)] }],
    ['schedules as an object', { customer_uid: 'bad', schedules: { merchant_uid: 'x' } }],
  ])('answers 400 with the envelope for %s', async (_label, body) => {
    const res = await api.post('/subscribe/payments/schedule', body);
    expect(res.status).toBe(400);
    expect(res.data).toEqual({ code: -1, message: expect.any(String), response: null });
  });

  it('unschedules listed merchant_uids, or all of a customer, and only those still scheduled', async () => {
    await issueKey(api, 'unsched');
    const base = nowSec();
    await schedule('unsched', [
      scheduleItem('unsched_now', base + 1),
      scheduleItem('unsched_a', base + 3600),
      scheduleItem('unsched_b', base + 7200),
      scheduleItem('unsched_c', base + 10800),
    ]);
    sandbox.clock.advance(1000);
    await sandbox.runDue();

    const one = await api.post('/subscribe/payments/unschedule', {
      customer_uid: 'unsched',
      merchant_uid: ['unsched_a'],
    });
    expect(one.data.code).toBe(0);
    expect(one.data.response).toEqual([
      expect.objectContaining({ merchant_uid: 'unsched_a', schedule_status: 'revoked', revoked_at: nowSec() }),
    ]);

    const form = await api.post('/subscribe/payments/unschedule', 'merchant_uid%5B%5D=unsched_b', {
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(form.data.response.map((r: { merchant_uid: string }) => r.merchant_uid)).toEqual(['unsched_b']);

    const all = await api.post('/subscribe/payments/unschedule', { customer_uid: 'unsched' });
    expect(all.data.response.map((r: { merchant_uid: string }) => r.merchant_uid)).toEqual(['unsched_c']);
    expect((await getSchedule('unsched_now')).schedule_status).toBe('executed');

    const nothing = await api.post('/subscribe/payments/unschedule', { customer_uid: 'unsched' });
    expect(nothing.status).toBe(200);
    expect(nothing.data).toEqual({ code: 1, message: '취소할 예약결제 기록이 존재하지 않습니다.', response: null });

    sandbox.clock.advance(4 * HOUR);
    await sandbox.runDue();
    expect(sandbox.ledger().charges.filter((c) => c.customer_uid === 'unsched')).toHaveLength(1);

    expect((await api.post('/subscribe/payments/unschedule', {})).status).toBe(400);
  });

  it('answers 404 with the envelope for an unknown merchant_uid', async () => {
    const res = await api.get('/subscribe/payments/schedule/never_scheduled');
    expect(res.status).toBe(404);
    expect(res.data.response).toBeNull();
    expect(res.data.message).toContain('never_scheduled');
  });

  it("lists a customer's schedules newest first, paged by 20, filtered by time window and status", async () => {
    await issueKey(api, 'lister');
    const base = nowSec() + 86_400;
    const items = Array.from({ length: 25 }, (_, i) =>
      scheduleItem(`lister_${String(i).padStart(2, '0')}`, base + i * 60),
    );
    await schedule('lister', items);
    await api.post('/subscribe/payments/unschedule', {
      customer_uid: 'lister',
      merchant_uid: ['lister_00', 'lister_01'],
    });

    const list = (params: Record<string, unknown>) =>
      api.get('/subscribe/payments/schedule/customers/lister', {
        params: { from: base, to: base + 86_400, ...params },
      });
    const page1 = (await list({})).data.response;
    expect(page1).toMatchObject({ total: 25, previous: 0, next: 2 });
    expect(page1.list).toHaveLength(20);
    expect(page1.list[0].merchant_uid).toBe('lister_24');
    const page2 = (await list({ page: 2 })).data.response;
    expect(page2).toMatchObject({ total: 25, previous: 1, next: 0 });
    expect(page2.list.map((s: { merchant_uid: string }) => s.merchant_uid)).toEqual([
      'lister_04',
      'lister_03',
      'lister_02',
      'lister_01',
      'lister_00',
    ]);

    const revoked = (await list({ 'schedule-status': 'revoked' })).data.response;
    expect(revoked.list.map((s: { merchant_uid: string }) => s.merchant_uid)).toEqual(['lister_01', 'lister_00']);
    const window = (await list({ from: base + 60, to: base + 180 })).data.response;
    expect(window.list.map((s: { merchant_uid: string }) => s.merchant_uid)).toEqual(['lister_02', 'lister_01']);

    // The /subscribe/customers/{uid}/schedules alias and the range endpoint see the same data.
    const alias = await api.get('/subscribe/customers/lister/schedules', { params: { from: base, to: base + 86_400 } });
    expect(alias.data.response.total).toBe(25);
    const range = await api.get('/subscribe/payments/schedule', {
      params: {
        schedule_from: base,
        schedule_to: base + 86_400,
        schedule_status: 'scheduled',
        limit: 100,
        sorting: 'scheduled',
      },
    });
    expect(range.data.response.total).toBe(23);
    expect(range.data.response.list[0].merchant_uid).toBe('lister_02');

    for (const params of [
      { from: undefined },
      { to: 'tomorrow' },
      { 'schedule-status': 'done' },
      { to: base + 100 * 86_400 },
    ]) {
      const res = await list(params);
      expect(res.status).toBe(400);
      expect(res.data.response).toBeNull();
    }
  });

  it('executes a schedule whose billing key was deleted as a failed payment', async () => {
    await issueKey(api, 'deleted_key');
    await schedule('deleted_key', [scheduleItem('deleted_key_1', nowSec() + 5)]);
    await api.delete('/subscribe/customers/deleted_key');
    sandbox.clock.advance(5000);
    await sandbox.runDue();
    const executed = await getSchedule('deleted_key_1');
    expect(executed.payment_status).toBe('failed');
    expect(executed.fail_reason).toContain('빌링키');
  });
});
