import { Client, Connection, defaultGrpcRetryOptions, makeGrpcRetryInterceptor } from '@temporalio/client';
import type { Config } from './config';
import { DEFAULT_TEMPORAL_NAMESPACE } from './temporal/connection';
import { billingDataConverter } from './temporal/data-converter';

/**
 * A Temporal client whose connection is opened on first use and re-opened after an outage, so a process that
 * serves HTTP starts (and answers 503) while Temporal is down, and recovers on its own when it is back. TLS, API key
 * and payload encryption come from the configuration (src/temporal/connection.ts, PAYLOAD_ENCRYPTION_KEYS).
 */
export function createTemporalClient(
  config: Pick<Config['temporal'], 'address' | 'namespace'> &
    Partial<Pick<Config['temporal'], 'connection' | 'encryptionKeys'>>,
): Client {
  const connection = Connection.lazy({
    ...(config.connection ?? {}),
    address: config.address,
    // Fewer retries than the default 10 (about 20 s): while Temporal is down a request fails within a second, and
    // the caller (iamport's resend, the merchant's backend) tries again.
    interceptors: [makeGrpcRetryInterceptor(defaultGrpcRetryOptions({ maxAttempts: 5 }))],
  });
  return new Client({
    connection,
    namespace: config.namespace ?? DEFAULT_TEMPORAL_NAMESPACE,
    dataConverter: billingDataConverter(config.encryptionKeys),
  });
}
