/**
 * `npm run server`: the HTTP server (webhook receiver, subscription API, probes). Settings: see README,
 * Configuration; src/server/settings.ts for what must be set against the real iamport.
 */
import type { Server } from 'node:http';
import { SubscriptionClient } from '../client';
import { ConfigError, loadConfig } from '../config';
import { createIamportClient } from '../iamport';
import { createLogger } from '../logger';
import { pagesSettings, PagesSettingsError } from '../pages';
import { createTemporalClient } from '../temporal-client';
import { createApp } from './app';
import { serverSettings } from './settings';

const logger = createLogger({ component: 'http' });

async function main(): Promise<void> {
  const config = loadConfig();
  const settings = serverSettings(config);
  if (settings.generatedToken) {
    // The operator needs it to call the API; printed once, to stderr, never to the structured log.
    process.stderr.write(`API_TOKEN is not set; generated for this run (sandbox only): ${settings.apiToken}\n`);
    logger.warn('API_TOKEN not set: generated one for this run and printed it to stderr', {
      iamport_api_url: config.iamport.apiUrl,
    });
  }
  const temporal = createTemporalClient(config.temporal);
  const subscriptions = new SubscriptionClient({
    client: temporal,
    taskQueue: config.temporal.taskQueue,
    timezone: config.billing.timezone,
    paymentResultGrace: config.billing.paymentResultGrace,
    consentWindow: config.billing.consentWindow,
    iamportMode: config.iamport.mode,
    events: config.events && { renewal_notice_before: config.events.renewalNoticeBefore },
  });
  const iamport = createIamportClient({
    baseUrl: config.iamport.apiUrl,
    apiKey: settings.iamport.apiKey,
    apiSecret: settings.iamport.apiSecret,
    logger: createLogger({ component: 'iamport' }),
  });
  const app = createApp({
    subscriptions,
    iamport,
    apiToken: settings.apiToken,
    previousApiToken: config.http.previousApiToken,
    channel: { channelKey: config.iamport.channelKey, pg: config.iamport.pg },
    webhookAllowedIps: config.http.webhookAllowedIps,
    trustProxy: config.http.trustProxy,
    logger,
    pages: pagesSettings(process.env, settings.apiToken, config.http.publicUrl),
  });
  const server: Server = app.listen(config.http.port);
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  logger.info('HTTP server listening', {
    port: config.http.port,
    temporal: config.temporal.address,
    namespace: config.temporal.namespace,
    task_queue: config.temporal.taskQueue,
    iamport_api_url: config.iamport.apiUrl,
    iamport_mode: config.iamport.mode,
    webhook_allowed_ips: config.http.webhookAllowedIps ?? 'any',
    trust_proxy: config.http.trustProxy,
  });

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info('HTTP server stopping', { signal });
    // Finish the requests in flight, then close idle keep-alive connections and Temporal's.
    server.close(() => {
      temporal.connection.close().then(
        () => process.exit(0),
        () => process.exit(0),
      );
    });
    server.closeIdleConnections();
    setTimeout(() => process.exit(1), 30_000).unref();
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

main().catch((err: unknown) => {
  if (err instanceof ConfigError || err instanceof PagesSettingsError) {
    logger.error(err.message);
  } else {
    logger.error('HTTP server failed to start', { err });
  }
  process.exit(1);
});
