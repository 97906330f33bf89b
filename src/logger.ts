/**
 * One structured logger for the whole project: JSON lines on stdout, with card data and secrets removed before
 * anything is written. Tests install a sink to read everything that was logged.
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  child(fields: LogFields): Logger;
}

/** Keys whose values never reach a log, whatever they hold. */
const SECRET_KEYS = new Set([
  'card_number',
  'cardnumber',
  'expiry',
  'birth',
  'pwd_2digit',
  'cvc',
  'imp_secret',
  'api_secret',
  'apisecret',
  'access_token',
  'accesstoken',
  'token',
  'authorization',
  'password',
  'api_token',
]);

// 13–19 digits, optionally grouped by '-' or ' ': anything that could be a card number.
const CARD_NUMBER_PATTERN = /\b(?:\d[ -]?){12,18}\d\b/g;

export function maskCardNumber(cardNumber: string): string {
  const digits = cardNumber.replace(/\D/g, '');
  if (digits.length < 10) return '*'.repeat(digits.length);
  return `${digits.slice(0, 6)}${'*'.repeat(digits.length - 10)}${digits.slice(-4)}`;
}

function redactString(value: string): string {
  return value.replace(CARD_NUMBER_PATTERN, (m) => maskCardNumber(m));
}

/** Deep copy with secrets removed; safe on cycles and odd values. */
export function redact(value: unknown, depth = 0, seen = new WeakSet<object>()): unknown {
  if (typeof value === 'string') return redactString(value);
  if (value === null || typeof value !== 'object') return value;
  if (depth > 8 || seen.has(value)) return '[…]';
  seen.add(value);
  if (value instanceof Error) {
    return {
      name: value.name,
      message: redactString(value.message),
      ...(redact({ ...value }, depth + 1, seen) as object),
    };
  }
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1, seen));
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    out[key] = SECRET_KEYS.has(key.toLowerCase()) ? '[redacted]' : redact(v, depth + 1, seen);
  }
  return out;
}

export type LogSink = (line: string) => void;

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };
const sinks = new Set<LogSink>();
let threshold: LogLevel = (process.env.LOG_LEVEL as LogLevel) in ORDER ? (process.env.LOG_LEVEL as LogLevel) : 'info';
let writeStdout = process.env.LOG_SILENT !== 'true';

/** Tests: receive every log line (already redacted). Returns the function that removes the sink. */
export function addLogSink(sink: LogSink): () => void {
  sinks.add(sink);
  return () => sinks.delete(sink);
}

export function configureLogging(options: { level?: LogLevel; stdout?: boolean }): void {
  if (options.level) threshold = options.level;
  if (options.stdout !== undefined) writeStdout = options.stdout;
}

export function createLogger(base: LogFields = {}): Logger {
  const write = (level: LogLevel, msg: string, fields?: LogFields) => {
    const line = JSON.stringify(
      redact({ time: new Date().toISOString(), level, msg, ...base, ...fields }) as Record<string, unknown>,
    );
    for (const sink of sinks) sink(line);
    if (writeStdout && ORDER[level] >= ORDER[threshold]) process.stdout.write(line + '\n');
  };
  return {
    debug: (msg, fields) => write('debug', msg, fields),
    info: (msg, fields) => write('info', msg, fields),
    warn: (msg, fields) => write('warn', msg, fields),
    error: (msg, fields) => write('error', msg, fields),
    child: (fields) => createLogger({ ...base, ...fields }),
  };
}

export const logger = createLogger();
