import { Duration, IANAZone } from 'luxon';
import { z } from 'zod';
import type { IamportMode } from './production-floors';
import { parseEncryptionKeys, type EncryptionKey } from './temporal/encryption-keys';
import { temporalConnectionFromEnv, type TemporalConnectionOptions } from './temporal/connection';

export const REAL_IAMPORT_API_URL = 'https://api.iamport.kr';
/** iamport's published V1 webhook source addresses. */
export const IAMPORT_WEBHOOK_IPS = ['52.78.100.19', '52.78.48.223', '52.78.5.241'];

export const DEFAULT_WORKER_CACHED_WORKFLOWS = 100;

export class ConfigError extends Error {
  override name = 'ConfigError';
}

const isoDuration = (variable: string) =>
  z.string().refine((v) => Duration.fromISO(v).isValid && Duration.fromISO(v).toMillis() > 0, {
    message: `${variable} must be a positive ISO-8601 duration such as PT15M or P1D`,
  });

/** An ISO-8601 duration from zero up to `max`, e.g. PT0S, PT1M. */
const boundedDuration = (variable: string, max: string) =>
  z.string().refine(
    (v) => {
      const d = Duration.fromISO(v);
      return d.isValid && d.toMillis() >= 0 && d.toMillis() <= Duration.fromISO(max).toMillis();
    },
    { message: `${variable} must be an ISO-8601 duration from PT0S to ${max}, such as PT1M` },
  );

/** `whsec_` + base64 of 24–64 bytes, as Standard Webhooks secrets are. */
const eventsSecret = (variable: string) =>
  z.string().refine(
    (v) => {
      if (!v.startsWith('whsec_')) return false;
      const base64 = v.slice('whsec_'.length);
      if (!/^[A-Za-z0-9+/]+={0,2}$/.test(base64)) return false;
      const bytes = Buffer.from(base64, 'base64').length;
      return bytes >= 24 && bytes <= 64;
    },
    {
      message:
        `${variable} must be "whsec_" followed by the base64 of 24 to 64 random bytes; ` +
        'generate one with: echo "whsec_$(openssl rand -base64 32)"',
    },
  );

/** docker-compose passes `${VAR:-}` as an empty string: that means "not set". */
const emptyAsUnset = <S extends z.ZodType>(schema: S) => z.preprocess((v) => (v === '' ? undefined : v), schema);

const optionalString = z
  .string()
  .optional()
  .transform((v) => (v === '' ? undefined : v));

const schema = z.object({
  // Temporal connection: read by the SDK's environment configuration (src/temporal/connection.ts), listed here so
  // compose and .env.example carry them. TEMPORAL_ADDRESS defaults to localhost:7233, TEMPORAL_NAMESPACE to default.
  TEMPORAL_ADDRESS: optionalString,
  TEMPORAL_NAMESPACE: optionalString,
  TEMPORAL_API_KEY: optionalString,
  TEMPORAL_TLS: z.enum(['', 'true', 'false', '1', '0']).optional(),
  TEMPORAL_TLS_CLIENT_CERT_PATH: optionalString,
  TEMPORAL_TLS_CLIENT_KEY_PATH: optionalString,
  TEMPORAL_TLS_SERVER_CA_CERT_PATH: optionalString,
  TEMPORAL_TLS_SERVER_NAME: optionalString,
  TEMPORAL_PROFILE: optionalString,
  TEMPORAL_CONFIG_FILE: optionalString,
  /** `id:base64key,...`, newest first: see src/temporal/encryption-keys.ts */
  PAYLOAD_ENCRYPTION_KEYS: optionalString,
  TEMPORAL_TASK_QUEUE: z.string().min(1).default('subscriptions'),
  IAMPORT_API_URL: z.url({ message: 'IAMPORT_API_URL must be an http(s) URL' }).default(REAL_IAMPORT_API_URL),
  /**
   * `live`: the real iamport (production floors, full configuration required); `sandbox`: a local or test stand-in.
   * Unset: live when IAMPORT_API_URL is on iamport.kr, sandbox otherwise.
   */
  IAMPORT_MODE: z
    .enum(['live', 'sandbox', ''], { message: 'IAMPORT_MODE must be "live" or "sandbox"' })
    .optional()
    .transform((v) => (v === '' ? undefined : v)),
  IAMPORT_API_KEY: optionalString,
  IAMPORT_API_SECRET: optionalString,
  /** iamport's 2026 spec requires channel_key when issuing a billing key; legacy consoles use IAMPORT_PG. */
  IAMPORT_CHANNEL_KEY: optionalString,
  IAMPORT_PG: optionalString,
  /** "charge now" is scheduled this far ahead: default PT1M against the real iamport, PT0S against a sandbox */
  IAMPORT_SCHEDULE_LEAD: emptyAsUnset(boundedDuration('IAMPORT_SCHEDULE_LEAD', 'PT1H').optional()),
  /** look payments up with include_sandbox=true: default false against the real iamport, true against a sandbox */
  IAMPORT_INCLUDE_SANDBOX: emptyAsUnset(
    z.enum(['true', 'false'], { message: 'IAMPORT_INCLUDE_SANDBOX must be true or false' }).optional(),
  ),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  PUBLIC_URL: z.url({ message: 'PUBLIC_URL must be an http(s) URL such as https://billing.example.com' }).optional(),
  API_TOKEN: optionalString,
  /** the token being retired during a rotation: accepted beside API_TOKEN until removed */
  API_TOKEN_PREVIOUS: optionalString,
  WEBHOOK_ALLOWED_IPS: optionalString,
  TRUST_PROXY: z.enum(['true', 'false']).default('false'),
  PAYMENT_RESULT_GRACE: isoDuration('PAYMENT_RESULT_GRACE').default('PT15M'),
  /** how long before a charge at a raised price its consent request goes out (Decree art. 20-2: at most 30 days) */
  CONSENT_WINDOW: emptyAsUnset(boundedDuration('CONSENT_WINDOW', 'P30D').optional()).transform((v) => v ?? 'P30D'),
  BILLING_TIMEZONE: z
    .string()
    .default('Asia/Seoul')
    .refine((zone) => IANAZone.isValidZone(zone), {
      message: 'BILLING_TIMEZONE must be an IANA time zone such as Asia/Seoul',
    }),
  METRICS_PORT: z.coerce.number().int().min(0).max(65535).default(9464),
  /** subscriptions a worker keeps in memory between their steps (the SDK's workflow cache; 0 = none) */
  WORKER_CACHED_WORKFLOWS: z.coerce.number().int().min(0).max(100_000).default(DEFAULT_WORKER_CACHED_WORKFLOWS),
  /** the merchant's endpoint for events (issue 11); unset = events off */
  EVENTS_URL: emptyAsUnset(z.url({ message: 'EVENTS_URL must be an http(s) URL' }).optional()),
  /** whsec_ + base64 of 24 to 64 random bytes: signs every event (Standard Webhooks) */
  EVENTS_SECRET: emptyAsUnset(eventsSecret('EVENTS_SECRET').optional()),
  /** during a secret rotation: the secret being retired, which signs every event too until removed */
  EVENTS_SECRET_PREVIOUS: emptyAsUnset(eventsSecret('EVENTS_SECRET_PREVIOUS').optional()),
  /** subscription.renewal_upcoming / trial_will_end this long before a charge or a trial's end */
  RENEWAL_NOTICE_BEFORE: isoDuration('RENEWAL_NOTICE_BEFORE').default('P7D'),
});

export type RawConfig = z.infer<typeof schema>;
/** Every environment variable the service reads (docker-compose.yml and .env.example are checked against it). */
export const CONFIG_VARIABLES = Object.keys(schema.shape) as (keyof RawConfig)[];

export interface Config {
  temporal: {
    address: string;
    namespace: string;
    taskQueue: string;
    /** address, TLS, API key, gRPC metadata (from the SDK's environment configuration) */
    connection: TemporalConnectionOptions;
    /** PAYLOAD_ENCRYPTION_KEYS; undefined = payloads are not encrypted */
    encryptionKeys?: EncryptionKey[];
  };
  iamport: {
    apiUrl: string;
    apiKey?: string;
    apiSecret?: string;
    channelKey?: string;
    pg?: string;
    /** IAMPORT_MODE, or derived from IAMPORT_API_URL */
    mode: IamportMode;
    /** True when the deployment talks to iamport's production API (IAMPORT_MODE=live), not a sandbox. */
    isReal: boolean;
    /** schedule_at is at least now + this (IAMPORT_SCHEDULE_LEAD) */
    scheduleLeadMs: number;
    /** count test-mode payments (IAMPORT_INCLUDE_SANDBOX) */
    includeSandbox: boolean;
  };
  http: {
    port: number;
    publicUrl?: string;
    apiToken?: string;
    previousApiToken?: string;
    /** undefined = accept webhooks from anywhere. */
    webhookAllowedIps?: string[];
    trustProxy: boolean;
  };
  billing: { paymentResultGrace: string; timezone: string; consentWindow: string };
  metricsPort: number;
  worker: { cachedWorkflows: number };
  /** merchant events; undefined = off (EVENTS_URL unset) */
  events?: EventsConfig;
}

export interface EventsConfig {
  url: string;
  /** EVENTS_SECRET, then EVENTS_SECRET_PREVIOUS when set: each signs every delivery */
  secrets: string[];
  /** RENEWAL_NOTICE_BEFORE, an ISO-8601 duration */
  renewalNoticeBefore: string;
}

/** Reads and validates the environment. Throws ConfigError naming every bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigError(`Invalid configuration:\n  ${problems.join('\n  ')}`);
  }
  const raw = parsed.data;
  let temporalSettings: ReturnType<typeof temporalConnectionFromEnv>;
  let encryptionKeys: EncryptionKey[] | undefined;
  try {
    temporalSettings = temporalConnectionFromEnv(env);
    encryptionKeys = raw.PAYLOAD_ENCRYPTION_KEYS ? parseEncryptionKeys(raw.PAYLOAD_ENCRYPTION_KEYS) : undefined;
  } catch (error) {
    throw new ConfigError(`Invalid configuration:\n  ${error instanceof Error ? error.message : String(error)}`);
  }
  const apiUrl = raw.IAMPORT_API_URL.replace(/\/+$/, '');
  const onIamport = new URL(apiUrl).hostname.endsWith('iamport.kr');
  if (raw.IAMPORT_MODE === 'sandbox' && onIamport) {
    throw new ConfigError(
      `Invalid configuration:\n  IAMPORT_MODE: is "sandbox" but IAMPORT_API_URL (${apiUrl}) is the real iamport; ` +
        'unset IAMPORT_MODE or point IAMPORT_API_URL at a sandbox',
    );
  }
  const mode: IamportMode = raw.IAMPORT_MODE ?? (onIamport ? 'live' : 'sandbox');
  const isReal = mode === 'live';
  if (raw.EVENTS_URL && !raw.EVENTS_SECRET) {
    throw new ConfigError(
      'Invalid configuration:\n  EVENTS_SECRET: is required when EVENTS_URL is set (every event is signed); ' +
        'generate one with: echo "whsec_$(openssl rand -base64 32)"',
    );
  }
  const allowed = raw.WEBHOOK_ALLOWED_IPS?.split(',')
    .map((ip) => ip.trim())
    .filter(Boolean);
  return {
    temporal: {
      address: temporalSettings.connection.address,
      namespace: temporalSettings.namespace,
      taskQueue: raw.TEMPORAL_TASK_QUEUE,
      connection: temporalSettings.connection,
      encryptionKeys,
    },
    iamport: {
      apiUrl,
      apiKey: raw.IAMPORT_API_KEY,
      apiSecret: raw.IAMPORT_API_SECRET,
      channelKey: raw.IAMPORT_CHANNEL_KEY,
      pg: raw.IAMPORT_PG,
      mode,
      isReal,
      scheduleLeadMs: Duration.fromISO(raw.IAMPORT_SCHEDULE_LEAD ?? (isReal ? 'PT1M' : 'PT0S')).toMillis(),
      includeSandbox: raw.IAMPORT_INCLUDE_SANDBOX ? raw.IAMPORT_INCLUDE_SANDBOX === 'true' : !isReal,
    },
    http: {
      port: raw.PORT,
      publicUrl: raw.PUBLIC_URL?.replace(/\/+$/, ''),
      apiToken: raw.API_TOKEN,
      previousApiToken: raw.API_TOKEN_PREVIOUS,
      webhookAllowedIps: allowed && allowed.length > 0 ? allowed : isReal ? IAMPORT_WEBHOOK_IPS : undefined,
      trustProxy: raw.TRUST_PROXY === 'true',
    },
    billing: {
      paymentResultGrace: raw.PAYMENT_RESULT_GRACE,
      timezone: raw.BILLING_TIMEZONE,
      consentWindow: raw.CONSENT_WINDOW,
    },
    metricsPort: raw.METRICS_PORT,
    worker: { cachedWorkflows: raw.WORKER_CACHED_WORKFLOWS },
    events: raw.EVENTS_URL
      ? {
          url: raw.EVENTS_URL,
          secrets: [raw.EVENTS_SECRET!, ...(raw.EVENTS_SECRET_PREVIOUS ? [raw.EVENTS_SECRET_PREVIOUS] : [])],
          renewalNoticeBefore: raw.RENEWAL_NOTICE_BEFORE,
        }
      : undefined,
  };
}

/**
 * Against the real iamport a deployment must be fully configured: the worker and the server both refuse to start
 * without the API key and secret, PUBLIC_URL (where iamport sends webhooks), API_TOKEN (the subscription API's
 * credential) and PAYLOAD_ENCRYPTION_KEYS (buyers' personal data must not sit in Temporal in clear), so a half-configured deployment fails at start rather than on the first charge.
 */
export function requireProductionSettings(config: Config, processName: 'worker' | 'server'): void {
  if (!config.iamport.isReal) return;
  const missing = [
    !config.http.apiToken && 'API_TOKEN',
    !config.iamport.apiKey && 'IAMPORT_API_KEY',
    !config.iamport.apiSecret && 'IAMPORT_API_SECRET',
    !config.http.publicUrl && 'PUBLIC_URL',
    !config.temporal.encryptionKeys && 'PAYLOAD_ENCRYPTION_KEYS',
  ].filter(Boolean);
  if (missing.length > 0) {
    throw new ConfigError(
      `Against the real iamport API the ${processName} needs: ${missing.join(', ')} (missing). See README, Configuration.`,
    );
  }
}

/** The variables a process needs to talk to iamport; checked by the worker and server at start. */
export function requireIamportCredentials(config: Config): { apiKey: string; apiSecret: string } {
  const missing = [
    !config.iamport.apiKey && 'IAMPORT_API_KEY',
    !config.iamport.apiSecret && 'IAMPORT_API_SECRET',
  ].filter(Boolean);
  if (missing.length > 0) throw new ConfigError(`Missing required environment variable(s): ${missing.join(', ')}`);
  return { apiKey: config.iamport.apiKey!, apiSecret: config.iamport.apiSecret! };
}
