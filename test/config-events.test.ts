import { ConfigError, loadConfig } from '../src/config';

const base = { IAMPORT_API_URL: 'http://127.0.0.1:9999' };
const secret = (bytes: number) => `whsec_${Buffer.alloc(bytes, 7).toString('base64')}`;

describe('events configuration', () => {
  it('is off without EVENTS_URL', () => {
    expect(loadConfig(base).events).toBeUndefined();
  });

  it('reads the URL, the secrets (current first) and the notice time', () => {
    const config = loadConfig({
      ...base,
      EVENTS_URL: 'https://merchant.example/hooks',
      EVENTS_SECRET: secret(32),
      EVENTS_SECRET_PREVIOUS: secret(24),
      RENEWAL_NOTICE_BEFORE: 'P3D',
    });
    expect(config.events).toEqual({
      url: 'https://merchant.example/hooks',
      secrets: [secret(32), secret(24)],
      renewalNoticeBefore: 'P3D',
    });
    expect(loadConfig({ ...base, EVENTS_URL: 'https://m.example', EVENTS_SECRET: secret(64) }).events).toMatchObject({
      secrets: [secret(64)],
      renewalNoticeBefore: 'P7D',
    });
  });

  it.each([
    ['no whsec_ prefix', Buffer.alloc(32).toString('base64')],
    ['too short', secret(16)],
    ['too long', secret(65)],
    ['not base64', 'whsec_not*base64!'],
  ])('refuses an EVENTS_SECRET that is %s, saying how to make one', (_, value) => {
    const load = () => loadConfig({ ...base, EVENTS_URL: 'https://m.example', EVENTS_SECRET: value });
    expect(load).toThrow(ConfigError);
    expect(load).toThrow(/EVENTS_SECRET must be "whsec_" followed by the base64 of 24 to 64 random bytes/);
  });

  it('requires EVENTS_SECRET with EVENTS_URL, and a valid URL and duration', () => {
    expect(() => loadConfig({ ...base, EVENTS_URL: 'https://m.example' })).toThrow(/EVENTS_SECRET: is required/);
    expect(() => loadConfig({ ...base, EVENTS_URL: 'not a url', EVENTS_SECRET: secret(32) })).toThrow(/EVENTS_URL/);
    expect(() =>
      loadConfig({ ...base, EVENTS_URL: 'https://m.example', EVENTS_SECRET: secret(32), RENEWAL_NOTICE_BEFORE: '7d' }),
    ).toThrow(/RENEWAL_NOTICE_BEFORE/);
  });
});
