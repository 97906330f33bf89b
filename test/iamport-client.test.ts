import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { inspect } from 'node:util';
import Koa from 'koa';
import { bodyParser } from '@koa/bodyparser';
import { addLogSink } from '../src/logger';
import {
  createIamportClient,
  IamportError,
  isIamportError,
  type IamportClientOptions,
  type Payment,
  type ScheduleResult,
} from '../src/iamport';

/** A scriptable stand-in for api.iamport.kr: routes are `METHOD /raw/path` → handler; every request is recorded. */
type Handler = (ctx: Koa.Context) => void | Promise<void>;

interface Recorded {
  method: string;
  path: string;
  query: Record<string, unknown>;
  authorization?: string;
  tier?: string;
  body: unknown;
}

class FakeIamport {
  readonly routes = new Map<string, Handler>();
  requests: Recorded[] = [];
  tokensIssued = 0;
  tokenLifetimeSeconds = 1800;
  /** Added to the server's `now`: the client must not care. */
  clockSkewSeconds = 0;
  tokenDelayMs = 0;
  private hanging: (() => void)[] = [];
  private server?: Server;

  async start(): Promise<string> {
    const app = new Koa();
    app.use(bodyParser());
    app.use(async (ctx) => {
      this.requests.push({
        method: ctx.method,
        path: ctx.path,
        query: { ...ctx.query },
        authorization: ctx.get('authorization') || undefined,
        tier: ctx.get('tier') || undefined,
        body: ctx.request.body,
      });
      const handler = this.routes.get(`${ctx.method} ${ctx.path}`);
      if (handler) return handler(ctx);
      reply(ctx, 404, -1, 'no such route', null);
    });
    this.server = app.listen(0, '127.0.0.1');
    await once(this.server, 'listening');
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.releaseHanging();
    this.server?.closeAllConnections();
    await new Promise((resolve) => this.server?.close(resolve));
  }

  reset(): void {
    this.releaseHanging();
    this.routes.clear();
    this.requests = [];
    this.tokensIssued = 0;
    this.tokenLifetimeSeconds = 1800;
    this.clockSkewSeconds = 0;
    this.tokenDelayMs = 0;
    this.routes.set('POST /users/getToken', async (ctx) => {
      this.tokensIssued += 1;
      const accessToken = `tok-${this.tokensIssued}`;
      if (this.tokenDelayMs) await sleep(this.tokenDelayMs);
      const now = Math.floor(Date.now() / 1000) + this.clockSkewSeconds;
      ok(ctx, { access_token: accessToken, now, expired_at: now + this.tokenLifetimeSeconds });
    });
  }

  /** Never answers until the test ends. */
  hang(): Promise<void> {
    return new Promise((resolve) => this.hanging.push(resolve));
  }

  requestsTo(path: string): Recorded[] {
    return this.requests.filter((r) => r.path === path);
  }

  private releaseHanging(): void {
    this.hanging.forEach((release) => release());
    this.hanging = [];
  }
}

function reply(ctx: Koa.Context, status: number, code: number, message: string | null, response: unknown): void {
  ctx.status = status;
  ctx.body = { code, message, response };
}

function ok(ctx: Koa.Context, response: unknown): void {
  reply(ctx, 200, 0, null, response);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function payment(overrides: Partial<Payment> = {}): Payment {
  return {
    imp_uid: 'imp_100',
    merchant_uid: 'sub_1_2026-01_1',
    sandbox: true,
    amount: 9900,
    cancel_amount: 0,
    currency: 'KRW',
    status: 'paid',
    paid_at: 1_767_225_600,
    failed_at: 0,
    cancelled_at: 0,
    card_number: '411111******1111',
    ...overrides,
  };
}

function scheduleResult(merchantUid: string): ScheduleResult {
  return {
    customer_uid: 'cu_1',
    merchant_uid: merchantUid,
    imp_uid: null,
    schedule_at: 1_767_225_600,
    executed_at: 0,
    revoked_at: 0,
    amount: 9900,
    name: 'Pro plan',
    schedule_status: 'scheduled',
    payment_status: null,
  };
}

async function rejection(promise: Promise<unknown>): Promise<IamportError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof IamportError) return error;
    throw error;
  }
  throw new Error('expected the call to fail');
}

const SECRET = 'sk_live_VERY_SECRET_value_42';
const fake = new FakeIamport();
let baseUrl: string;
let logLines: string[];
let removeSink: () => void;

function client(overrides: Partial<IamportClientOptions> = {}) {
  return createIamportClient({ baseUrl, apiKey: 'imp_key_1', apiSecret: SECRET, ...overrides });
}

beforeAll(async () => {
  baseUrl = await fake.start();
});

afterAll(async () => {
  await fake.stop();
});

beforeEach(() => {
  fake.reset();
  logLines = [];
  removeSink = addLogSink((line) => logLines.push(line));
});

afterEach(() => {
  removeSink();
});

describe('access token', () => {
  it('is fetched with the key and secret, sent as a Bearer token, and reused', async () => {
    fake.routes.set('GET /payments/imp_100', (ctx) => ok(ctx, payment()));
    const iamport = client({ tier: 'T01' });

    for (let i = 0; i < 3; i++) await iamport.getPayment('imp_100');

    expect(fake.tokensIssued).toBe(1);
    expect(fake.requestsTo('/users/getToken')[0].body).toEqual({ imp_key: 'imp_key_1', imp_secret: SECRET });
    const lookups = fake.requestsTo('/payments/imp_100');
    expect(lookups.map((r) => r.authorization)).toEqual(['Bearer tok-1', 'Bearer tok-1', 'Bearer tok-1']);
    expect(lookups.every((r) => r.tier === 'T01')).toBe(true);
  });

  it.each([
    ['behind', -3600],
    ['ahead of', 3600],
  ])('expires by the server clock even when it is an hour %s ours, and is refreshed early', async (_, skew) => {
    fake.clockSkewSeconds = skew;
    fake.tokenLifetimeSeconds = 2;
    fake.routes.set('GET /payments/imp_100', (ctx) => ok(ctx, payment()));
    const iamport = client();

    await iamport.getPayment('imp_100');
    await iamport.getPayment('imp_100');
    expect(fake.tokensIssued).toBe(1);

    // A 2 s token is refreshed once half of it is gone (the 60 s margin is capped for short-lived tokens).
    await sleep(1_200);
    await iamport.getPayment('imp_100');
    expect(fake.tokensIssued).toBe(2);
    expect(fake.requestsTo('/payments/imp_100').at(-1)?.authorization).toBe('Bearer tok-2');
  });

  it('is fetched once for many concurrent callers', async () => {
    fake.tokenDelayMs = 100;
    fake.routes.set('GET /payments/imp_100', (ctx) => ok(ctx, payment()));
    const iamport = client();

    const results = await Promise.all(Array.from({ length: 20 }, () => iamport.getPayment('imp_100')));

    expect(results).toHaveLength(20);
    expect(fake.tokensIssued).toBe(1);
  });

  it('is refreshed once after a 401 and the request retried once', async () => {
    fake.routes.set('POST /subscribe/payments/again', (ctx) => {
      if (ctx.get('authorization') === 'Bearer tok-1') return reply(ctx, 401, -1, 'Unauthorized', null);
      ok(ctx, payment());
    });
    const iamport = client();

    const paid = await iamport.again({ customer_uid: 'cu_1', merchant_uid: 'm_1', amount: 9900, name: 'Pro' });

    expect(paid.status).toBe('paid');
    expect(fake.tokensIssued).toBe(2);
    expect(fake.requestsTo('/subscribe/payments/again').map((r) => r.authorization)).toEqual([
      'Bearer tok-1',
      'Bearer tok-2',
    ]);
  });

  it('is refreshed only once when concurrent requests all get a 401', async () => {
    fake.routes.set('GET /payments/imp_100', (ctx) => {
      if (ctx.get('authorization') === 'Bearer tok-1') return reply(ctx, 401, -1, 'Unauthorized', null);
      ok(ctx, payment());
    });
    const iamport = client();
    await iamport.getBillingKey('cu_1').catch(() => undefined); // caches tok-1 (the route itself 404s)

    await Promise.all(Array.from({ length: 5 }, () => iamport.getPayment('imp_100')));

    expect(fake.tokensIssued).toBe(2);
  });

  it('gives up with a non-retryable auth error when the retry is rejected too', async () => {
    fake.routes.set('GET /payments/imp_100', (ctx) => reply(ctx, 401, -1, 'Unauthorized', null));

    const error = await rejection(client().getPayment('imp_100'));

    expect(error).toMatchObject({
      kind: 'auth',
      retryable: false,
      httpStatus: 401,
      endpoint: 'GET /payments/{imp_uid}',
    });
    expect(fake.requestsTo('/payments/imp_100')).toHaveLength(2);
    expect(fake.tokensIssued).toBe(2);
  });

  it('treats a 401 from getToken itself as a non-retryable auth error', async () => {
    fake.routes.set('POST /users/getToken', (ctx) => {
      fake.tokensIssued += 1;
      reply(ctx, 401, -1, '사용자 인증에 실패하였습니다.', null);
    });
    fake.routes.set('GET /payments/imp_100', (ctx) => ok(ctx, payment()));

    const error = await rejection(client().getPayment('imp_100'));

    expect(error).toMatchObject({
      kind: 'auth',
      retryable: false,
      httpStatus: 401,
      endpoint: 'POST /users/getToken',
      iamportMessage: '사용자 인증에 실패하였습니다.',
    });
    expect(fake.tokensIssued).toBe(1);
    expect(fake.requestsTo('/payments/imp_100')).toHaveLength(0);
  });
});

describe('errors', () => {
  it('reports HTTP 200 with a non-zero code as a non-retryable business error, message verbatim', async () => {
    const message = '취소할 결제건이 존재하지 않습니다.';
    fake.routes.set('POST /payments/cancel', (ctx) => reply(ctx, 200, 1, message, null));

    const error = await rejection(client().cancelPayment({ imp_uid: 'imp_404', reason: 'refund' }));

    expect(isIamportError(error, 'business')).toBe(true);
    expect(error).toMatchObject({ retryable: false, httpStatus: 200, code: 1, iamportMessage: message });
    expect(error.message).toBe(`iamport POST /payments/cancel failed (HTTP 200, code 1): ${message}`);
  });

  it('reports a 404 as not_found, with the path template as endpoint and the body parsed', async () => {
    fake.routes.set('GET /payments/imp_missing', (ctx) => reply(ctx, 404, -1, '존재하지 않는 결제정보입니다.', null));

    const error = await rejection(client().getPayment('imp_missing'));

    expect(error).toMatchObject({
      kind: 'not_found',
      retryable: false,
      httpStatus: 404,
      code: -1,
      endpoint: 'GET /payments/{imp_uid}',
      iamportMessage: '존재하지 않는 결제정보입니다.',
    });
  });

  it.each([
    [500, true],
    [502, true],
    [503, true],
    [429, true],
    [400, false],
    [403, false],
  ])('classifies HTTP %i as retryable=%s', async (status, retryable) => {
    fake.routes.set('GET /subscribe/payments/schedule/m_1', (ctx) => reply(ctx, status, -1, 'nope', null));

    const error = await rejection(client().getSchedule('m_1'));

    expect(error).toMatchObject({ kind: 'http', retryable, httpStatus: status, code: -1 });
  });

  it('classifies a non-JSON 502 from a proxy as retryable, without an iamport code', async () => {
    fake.routes.set('GET /payments/imp_100', (ctx) => {
      ctx.status = 502;
      ctx.type = 'html';
      ctx.body = '<html>Bad Gateway</html>';
    });

    const error = await rejection(client().getPayment('imp_100'));

    expect(error).toMatchObject({ kind: 'http', retryable: true, httpStatus: 502, code: undefined });
  });

  it('classifies HTTP 200 without an envelope as retryable (the outcome is unknown)', async () => {
    fake.routes.set('POST /subscribe/payments/again', (ctx) => {
      ctx.body = 'OK';
    });

    const error = await rejection(client().again({ customer_uid: 'c', merchant_uid: 'm', amount: 1, name: 'n' }));

    expect(error).toMatchObject({ kind: 'http', retryable: true, httpStatus: 200 });
  });

  it('times out lookups with the lookup timeout and charges with the charge timeout', async () => {
    fake.routes.set('GET /payments/imp_100', () => fake.hang());
    fake.routes.set('POST /subscribe/payments/again', async (ctx) => {
      await sleep(400);
      ok(ctx, payment());
    });
    const iamport = client({ lookupTimeoutMs: 150, chargeTimeoutMs: 3_000 });
    await iamport.getBillingKey('warm-up').catch(() => undefined);

    const started = Date.now();
    const error = await rejection(iamport.getPayment('imp_100'));
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(error).toMatchObject({ kind: 'timeout', retryable: true, endpoint: 'GET /payments/{imp_uid}' });
    expect(error.message).toContain('150 ms');

    // Slower than the lookup timeout, within the charge timeout.
    const paid = await iamport.again({ customer_uid: 'c', merchant_uid: 'm', amount: 9900, name: 'n' });
    expect(paid.status).toBe('paid');
  });

  it('times out a hanging charge as retryable', async () => {
    fake.routes.set('POST /subscribe/payments/again', () => fake.hang());

    const error = await rejection(
      client({ chargeTimeoutMs: 200 }).again({ customer_uid: 'c', merchant_uid: 'm', amount: 1, name: 'n' }),
    );

    expect(error).toMatchObject({ kind: 'timeout', retryable: true, endpoint: 'POST /subscribe/payments/again' });
  });

  it('reports a refused connection as a retryable network error', async () => {
    const closed = new FakeIamport();
    const deadUrl = await closed.start();
    await closed.stop();

    const error = await rejection(client({ baseUrl: deadUrl }).getPayment('imp_100'));

    expect(error).toMatchObject({ kind: 'network', retryable: true, causeCode: 'ECONNREFUSED' });
  });

  it('rejects an id that cannot address a resource before sending anything, as an IamportError', async () => {
    for (const id of ['', '.', '..']) {
      const error = await rejection(client().getPayment(id));
      expect(error).toMatchObject({ kind: 'invalid_request', retryable: false, endpoint: 'GET /payments/{imp_uid}' });
    }
    expect(fake.requests.filter((r) => r.path.startsWith('/payments'))).toHaveLength(0);
  });

  it.each([
    [403, 'text/html', '<html><body>Request blocked by WAF</body></html>'],
    [404, 'text/html', '<html><body>404 Not Found (nginx)</body></html>'],
    [400, 'text/html', '<html>Bad Request</html>'],
    [405, 'text/plain', 'Method Not Allowed'],
    [403, 'application/json', '{"code":403,"message":"Forbidden"}'],
    [302, 'text/html', '<a href="https://login.example">moved</a>'],
  ])('classifies a %i whose body is not an iamport envelope (%s) as a retryable outage', async (status, type, body) => {
    fake.routes.set('POST /subscribe/payments/schedule', (ctx) => {
      ctx.status = status;
      ctx.type = type;
      ctx.body = body;
    });

    const error = await rejection(client().schedule({ customer_uid: 'c', schedules: [] }));

    expect(error).toMatchObject({ kind: 'http', retryable: true, httpStatus: status });
    expect(error.message).toContain('not an iamport envelope');
  });

  it('keeps a 404 with iamport’s envelope as not_found, and a 4xx with the envelope as a non-retryable http error', async () => {
    fake.routes.set('GET /subscribe/payments/schedule/m_1', (ctx) =>
      reply(ctx, 404, 1, '예약결제건이 존재하지 않습니다.', null),
    );
    fake.routes.set('GET /payments/imp_1', (ctx) => reply(ctx, 400, -1, '잘못된 요청입니다.', null));

    expect(await rejection(client().getSchedule('m_1'))).toMatchObject({ kind: 'not_found', retryable: false });
    expect(await rejection(client().getPayment('imp_1'))).toMatchObject({ kind: 'http', retryable: false, code: -1 });
  });

  it.each([
    ['a schedule without schedule_at', () => ({ ...scheduleResult('m_1'), schedule_at: undefined }), 'schedule_at'],
    ['a schedule with a string amount', () => ({ ...scheduleResult('m_1'), amount: '9900' }), 'amount'],
    [
      'a schedule with an unknown status',
      () => ({ ...scheduleResult('m_1'), schedule_status: 'paused' }),
      'schedule_status',
    ],
    ['a list instead of a schedule', () => [scheduleResult('m_1')], '(root)'],
  ])('reports %s as malformed (not retryable), naming the field', async (_, body, field) => {
    fake.routes.set('GET /subscribe/payments/schedule/m_1', (ctx) => ok(ctx, body()));

    const error = await rejection(client().getSchedule('m_1'));

    expect(error).toMatchObject({
      kind: 'malformed',
      retryable: false,
      endpoint: 'GET /subscribe/payments/schedule/{merchant_uid}',
    });
    if (field !== '(root)') expect(error.message).toContain(field);
  });

  it('reports a payment without status or amount as malformed, and code 0 without a payload as malformed', async () => {
    fake.routes.set('GET /payments/imp_100', (ctx) => ok(ctx, { ...payment(), status: undefined, amount: 'x' }));
    fake.routes.set('GET /payments/imp_200', (ctx) => reply(ctx, 200, 0, null, null));

    const error = await rejection(client().getPayment('imp_100'));
    expect(error).toMatchObject({ kind: 'malformed', retryable: false });
    expect(error.message).toMatch(/amount, status|status, amount/);
    expect(await rejection(client().getPayment('imp_200'))).toMatchObject({ kind: 'malformed', retryable: false });
  });

  it('abandons a hanging request, and a hanging token fetch, as soon as the caller’s signal aborts', async () => {
    fake.routes.set('POST /subscribe/payments/schedule', () => fake.hang());
    const iamport = client({ chargeTimeoutMs: 60_000, lookupTimeoutMs: 60_000 });
    await iamport.getBillingKey('warm-up').catch(() => undefined);

    const controller = new AbortController();
    const started = Date.now();
    const pending = rejection(iamport.schedule({ customer_uid: 'c', schedules: [] }, { signal: controller.signal }));
    await sleep(100);
    controller.abort();
    const error = await pending;
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(error).toMatchObject({ kind: 'timeout', retryable: true, causeCode: 'ABORTED' });

    fake.routes.set('POST /users/getToken', () => fake.hang());
    const fresh = client({ lookupTimeoutMs: 60_000 });
    const tokenStarted = Date.now();
    const viaToken = await rejection(fresh.getPayment('imp_100', { signal: AbortSignal.timeout(150) }));
    expect(Date.now() - tokenStarted).toBeLessThan(2_000);
    expect(viaToken).toMatchObject({ kind: 'timeout', retryable: true, endpoint: 'GET /payments/{imp_uid}' });

    const already = await rejection(client().getPayment('imp_100', { signal: AbortSignal.abort() }));
    expect(already).toMatchObject({ kind: 'timeout', causeCode: 'ABORTED' });
  });
});

describe('reads sent again', () => {
  const quick = { readRetryDelaysMs: [20, 20] };
  /** A route whose first request gets `status`, every later one `then`. */
  const failingOnce = (status: number, then: (ctx: Koa.Context) => void) => {
    let calls = 0;
    return (ctx: Koa.Context) => {
      calls += 1;
      if (calls === 1) reply(ctx, status, -1, 'down', null);
      else then(ctx);
    };
  };

  it('sends a read again after a 5xx and answers what the next try gets', async () => {
    fake.routes.set(
      'GET /payments/imp_100',
      failingOnce(503, (ctx) => ok(ctx, payment())),
    );

    const paid = await client(quick).getPayment('imp_100');

    expect(paid.status).toBe('paid');
    expect(fake.requestsTo('/payments/imp_100')).toHaveLength(2);
  });

  it('gives up after the configured tries with the last failure', async () => {
    fake.routes.set('GET /subscribe/payments/schedule/m_1', (ctx) => reply(ctx, 500, -1, 'down', null));

    const error = await rejection(client(quick).getSchedule('m_1'));

    expect(error).toMatchObject({ kind: 'http', retryable: true, httpStatus: 500 });
    expect(fake.requestsTo('/subscribe/payments/schedule/m_1')).toHaveLength(3);
  });

  it.each([
    ['a 404 with the envelope', (ctx: Koa.Context) => reply(ctx, 404, -1, 'no such payment', null)],
    ['a business refusal', (ctx: Koa.Context) => reply(ctx, 200, 1, 'refused', null)],
    ['a 400', (ctx: Koa.Context) => reply(ctx, 400, -1, 'bad request', null)],
  ])('does not repeat %s', async (_, handler) => {
    fake.routes.set('GET /payments/imp_100', handler);

    await rejection(client(quick).getPayment('imp_100'));

    expect(fake.requestsTo('/payments/imp_100')).toHaveLength(1);
  });

  it('never repeats a request whose repetition would do it again (a schedule, a charge, a refund)', async () => {
    fake.routes.set('POST /subscribe/payments/schedule', (ctx) => reply(ctx, 500, -1, 'down', null));
    fake.routes.set('POST /subscribe/payments/again', (ctx) => reply(ctx, 502, -1, 'down', null));
    fake.routes.set('POST /payments/cancel', (ctx) => reply(ctx, 503, -1, 'down', null));

    await rejection(client(quick).schedule({ customer_uid: 'cu_1', schedules: [] }));
    await rejection(client(quick).again({ customer_uid: 'c', merchant_uid: 'm', amount: 1, name: 'n' }));
    await rejection(client(quick).cancelPayment({ imp_uid: 'imp_1', reason: 'r' }));

    expect(fake.requestsTo('/subscribe/payments/schedule')).toHaveLength(1);
    expect(fake.requestsTo('/subscribe/payments/again')).toHaveLength(1);
    expect(fake.requestsTo('/payments/cancel')).toHaveLength(1);
  });

  it('repeats an unschedule: revoking twice revokes once', async () => {
    fake.routes.set(
      'POST /subscribe/payments/unschedule',
      failingOnce(500, (ctx) => ok(ctx, [{ ...scheduleResult('m_1'), schedule_status: 'revoked' }])),
    );

    const revoked = await client(quick).unschedule({ customer_uid: 'cu_1', merchant_uid: ['m_1'] });

    expect(revoked[0].schedule_status).toBe('revoked');
    expect(fake.requestsTo('/subscribe/payments/unschedule')).toHaveLength(2);
  });

  it('fetches a failed token again for any request, which is then sent once', async () => {
    fake.routes.set(
      'POST /users/getToken',
      failingOnce(502, (ctx) => {
        const now = Math.floor(Date.now() / 1000);
        ok(ctx, { access_token: 'tok-2', now, expired_at: now + 1800 });
      }),
    );
    fake.routes.set('POST /subscribe/payments/unschedule', (ctx) => ok(ctx, [scheduleResult('m_1')]));

    await client(quick).unschedule({ customer_uid: 'cu_1', merchant_uid: ['m_1'] });

    expect(fake.requestsTo('/users/getToken')).toHaveLength(2);
    expect(fake.requestsTo('/subscribe/payments/unschedule')).toHaveLength(1);
  });

  it('does not repeat a timeout, and sends nothing more once the caller gave up', async () => {
    fake.routes.set('GET /payments/imp_100', () => fake.hang());
    await rejection(client({ ...quick, lookupTimeoutMs: 100 }).getPayment('imp_100'));
    expect(fake.requestsTo('/payments/imp_100')).toHaveLength(1);

    fake.routes.set('GET /payments/imp_200', (ctx) => reply(ctx, 500, -1, 'down', null));
    const caller = new AbortController();
    const pending = rejection(
      client({ readRetryDelaysMs: [300, 300] }).getPayment('imp_200', { signal: caller.signal }),
    );
    await sleep(150);
    caller.abort();
    await pending;
    await sleep(400);
    expect(fake.requestsTo('/payments/imp_200')).toHaveLength(1);
  });
});

describe('endpoints', () => {
  it('send the documented method, path, query and JSON body', async () => {
    const customer = { customer_uid: 'cu 1/a', pg_provider: 'nice', pg_id: 'x', sandbox: true, card_name: 'Visa' };
    const card = { card_number: '4111-1111-1111-1111', expiry: '2030-12', birth: '900101', pwd_2digit: '12' };
    const schedules = [{ merchant_uid: 'm_2', schedule_at: 1_767_225_600, amount: 9900, name: 'Pro' }];
    fake.routes.set('POST /subscribe/customers/cu%201%2Fa', (ctx) => ok(ctx, customer));
    fake.routes.set('GET /subscribe/customers/cu%201%2Fa', (ctx) => ok(ctx, customer));
    fake.routes.set('DELETE /subscribe/customers/cu%201%2Fa', (ctx) => ok(ctx, customer));
    fake.routes.set('POST /subscribe/payments/schedule', (ctx) => ok(ctx, [scheduleResult('m_2')]));
    fake.routes.set('POST /subscribe/payments/unschedule', (ctx) => ok(ctx, [scheduleResult('m_2')]));
    fake.routes.set('GET /subscribe/payments/schedule/m%232', (ctx) => ok(ctx, scheduleResult('m#2')));
    fake.routes.set('POST /subscribe/payments/again', (ctx) => ok(ctx, payment()));
    fake.routes.set('GET /payments/imp_100', (ctx) => ok(ctx, payment()));
    fake.routes.set('GET /payments/find/m_1', (ctx) => ok(ctx, payment()));
    fake.routes.set('POST /payments/cancel', (ctx) => ok(ctx, payment({ status: 'cancelled' })));
    const iamport = client();

    await expect(iamport.issueBillingKey('cu 1/a', { ...card, channel_key: 'ch' })).resolves.toEqual(customer);
    await expect(iamport.getBillingKey('cu 1/a')).resolves.toEqual(customer);
    await expect(iamport.deleteBillingKey('cu 1/a', 'card replaced')).resolves.toEqual(customer);
    await expect(iamport.schedule({ customer_uid: 'cu_1', schedules })).resolves.toHaveLength(1);
    await expect(iamport.unschedule({ customer_uid: 'cu_1', merchant_uid: ['m_2'] })).resolves.toHaveLength(1);
    await expect(iamport.getSchedule('m#2')).resolves.toMatchObject({ merchant_uid: 'm#2' });
    const again = { customer_uid: 'cu_1', merchant_uid: 'm_1', amount: 9900, name: 'Pro' };
    await expect(iamport.again(again)).resolves.toMatchObject({ status: 'paid' });
    await expect(iamport.getPayment('imp_100', { includeSandbox: true })).resolves.toMatchObject({
      imp_uid: 'imp_100',
    });
    await expect(iamport.getPayment('imp_100')).resolves.toMatchObject({ imp_uid: 'imp_100' });
    await expect(iamport.findPayment('m_1', { includeSandbox: true })).resolves.toMatchObject({ merchant_uid: /./ });
    const cancel = { imp_uid: 'imp_100', checksum: 9900, reason: 'refund' };
    await expect(iamport.cancelPayment(cancel)).resolves.toMatchObject({ status: 'cancelled' });

    const sent = fake.requests.filter((r) => r.path !== '/users/getToken');
    expect(sent.map((r) => [r.method, r.path, r.query, r.body])).toEqual([
      ['POST', '/subscribe/customers/cu%201%2Fa', {}, { ...card, channel_key: 'ch' }],
      ['GET', '/subscribe/customers/cu%201%2Fa', {}, undefined],
      ['DELETE', '/subscribe/customers/cu%201%2Fa', { reason: 'card replaced' }, undefined],
      ['POST', '/subscribe/payments/schedule', {}, { customer_uid: 'cu_1', schedules }],
      ['POST', '/subscribe/payments/unschedule', {}, { customer_uid: 'cu_1', merchant_uid: ['m_2'] }],
      ['GET', '/subscribe/payments/schedule/m%232', {}, undefined],
      ['POST', '/subscribe/payments/again', {}, again],
      ['GET', '/payments/imp_100', { include_sandbox: 'true' }, undefined],
      ['GET', '/payments/imp_100', {}, undefined],
      ['GET', '/payments/find/m_1', { include_sandbox: 'true' }, undefined],
      ['POST', '/payments/cancel', {}, cancel],
    ]);
  });

  it('lists a customer’s schedules from a paged response, with the hyphenated status parameter', async () => {
    fake.routes.set('GET /subscribe/payments/schedule/customers/cu_1', (ctx) =>
      ok(ctx, { total: 3, previous: 1, next: 3, list: [scheduleResult('m_3')] }),
    );

    const page = await client().getSchedulesByCustomer('cu_1', { from: 100, to: 200, status: 'scheduled', page: 2 });

    expect(page).toEqual({ total: 3, previous: 1, next: 3, list: [scheduleResult('m_3')] });
    expect(fake.requestsTo('/subscribe/payments/schedule/customers/cu_1')[0].query).toEqual({
      from: '100',
      to: '200',
      page: '2',
      'schedule-status': 'scheduled',
    });
  });

  it('wraps a plain-array schedule list as a single page', async () => {
    fake.routes.set('GET /subscribe/payments/schedule/customers/cu_1', (ctx) =>
      ok(ctx, [scheduleResult('m_1'), scheduleResult('m_2')]),
    );

    const page = await client().getSchedulesByCustomer('cu_1', { from: 100, to: 200 });

    expect(page).toEqual({ total: 2, previous: 0, next: 0, list: [scheduleResult('m_1'), scheduleResult('m_2')] });
    expect(fake.requestsTo('/subscribe/payments/schedule/customers/cu_1')[0].query).toEqual({ from: '100', to: '200' });
  });

  it('rejects a schedule list that is neither a page nor an array instead of reading it as empty', async () => {
    fake.routes.set('GET /subscribe/payments/schedule/customers/cu_1', (ctx) => ok(ctx, { total: 1 }));

    const error = await rejection(client().getSchedulesByCustomer('cu_1', { from: 100, to: 200 }));

    expect(error).toMatchObject({ kind: 'malformed', retryable: false, code: 0 });
  });

  it('reads null timestamps as 0 and a missing payment_status as null', async () => {
    const { payment_status: _omitted, ...withoutStatus } = scheduleResult('m_1');
    fake.routes.set('GET /payments/imp_100', (ctx) =>
      ok(ctx, { ...payment({ status: 'failed' }), paid_at: null, failed_at: 1_767_225_600, cancelled_at: null }),
    );
    fake.routes.set('GET /subscribe/payments/schedule/m_1', (ctx) => ok(ctx, { ...withoutStatus, executed_at: null }));
    const iamport = client();

    await expect(iamport.getPayment('imp_100')).resolves.toMatchObject({ paid_at: 0, cancelled_at: 0 });
    await expect(iamport.getSchedule('m_1')).resolves.toMatchObject({ executed_at: 0, payment_status: null });
  });
});

describe('secrets and logging', () => {
  const card = {
    card_number: '5365-1234-5678-9012',
    expiry: '2031-07',
    birth: '880314',
    pwd_2digit: '79',
    cvc: '531',
    channel_key: 'channel-key-test',
  };
  const forbidden = [card.card_number, card.card_number.replace(/-/g, ''), card.expiry, card.birth, SECRET, 'tok-1'];

  function expectNoSecrets(text: string): void {
    for (const value of forbidden) expect(text).not.toContain(value);
  }

  it.each([
    [
      'a business failure that echoes the card number',
      (ctx: Koa.Context) => reply(ctx, 200, -1, `카드정보 인증에 실패하였습니다. (${card.card_number})`, null),
      'business',
    ],
    ['a 500', (ctx: Koa.Context) => reply(ctx, 500, -1, 'internal error', null), 'http'],
    ['a timeout', () => fake.hang(), 'timeout'],
  ])('stay out of errors and logs on %s', async (_, handler, kind) => {
    fake.routes.set('POST /subscribe/customers/cu_1', handler);

    const error = await rejection(client({ chargeTimeoutMs: 300 }).issueBillingKey('cu_1', card));

    expect(error.kind).toBe(kind);
    expect(fake.requestsTo('/subscribe/customers/cu_1')[0].body).toMatchObject({ card_number: card.card_number });
    for (const text of [error.message, String(error), JSON.stringify(error), error.stack ?? '', inspect(error)]) {
      expectNoSecrets(text);
    }
    expect(logLines.length).toBeGreaterThan(0);
    expectNoSecrets(logLines.join('\n'));
  });

  it('stay out of errors when getToken fails', async () => {
    fake.routes.set('POST /users/getToken', (ctx) => reply(ctx, 500, -1, 'down', null));

    const error = await rejection(client().issueBillingKey('cu_1', card));

    expect(error).toMatchObject({ endpoint: 'POST /users/getToken', retryable: true });
    expectNoSecrets([error.message, JSON.stringify(error), inspect(error)].join('\n'));
  });

  it('logs one debug line per request: method, endpoint template, status, code, duration; no bodies', async () => {
    fake.routes.set('GET /payments/imp_100', (ctx) => ok(ctx, payment()));

    await client().getPayment('imp_100');

    const lines = logLines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatchObject({
      level: 'debug',
      method: 'POST',
      endpoint: '/users/getToken',
      status: 200,
      code: 0,
    });
    expect(lines[1]).toMatchObject({ level: 'debug', method: 'GET', endpoint: '/payments/{imp_uid}', status: 200 });
    expect(typeof lines[1].durationMs).toBe('number');
    expect(logLines.join('\n')).not.toMatch(/imp_100|9900|Bearer|imp_key_1/);
  });
});
