import type { AxiosInstance } from 'axios';
import type { SandboxHandle } from '../src';
import { authedClient, startTestSandbox, T0_SEC, VALID_CARD } from './sandbox-helpers';

const ISSUE_FAILED = '카드정보 인증 및 빌키 발급에 실패하였습니다.';

describe('sandbox: billing keys (/subscribe/customers/{customer_uid})', () => {
  let sandbox: SandboxHandle;
  let api: AxiosInstance;

  beforeAll(async () => {
    sandbox = await startTestSandbox();
    api = await authedClient(sandbox);
  });
  afterAll(() => sandbox.close());

  it('issues a key and keeps only the masked card number', async () => {
    const res = await api.post('/subscribe/customers/gildong_0001_1234', {
      ...VALID_CARD,
      customer_name: '홍길동',
      customer_email: 'gildong@example.com',
    });
    expect(res.status).toBe(200);
    expect(res.data.code).toBe(0);
    expect(res.data.response).toMatchObject({
      customer_uid: 'gildong_0001_1234',
      pg_provider: 'nice',
      sandbox: true,
      card_number: '424242******4242',
      customer_name: '홍길동',
      inserted: T0_SEC,
      updated: T0_SEC,
    });
    expect(JSON.stringify(res.data)).not.toContain('4242424242424242');

    const got = await api.get('/subscribe/customers/gildong_0001_1234');
    expect(got.status).toBe(200);
    expect(got.data.response).toEqual(res.data.response);
  });

  it('accepts form-urlencoded card data and 15-digit numbers', async () => {
    const form = new URLSearchParams({ card_number: '378282246310005', expiry: '2030-01' });
    const res = await api.post('/subscribe/customers/amex_1', form.toString(), {
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(res.data.code).toBe(0);
    expect(res.data.response.card_number).toBe('378282*****0005');
  });

  it('replaces the card when a customer_uid is issued again (keeps inserted, moves updated)', async () => {
    await api.post('/subscribe/customers/replace_me', VALID_CARD);
    sandbox.clock.advance(60_000);
    const res = await api.post('/subscribe/customers/replace_me', {
      ...VALID_CARD,
      card_number: '5555-4444-3333-1111',
    });
    expect(res.data.code).toBe(0);
    expect(res.data.response.card_number).toBe('555544******1111');
    expect(res.data.response.updated).toBe(res.data.response.inserted + 60);
    expect((await api.get('/subscribe/customers/replace_me')).data.response.card_number).toBe('555544******1111');
  });

  it.each([
    ['a malformed card number', { card_number: '4242-4242-4242' }],
    ['letters in the card number', { card_number: '4242-4242-4242-424x' }],
    ['a missing card number', { card_number: undefined }],
    ['an expiry in the past', { expiry: '2026-12' }],
    ['an expiry without dash', { expiry: '203112' }],
    ['month 13', { expiry: '2031-13' }],
    ['a 7-digit birth', { birth: '1234567' }],
    ['a 3-digit pwd_2digit', { pwd_2digit: '123' }],
  ])('rejects %s with HTTP 200, code -1 and a reason', async (_label, change) => {
    const res = await api.post('/subscribe/customers/invalid_card', { ...VALID_CARD, ...change });
    expect(res.status).toBe(200);
    expect(res.data.code).toBe(-1);
    expect(res.data.message).toContain(ISSUE_FAILED);
    expect(res.data.message.length).toBeGreaterThan(ISSUE_FAILED.length + 5);
    expect(res.data.response).toBeNull();
    expect((await api.get('/subscribe/customers/invalid_card')).status).toBe(404);
  });

  it('accepts this month as expiry and a 10-digit business number as birth', async () => {
    const res = await api.post('/subscribe/customers/corp_1', {
      ...VALID_CARD,
      expiry: '2027-01',
      birth: '1234567890',
    });
    expect(res.data.code).toBe(0);
  });

  it('fails issuance for the issuance-failure test card, leaving an existing key untouched', async () => {
    await api.post('/subscribe/customers/keeps_old', VALID_CARD);
    const res = await api.post('/subscribe/customers/keeps_old', { ...VALID_CARD, card_number: '4000-0000-0000-0001' });
    expect(res.data.code).toBe(-1);
    expect(res.data.message).toContain(ISSUE_FAILED);
    expect((await api.get('/subscribe/customers/keeps_old')).data.response.card_number).toBe('424242******4242');
  });

  it('deletes a key and returns it; unknown keys are 404 with the envelope', async () => {
    await api.post('/subscribe/customers/to_delete', VALID_CARD);
    const deleted = await api.delete('/subscribe/customers/to_delete', { params: { reason: 'card changed' } });
    expect(deleted.status).toBe(200);
    expect(deleted.data.response.customer_uid).toBe('to_delete');

    for (const res of [
      await api.get('/subscribe/customers/to_delete'),
      await api.delete('/subscribe/customers/to_delete'),
    ]) {
      expect(res.status).toBe(404);
      expect(res.data.code).not.toBe(0);
      expect(res.data.message).toContain('등록된 정보를 찾을 수 없습니다');
      expect(res.data.response).toBeNull();
    }
  });

  it('answers 400 with the envelope for bad types and malformed bodies', async () => {
    const badType = await api.post('/subscribe/customers/bad_types', { ...VALID_CARD, card_number: { a: 1 } });
    expect(badType.status).toBe(400);
    expect(badType.data).toEqual({ code: -1, message: expect.stringContaining('card_number'), response: null });

    const badJson = await api.post('/subscribe/customers/bad_json', '{"card_number": ', {
      headers: { 'content-type': 'application/json' },
    });
    expect(badJson.status).toBe(400);
    expect(badJson.data.response).toBeNull();

    const array = await api.post('/subscribe/customers/array_body', [VALID_CARD]);
    expect(array.status).toBe(400);

    const longUid = await api.post(`/subscribe/customers/${'x'.repeat(81)}`, VALID_CARD);
    expect(longUid.status).toBe(400);
  });
});
