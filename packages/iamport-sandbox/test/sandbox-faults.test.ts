import axios from 'axios';
import type { SandboxHandle } from '../src';
import {
  authedClient,
  httpClient,
  issueKey,
  scheduleItem,
  startTestSandbox,
  startWebhookReceiver,
} from './sandbox-helpers';

type Receiver = Awaited<ReturnType<typeof startWebhookReceiver>>;

describe('sandbox: fault injection', () => {
  let sandbox: SandboxHandle;

  beforeEach(async () => {
    sandbox = await startTestSandbox();
  });
  afterEach(() => sandbox.close());

  it('failBeforeRate 1.0 answers 500 with the envelope and changes nothing', async () => {
    const api = await authedClient(sandbox);
    sandbox.faults.set({ failBeforeRate: 1 });
    const res = await api.post('/subscribe/customers/before', { card_number: '4242424242424242', expiry: '2031-01' });
    expect(res.status).toBe(500);
    expect(res.data).toEqual({ code: -1, message: expect.any(String), response: null });
    sandbox.faults.set({ failBeforeRate: 0 });
    expect((await api.get('/subscribe/customers/before')).status).toBe(404);
  });

  it('failAfterRate 1.0 answers 500 although the charge happened ("done but answer lost")', async () => {
    const api = await authedClient(sandbox);
    await issueKey(api, 'after');
    sandbox.faults.set({ failAfterRate: 1 });
    const res = await api.post('/subscribe/payments/again', {
      customer_uid: 'after',
      merchant_uid: 'lost_1',
      amount: 500,
    });
    expect(res.status).toBe(500);
    expect(res.data.response).toBeNull();
    sandbox.faults.set({ failAfterRate: 0 });
    const found = await api.get('/payments/find/lost_1');
    expect(found.data.response).toMatchObject({ merchant_uid: 'lost_1', status: 'paid' });
  });

  it('faultPaths limits request faults to the listed paths', async () => {
    const api = await authedClient(sandbox);
    await issueKey(api, 'paths');
    sandbox.faults.set({ failAfterRate: 1, faultPaths: ['/subscribe/payments/schedule'] });
    const registered = await api.post('/subscribe/payments/schedule', {
      customer_uid: 'paths',
      schedules: [scheduleItem('paths_1', Math.floor(Date.now() / 1000) + 3600)],
    });
    expect(registered.status).toBe(500);
    // Other paths, including the lookup under the same prefix, answer normally and show the registration took effect.
    const found = await api.get('/subscribe/payments/schedule/paths_1');
    expect(found.status).toBe(200);
    expect(found.data.response).toMatchObject({ merchant_uid: 'paths_1', schedule_status: 'scheduled' });
    expect(sandbox.faults.set({ faultPaths: [] }).faultPaths).toEqual([]);
    expect(() => sandbox.faults.set({ faultPaths: ['no-slash'] })).toThrow();
  });

  it('failAfterRate also turns business errors into 500s', async () => {
    const api = await authedClient(sandbox);
    sandbox.faults.set({ failAfterRate: 1 });
    expect((await api.get('/subscribe/customers/unknown')).status).toBe(500);
  });

  it('a timeout fault hangs the request until the client gives up, touching nothing', async () => {
    const api = await authedClient(sandbox);
    await issueKey(api, 'hang');
    sandbox.faults.set({ timeoutRate: 1, timeoutMs: 60_000 });
    const started = Date.now();
    const err = await api
      .post('/subscribe/payments/again', { customer_uid: 'hang', merchant_uid: 'hang_1', amount: 1 }, { timeout: 300 })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(axios.isAxiosError(err) && err.code).toBe('ECONNABORTED');
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    sandbox.faults.set({ timeoutRate: 0 });
    expect((await api.get('/payments/find/hang_1')).status).toBe(404);
  });

  it('a hanging request is answered 504 after timeoutMs', async () => {
    const api = await authedClient(sandbox);
    sandbox.faults.set({ timeoutRate: 1, timeoutMs: 200 });
    const started = Date.now();
    const res = await api.get('/subscribe/customers/anyone');
    expect(res.status).toBe(504);
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
  });

  it('adds latency', async () => {
    const api = await authedClient(sandbox);
    sandbox.faults.set({ latencyMs: 150 });
    const started = Date.now();
    expect((await api.get('/subscribe/customers/anyone')).status).toBe(404);
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
  });

  it('rejects invalid fault settings without changing any', () => {
    expect(() => sandbox.faults.set({ failBeforeRate: 2 })).toThrow();
    expect(() => sandbox.faults.set({ webhookCopies: 0, latencyMs: 5 })).toThrow();
    expect(sandbox.faults.get()).toMatchObject({ failBeforeRate: 0, latencyMs: 0, webhookCopies: 1 });
  });

  it('accepts faults at start', async () => {
    const faulty = await startTestSandbox({ faults: { failBeforeRate: 1 } });
    try {
      const res = await httpClient(faulty.url).post('/users/getToken', { imp_key: 'x', imp_secret: 'y' });
      expect(res.status).toBe(500);
    } finally {
      await faulty.close();
    }
  });
});

describe('sandbox: webhook faults', () => {
  let sandbox: SandboxHandle;
  let receiver: Receiver;

  beforeEach(async () => {
    receiver = await startWebhookReceiver();
  });
  afterEach(async () => {
    await sandbox.close();
    await receiver.close();
  });

  /** Schedules `count` payments (the last `declined` on a declining card) and runs them in one batch. */
  async function runBatch(options: Parameters<typeof startTestSandbox>[0], count = 1, declined = 0) {
    sandbox = await startTestSandbox({ defaultNoticeUrl: receiver.url, ...options });
    const api = await authedClient(sandbox);
    await issueKey(api, 'ok');
    await issueKey(api, 'ko', { card_number: '4000-0000-0000-0003' });
    const at = sandbox.clock.nowSeconds() + 10;
    for (let i = 0; i < count; i++) {
      const customer = i >= count - declined ? 'ko' : 'ok';
      await api.post('/subscribe/payments/schedule', {
        customer_uid: customer,
        schedules: [scheduleItem(`wh_${i}`, at + i)],
      });
    }
    sandbox.clock.advance(10_000 + count * 1000);
    await sandbox.runDue();
    return api;
  }

  it('drops webhooks at webhookDropRate 1.0: none arrives, the ledger says dropped', async () => {
    await runBatch({ faults: { webhookDropRate: 1 } });
    expect(receiver.received).toEqual([]);
    expect(sandbox.ledger().webhooks).toEqual([
      expect.objectContaining({
        kind: 'dropped',
        http_status: null,
        body: expect.objectContaining({ merchant_uid: 'wh_0' }),
      }),
    ]);
    expect(sandbox.ledger().charges).toHaveLength(1);
  });

  it('delivers each webhook webhookCopies times', async () => {
    await runBatch({ faults: { webhookCopies: 3 } });
    expect(receiver.received).toHaveLength(3);
    expect(new Set(receiver.received.map((r) => JSON.stringify(r.body))).size).toBe(1);
    expect(sandbox.ledger().webhooks.map((w) => [w.kind, w.http_status])).toEqual([
      ['sent', 200],
      ['duplicated', 200],
      ['duplicated', 200],
    ]);
  });

  it('delays a batch by webhookDelayMs, and runDue waits for it', async () => {
    const started = Date.now();
    await runBatch({ faults: { webhookDelayMs: 300 } });
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    expect(receiver.received).toHaveLength(1);
  });

  it('runDue also waits for deliveries started by a clock jump', async () => {
    sandbox = await startTestSandbox({ defaultNoticeUrl: receiver.url, faults: { webhookDelayMs: 200 } });
    const api = await authedClient(sandbox);
    await issueKey(api, 'jump');
    await api.post('/subscribe/payments/schedule', {
      customer_uid: 'jump',
      schedules: [scheduleItem('jump_1', sandbox.clock.nowSeconds() + 1)],
    });
    sandbox.clock.advance(1000);
    expect(receiver.received).toHaveLength(0);
    await sandbox.runDue();
    expect(receiver.received).toHaveLength(1);
  });

  it('reorders deliveries within a batch with webhookReorder', async () => {
    // A fixed random source that reverses a 6-element shuffle: j = 0 for every i.
    await runBatch({ faults: { webhookReorder: true }, random: () => 0 }, 6);
    expect(receiver.received.map((r) => r.body.merchant_uid)).toEqual(['wh_1', 'wh_2', 'wh_3', 'wh_4', 'wh_5', 'wh_0']);
    const sorted = receiver.received.map((r) => r.body.merchant_uid).sort();
    expect(sorted).toEqual(['wh_0', 'wh_1', 'wh_2', 'wh_3', 'wh_4', 'wh_5']);
  });

  it('sends forged notifications next to the real ones at webhookForgeRate 1.0', async () => {
    await runBatch({ faults: { webhookForgeRate: 1 } }, 3, 1);
    const ledger = sandbox.ledger();
    const real = ledger.webhooks.filter((w) => w.kind === 'sent');
    const forged = ledger.webhooks.filter((w) => w.kind === 'forged');
    expect(real).toHaveLength(3);
    expect(forged).toHaveLength(3);
    expect(receiver.received).toHaveLength(6);
    const payments = new Map(ledger.charges.map((c) => [c.imp_uid, c]));
    for (const w of forged) {
      const payment = payments.get(w.body.imp_uid);
      // Every forgery contradicts the sandbox's own records in at least one way.
      const truthful = payment && payment.merchant_uid === w.body.merchant_uid && payment.status === w.body.status;
      expect(truthful).toBeFalsy();
      expect(['status', 'imp_uid', 'merchant_uid']).toContain(w.forgery);
    }
  });

  it('records the HTTP status the receiver answered', async () => {
    await receiver.close();
    receiver = await startWebhookReceiver(503);
    await runBatch({});
    expect(sandbox.ledger().webhooks).toEqual([expect.objectContaining({ kind: 'sent', http_status: 503 })]);
  });

  it('records a delivery error when nobody listens', async () => {
    await receiver.close();
    sandbox = await startTestSandbox({ defaultNoticeUrl: 'http://127.0.0.1:1/hook' });
    const api = await authedClient(sandbox);
    await issueKey(api, 'nobody_listens');
    await api.post('/subscribe/payments/schedule', {
      customer_uid: 'nobody_listens',
      schedules: [scheduleItem('nl_1', sandbox.clock.nowSeconds())],
    });
    await sandbox.runDue();
    expect(sandbox.ledger().webhooks).toEqual([
      expect.objectContaining({ kind: 'sent', http_status: null, error: expect.any(String) }),
    ]);
    receiver = await startWebhookReceiver();
  });
});

describe('sandbox: admin routes', () => {
  it('are off by default (404)', async () => {
    const sandbox = await startTestSandbox();
    try {
      const client = httpClient(sandbox.url);
      for (const [method, path] of [
        ['get', '/__sandbox/ledger'],
        ['get', '/__sandbox/faults'],
        ['post', '/__sandbox/faults'],
        ['post', '/__sandbox/clock'],
        ['post', '/__sandbox/run-due'],
      ] as const) {
        expect((await client.request({ method, url: path, data: {} })).status).toBe(404);
      }
    } finally {
      await sandbox.close();
    }
  });

  it('control the clock, faults, due schedules and show the ledger when enabled', async () => {
    const receiver = await startWebhookReceiver();
    const sandbox = await startTestSandbox({ admin: true, defaultNoticeUrl: receiver.url });
    try {
      const admin = httpClient(sandbox.url);
      const api = await authedClient(sandbox);
      await issueKey(api, 'admin_c');
      const at = sandbox.clock.nowSeconds() + 3600;
      await api.post('/subscribe/payments/schedule', {
        customer_uid: 'admin_c',
        schedules: [scheduleItem('admin_1', at)],
      });

      const clock = await admin.get('/__sandbox/clock');
      expect(clock.data).toEqual({ now_ms: sandbox.clock.now(), frozen: true, next_scheduled_at_ms: at * 1000 });

      const advanced = await admin.post('/__sandbox/clock', { advance_ms: 3_600_000 });
      expect(advanced.data.now_ms).toBe(at * 1000);
      const ran = await admin.post('/__sandbox/run-due');
      expect(ran.status).toBe(200);
      expect(receiver.received).toHaveLength(1);

      const ledger = (await admin.get('/__sandbox/ledger')).data;
      expect(ledger.charges).toEqual([
        expect.objectContaining({ merchant_uid: 'admin_1', source: 'schedule', status: 'paid' }),
      ]);
      expect(ledger.webhooks).toEqual([expect.objectContaining({ kind: 'sent', http_status: 200 })]);

      const later = at * 1000 + 5000;
      expect((await admin.post('/__sandbox/clock', { set_ms: later })).data.now_ms).toBe(later);
      expect((await admin.post('/__sandbox/clock', { mode: 'real' })).data.frozen).toBe(false);
      expect((await admin.post('/__sandbox/clock', { mode: 'frozen' })).data.frozen).toBe(true);
      expect((await admin.post('/__sandbox/clock', { advance_ms: -5 })).status).toBe(400);

      const faults = await admin.post('/__sandbox/faults', { failBeforeRate: 1, latencyMs: 10 });
      expect(faults.data).toMatchObject({ failBeforeRate: 1, latencyMs: 10, failAfterRate: 0 });
      expect((await admin.get('/__sandbox/faults')).data.failBeforeRate).toBe(1);
      expect((await api.get('/subscribe/customers/admin_c')).status).toBe(500);
      // Admin routes are never faulted, so a test can always switch faults off again.
      expect((await admin.post('/__sandbox/faults', { failBeforeRate: 0 })).status).toBe(200);
      expect((await api.get('/subscribe/customers/admin_c')).status).toBe(200);

      const invalid = await admin.post('/__sandbox/faults', { failBeforeRate: 'often' });
      expect(invalid.status).toBe(400);
      expect(invalid.data.message).toContain('failBeforeRate');
      expect((await admin.post('/__sandbox/faults', { noSuchFault: 1 })).status).toBe(400);
    } finally {
      await sandbox.close();
      await receiver.close();
    }
  });
});

describe('sandbox: route rules (per-route answers and latency)', () => {
  let sandbox: SandboxHandle;

  beforeEach(async () => {
    sandbox = await startTestSandbox({ admin: true });
  });
  afterEach(() => sandbox.close());

  const register = (api: Awaited<ReturnType<typeof authedClient>>, uid: string, options = {}) =>
    api.post(
      '/subscribe/payments/schedule',
      { customer_uid: 'rules', schedules: [scheduleItem(uid, sandbox.clock.nowSeconds() + 3600)] },
      options,
    );

  it('answers a chosen status with a raw proxy page for the next N requests, and nothing happens', async () => {
    const api = await authedClient(sandbox);
    await issueKey(api, 'rules');
    const page = '<html><body><h1>403 Forbidden</h1>cloudfront</body></html>';
    sandbox.rules.add({
      method: 'post',
      path: '/subscribe/payments/schedule',
      answer: { status: 403, text: page },
      times: 2,
    });

    for (const uid of ['rule_1', 'rule_2']) {
      const res = await register(api, uid);
      expect(res.status).toBe(403);
      expect(res.headers['content-type']).toContain('text/html');
      expect(res.data).toBe(page);
      expect((await api.get(`/subscribe/payments/schedule/${uid}`)).status).toBe(404);
    }
    // The third request is past the rule's count: the route answers normally again.
    expect((await register(api, 'rule_3')).data.code).toBe(0);
    expect(sandbox.rules.list()).toEqual([]);
  });

  it('matches path templates and methods, answers JSON, and applies only within its time window', async () => {
    const api = await authedClient(sandbox);
    const envelope = { code: -1, message: '잘못된 요청입니다.', response: null };
    sandbox.rules.add({
      method: 'GET',
      path: '/payments/:imp_uid',
      answer: { status: 400, json: envelope },
      for_ms: 400,
    });

    const hit = await api.get('/payments/imp_123456789012');
    expect(hit.status).toBe(400);
    expect(hit.data).toEqual(envelope);
    // Another method, a longer path and an unrelated path do not match.
    expect((await api.post('/payments/imp_123456789012', {})).status).toBe(404);
    expect((await api.get('/payments/find/some_uid')).data.message).not.toBe(envelope.message);
    const [rule] = sandbox.rules.list();
    expect(rule).toMatchObject({ method: 'GET', path: '/payments/:imp_uid', hits: 1 });

    await new Promise((resolve) => setTimeout(resolve, 450));
    const after = await api.get('/payments/imp_123456789012');
    expect(after.status).toBe(404);
    expect(after.data.message).toBe('존재하지 않는 결제정보입니다.');
    expect(sandbox.rules.list()).toEqual([]);
  });

  it('after_effect: the request takes effect and the caller still gets the rule’s answer', async () => {
    const api = await authedClient(sandbox);
    await issueKey(api, 'rules');
    sandbox.rules.add({
      path: '/subscribe/payments/schedule',
      answer: { status: 502, text: 'Bad Gateway', content_type: 'text/plain', after_effect: true },
      times: 1,
    });

    const res = await register(api, 'effect_1');
    expect(res.status).toBe(502);
    expect(res.data).toBe('Bad Gateway');
    const held = await api.get('/subscribe/payments/schedule/effect_1');
    expect(held.data.response).toMatchObject({ merchant_uid: 'effect_1', schedule_status: 'scheduled' });
  });

  it('latency: the request lands after the client gave up', async () => {
    const api = await authedClient(sandbox);
    await issueKey(api, 'rules');
    sandbox.rules.add({ method: 'POST', path: '/subscribe/payments/schedule', latency_ms: 700, times: 1 });

    const started = Date.now();
    const err = await register(api, 'late_1', { timeout: 150 }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(axios.isAxiosError(err) && err.code).toBe('ECONNABORTED');
    // The client has given up, and iamport holds nothing yet…
    expect((await api.get('/subscribe/payments/schedule/late_1')).status).toBe(404);
    // …until the delayed request runs.
    let status = 404;
    while (status === 404 && Date.now() - started < 5_000) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      status = (await api.get('/subscribe/payments/schedule/late_1')).status;
    }
    expect(status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(650);
  });

  it('are set, listed and removed through the admin API, validated with a 400 naming the field', async () => {
    const admin = httpClient(sandbox.url);
    const created = await admin.post('/__sandbox/rules', {
      path: '/subscribe/payments/unschedule',
      answer: { status: 200, json: { code: 1, message: 'no', response: null } },
    });
    expect(created.status).toBe(201);
    expect(created.data).toMatchObject({ id: expect.any(String), method: '*', hits: 0 });
    const second = (await admin.post('/__sandbox/rules', { path: '/users/getToken', latency_ms: 10 })).data;
    expect((await admin.get('/__sandbox/rules')).data.map((r: { id: string }) => r.id)).toEqual([
      created.data.id,
      second.id,
    ]);

    const api = await authedClient(sandbox);
    expect((await api.post('/subscribe/payments/unschedule', { customer_uid: 'x' })).data).toMatchObject({
      code: 1,
      message: 'no',
    });

    expect((await admin.delete(`/__sandbox/rules/${created.data.id}`)).data).toHaveLength(1);
    expect((await admin.delete('/__sandbox/rules/rule_999')).status).toBe(404);
    expect((await admin.delete('/__sandbox/rules')).data).toEqual([]);

    for (const [bad, field] of [
      [{ path: 'no-slash', latency_ms: 1 }, 'path'],
      [{ path: '/x' }, 'answer or a latency_ms'],
      [{ path: '/x', answer: { status: 99 } }, 'answer.status'],
      [{ path: '/x', answer: { status: 200, json: {}, text: 'x' } }, 'not both'],
      [{ path: '/x', latency_ms: -1 }, 'latency_ms'],
      [{ path: '/x', latency_ms: 1, times: 0 }, 'times'],
      [{ path: '/x', latency_ms: 1, method: 'BREW' }, 'method'],
      [{ path: '/x', latency_ms: 1, unknown: true }, 'unknown'],
    ] as const) {
      const res = await admin.post('/__sandbox/rules', bad);
      expect(res.status).toBe(400);
      expect(res.data.message).toContain(field);
    }
    expect(() => sandbox.rules.add({ path: '/x' })).toThrow();
    expect(sandbox.rules.list()).toEqual([]);
  });

  it('never apply to the admin routes, and can be given at start', async () => {
    const ruled = await startTestSandbox({
      admin: true,
      rules: [
        { path: '/__sandbox/rules', answer: { status: 503, text: 'down' } },
        { path: '/users/getToken', answer: { status: 503, text: 'down' } },
      ],
    });
    try {
      const client = httpClient(ruled.url);
      expect((await client.get('/__sandbox/rules')).status).toBe(200);
      expect((await client.post('/users/getToken', { imp_key: 'x', imp_secret: 'y' })).status).toBe(503);
    } finally {
      await ruled.close();
    }
  });
});
