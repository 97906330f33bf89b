import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { readTemporalBinaries, PROJECT_ROOT } from '../../src/temporal-binaries';
import { SUBSCRIPTION_SEARCH_ATTRIBUTES } from '../../workflows/search-attributes';
import { temporalConnectionFromEnv } from '../../src/temporal/connection';
import { parseEncryptionKeys, type EncryptionKey } from '../../src/temporal/encryption-keys';
import { ManagedProcess } from './managed-process';

export const SANDBOX_API_KEY = 'sandbox_key';
export const SANDBOX_API_SECRET = 'sandbox_secret';

export interface LocalStackOptions {
  /** where the Temporal database, the sandbox's state, the API token and the logs live */
  dataDir: string;
  /** `codec`: the codec server for Temporal UI (started when given, with encryption on) */
  ports: { temporal: number; temporalUi: number; sandbox: number; http: number; metrics: number; codec?: number };
  /**
   * Payload encryption (default on): the keys come from PAYLOAD_ENCRYPTION_KEYS (in `env` or the environment), else
   * one is generated and kept in the data dir. `false` runs without (to measure the codec's cost).
   */
  encryption?: boolean;
  /** use this Temporal instead of starting a dev server */
  temporalAddress?: string;
  /** use this iamport API instead of starting the sandbox (then IAMPORT_API_KEY/SECRET come from `env`) */
  iamportApiUrl?: string;
  /** extra environment for the worker and the server (e.g. PAYMENT_RESULT_GRACE) */
  env?: NodeJS.ProcessEnv;
}

export interface LocalStack {
  temporal?: ManagedProcess;
  codecServer?: ManagedProcess;
  sandbox?: ManagedProcess;
  worker: ManagedProcess;
  server: ManagedProcess;
  urls: { temporal: string; ui?: string; api: string; sandbox?: string; metrics: string; codec?: string };
  apiToken: string;
  /** the payload keys worker and server use; a client of this stack needs them (billingDataConverter) */
  encryptionKeys?: EncryptionKey[];
  /** the same, as PAYLOAD_ENCRYPTION_KEYS (for another process of this stack) */
  payloadEncryptionKeys?: string;
  /** the codec server's credential (Authorization: Bearer, or the first path segment) */
  codecToken?: string;
  /** waits until each started process answers */
  ready(timeoutMs?: number): Promise<void>;
  /** graceful stop, in reverse order of start */
  stop(): Promise<void>;
}

const INDEXED_VALUE_TYPE = temporal.api.enums.v1.IndexedValueType;
const SEARCH_ATTRIBUTE_TYPES: Record<string, temporal.api.enums.v1.IndexedValueType> = {
  KEYWORD: INDEXED_VALUE_TYPE.INDEXED_VALUE_TYPE_KEYWORD,
  DATETIME: INDEXED_VALUE_TYPE.INDEXED_VALUE_TYPE_DATETIME,
  INT: INDEXED_VALUE_TYPE.INDEXED_VALUE_TYPE_INT,
};

/** The API token survives restarts of the stack, so a merchant's test setup keeps working. */
function apiTokenIn(dataDir: string, fromEnv?: string): string {
  if (fromEnv) return fromEnv;
  const file = join(dataDir, 'api-token');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const token = randomBytes(24).toString('hex');
  writeFileSync(file, token + '\n', { mode: 0o600 });
  return token;
}

/** Like the API token: a key generated once per data dir, so the next start still decrypts the same histories. */
function encryptionKeysIn(dataDir: string, fromEnv?: string): string {
  if (fromEnv) return fromEnv;
  const file = join(dataDir, 'payload-encryption-keys');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const keys = `local-${new Date().toISOString().slice(0, 10)}:${randomBytes(32).toString('base64')}`;
  writeFileSync(file, keys + '\n', { mode: 0o600 });
  return keys;
}

function secretIn(dataDir: string, name: string): string {
  const file = join(dataDir, name);
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const secret = randomBytes(24).toString('hex');
  writeFileSync(file, secret + '\n', { mode: 0o600 });
  return secret;
}

/**
 * The whole system on one machine, as real processes: Temporal dev server (SQLite file), iamport sandbox (JSON file),
 * the billing worker and the HTTP server, wired to each other. Built code (dist/) is what runs.
 */
export function createLocalStack(options: LocalStackOptions): LocalStack {
  const { dataDir, ports } = options;
  mkdirSync(join(dataDir, 'logs'), { recursive: true });
  const logFile = (name: string) => join(dataDir, 'logs', `${name}.log`);
  const node = process.execPath;
  const dist = join(PROJECT_ROOT, 'dist');
  const apiToken = apiTokenIn(dataDir, options.env?.API_TOKEN);

  const temporalAddress = options.temporalAddress ?? `127.0.0.1:${ports.temporal}`;
  const apiUrl = `http://127.0.0.1:${ports.http}`;
  const sandboxUrl = options.iamportApiUrl ? undefined : `http://127.0.0.1:${ports.sandbox}`;
  const encryptionKeys =
    options.encryption === false
      ? undefined
      : encryptionKeysIn(dataDir, options.env?.PAYLOAD_ENCRYPTION_KEYS ?? process.env.PAYLOAD_ENCRYPTION_KEYS);
  const codecPort = encryptionKeys && !options.temporalAddress ? ports.codec : undefined;
  const codecToken = codecPort !== undefined ? secretIn(dataDir, 'codec-token') : undefined;
  const codecUrl = codecPort !== undefined ? `http://127.0.0.1:${codecPort}` : undefined;

  // Temporal UI decrypts payloads through the codec server; the dev server cannot make the UI send a credential,
  // so the token is the endpoint's first path segment (see src/codec-server/app.ts).
  const codecServer =
    codecPort !== undefined
      ? new ManagedProcess({
          name: 'codec-server',
          command: node,
          args: [join(dist, 'src', 'codec-server', 'main.js')],
          env: {
            ...process.env,
            PAYLOAD_ENCRYPTION_KEYS: encryptionKeys,
            CODEC_SERVER_TOKEN: codecToken,
            CODEC_SERVER_HOST: '127.0.0.1',
            CODEC_SERVER_PORT: String(codecPort),
            CODEC_CORS_ORIGINS: `http://127.0.0.1:${ports.temporalUi},http://localhost:${ports.temporalUi}`,
          },
          logFile: logFile('codec-server'),
        })
      : undefined;

  const temporalProcess = options.temporalAddress
    ? undefined
    : new ManagedProcess({
        name: 'temporal',
        command: readTemporalBinaries().devServer,
        args: [
          'server',
          'start-dev',
          '--ip',
          '127.0.0.1',
          '--port',
          String(ports.temporal),
          '--ui-port',
          String(ports.temporalUi),
          '--db-filename',
          join(dataDir, 'temporal.db'),
          // Write-ahead log: a commit appends to one file instead of rewriting pages through a rollback journal, which
          // makes the dev server (SQLite in pure Go) much cheaper per workflow task. A killed process loses nothing;
          // only a power cut can lose the last commits, which a local stack can afford.
          '--sqlite-pragma',
          'journal_mode=wal',
          '--sqlite-pragma',
          'synchronous=normal',
          '--log-level',
          'warn',
          ...(codecUrl ? ['--ui-codec-endpoint', `${codecUrl}/${codecToken}`] : []),
        ],
        env: process.env,
        logFile: logFile('temporal'),
      });

  const sandbox = sandboxUrl
    ? new ManagedProcess({
        name: 'sandbox',
        command: node,
        args: [join(dist, 'packages', 'iamport-sandbox', 'src', 'main.js')],
        env: {
          ...process.env,
          SANDBOX_PORT: String(ports.sandbox),
          SANDBOX_HOST: '127.0.0.1',
          IAMPORT_API_KEY: SANDBOX_API_KEY,
          IAMPORT_API_SECRET: SANDBOX_API_SECRET,
          SANDBOX_DEFAULT_NOTICE_URL: `${apiUrl}/iamport-callback/schedule`,
          SANDBOX_ADMIN: 'true',
          SANDBOX_DATA_FILE: join(dataDir, 'sandbox.json'),
        },
        logFile: logFile('sandbox'),
      })
    : undefined;

  const appEnv: NodeJS.ProcessEnv = {
    ...process.env,
    ...(sandboxUrl ? { IAMPORT_API_KEY: SANDBOX_API_KEY, IAMPORT_API_SECRET: SANDBOX_API_SECRET } : {}),
    ...options.env,
    TEMPORAL_ADDRESS: temporalAddress,
    PAYLOAD_ENCRYPTION_KEYS: encryptionKeys ?? '',
    IAMPORT_API_URL: options.iamportApiUrl ?? sandboxUrl,
    PUBLIC_URL: options.env?.PUBLIC_URL ?? apiUrl,
    API_TOKEN: apiToken,
    PORT: String(ports.http),
    METRICS_PORT: String(ports.metrics),
  };
  const worker = new ManagedProcess({
    name: 'worker',
    command: node,
    args: [join(dist, 'src', 'worker.js')],
    env: appEnv,
    logFile: logFile('worker'),
  });
  const server = new ManagedProcess({
    name: 'server',
    command: node,
    args: [join(dist, 'src', 'server', 'main.js')],
    env: appEnv,
    logFile: logFile('server'),
  });

  const stack: LocalStack = {
    temporal: temporalProcess,
    codecServer,
    sandbox,
    worker,
    server,
    urls: {
      temporal: temporalAddress,
      ui: temporalProcess ? `http://127.0.0.1:${ports.temporalUi}` : undefined,
      api: apiUrl,
      sandbox: sandboxUrl,
      metrics: `http://127.0.0.1:${ports.metrics}/metrics`,
      codec: codecUrl,
    },
    apiToken,
    encryptionKeys: encryptionKeys ? parseEncryptionKeys(encryptionKeys) : undefined,
    payloadEncryptionKeys: encryptionKeys,
    codecToken,
    async ready(timeoutMs = 90_000) {
      const deadline = Date.now() + timeoutMs;
      if (codecUrl) await until(deadline, 'codec server', () => httpOk(`${codecUrl}/healthz`));
      if (temporalProcess) await until(deadline, 'Temporal', () => temporalReady(temporalAddress));
      if (sandboxUrl) await until(deadline, 'iamport sandbox', () => httpOk(`${sandboxUrl}/__sandbox/clock`));
      await until(deadline, 'worker', () => httpOk(stack.urls.metrics));
      await until(deadline, 'HTTP server', () => httpOk(`${apiUrl}/readyz`));
    },
    async stop() {
      await server.stop();
      await worker.stop();
      await sandbox?.stop();
      await temporalProcess?.stop();
      await codecServer?.stop();
    },
  };
  return stack;
}

/** Starts the stack's processes in order; search attributes are registered before the worker runs. */
export async function startLocalStack(options: LocalStackOptions): Promise<LocalStack> {
  const stack = createLocalStack(options);
  await assertPortsFree(options);
  try {
    stack.codecServer?.start();
    stack.temporal?.start();
    stack.sandbox?.start();
    await until(Date.now() + 90_000, 'Temporal', () => temporalReady(stack.urls.temporal));
    await registerSearchAttributes(stack.urls.temporal, options.env?.TEMPORAL_NAMESPACE ?? 'default');
    stack.worker.start();
    stack.server.start();
    await stack.ready();
    return stack;
  } catch (error) {
    await stack.stop();
    throw error;
  }
}

/** Idempotent: attributes that exist already are left as they are. */
export async function registerSearchAttributes(address: string, namespace: string): Promise<void> {
  const connection = await Connection.connect({ ...temporalConnectionFromEnv(process.env).connection, address });
  try {
    const existing = await connection.operatorService.listSearchAttributes({ namespace });
    const missing = SUBSCRIPTION_SEARCH_ATTRIBUTES.filter((key) => !(key.name in (existing.customAttributes ?? {})));
    if (missing.length === 0) return;
    await connection.operatorService.addSearchAttributes({
      namespace,
      searchAttributes: Object.fromEntries(missing.map((key) => [key.name, SEARCH_ATTRIBUTE_TYPES[key.type]])),
    });
  } finally {
    await connection.close();
  }
}

/** A port in use means another stack (or something else) is running: talking to it would hide the problem. */
async function assertPortsFree(options: LocalStackOptions): Promise<void> {
  const wanted: [string, number][] = [
    ['HTTP server (PORT)', options.ports.http],
    ['worker metrics (METRICS_PORT)', options.ports.metrics],
  ];
  if (!options.temporalAddress) {
    wanted.push(['Temporal (TEMPORAL_PORT)', options.ports.temporal], ['Temporal UI', options.ports.temporalUi]);
  }
  if (!options.iamportApiUrl) wanted.push(['iamport sandbox (SANDBOX_PORT)', options.ports.sandbox]);
  if (options.ports.codec !== undefined && !options.temporalAddress) {
    wanted.push(['codec server (CODEC_SERVER_PORT)', options.ports.codec]);
  }
  for (const [what, port] of wanted) {
    const inUse = await new Promise<boolean>((resolve) => {
      const socket = connect({ host: '127.0.0.1', port });
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (inUse) throw new Error(`port ${port} for the ${what} is in use: is another \`npm start\` running?`);
  }
}

async function temporalReady(address: string): Promise<boolean> {
  const options = { ...temporalConnectionFromEnv(process.env).connection, address };
  const connection = await Connection.connect({ ...options, connectTimeout: 1000 });
  try {
    await connection.workflowService.getSystemInfo({});
    return true;
  } finally {
    await connection.close();
  }
}

async function httpOk(url: string): Promise<boolean> {
  const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
  return response.ok;
}

async function until(deadline: number, what: string, check: () => Promise<boolean>): Promise<void> {
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      if (await check()) return;
    } catch (error) {
      last = error;
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`${what} did not become ready${last instanceof Error ? `: ${last.message}` : ''}`);
}
