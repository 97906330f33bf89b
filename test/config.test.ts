import { ConfigError, IAMPORT_WEBHOOK_IPS, loadConfig, requireIamportCredentials } from '../src/config';

describe('loadConfig', () => {
  it('applies the documented defaults', () => {
    const config = loadConfig({});
    expect(config.temporal).toEqual({
      address: 'localhost:7233',
      namespace: 'default',
      taskQueue: 'subscriptions',
      connection: { address: 'localhost:7233' },
      encryptionKeys: undefined,
    });
    expect(config.iamport.apiUrl).toBe('https://api.iamport.kr');
    expect(config.iamport.isReal).toBe(true);
    expect(config.http.port).toBe(3000);
    expect(config.billing).toEqual({ paymentResultGrace: 'PT15M', timezone: 'Asia/Seoul', consentWindow: 'P30D' });
    expect(config.worker).toEqual({ cachedWorkflows: 100 });
  });

  it('allows only iamport webhook IPs against the real API, and anyone against a sandbox', () => {
    expect(loadConfig({}).http.webhookAllowedIps).toEqual(IAMPORT_WEBHOOK_IPS);
    expect(loadConfig({ IAMPORT_API_URL: 'http://127.0.0.1:7070' }).http.webhookAllowedIps).toBeUndefined();
    expect(
      loadConfig({ IAMPORT_API_URL: 'http://127.0.0.1:7070', WEBHOOK_ALLOWED_IPS: ' 10.0.0.1, 10.0.0.2 ' }).http
        .webhookAllowedIps,
    ).toEqual(['10.0.0.1', '10.0.0.2']);
  });

  it('schedules "charge now" a minute ahead and counts no test payment against the real iamport; neither against a sandbox', () => {
    expect(loadConfig({}).iamport).toMatchObject({ scheduleLeadMs: 60_000, includeSandbox: false });
    expect(loadConfig({ IAMPORT_API_URL: 'http://127.0.0.1:7070' }).iamport).toMatchObject({
      scheduleLeadMs: 0,
      includeSandbox: true,
    });
    // Explicit values win; docker-compose's empty values mean "not set".
    expect(loadConfig({ IAMPORT_SCHEDULE_LEAD: 'PT30S', IAMPORT_INCLUDE_SANDBOX: 'true' }).iamport).toMatchObject({
      scheduleLeadMs: 30_000,
      includeSandbox: true,
    });
    expect(
      loadConfig({
        IAMPORT_API_URL: 'http://sandbox:7070',
        IAMPORT_SCHEDULE_LEAD: 'PT0S',
        IAMPORT_INCLUDE_SANDBOX: 'false',
      }).iamport,
    ).toMatchObject({ scheduleLeadMs: 0, includeSandbox: false });
    expect(loadConfig({ IAMPORT_SCHEDULE_LEAD: '', IAMPORT_INCLUDE_SANDBOX: '' }).iamport).toMatchObject({
      scheduleLeadMs: 60_000,
      includeSandbox: false,
    });
  });

  it('reads every variable', () => {
    const config = loadConfig({
      TEMPORAL_ADDRESS: 'temporal:7233',
      TEMPORAL_NAMESPACE: 'billing',
      TEMPORAL_TASK_QUEUE: 'q',
      IAMPORT_API_URL: 'http://sandbox:7070/',
      IAMPORT_API_KEY: 'k',
      IAMPORT_API_SECRET: 's',
      PORT: '8081',
      PUBLIC_URL: 'https://billing.example.com/',
      API_TOKEN: 't',
      PAYMENT_RESULT_GRACE: 'PT5M',
      CONSENT_WINDOW: 'P14D',
      BILLING_TIMEZONE: 'UTC',
      WORKER_CACHED_WORKFLOWS: '0',
    });
    expect(config.temporal).toMatchObject({ address: 'temporal:7233', namespace: 'billing', taskQueue: 'q' });
    expect(config.temporal.connection).toEqual({ address: 'temporal:7233' });
    expect(config.iamport).toMatchObject({ apiUrl: 'http://sandbox:7070', apiKey: 'k', apiSecret: 's', isReal: false });
    expect(config.http).toMatchObject({ port: 8081, publicUrl: 'https://billing.example.com', apiToken: 't' });
    expect(config.billing).toEqual({ paymentResultGrace: 'PT5M', timezone: 'UTC', consentWindow: 'P14D' });
    expect(config.worker).toEqual({ cachedWorkflows: 0 });
  });

  it('reads IAMPORT_MODE, derived from IAMPORT_API_URL when unset', () => {
    expect(loadConfig({}).iamport).toMatchObject({ mode: 'live', isReal: true });
    expect(loadConfig({ IAMPORT_API_URL: 'http://127.0.0.1:7070' }).iamport).toMatchObject({
      mode: 'sandbox',
      isReal: false,
    });
    // e.g. an egress proxy in front of the real iamport
    expect(loadConfig({ IAMPORT_API_URL: 'http://egress:8080', IAMPORT_MODE: 'live' }).iamport).toMatchObject({
      mode: 'live',
      isReal: true,
    });
    expect(loadConfig({ IAMPORT_MODE: '' }).iamport.mode).toBe('live');
    expect(() => loadConfig({ IAMPORT_MODE: 'sandbox' })).toThrow(/IAMPORT_MODE: is "sandbox" but IAMPORT_API_URL/);
    expect(() => loadConfig({ IAMPORT_MODE: 'test' })).toThrow(/IAMPORT_MODE must be "live" or "sandbox"/);
  });

  it.each([
    ['PORT', 'not-a-port'],
    ['PORT', '70000'],
    ['IAMPORT_API_URL', 'api.iamport.kr'],
    ['PUBLIC_URL', 'billing'],
    ['PAYMENT_RESULT_GRACE', '15 minutes'],
    ['PAYMENT_RESULT_GRACE', 'PT0S'],
    ['CONSENT_WINDOW', 'P31D'],
    ['BILLING_TIMEZONE', 'Mars/Olympus'],
    ['WORKER_CACHED_WORKFLOWS', '-1'],
    ['WORKER_CACHED_WORKFLOWS', 'many'],
    ['IAMPORT_SCHEDULE_LEAD', '1 minute'],
    ['IAMPORT_SCHEDULE_LEAD', 'PT2H'],
    ['IAMPORT_SCHEDULE_LEAD', '-PT1M'],
    ['IAMPORT_INCLUDE_SANDBOX', 'yes'],
  ])('rejects %s=%s with a message naming the variable', (variable, value) => {
    expect(() => loadConfig({ [variable]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ [variable]: value })).toThrow(variable);
  });

  it('names missing iamport credentials', () => {
    expect(() => requireIamportCredentials(loadConfig({ IAMPORT_API_KEY: 'k' }))).toThrow('IAMPORT_API_SECRET');
    expect(requireIamportCredentials(loadConfig({ IAMPORT_API_KEY: 'k', IAMPORT_API_SECRET: 's' }))).toEqual({
      apiKey: 'k',
      apiSecret: 's',
    });
  });
});
