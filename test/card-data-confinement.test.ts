import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import { createBillingWorker } from '../src/billing-worker';
import { createIamportClient } from '../src/iamport';
import { startSandbox, type SandboxHandle } from 'iamport-sandbox';
import { WEBHOOK_PATH } from '../src/server/paths';
import { SUBSCRIPTION_SEARCH_ATTRIBUTES } from '../workflows/search-attributes';
import type { SubscriptionView } from '../workflows/view';
import { startBillingServer, type BillingServer } from './helpers/billing-server';
import { eventually, SANDBOX_KEY, SANDBOX_SECRET, workflowBundle } from './helpers/stack';
import { startDevServer } from './helpers/temporal';

// An approved sandbox card with values found nowhere else (10-digit birth: a business number).
const CARD = { card_number: '5409-8812-3456-7890', expiry: '2032-07', birth: '8703149512', pwd_2digit: '47' };
const CARD_FORMS = ['5409-8812-3456-7890', '5409881234567890', '5409 8812 3456 7890', '8703149512'];
const CARD_FIELD_NAMES = ['card_number', 'pwd_2digit'];

describe('card data stays out of Temporal and the logs', () => {
  const dir = mkdtempSync(join(tmpdir(), 'temporal-db-'));
  let env: TestWorkflowEnvironment | undefined;
  let sandbox: SandboxHandle;
  let server: BillingServer;
  let worker: Worker;
  let workerDone: Promise<void>;

  beforeAll(async () => {
    env = await startDevServer({
      dbFilename: join(dir, 'temporal.db'),
      searchAttributes: SUBSCRIPTION_SEARCH_ATTRIBUTES,
    });
    sandbox = await startSandbox({ apiKey: SANDBOX_KEY, apiSecret: SANDBOX_SECRET });
    const iamport = createIamportClient({ baseUrl: sandbox.url, apiKey: SANDBOX_KEY, apiSecret: SANDBOX_SECRET });
    server = await startBillingServer({ client: env.client, iamport, taskQueue: 'confinement' });
    worker = await createBillingWorker({
      connection: env.nativeConnection,
      taskQueue: 'confinement',
      iamport,
      noticeUrl: `${server.url}${WEBHOOK_PATH}`,
      workflowBundle: await workflowBundle(),
    });
    workerDone = worker.run();
  });

  afterAll(async () => {
    if (worker?.getState() === 'RUNNING') worker.shutdown();
    await workerDone;
    await server?.close();
    await sandbox?.close();
    await env?.teardown();
    rmSync(dir, { recursive: true, force: true });
  });

  it('after a signup with a card and its first charge, no form of the card is in the database file or the logs', async () => {
    const signup = await server.api('POST', '/subscriptions', {
      subscription_id: 'confined-1',
      customer_uid: 'cust-confined-1',
      card: CARD,
      plan: { name: 'Confined Plan', amount: 12300, interval: 'P1M' },
      buyer: { name: 'Kim', email: 'kim@example.com' },
    });
    expect(signup.status).toBe(201);
    // the first charge runs and is verified: the workflow has recorded inputs, activities, a signal and a new run
    await eventually(async () => {
      const res = await server.api('GET', '/subscriptions/confined-1');
      return (res.body as SubscriptionView).recent_payments?.[0]?.status === 'paid';
    });
    worker.shutdown();
    await workerDone;
    await env!.teardown();
    env = undefined;

    const files = readdirSync(dir).filter((name) => name.startsWith('temporal.db'));
    const database = Buffer.concat(files.map((name) => readFileSync(join(dir, name))));
    // the search is meaningful: the subscription's own data is in the file, unencoded
    expect(database.includes('cust-confined-1')).toBe(true);
    expect(database.includes('Confined Plan')).toBe(true);
    for (const form of [...CARD_FORMS, ...CARD_FIELD_NAMES]) {
      expect({ form, inDatabase: database.includes(form) }).toEqual({ form, inDatabase: false });
      expect({ form, inUtf16: database.includes(Buffer.from(form, 'utf16le')) }).toEqual({ form, inUtf16: false });
    }

    const logs = server.logs.join('\n');
    expect(logs).toContain('cust-confined-1');
    for (const form of CARD_FORMS) {
      expect({ form, inLogs: logs.includes(form) }).toEqual({ form, inLogs: false });
    }
  });
});
