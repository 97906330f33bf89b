/**
 * `npx iamport-sandbox --port 7070 …`: the sandbox as a command. Flags win over environment variables, which win over
 * the defaults; the defaults are fine for a local sandbox (it never touches real money or real cards).
 */
import { parseArgs } from 'node:util';
import { createLogger } from '../../../src/logger';
import { startSandbox } from './index';
import type { SandboxHandle, SandboxOptions } from './options';

export const USAGE = `Usage: iamport-sandbox [options]

A local iamport (PortOne) V1 REST API with a dashboard at its root URL.

  --port <n>              listen port; 0 = a free one              (env SANDBOX_PORT, default 7070)
  --host <addr>           listen address                            (env SANDBOX_HOST, default 127.0.0.1)
  --api-key <key>         the imp_key getToken accepts              (env IAMPORT_API_KEY, default sandbox_key)
  --api-secret <secret>   the imp_secret getToken accepts           (env IAMPORT_API_SECRET, default sandbox_secret)
  --notice-url <url>      webhook URL when a request has none       (env SANDBOX_DEFAULT_NOTICE_URL)
  --data-file <path>      JSON file: loaded at start, saved on change (env SANDBOX_DATA_FILE)
  --start-at <iso|ms>     where the sandbox clock starts            (default: now)
  --frozen                start with the clock frozen
  --hide-sandbox-payments answer 404 for payments unless include_sandbox=true
  --past-schedule-at <run|refuse>
                          a schedule_at before now: run it at once, or refuse it (400) (env SANDBOX_PAST_SCHEDULE_AT, default run)
  --delete-with-schedules <keep|refuse|revoke>
                          deleting a billing key with pending schedules (env SANDBOX_DELETE_WITH_SCHEDULES, default keep)
  --no-admin              no dashboard and no /__sandbox routes     (env SANDBOX_ADMIN=false)
  -h, --help              this text
`;

export class UsageError extends Error {}

/** Sandbox options from the command line and the environment; throws UsageError on bad input. */
export function parseCli(argv: string[], env: NodeJS.ProcessEnv): SandboxOptions & { help: boolean } {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: false,
      options: {
        port: { type: 'string' },
        host: { type: 'string' },
        'api-key': { type: 'string' },
        'api-secret': { type: 'string' },
        'notice-url': { type: 'string' },
        'data-file': { type: 'string' },
        'start-at': { type: 'string' },
        frozen: { type: 'boolean' },
        'hide-sandbox-payments': { type: 'boolean' },
        'past-schedule-at': { type: 'string' },
        'delete-with-schedules': { type: 'string' },
        'no-admin': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const flags = parsed.values;
  const startAt = flags['start-at'] === undefined ? undefined : instant(flags['start-at']);
  return {
    help: flags.help ?? false,
    port: port(flags.port ?? env.SANDBOX_PORT),
    host: flags.host || env.SANDBOX_HOST || '127.0.0.1',
    apiKey: flags['api-key'] || env.IAMPORT_API_KEY || 'sandbox_key',
    apiSecret: flags['api-secret'] || env.IAMPORT_API_SECRET || 'sandbox_secret',
    defaultNoticeUrl: url(flags['notice-url'] || env.SANDBOX_DEFAULT_NOTICE_URL || undefined),
    persistPath: flags['data-file'] || env.SANDBOX_DATA_FILE || undefined,
    admin: !flags['no-admin'] && env.SANDBOX_ADMIN !== 'false',
    hideSandboxPayments: flags['hide-sandbox-payments'] ?? false,
    pastScheduleAt: oneOf('past-schedule-at', flags['past-schedule-at'] || env.SANDBOX_PAST_SCHEDULE_AT || 'run', [
      'run',
      'refuse',
    ] as const),
    deleteWithSchedules: oneOf(
      'delete-with-schedules',
      flags['delete-with-schedules'] || env.SANDBOX_DELETE_WITH_SCHEDULES || 'keep',
      ['keep', 'refuse', 'revoke'] as const,
    ),
    clock: startAt !== undefined || flags.frozen ? { startAt, frozen: flags.frozen ?? false } : undefined,
  };
}

function port(value: string | undefined): number {
  if (value === undefined || value === '') return 7070;
  const n = Number(value);
  if (!/^\d+$/.test(value) || n > 65535) throw new UsageError(`port must be 0..65535, got ${value}`);
  return n;
}

function oneOf<T extends string>(flag: string, value: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(value)) {
    throw new UsageError(`--${flag} must be one of ${allowed.join(', ')}, got ${value}`);
  }
  return value as T;
}

function instant(value: string): number {
  const ms = /^\d+$/.test(value) ? Number(value) : Date.parse(value);
  if (!Number.isFinite(ms)) throw new UsageError(`--start-at must be an ISO date or unix milliseconds, got ${value}`);
  return ms;
}

function url(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (!URL.canParse(value)) throw new UsageError(`--notice-url must be an absolute URL, got ${value}`);
  return value;
}

/** Starts the sandbox, prints where it is, and stops it cleanly on SIGINT/SIGTERM. */
export async function runCli(argv: string[], env: NodeJS.ProcessEnv): Promise<SandboxHandle | undefined> {
  let options;
  try {
    options = parseCli(argv, env);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`iamport-sandbox: ${err.message}\n\n${USAGE}`);
    process.exitCode = 2;
    return undefined;
  }
  if (options.help) {
    process.stdout.write(USAGE);
    return undefined;
  }
  const logger = createLogger({ component: 'iamport-sandbox' });
  const sandbox = await startSandbox({ ...options, logger });
  process.stderr.write(
    [
      `iamport sandbox: ${sandbox.url}   (imp_key ${options.apiKey}, imp_secret ${options.apiSecret === 'sandbox_secret' ? options.apiSecret : '(as given)'})`,
      options.admin ? `  dashboard: ${sandbox.url}/` : '  dashboard and /__sandbox routes: off',
      '',
    ].join('\n'),
  );
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
  return sandbox;
}
