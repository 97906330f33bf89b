/**
 * Buyers' personal data (name, e-mail, phone) must not sit in Temporal in clear: with PAYLOAD_ENCRYPTION_KEYS set,
 * the worker and the clients encrypt every payload. After a signup and its first verified charge, Temporal's SQLite
 * database holds none of them, in UTF-8 or UTF-16; the API still answers them (decrypted by the client's codec).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import { createBillingWorker } from '../src/billing-worker';
import { createIamportClient } from '../src/iamport';
import { startSandbox, type SandboxHandle } from 'iamport-sandbox';
import { WEBHOOK_PATH } from '../src/server/paths';
import { billingDataConverter } from '../src/temporal/data-converter';
import { ENCRYPTED_ENCODING } from '../src/temporal/codec';
import { parseEncryptionKeys } from '../src/temporal/encryption-keys';
import { workflowIdFor } from '../workflows/ids';
import { SUBSCRIPTION_SEARCH_ATTRIBUTES } from '../workflows/search-attributes';
import type { SubscriptionState } from '../workflows/types';
import { BUYER, buyerFormsIn } from './helpers/buyer-data';
import { startBillingServer, type BillingServer } from './helpers/billing-server';
import { eventually, SANDBOX_KEY, SANDBOX_SECRET, workflowBundle } from './helpers/stack';
import { startDevServer } from './helpers/temporal';

describe('buyer data is encrypted in Temporal', () => {
  const dir = mkdtempSync(join(tmpdir(), 'temporal-db-'));
  const keys = parseEncryptionKeys(`test-key:${randomBytes(32).toString('base64')}`);
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
    const client = new Client({ connection: env.connection, dataConverter: billingDataConverter(keys) });
    server = await startBillingServer({ client, iamport, taskQueue: 'encrypted' });
    worker = await createBillingWorker({
      connection: env.nativeConnection,
      taskQueue: 'encrypted',
      iamport,
      noticeUrl: `${server.url}${WEBHOOK_PATH}`,
      workflowBundle: await workflowBundle(),
      encryptionKeys: keys,
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

  it('after a signup with buyer name, e-mail and phone and its first charge, the SQLite database holds none of them', async () => {
    const signup = await server.api('POST', '/subscriptions', {
      subscription_id: 'encrypted-1',
      customer_uid: 'cust-encrypted-1',
      card: { card_number: '4242-4242-4242-4242', expiry: '2032-07', birth: '900101', pwd_2digit: '00' },
      plan: { name: 'Encrypted Plan', amount: 4400, interval: 'P1M' },
      buyer: BUYER,
    });
    expect(signup.status).toBe(201);
    await eventually(async () => {
      const res = await server.api('GET', '/subscriptions/encrypted-1');
      return (res.body as SubscriptionState).recent_payments?.[0]?.status === 'paid';
    });
    // Through the codec, the workflow's state still carries the buyer (the query answer was decrypted).
    const state = (await server.api('GET', '/subscriptions/encrypted-1')).body as SubscriptionState;
    expect(JSON.stringify(state)).toContain(BUYER.email);

    // Without the keys, the workflow's input is ciphertext.
    const plainClient = new Client({ connection: env!.connection });
    const history = await plainClient.workflow.getHandle(workflowIdFor('encrypted-1')).fetchHistory();
    const input = history.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0];
    expect(Buffer.from(input?.metadata?.encoding ?? []).toString()).toBe(ENCRYPTED_ENCODING);

    worker.shutdown();
    await workerDone;
    await env!.teardown();
    env = undefined;

    const files = readdirSync(dir).filter((name) => name.startsWith('temporal.db'));
    const database = Buffer.concat(files.map((name) => readFileSync(join(dir, name))));
    // the scan is meaningful: the plain search attributes and the encrypted payloads are in the file
    expect(database.includes('cust-encrypted-1')).toBe(true);
    expect(database.includes(ENCRYPTED_ENCODING)).toBe(true);
    expect(buyerFormsIn(database)).toEqual([]);
    // and so is the plan name, now inside the encrypted input only
    expect(database.includes('Encrypted Plan')).toBe(false);
  });
});
