/**
 * The no-op worker process: noopCycleWorkflow on its own task queue, built by createBillingWorker so it runs with the
 * billing worker's options, in a Runtime set up like src/worker.ts. GET / on COUNTS_PORT answers the activity counts.
 */
import { createServer } from 'node:http';
import { NativeConnection, Runtime } from '@temporalio/worker';
import { createBillingWorker } from '../src/billing-worker';
import { loadConfig } from '../src/config';
import { createIamportClient } from '../src/iamport';
import { createNoopActivities } from './noop-activities';

async function main(): Promise<void> {
  const env = (name: string) => {
    const value = process.env[name];
    if (!value) throw new Error(`${name} is not set`);
    return value;
  };
  Runtime.install({
    shutdownSignals: ['SIGINT', 'SIGTERM'],
    telemetryOptions: {
      logging: { filter: { core: 'WARN', other: 'ERROR' }, forward: {} },
      metrics: { prometheus: { bindAddress: `127.0.0.1:${env('METRICS_PORT')}` } },
    },
  });
  const counts = { register: 0, verify: 0 };
  const config = loadConfig();
  const connection = await NativeConnection.connect(config.temporal.connection);
  const worker = await createBillingWorker({
    connection,
    taskQueue: env('TEMPORAL_TASK_QUEUE'),
    cachedWorkflows: config.worker.cachedWorkflows,
    encryptionKeys: config.temporal.encryptionKeys,
    // never called: the no-op activities replace the iamport ones
    iamport: createIamportClient({ baseUrl: 'http://127.0.0.1:9', apiKey: 'unused', apiSecret: 'unused' }),
    overrides: {
      workflowsPath: require.resolve('./workflows/noop'),
      activities: createNoopActivities(counts),
      shutdownGraceTime: '50 seconds',
    },
  });
  const server = createServer((_req, res) => res.end(JSON.stringify(counts)));
  server.listen(Number(env('COUNTS_PORT')), '127.0.0.1');
  try {
    await worker.run();
  } finally {
    server.close();
    await connection.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
