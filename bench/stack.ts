import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startMerchantEventReceiver } from '../tools/local-stack/event-receiver';
import { ManagedProcess } from '../tools/local-stack/managed-process';
import { SANDBOX_API_KEY, SANDBOX_API_SECRET, startLocalStack, type LocalStack } from '../tools/local-stack/stack';
import { startPostgresTemporal, type PostgresTemporal } from '../tools/local-stack/postgres-cluster';
import { PROJECT_ROOT, readTemporalBinaries } from '../src/temporal-binaries';
import { WEBHOOK_PATH } from '../src/server/paths';
import { pollUntil } from './util';
import { startWebhookRelay } from './webhook-relay';

export const NOOP_TASK_QUEUE = 'bench-noop';
/** Long enough that no result deadline (a timer) fires during a bench, which would add lookups to the cycles. */
export const BENCH_PAYMENT_RESULT_GRACE = 'PT1H';

export interface BenchStackOptions {
  persistSandbox: boolean;
  /** webhooks reach the HTTP server through a relay with this many in flight; 0 = straight from the sandbox */
  relayConcurrency: number;
  /** a dev server without a database file instead of the stack's SQLite file */
  temporalInMemory: boolean;
  /** a dev server with its SQLite file and these pragmas instead of the stack's */
  temporalPragmas: string[];
  /** --max-old-space-size of the worker and the server; 0 = Node's default */
  nodeHeapMb: number;
  /** WORKER_CACHED_WORKFLOWS of both workers; undefined = the product's default */
  cachedWorkflows?: number;
  /** the Temporal server on PostgreSQL (tools/local-stack/postgres-cluster.ts) instead of the dev server */
  temporal: 'dev' | 'postgres';
  /** payload encryption (default in the stack) */
  encryption: boolean;
}

export interface BenchStack {
  stack: LocalStack;
  relay?: ReturnType<typeof startWebhookRelay>;
  sandbox: ManagedProcess;
  sandboxUrl: string;
  noopWorker: ManagedProcess;
  noopCountsUrl: string;
  dataDir: string;
  pids(): Record<string, number>;
  stop(removeData: boolean): Promise<void>;
}

async function freePorts(count: number): Promise<number[]> {
  const servers = Array.from({ length: count }, () => createServer());
  const ports = await Promise.all(
    servers.map(
      (server) =>
        new Promise<number>((resolve, reject) => {
          server.once('error', reject);
          server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port));
        }),
    ),
  );
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  return ports;
}

/**
 * The local stack (Temporal dev server, worker, HTTP server) in a fresh data directory on free ports, an iamport
 * sandbox, and the no-op worker. The sandbox runs without a state file unless `persistSandbox`: it stands in for
 * iamport, and re-serializing 10 000 customers after every change would be its cost, not the billing system's.
 */
export async function startBenchStack(options: BenchStackOptions): Promise<BenchStack> {
  const dataDir = mkdtempSync(join(tmpdir(), 'billing-bench-'));
  const [temporal, temporalUi, sandboxPort, http, metrics, noopMetrics, noopCounts, relayPort, eventsPort] =
    await freePorts(9);
  // Merchant events go to the receiver `npm start` runs (it verifies each delivery); only subscriptions started with
  // events on (the cost phase's third one) send any.
  const eventsSecret = `whsec_${randomBytes(32).toString('base64')}`;
  const eventsReceiver = await startMerchantEventReceiver(eventsPort, eventsSecret, () => undefined);
  const apiUrl = `http://127.0.0.1:${http}`;
  const sandboxUrl = `http://127.0.0.1:${sandboxPort}`;
  const dist = join(PROJECT_ROOT, 'dist');
  const sandbox = new ManagedProcess({
    name: 'sandbox',
    command: process.execPath,
    args: [join(dist, 'packages', 'iamport-sandbox', 'src', 'main.js')],
    env: {
      ...process.env,
      SANDBOX_PORT: String(sandboxPort),
      SANDBOX_HOST: '127.0.0.1',
      IAMPORT_API_KEY: SANDBOX_API_KEY,
      IAMPORT_API_SECRET: SANDBOX_API_SECRET,
      SANDBOX_DEFAULT_NOTICE_URL: `${apiUrl}${WEBHOOK_PATH}`,
      SANDBOX_ADMIN: 'true',
    },
    logFile: join(dataDir, 'logs', 'sandbox.log'),
  });
  if (!options.persistSandbox) sandbox.start();
  const ownTemporal =
    options.temporalInMemory || options.temporalPragmas.length > 0
      ? new ManagedProcess({
          name: 'temporal',
          command: readTemporalBinaries().devServer,
          args: [
            ...['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(temporal), '--headless'],
            ...['--log-level', 'warn'],
            ...(options.temporalInMemory ? [] : ['--db-filename', join(dataDir, 'temporal.db')]),
            ...options.temporalPragmas.flatMap((pragma) => ['--sqlite-pragma', pragma]),
          ],
          env: process.env,
          logFile: join(dataDir, 'logs', 'temporal.log'),
        })
      : undefined;
  ownTemporal?.start();
  let cluster: PostgresTemporal | undefined;
  if (options.temporal === 'postgres') {
    // a folder of its own: PostgreSQL runs as the postgres user, which cannot enter the bench's private data dir
    cluster = await startPostgresTemporal({ dataDir: mkdtempSync(join(tmpdir(), 'billing-bench-postgres-')) });
  }
  const relay =
    options.relayConcurrency > 0 ? startWebhookRelay(relayPort, apiUrl, options.relayConcurrency) : undefined;
  const heapEnv = options.nodeHeapMb > 0 ? { NODE_OPTIONS: `--max-old-space-size=${options.nodeHeapMb}` } : {};
  const cacheEnv =
    options.cachedWorkflows !== undefined ? { WORKER_CACHED_WORKFLOWS: String(options.cachedWorkflows) } : {};
  const stack = await startLocalStack({
    dataDir,
    ports: { temporal, temporalUi, sandbox: sandboxPort, http, metrics },
    temporalAddress: cluster?.address ?? (ownTemporal ? `127.0.0.1:${temporal}` : undefined),
    encryption: options.encryption,
    iamportApiUrl: options.persistSandbox ? undefined : sandboxUrl,
    env: {
      IAMPORT_API_KEY: SANDBOX_API_KEY,
      IAMPORT_API_SECRET: SANDBOX_API_SECRET,
      PAYMENT_RESULT_GRACE: BENCH_PAYMENT_RESULT_GRACE,
      EVENTS_URL: eventsReceiver.url,
      EVENTS_SECRET: eventsSecret,
      // the worker registers charges with PUBLIC_URL + the webhook path as their notice_url
      ...(relay ? { PUBLIC_URL: relay.url } : {}),
      ...heapEnv,
      ...cacheEnv,
    },
  });
  const noopWorker = new ManagedProcess({
    name: 'noop-worker',
    command: process.execPath,
    args: [join(dist, 'bench', 'noop-worker.js')],
    env: {
      ...process.env,
      TEMPORAL_ADDRESS: stack.urls.temporal,
      TEMPORAL_TASK_QUEUE: NOOP_TASK_QUEUE,
      // the no-op worker pays the same codec cost as the billing worker, so the ceiling stays comparable
      PAYLOAD_ENCRYPTION_KEYS: stack.payloadEncryptionKeys ?? '',
      METRICS_PORT: String(noopMetrics),
      COUNTS_PORT: String(noopCounts),
      ...heapEnv,
      ...cacheEnv,
    },
    logFile: join(dataDir, 'logs', 'noop-worker.log'),
  });
  noopWorker.start();
  const noopCountsUrl = `http://127.0.0.1:${noopCounts}/`;
  await pollUntil('the no-op worker', 60_000, 250, async () =>
    fetch(noopCountsUrl).then(
      (res) => (res.ok ? true : undefined),
      () => undefined,
    ),
  );
  const effectiveSandbox = stack.sandbox ?? sandbox;
  const temporalProcess = stack.temporal ?? ownTemporal ?? cluster?.processes.temporal;
  return {
    stack,
    relay,
    sandbox: effectiveSandbox,
    sandboxUrl,
    noopWorker,
    noopCountsUrl,
    dataDir,
    pids() {
      const entries: [string, number | undefined][] = [
        ['worker', stack.worker.pid],
        ['server', stack.server.pid],
        ['temporal', temporalProcess?.pid],
        ['postgres', cluster?.processes.postgres.pid],
        ['sandbox', effectiveSandbox.pid],
        ['noop-worker', noopWorker.running ? noopWorker.pid : undefined],
      ];
      return Object.fromEntries(entries.filter((entry): entry is [string, number] => entry[1] !== undefined));
    },
    async stop(removeData) {
      await noopWorker.stop(10_000);
      await stack.stop();
      await ownTemporal?.stop(10_000);
      await cluster?.stop();
      await sandbox.stop(10_000);
      relay?.close();
      eventsReceiver.server.close();
      if (removeData) rmSync(dataDir, { recursive: true, force: true });
      if (removeData && cluster) rmSync(cluster.dataDir, { recursive: true, force: true });
    },
  };
}
