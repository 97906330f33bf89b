import type { SandboxHandle } from '../src';
import { API_KEY, API_SECRET, httpClient, startTestSandbox, T0_SEC } from './sandbox-helpers';

describe('sandbox: POST /users/getToken and token checks', () => {
  let sandbox: SandboxHandle;

  beforeAll(async () => {
    sandbox = await startTestSandbox({ tokenLifetimeSec: 600 });
  });
  afterAll(() => sandbox.close());

  const getToken = (body: unknown, headers: Record<string, string> = {}) =>
    httpClient(sandbox.url, headers).post('/users/getToken', body);

  it('issues a token with expiry and the sandbox clock in unix seconds', async () => {
    const res = await getToken({ imp_key: API_KEY, imp_secret: API_SECRET });
    expect(res.status).toBe(200);
    expect(res.data.code).toBe(0);
    const { access_token, expired_at, now } = res.data.response;
    expect(typeof access_token).toBe('string');
    expect(access_token.length).toBeGreaterThan(20);
    expect(now).toBe(T0_SEC);
    expect(expired_at - now).toBe(600);
  });

  it('accepts form-urlencoded credentials', async () => {
    const res = await getToken(new URLSearchParams({ imp_key: API_KEY, imp_secret: API_SECRET }).toString(), {
      'content-type': 'application/x-www-form-urlencoded',
    });
    expect(res.status).toBe(200);
    expect(res.data.code).toBe(0);
  });

  it('answers 401 with the envelope for a wrong key or secret', async () => {
    for (const body of [{ imp_key: API_KEY, imp_secret: 'wrong' }, { imp_key: 'wrong', imp_secret: API_SECRET }, {}]) {
      const res = await getToken(body);
      expect(res.status).toBe(401);
      expect(res.data).toEqual({ code: -1, message: expect.any(String), response: null });
    }
  });

  it('returns the same token before expiry, and a new one after', async () => {
    const first = (await getToken({ imp_key: API_KEY, imp_secret: API_SECRET })).data.response;
    sandbox.clock.advance(100_000);
    const second = (await getToken({ imp_key: API_KEY, imp_secret: API_SECRET })).data.response;
    expect(second.access_token).toBe(first.access_token);
    expect(second.expired_at).toBe(first.expired_at);

    sandbox.clock.set((first.expired_at + 1) * 1000);
    const third = (await getToken({ imp_key: API_KEY, imp_secret: API_SECRET })).data.response;
    expect(third.access_token).not.toBe(first.access_token);
    expect(third.expired_at).toBe(third.now + 600);
  });

  it('extends the same token by 5 minutes when asked within its last minute', async () => {
    const first = (await getToken({ imp_key: API_KEY, imp_secret: API_SECRET })).data.response;
    sandbox.clock.set((first.expired_at - 30) * 1000);
    const again = (await getToken({ imp_key: API_KEY, imp_secret: API_SECRET })).data.response;
    expect(again.access_token).toBe(first.access_token);
    expect(again.expired_at).toBe(first.expired_at + 300);
  });

  it('accepts Bearer and the raw token, and rejects missing, unknown and expired tokens with 401', async () => {
    const { access_token, expired_at } = (await getToken({ imp_key: API_KEY, imp_secret: API_SECRET })).data.response;
    const path = '/subscribe/customers/nobody';
    // An unknown customer is a 404: it proves the token was accepted.
    expect((await httpClient(sandbox.url, { Authorization: `Bearer ${access_token}` }).get(path)).status).toBe(404);
    expect((await httpClient(sandbox.url, { Authorization: access_token }).get(path)).status).toBe(404);

    const badHeaders: Record<string, string>[] = [
      {},
      { Authorization: 'Bearer not-a-token' },
      { Authorization: 'not-a-token' },
    ];
    for (const headers of badHeaders) {
      const res = await httpClient(sandbox.url, headers).get(path);
      expect(res.status).toBe(401);
      expect(res.data).toEqual({ code: -1, message: expect.stringContaining('Unauthorized'), response: null });
    }

    sandbox.clock.set(expired_at * 1000);
    const expired = await httpClient(sandbox.url, { Authorization: `Bearer ${access_token}` }).get(path);
    expect(expired.status).toBe(401);
    expect(expired.data.response).toBeNull();
  });
});
