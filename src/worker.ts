/**
 * `npm run worker`: the billing worker. Runs SubscriptionWorkflow and the iamport activities on TEMPORAL_TASK_QUEUE.
 * SIGINT/SIGTERM shut it down gracefully: it stops polling and lets activities in flight finish (up to
 * SHUTDOWN_GRACE). Temporal SDK metrics are served for Prometheus on METRICS_PORT (default 9464, path /metrics;
 * 0 turns them off).
 */
import { NativeConnection, Runtime } from '@temporalio/worker';
import { createBillingWorker } from './billing-worker';
import { ConfigError, loadConfig, requireIamportCredentials, requireProductionSettings } from './config';
import { createIamportClient } from './iamport';
import { createLogger } from './logger';
import { temporalLogger } from './temporal-logger';
import { describeConnection } from './temporal/connection';
import { WEBHOOK_PATH } from './server/paths';

/** Longer than an activity's start-to-close timeout (45 s), so an activity in flight is never cut off. */
const SHUTDOWN_GRACE = '50 seconds';

const logger = createLogger({ component: 'worker' });

async function main(): Promise<void> {
  const config = loadConfig();
  requireProductionSettings(config, 'worker');
  const credentials = requireIamportCredentials(config);
  Runtime.install({
    logger: temporalLogger(createLogger({ component: 'temporal' })),
    shutdownSignals: ['SIGINT', 'SIGTERM'],
    telemetryOptions: {
      logging: { filter: { core: 'WARN', other: 'ERROR' }, forward: {} },
      ...(config.metricsPort > 0 ? { metrics: { prometheus: { bindAddress: `0.0.0.0:${config.metricsPort}` } } } : {}),
    },
  });
  const noticeUrl = config.http.publicUrl ? `${config.http.publicUrl}${WEBHOOK_PATH}` : undefined;
  if (!noticeUrl) {
    logger.warn(
      'PUBLIC_URL is not set: charges carry no notice_url, so iamport sends webhooks to the URL set in its console (or none)',
    );
  }
  const iamport = createIamportClient({
    baseUrl: config.iamport.apiUrl,
    apiKey: credentials.apiKey,
    apiSecret: credentials.apiSecret,
    logger: createLogger({ component: 'iamport' }),
  });
  const connection = await NativeConnection.connect(config.temporal.connection);
  const worker = await createBillingWorker({
    connection,
    namespace: config.temporal.namespace,
    taskQueue: config.temporal.taskQueue,
    iamport,
    noticeUrl,
    channelKey: config.iamport.channelKey,
    includeSandbox: config.iamport.includeSandbox,
    scheduleLeadMs: config.iamport.scheduleLeadMs,
    encryptionKeys: config.temporal.encryptionKeys,
    cachedWorkflows: config.worker.cachedWorkflows,
    events: config.events && { url: config.events.url, secrets: config.events.secrets },
    overrides: { shutdownGraceTime: SHUTDOWN_GRACE },
  });
  if (!config.temporal.encryptionKeys) {
    logger.warn('PAYLOAD_ENCRYPTION_KEYS is not set: buyer data is stored in Temporal in clear');
  }
  logger.info('worker started', {
    ...describeConnection({ connection: config.temporal.connection, namespace: config.temporal.namespace }),
    payload_encryption: config.temporal.encryptionKeys ? `on (key ${config.temporal.encryptionKeys[0].id})` : 'off',
    task_queue: config.temporal.taskQueue,
    iamport_api_url: config.iamport.apiUrl,
    include_sandbox: config.iamport.includeSandbox,
    schedule_lead_ms: config.iamport.scheduleLeadMs,
    notice_url: noticeUrl,
    metrics: config.metricsPort > 0 ? `http://0.0.0.0:${config.metricsPort}/metrics` : 'off',
    cached_workflows: config.worker.cachedWorkflows,
    events_url: config.events?.url ?? 'off',
    events_secrets: config.events?.secrets.length ?? 0,
  });
  try {
    // Resolves once a shutdown signal has drained the worker.
    await worker.run();
  } finally {
    await connection.close();
  }
  logger.info('worker stopped');
}

main().catch((err: unknown) => {
  logger.error(err instanceof ConfigError ? err.message : 'worker failed', err instanceof ConfigError ? {} : { err });
  process.exit(1);
});
