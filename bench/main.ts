/**
 * `npm run bench`: the billing system's throughput, webhook ingest, cost per cycle and memory on this machine, with
 * everything started as real processes in a fresh data directory. Prints a table; see bench/README.md.
 */
import { Client, Connection } from '@temporalio/client';
import { SubscriptionClient } from '../src/client';
import { createIamportClient } from '../src/iamport';
import { SANDBOX_API_KEY, SANDBOX_API_SECRET } from '../tools/local-stack/stack';
import { configureLogging } from '../src/logger';
import { join } from 'node:path';
import { parseArgs } from './args';
import { runBurst } from './burst';
import { measureCost } from './cost';
import { describeMachine, watchOtherJest } from './machine';
import { runNoopCeiling } from './noop-ceiling';
import { renderReport, type BenchResults } from './report';
import { BENCH_PAYMENT_RESULT_GRACE, startBenchStack, type BenchStack } from './stack';
import { SandboxAdmin } from './sandbox-admin';
import { log } from './util';
import { runWebhookIngest } from './webhook-ingest';
import { billingDataConverter } from '../src/temporal/data-converter';

/** The whole run may take this long; then the processes are stopped and the bench fails. */
const WATCHDOG_MS = 120 * 60_000;

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const machine = describeMachine();
  const otherJest = watchOtherJest();
  const started = Date.now();
  configureLogging({ stdout: false });
  log(`starting the stack (${machine.otherJestAtStart} other jest processes running)`);
  const bench = await startBenchStack({
    persistSandbox: args.persistSandbox,
    relayConcurrency: args.serialWebhooks ? 0 : args.concurrency,
    temporalInMemory: args.temporalInMemory,
    temporalPragmas: args.temporalPragmas,
    nodeHeapMb: args.nodeHeapMb,
    cachedWorkflows: args.cachedWorkflows,
    temporal: args.temporal,
    encryption: args.encryption,
  });
  let stopping: Promise<void> | undefined;
  const stop = (removeData: boolean) => (stopping ??= bench.stop(removeData));
  const abort = (why: string) => {
    log(`${why}: stopping the stack (data kept in ${bench.dataDir})`);
    void stop(false).finally(() => process.exit(2));
  };
  process.once('SIGINT', () => abort('interrupted'));
  process.once('SIGTERM', () => abort('terminated'));
  const watchdog = setTimeout(() => abort(`still running after ${WATCHDOG_MS / 60_000} min`), WATCHDOG_MS);

  const connection = await Connection.connect({ address: bench.stack.urls.temporal });
  try {
    const results = await runPhases(
      bench,
      new Client({ connection, dataConverter: billingDataConverter(bench.stack.encryptionKeys) }),
      args,
    );
    const report = renderReport({
      ...results,
      machine,
      otherJest: otherJest.stop(),
      totalSeconds: (Date.now() - started) / 1000,
    });
    process.stdout.write(report);
    await stop(!args.keepData);
    if (args.keepData) log(`data and logs kept in ${bench.dataDir}`);
  } catch (error) {
    log(`failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    log(`logs in ${join(bench.dataDir, 'logs')}`);
    await stop(false);
    process.exitCode = 1;
  } finally {
    clearTimeout(watchdog);
    await connection.close();
  }
}

async function runPhases(
  bench: BenchStack,
  client: Client,
  args: ReturnType<typeof parseArgs>,
): Promise<Omit<BenchResults, 'otherJest' | 'totalSeconds' | 'machine'>> {
  const subscriptions = new SubscriptionClient({
    client,
    taskQueue: process.env.TEMPORAL_TASK_QUEUE || 'subscriptions',
    paymentResultGrace: BENCH_PAYMENT_RESULT_GRACE,
  });
  const iamport = createIamportClient({
    baseUrl: bench.sandboxUrl,
    apiKey: SANDBOX_API_KEY,
    apiSecret: SANDBOX_API_SECRET,
  });
  const admin = new SandboxAdmin(bench.sandboxUrl);
  const withBench = () => ({ ...bench.pids(), bench: process.pid });

  let noop;
  if (!args.skipNoop) {
    noop = await runNoopCeiling(
      { client, countsUrl: bench.noopCountsUrl, pids: withBench() },
      args.subscriptions,
      args.concurrency,
    );
  }
  await bench.noopWorker.stop(10_000);
  // Just before the burst: the worker's iamport token, first fetched here, then outlives the burst's clock jump.
  let cost;
  if (!args.skipCost) {
    log('cost: one happy and one dunning cycle');
    const subscriptionsWithEvents = new SubscriptionClient({
      client,
      taskQueue: process.env.TEMPORAL_TASK_QUEUE || 'subscriptions',
      paymentResultGrace: BENCH_PAYMENT_RESULT_GRACE,
      events: {},
    });
    cost = await measureCost({
      client,
      subscriptions,
      subscriptionsWithEvents,
      iamport,
      encryptionKeys: bench.stack.encryptionKeys,
    });
  }
  const burst = await runBurst(
    {
      client,
      subscriptions,
      iamport,
      admin,
      pids: withBench(),
      serverLog: join(bench.dataDir, 'logs', 'server.log'),
      relay: bench.relay?.counts,
    },
    args.subscriptions,
  );
  let ingest;
  if (!args.skipIngest) {
    const { charges } = await admin.ledger();
    ingest = await runWebhookIngest(
      {
        client,
        apiUrl: bench.stack.urls.api,
        charges: charges.filter((c) => c.merchant_uid.startsWith(burst.idPrefix) && c.status === 'paid'),
        pids: withBench(),
      },
      {
        requests: Math.min(Math.max(args.subscriptions, 2000), 10_000),
        concurrency: args.concurrency,
        steadyRate: args.steadyRate,
        steadySeconds: args.steadySeconds,
      },
    );
  }
  return { args, cost, noop, burst, ingest };
}

main().catch((error: unknown) => {
  log(`failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.exitCode = 1;
});
