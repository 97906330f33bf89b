import fc from 'fast-check';
import type { AxiosInstance } from 'axios';
import type { SandboxHandle } from '../src';
import { authedClient, httpClient, issueKey, startTestSandbox } from './sandbox-helpers';

const POST_PATHS = [
  '/users/getToken',
  '/subscribe/customers/robust_c',
  '/subscribe/payments/schedule',
  '/subscribe/payments/unschedule',
  '/subscribe/payments/again',
  '/payments/cancel',
];

describe('sandbox: malformed input never causes a 5xx', () => {
  let sandbox: SandboxHandle;
  let api: AxiosInstance;

  beforeAll(async () => {
    sandbox = await startTestSandbox();
    api = await authedClient(sandbox);
    await issueKey(api, 'robust_c');
  });
  afterAll(() => sandbox.close());

  const expectEnvelopeBelow500 = (res: { status: number; data: unknown }) => {
    expect(res.status).toBeLessThan(500);
    expect(res.data).toEqual(expect.objectContaining({ code: expect.any(Number), message: expect.any(String) }));
  };

  it('arbitrary JSON bodies on every POST endpoint', async () => {
    const field = fc.constantFrom(
      'customer_uid',
      'merchant_uid',
      'amount',
      'schedules',
      'card_number',
      'expiry',
      'imp_uid',
      'checksum',
      'imp_key',
      'notice_url',
    );
    const body = fc.oneof(fc.jsonValue(), fc.dictionary(field, fc.jsonValue()));
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...POST_PATHS), body, async (path, data) => {
        const res = await api.post(path, JSON.stringify(data), { headers: { 'content-type': 'application/json' } });
        expectEnvelopeBelow500(res);
      }),
      { numRuns: 150 },
    );
  });

  it('arbitrary form bodies on every POST endpoint', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...POST_PATHS), fc.string(), async (path, raw) => {
        const res = await api.post(path, raw, { headers: { 'content-type': 'application/x-www-form-urlencoded' } });
        expectEnvelopeBelow500(res);
      }),
      { numRuns: 150 },
    );
  });

  it('odd paths, queries and raw bytes', async () => {
    const client = httpClient(sandbox.url);
    expectEnvelopeBelow500(await client.get('/no/such/route'));
    expectEnvelopeBelow500(await api.get('/subscribe/payments/schedule/customers/robust_c?from[]=1&to=x'));
    expectEnvelopeBelow500(await api.get('/payments/find/%E0%A4%A'));
    expectEnvelopeBelow500(
      await api.post('/subscribe/payments/again', Buffer.from([0xff, 0xfe, 0x00]), {
        headers: { 'content-type': 'application/json' },
      }),
    );
    expectEnvelopeBelow500(
      await api.post('/subscribe/payments/again', 'x'.repeat(2_000_000), {
        headers: { 'content-type': 'application/json' },
      }),
    );
  });
});
