/**
 * How the worker, the HTTP server, the codec server and the tools reach Temporal: the SDK's environment configuration
 * (@temporalio/envconfig), so the variables are the ones every Temporal tool reads — TEMPORAL_ADDRESS,
 * TEMPORAL_NAMESPACE, TEMPORAL_API_KEY, TEMPORAL_TLS, TEMPORAL_TLS_CLIENT_CERT_PATH / _KEY_PATH,
 * TEMPORAL_TLS_SERVER_CA_CERT_PATH, TEMPORAL_TLS_SERVER_NAME, TEMPORAL_GRPC_META_*, and a profile of a TOML file
 * (TEMPORAL_PROFILE, TEMPORAL_CONFIG_FILE, default ~/.config/temporalio/temporal.toml). Variables override the profile.
 */
import { existsSync } from 'node:fs';
import { loadClientConnectConfig } from '@temporalio/envconfig';
import type { TLSConfig } from '@temporalio/common/lib/internal-non-workflow';

export const DEFAULT_TEMPORAL_ADDRESS = 'localhost:7233';
export const DEFAULT_TEMPORAL_NAMESPACE = 'default';

/** The options both Connection (client) and NativeConnection (worker) accept. */
export interface TemporalConnectionOptions {
  address: string;
  tls?: TLSConfig | boolean;
  apiKey?: string;
  metadata?: Record<string, string>;
}

export interface TemporalConnectionSettings {
  connection: TemporalConnectionOptions;
  namespace: string;
}

/**
 * Reads the connection settings. Empty variables count as unset (compose passes `${VAR:-}`). Throws with the SDK's
 * message when a profile or a certificate file is missing or malformed.
 */
export function temporalConnectionFromEnv(env: NodeJS.ProcessEnv = process.env): TemporalConnectionSettings {
  const set: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) if (value !== undefined && value !== '') set[name] = value;
  // The SDK ignores a missing file; a file named explicitly must exist.
  if (set.TEMPORAL_CONFIG_FILE && !existsSync(set.TEMPORAL_CONFIG_FILE)) {
    throw new Error(`TEMPORAL_CONFIG_FILE=${set.TEMPORAL_CONFIG_FILE} does not exist`);
  }
  const { connectionOptions, namespace } = loadClientConnectConfig({ overrideEnvVars: set });
  const connection: TemporalConnectionOptions = { address: connectionOptions.address ?? DEFAULT_TEMPORAL_ADDRESS };
  if (connectionOptions.tls !== undefined && connectionOptions.tls !== null) connection.tls = connectionOptions.tls;
  if (connectionOptions.apiKey !== undefined) {
    if (typeof connectionOptions.apiKey !== 'string') throw new Error('TEMPORAL_API_KEY must be a string');
    connection.apiKey = connectionOptions.apiKey;
  }
  if (connectionOptions.metadata && Object.keys(connectionOptions.metadata).length > 0) {
    connection.metadata = connectionOptions.metadata as Record<string, string>;
  }
  return { connection, namespace: namespace ?? DEFAULT_TEMPORAL_NAMESPACE };
}

/** For logs: where and how, never the key or certificates. */
export function describeConnection(settings: TemporalConnectionSettings): Record<string, unknown> {
  const { connection } = settings;
  return {
    temporal: connection.address,
    namespace: settings.namespace,
    tls: connection.tls === undefined || connection.tls === false ? 'off' : 'on',
    ...(connection.apiKey ? { auth: 'api key' } : {}),
    ...(typeof connection.tls === 'object' && connection.tls.clientCertPair ? { auth: 'mTLS client certificate' } : {}),
  };
}
