import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import { createBillingWorker } from '../src/billing-worker';
import { createIamportClient } from '../src/iamport';
import type { Logger, LogFields } from '../src/logger';
import { startSandbox, type SandboxHandle } from 'iamport-sandbox';
import { interrupt, registerThenRevoke } from './fixtures/workflows/register-then-revoke';
import { eventually, SANDBOX_KEY, SANDBOX_SECRET } from './helpers/stack';
import { issueKey, uniqueId } from './helpers/subscriptions';
import { startDevServer } from './helpers/temporal';

/**
 * Issue 10, item 1 on a real Temporal server: a registration whose request hangs at iamport is cancelled by the
 * workflow; the activity learns it from its heartbeat, abandons the request and returns at once; the request still
 * lands at iamport afterwards; the revoke that follows leaves nothing that can be charged.
 */
const handled: { method: string; path: string; status: number; ms: number }[] = [];
const logger: Logger = {
  debug: (msg: string, fields?: LogFields) => {
    if (msg === 'request' && fields) handled.push(fields as (typeof handled)[number]);
  },
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  child: () => logger,
};

let env: TestWorkflowEnvironment;
let sandbox: SandboxHandle;
let worker: Worker;
let running: Promise<void>;
const taskQueue = `cancel-${Math.random().toString(36).slice(2, 8)}`;

beforeAll(async () => {
  env = await startDevServer();
  sandbox = await startSandbox({
    apiKey: SANDBOX_KEY,
    apiSecret: SANDBOX_SECRET,
    clock: { frozen: true },
    tickMs: 0,
    logger,
  });
  worker = await createBillingWorker({
    connection: env.nativeConnection,
    taskQueue,
    iamport: createIamportClient({ baseUrl: sandbox.url, apiKey: SANDBOX_KEY, apiSecret: SANDBOX_SECRET }),
    overrides: { workflowsPath: require.resolve('./fixtures/workflows/register-then-revoke') },
  });
  running = worker.run();
});

afterAll(async () => {
  worker?.shutdown();
  await running;
  await sandbox?.close();
  await env?.teardown();
});

it('a cancelled registration returns within seconds, and its late request can no longer charge', async () => {
  const iamport = createIamportClient({ baseUrl: sandbox.url, apiKey: SANDBOX_KEY, apiSecret: SANDBOX_SECRET });
  const input = {
    customer_uid: await issueKey(iamport, uniqueId('c')),
    merchant_uid: `${uniqueId()}_x_1_1`,
    amount: 8900,
    name: 'Plan',
    charge_at: new Date(sandbox.clock.now() + 60_000).toISOString(),
  };
  sandbox.rules.add({ method: 'POST', path: '/subscribe/payments/schedule', latency_ms: 20_000, times: 1 });
  const handle = await env.client.workflow.start(registerThenRevoke, {
    taskQueue,
    workflowId: uniqueId('wf'),
    args: [input],
  });
  // The registration request has reached iamport (the rule took it) and hangs there.
  await eventually(async () => sandbox.rules.list().length === 0, 30_000);
  const interruptedAt = Date.now();
  await handle.signal(interrupt);

  const result = await handle.result();
  expect(result).toEqual({ registration: 'cancelled', revoke: { outcome: 'revoked' } });
  // Far below the 20 s the request hangs, and below the SDK's default 30 s heartbeat throttle.
  expect(Date.now() - interruptedAt).toBeLessThan(10_000);

  // The abandoned request lands afterwards and is refused: iamport holds only the revoked claim; nothing charges.
  const schedulePosts = () => handled.filter((r) => r.method === 'POST' && r.path === '/subscribe/payments/schedule');
  await eventually(async () => schedulePosts().length === 2, 30_000);
  expect(await iamport.getSchedule(input.merchant_uid)).toMatchObject({
    schedule_status: 'revoked',
    custom_data: expect.stringContaining('revoke-claim'),
  });
  sandbox.clock.advance(3_600_000);
  await sandbox.runDue();
  expect(sandbox.ledger().charges).toEqual([]);
});
