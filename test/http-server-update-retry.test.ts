import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import { createBillingWorker } from '../src/billing-worker';
import { keyHash } from '../src/idempotency';
import { createIamportClient, type IamportClient } from '../src/iamport';
import { startSandbox, TEST_CARDS, type SandboxHandle } from 'iamport-sandbox';
import { WEBHOOK_PATH } from '../src/server/paths';
import { createTemporalClient } from '../src/temporal-client';
import { workflowIdFor } from '../workflows/ids';
import { SUBSCRIPTION_SEARCH_ATTRIBUTES } from '../workflows/search-attributes';
import { request, startBillingServer, type ApiResponse, type BillingServer } from './helpers/billing-server';
import { freePort } from './helpers/free-port';
import { eventually, SANDBOX_KEY, SANDBOX_SECRET, workflowBundle } from './helpers/stack';
import { startDevServer } from './helpers/temporal';

const TASK_QUEUE = 'update-retry-test';

/**
 * A command whose HTTP call meets a restart of the Temporal frontend (the dev server stopped and started again on its
 * SQLite file): the update id derived from the Idempotency-Key makes the retry attach to the same update, so the
 * command is applied once and every answer is the one the workflow saved.
 */
describe('a command across a Temporal restart', () => {
  let dir: string;
  let port: number;
  let env: TestWorkflowEnvironment | undefined;
  let sandbox: SandboxHandle;
  let iamport: IamportClient;
  let temporal: Client;
  let server: BillingServer;
  /** the same app with a retry budget long enough to ride through the restart */
  let patient: BillingServer;
  let worker: { worker: Worker; done: Promise<void> } | undefined;

  const startTemporal = async () => {
    env = await startDevServer({
      port,
      dbFilename: join(dir, 'temporal.db'),
      searchAttributes: SUBSCRIPTION_SEARCH_ATTRIBUTES,
    });
  };
  const startWorker = async () => {
    const w = await createBillingWorker({
      connection: env!.nativeConnection,
      taskQueue: TASK_QUEUE,
      iamport,
      noticeUrl: `${server.url}${WEBHOOK_PATH}`,
      workflowBundle: await workflowBundle(),
    });
    worker = { worker: w, done: w.run() };
  };
  const stopWorker = async () => {
    if (!worker) return;
    worker.worker.shutdown();
    await worker.done;
    worker = undefined;
  };
  const stopTemporal = async () => {
    await stopWorker();
    await env?.teardown();
    env = undefined;
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'update-retry-'));
    port = await freePort();
    await startTemporal();
    sandbox = await startSandbox({ apiKey: SANDBOX_KEY, apiSecret: SANDBOX_SECRET });
    iamport = createIamportClient({ baseUrl: sandbox.url, apiKey: SANDBOX_KEY, apiSecret: SANDBOX_SECRET });
    await iamport.issueBillingKey('cust-retry', {
      card_number: TEST_CARDS.alwaysApprove,
      expiry: '2031-12',
      birth: '880808',
      pwd_2digit: '12',
    });
    // as in production: a lazy connection to a fixed address, which outlives the restart
    temporal = createTemporalClient({ address: `127.0.0.1:${port}`, namespace: 'default' });
    server = await startBillingServer({ client: temporal, iamport, taskQueue: TASK_QUEUE });
    patient = await startBillingServer({
      client: temporal,
      iamport,
      taskQueue: TASK_QUEUE,
      client_options: { updateRetryMs: 90_000, updateTimeoutMs: 120_000 },
    });
    await startWorker();
  });

  afterAll(async () => {
    await patient?.close();
    await server?.close();
    await stopTemporal();
    await temporal?.connection.close();
    await sandbox?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const signup = async (id: string) => {
    const res = await server.api('POST', '/subscriptions', {
      subscription_id: id,
      customer_uid: 'cust-retry',
      plan: { name: 'Basic', amount: 5000 },
      start_at: new Date(Date.now() + 86_400_000).toISOString(),
      allow_shared_customer_uid: true,
    });
    expect(res.status).toBe(201);
  };

  /** Waits until the workflow has a task to run that no worker takes: the update reached the server. */
  const waitForPendingTask = (id: string) =>
    eventually(async () => {
      const description = await env!.client.workflow.getHandle(workflowIdFor(id)).describe();
      return description.raw.pendingWorkflowTask ? true : undefined;
    });

  const acceptedUpdates = async (id: string) => {
    const history = await temporal.workflow.getHandle(workflowIdFor(id)).fetchHistory();
    return (history.events ?? []).flatMap((e) => {
      const accepted = e.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest;
      return accepted ? [{ id: accepted.meta!.updateId!, name: accepted.input!.name! }] : [];
    });
  };

  const restartTemporal = async () => {
    await stopTemporal();
    await startTemporal();
    await startWorker();
    await eventually(async () => (await request(`${server.url}/readyz`, {})).status === 200, 60_000);
  };

  it('answers 503 while Temporal restarts; the retry with the same key applies the command once', async () => {
    await signup('retry-1');
    await stopWorker();
    const key = { 'idempotency-key': 'pause-retry-1' };
    const first = server.api('POST', '/subscriptions/retry-1/pause', undefined, key);
    await waitForPendingTask('retry-1');
    await stopTemporal();

    const lost: ApiResponse = await first;
    expect(lost.status).toBe(503);
    expect(lost.body.error.code).toBe('temporal_unavailable');
    expect(lost.body.error.message).toContain('same Idempotency-Key');
    expect(lost.headers.get('retry-after')).toBe('5');

    await startTemporal();
    await startWorker();
    await eventually(async () => (await request(`${server.url}/readyz`, {})).status === 200, 60_000);
    const retried = await server.api('POST', '/subscriptions/retry-1/pause', undefined, key);
    expect(retried.status).toBe(200);
    expect(retried.body.status).toBe('paused');
    // once more: the same answer, not "already paused"
    const again = await server.api('POST', '/subscriptions/retry-1/pause', undefined, key);
    expect(again.status).toBe(200);
    expect(again.body).toEqual(retried.body);

    const pauses = (await acceptedUpdates('retry-1')).filter((u) => u.name === 'pause');
    expect(pauses).toHaveLength(1);
    expect(pauses[0].id.startsWith(`${keyHash('pause-retry-1').slice(0, 16)}.`)).toBe(true);
    expect(savedPart((await server.api('GET', '/subscriptions/retry-1')).body)).toEqual(savedPart(retried.body));
  });

  it('a call that meets the restart re-sends the same update and answers what the workflow saved', async () => {
    await signup('retry-2');
    await stopWorker();
    const key = { 'idempotency-key': 'cancel-retry-2' };
    const first = patient.api('POST', '/subscriptions/retry-2/cancel', { at_period_end: true }, key);
    await waitForPendingTask('retry-2');
    await restartTemporal();

    const answered = await first;
    expect(answered.status).toBe(200);
    expect(answered.body.cancel_at_period_end).toBe(true);
    // the client repeating the request (say its connection dropped) gets the same answer from the same update
    const repeated = await server.api('POST', '/subscriptions/retry-2/cancel', { at_period_end: true }, key);
    expect(repeated.status).toBe(200);
    expect(repeated.body).toEqual(answered.body);

    const cancels = (await acceptedUpdates('retry-2')).filter((u) => u.name === 'cancel');
    expect(cancels).toHaveLength(1);
    expect(savedPart((await server.api('GET', '/subscriptions/retry-2')).body)).toEqual(savedPart(answered.body));
  });
});

/** The state without `waiting_for`, which says what the loop is doing at the moment of asking, not what was saved. */
function savedPart(view: Record<string, unknown>): Record<string, unknown> {
  const { waiting_for: _doing, ...saved } = view;
  return saved;
}
