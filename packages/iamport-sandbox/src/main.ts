/**
 * Runs the iamport V1 sandbox on its own: `node dist/packages/iamport-sandbox/src/main.js`. Settings come from the
 * environment; the defaults are fine for a local sandbox (it never touches real money or real cards).
 */
import { createLogger } from '../../../src/logger';
import { startSandbox } from './index';

const logger = createLogger({ component: 'iamport-sandbox' });

function envPort(value: string | undefined): number {
  if (value === undefined || value === '') return 7070;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`SANDBOX_PORT must be 0..65535, got ${value}`);
  return port;
}

async function main(): Promise<void> {
  const sandbox = await startSandbox({
    port: envPort(process.env.SANDBOX_PORT),
    host: process.env.SANDBOX_HOST || '127.0.0.1',
    apiKey: process.env.IAMPORT_API_KEY || 'sandbox_key',
    apiSecret: process.env.IAMPORT_API_SECRET || 'sandbox_secret',
    defaultNoticeUrl: process.env.SANDBOX_DEFAULT_NOTICE_URL || undefined,
    admin: process.env.SANDBOX_ADMIN !== 'false',
    persistPath: process.env.SANDBOX_DATA_FILE || undefined,
    logger,
  });
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info('stopping iamport sandbox', { signal });
    sandbox.close().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error('stopping iamport sandbox failed', { err });
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

main().catch((err: unknown) => {
  logger.error('iamport sandbox failed to start', { err });
  process.exit(1);
});
