import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { ConfigError, loadConfig } from '../src/config';
import { serverSettings } from '../src/server/settings';

const KEYS = { PAYLOAD_ENCRYPTION_KEYS: `k1:${Buffer.alloc(32, 7).toString('base64')}` };
const sandboxEnv = { IAMPORT_API_URL: 'http://127.0.0.1:7070', IAMPORT_API_KEY: 'k', IAMPORT_API_SECRET: 's' };

describe('serverSettings: what the HTTP server needs before it starts', () => {
  it('refuses to start against the real iamport without API_TOKEN, credentials, PUBLIC_URL and payload keys', () => {
    expect(() => serverSettings(loadConfig({}))).toThrow(ConfigError);
    expect(() => serverSettings(loadConfig({}))).toThrow(
      /API_TOKEN, IAMPORT_API_KEY, IAMPORT_API_SECRET, PUBLIC_URL, PAYLOAD_ENCRYPTION_KEYS \(missing\)/,
    );
    const withoutPublicUrl = { API_TOKEN: 't', IAMPORT_API_KEY: 'k', IAMPORT_API_SECRET: 's', ...KEYS };
    expect(() => serverSettings(loadConfig(withoutPublicUrl))).toThrow(/needs: PUBLIC_URL \(missing\)/);
    const withoutKeys = {
      API_TOKEN: 't',
      IAMPORT_API_KEY: 'k',
      IAMPORT_API_SECRET: 's',
      PUBLIC_URL: 'https://b.example',
    };
    expect(() => serverSettings(loadConfig(withoutKeys))).toThrow(/needs: PAYLOAD_ENCRYPTION_KEYS \(missing\)/);
  });

  it('starts against the real iamport when all of them are set, with the given token', () => {
    const settings = serverSettings(
      loadConfig({
        API_TOKEN: 'tok',
        IAMPORT_API_KEY: 'k',
        IAMPORT_API_SECRET: 's',
        PUBLIC_URL: 'https://b.example',
        ...KEYS,
      }),
    );
    expect(settings).toEqual({ apiToken: 'tok', generatedToken: false, iamport: { apiKey: 'k', apiSecret: 's' } });
  });

  it('generates a token for a sandbox run without API_TOKEN, a new one each run', () => {
    const first = serverSettings(loadConfig(sandboxEnv));
    const second = serverSettings(loadConfig(sandboxEnv));
    expect(first.generatedToken).toBe(true);
    expect(first.apiToken).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(second.apiToken).not.toBe(first.apiToken);
    expect(serverSettings(loadConfig({ ...sandboxEnv, API_TOKEN: 'mine' }))).toMatchObject({
      apiToken: 'mine',
      generatedToken: false,
    });
  });

  it('needs the iamport key and secret against a sandbox too', () => {
    expect(() => serverSettings(loadConfig({ IAMPORT_API_URL: 'http://127.0.0.1:7070' }))).toThrow(
      /IAMPORT_API_KEY, IAMPORT_API_SECRET/,
    );
  });
});

describe('npm run worker', () => {
  const run = (env: NodeJS.ProcessEnv) =>
    spawnSync(process.execPath, [join(__dirname, '..', 'dist', 'src', 'worker.js')], {
      env: { PATH: process.env.PATH, LOG_LEVEL: 'error', ...env },
      encoding: 'utf8',
      timeout: 30_000,
    });

  it('refuses to start against the real iamport without PUBLIC_URL, API_TOKEN and payload keys, naming them', () => {
    const result = run({ IAMPORT_API_KEY: 'k', IAMPORT_API_SECRET: 's' });
    expect(result.status).toBe(1);
    expect(result.stdout).toContain('the worker needs: API_TOKEN, PUBLIC_URL, PAYLOAD_ENCRYPTION_KEYS (missing)');
  });

  it('refuses to start without the iamport credentials against a sandbox too', () => {
    const result = run({ IAMPORT_API_URL: 'http://127.0.0.1:9' });
    expect(result.status).toBe(1);
    expect(result.stdout).toContain('IAMPORT_API_KEY, IAMPORT_API_SECRET');
  });
});
