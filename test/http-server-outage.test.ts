import { createServer } from 'node:net';
import type { Client } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { createIamportClient, type IamportClient } from '../src/iamport';
import { startSandbox, TEST_CARDS, type SandboxHandle } from 'iamport-sandbox';
import { WEBHOOK_PATH } from '../src/server/paths';
import { createTemporalClient } from '../src/temporal-client';
import { workflowIdFor } from '../workflows/ids';
import { SUBSCRIPTION_SEARCH_ATTRIBUTES } from '../workflows/search-attributes';
import { request, startBillingServer, type BillingServer } from './helpers/billing-server';
import { eventually, SANDBOX_KEY, SANDBOX_SECRET } from './helpers/stack';
import { startDevServer } from './helpers/temporal';

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const signup = (id: string) => ({
  subscription_id: id,
  customer_uid: 'cust-outage',
  plan: { name: 'Basic', amount: 5000 },
  start_at: new Date(Date.now() + 86_400_000).toISOString(),
  allow_shared_customer_uid: true,
});

describe('HTTP server while Temporal is down', () => {
  let port: number;
  let env: TestWorkflowEnvironment | undefined;
  let sandbox: SandboxHandle;
  let iamport: IamportClient;
  let temporal: Client;
  let server: BillingServer;

  beforeAll(async () => {
    port = await freePort();
    env = await startDevServer({ port, searchAttributes: SUBSCRIPTION_SEARCH_ATTRIBUTES });
    sandbox = await startSandbox({ apiKey: SANDBOX_KEY, apiSecret: SANDBOX_SECRET });
    iamport = createIamportClient({ baseUrl: sandbox.url, apiKey: SANDBOX_KEY, apiSecret: SANDBOX_SECRET });
    await iamport.issueBillingKey('cust-outage', {
      card_number: TEST_CARDS.alwaysApprove,
      expiry: '2031-12',
      birth: '880808',
      pwd_2digit: '12',
    });
    // The server's own client, as in production: a lazy connection to a fixed address.
    temporal = createTemporalClient({ address: `127.0.0.1:${port}`, namespace: 'default' });
    server = await startBillingServer({ client: temporal, iamport, taskQueue: 'outage-test' });
  });

  afterAll(async () => {
    await server?.close();
    await temporal?.connection.close();
    await sandbox?.close();
    await env?.teardown();
  });

  it('answers 503 while Temporal is unreachable, then recovers on its own when Temporal is back', async () => {
    expect((await request(`${server.url}/readyz`, {})).status).toBe(200);
    expect((await server.api('POST', '/subscriptions', signup('before'))).status).toBe(201);

    await env!.teardown();
    env = undefined;

    const started = Date.now();
    const ready = await request(`${server.url}/readyz`, {});
    expect(ready.status).toBe(503);
    expect(ready.body.error.code).toBe('temporal_unavailable');
    const down = [
      await server.api('POST', '/subscriptions', signup('during')),
      await server.api('GET', '/subscriptions/before'),
      await server.api('POST', '/subscriptions/before/pause'),
      await request(`${server.url}${WEBHOOK_PATH}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ imp_uid: 'imp_1', merchant_uid: 'before_mfx1k2ab_1_1', status: 'paid' }),
      }),
    ];
    for (const res of down) {
      expect(res.status).toBe(503);
      expect(res.body.error.code).toBe('temporal_unavailable');
      expect(res.headers.get('retry-after')).toBe('5');
    }
    // fast enough for iamport's webhook timeout (30 s), and no hanging requests
    expect(Date.now() - started).toBeLessThan(20_000);
    expect((await request(`${server.url}/healthz`, {})).status).toBe(200);

    env = await startDevServer({ port, searchAttributes: SUBSCRIPTION_SEARCH_ATTRIBUTES });
    await eventually(async () => (await request(`${server.url}/readyz`, {})).status === 200, 60_000);
    const after = await server.api('POST', '/subscriptions', signup('after'));
    expect(after.status).toBe(201);
    const description = await env.client.workflow.getHandle(workflowIdFor('after')).describe();
    expect(description.status.name).toBe('RUNNING');
    const webhook = await request(`${server.url}${WEBHOOK_PATH}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'imp_uid=imp_2&merchant_uid=after_mfx1k2ab_1_1&status=paid',
    });
    expect(webhook.status).toBe(200);
    expect(webhook.body.routed).toBe(true);
  });
});
