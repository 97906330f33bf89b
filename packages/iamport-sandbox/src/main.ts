/**
 * Runs the iamport V1 sandbox on its own, configured by the environment (the local stack starts it this way):
 * `node dist/packages/iamport-sandbox/src/main.js`. The command `iamport-sandbox` (cli.ts) also takes flags.
 */
import { createLogger } from '../../../src/logger';
import { runCli } from './cli';

runCli([], process.env).catch((err: unknown) => {
  createLogger({ component: 'iamport-sandbox' }).error('iamport sandbox failed to start', { err });
  process.exit(1);
});
