import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, type Worker, type WorkflowBundle } from '@temporalio/worker';
import { createBillingWorker, WORKFLOWS_PATH } from '../../src/billing-worker';
import { createIamportClient, type IamportClient } from '../../src/iamport';
import { startSandbox, type SandboxHandle, type SandboxOptions } from 'iamport-sandbox';
import { billingDataConverter } from '../../src/temporal/data-converter';
import type { EncryptionKey } from '../../src/temporal/encryption-keys';
import { paymentNotification } from '../../workflows/messages';
import { subscriptionIdFromMerchantUid, workflowIdFor } from '../../workflows/ids';

export const SANDBOX_KEY = 'test_key';
export const SANDBOX_SECRET = 'test_secret';

let bundle: Promise<WorkflowBundle> | undefined;
/** Bundling the workflows takes seconds: once per test file is enough. */
export function workflowBundle(): Promise<WorkflowBundle> {
  bundle ??= bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: quietBundlerLogger });
  return bundle;
}
const quietBundlerLogger = {
  log: () => undefined,
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: (message: string) => console.error(message),
};

/**
 * What a workflow test needs around a real Temporal server: the iamport sandbox over HTTP, a client for it, a
 * billing worker, and a webhook relay that turns the sandbox's webhooks into signals (the job of the real receiver
 * in src/server, kept minimal here so workflow tests do not depend on the HTTP layer).
 */
export interface BillingStack {
  env: TestWorkflowEnvironment;
  client: Client;
  sandbox: SandboxHandle;
  iamport: IamportClient;
  taskQueue: string;
  webhookUrl: string;
  /** webhooks relayed so far */
  relayed: { imp_uid: string; merchant_uid: string; status: string }[];
  startWorker(): Promise<void>;
  /** graceful shutdown of the worker (in-flight activities finish) */
  stopWorker(): Promise<void>;
  teardown(): Promise<void>;
}

/**
 * `encryptionKeys`: the worker and `client` encrypt payloads as production does with PAYLOAD_ENCRYPTION_KEYS (then
 * use `stack.client`, not `env.client`, which has no keys).
 */
export async function startBillingStack(
  env: TestWorkflowEnvironment,
  options: {
    sandbox?: Partial<SandboxOptions>;
    taskQueue?: string;
    encryptionKeys?: EncryptionKey[];
    /** merchant events; read at each startWorker, so a test can rotate the secrets and restart the worker */
    events?: { url: string; secrets: string[] };
  } = {},
): Promise<BillingStack> {
  const taskQueue = options.taskQueue ?? `billing-${Math.random().toString(36).slice(2, 8)}`;
  const relayed: BillingStack['relayed'] = [];
  const client = options.encryptionKeys
    ? new Client({
        connection: env.connection,
        namespace: env.namespace,
        dataConverter: billingDataConverter(options.encryptionKeys),
      })
    : env.client;
  const relay = await startWebhookRelay(client, relayed);
  const sandbox = await startSandbox({
    apiKey: SANDBOX_KEY,
    apiSecret: SANDBOX_SECRET,
    admin: true,
    ...options.sandbox,
  });
  const iamport = createIamportClient({ baseUrl: sandbox.url, apiKey: SANDBOX_KEY, apiSecret: SANDBOX_SECRET });
  let running: { worker: Worker; done: Promise<void> } | undefined;

  const stack: BillingStack = {
    env,
    client,
    sandbox,
    iamport,
    taskQueue,
    webhookUrl: relay.url,
    relayed,
    async startWorker() {
      if (running) return;
      const worker = await createBillingWorker({
        connection: env.nativeConnection,
        taskQueue,
        iamport,
        noticeUrl: relay.url,
        workflowBundle: await workflowBundle(),
        encryptionKeys: options.encryptionKeys,
        events: options.events && { ...options.events, secrets: [...options.events.secrets] },
      });
      running = { worker, done: worker.run() };
    },
    async stopWorker() {
      if (!running) return;
      running.worker.shutdown();
      await running.done;
      running = undefined;
    },
    async teardown() {
      await stack.stopWorker();
      await sandbox.close();
      await new Promise<void>((resolve) => relay.server.close(() => resolve()));
    },
  };
  await stack.startWorker();
  return stack;
}

async function startWebhookRelay(client: Client, relayed: BillingStack['relayed']) {
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      void (async () => {
        try {
          const notification = JSON.parse(body) as BillingStack['relayed'][number];
          relayed.push(notification);
          const subscriptionId = subscriptionIdFromMerchantUid(notification.merchant_uid);
          if (subscriptionId) {
            await client.workflow.getHandle(workflowIdFor(subscriptionId)).signal(paymentNotification, notification);
          }
          res.writeHead(200).end('ok');
        } catch {
          res.writeHead(200).end('ignored');
        }
      })();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { server, url: `http://127.0.0.1:${port}/iamport-callback/schedule` };
}

/** Polls until `check` returns a value (not undefined/false) or the time runs out. */
export async function eventually<T>(check: () => Promise<T | undefined | false>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) {
      throw new Error(`condition not met within ${timeoutMs} ms${last ? `: ${String(last)}` : ''}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
