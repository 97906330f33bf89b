import { redact } from '../logger';

/**
 * How an iamport call failed. Only `business` is iamport refusing a request; everything else is either an outage
 * (retryable: try again later) or an answer nobody can act on automatically (not retryable: an operator looks).
 *
 * - network: no HTTP response (refused, reset, DNS). For a POST the request may still have reached iamport.
 * - timeout: no complete response in time, or the caller gave up (its signal). The outcome of a charge is unknown.
 * - http: any other HTTP answer that is not a refusal. Retryable (an outage) for 5xx, 429, and for any status whose
 *   body is not an iamport envelope (a proxy or WAF page, a 2xx that is not JSON). Not retryable for a 4xx that
 *   carries iamport's envelope (400 invalid parameters, 403…): iamport understood and said no, but not as a refusal.
 * - business: HTTP 2xx with an iamport envelope and code !== 0 (declined request, unknown customer, duplicate
 *   merchant_uid, nothing to revoke, …). The only refusal.
 * - auth: HTTP 401 (bad key/secret, or a token still rejected after one refresh).
 * - not_found: HTTP 404 with iamport's envelope. A 404 without one is a proxy: kind http, retryable.
 * - malformed: iamport's envelope with code 0, but a payload that is not the documented shape (a missing
 *   `schedule_at`, a string where a number belongs). Not retryable.
 * - invalid_request: refused before sending, e.g. an id that cannot be put into a URL ('', '.', '..').
 */
export type IamportErrorKind =
  'network' | 'timeout' | 'http' | 'business' | 'auth' | 'not_found' | 'malformed' | 'invalid_request';

export interface IamportErrorDetails {
  /** Method and path template, e.g. `GET /payments/{imp_uid}`. */
  endpoint: string;
  kind: IamportErrorKind;
  retryable: boolean;
  httpStatus?: number;
  /** iamport's envelope `code`, when the body had one. */
  code?: number;
  /** iamport's envelope `message`, with anything shaped like a card number masked. */
  iamportMessage?: string;
  /** Low-level cause such as ECONNREFUSED; never the underlying error object (it holds the request). */
  causeCode?: string;
}

export class IamportError extends Error {
  override name = 'IamportError';
  readonly endpoint: string;
  readonly kind: IamportErrorKind;
  readonly retryable: boolean;
  readonly httpStatus?: number;
  readonly code?: number;
  readonly iamportMessage?: string;
  readonly causeCode?: string;

  constructor(message: string, details: IamportErrorDetails) {
    super(message);
    this.endpoint = details.endpoint;
    this.kind = details.kind;
    this.retryable = details.retryable;
    this.httpStatus = details.httpStatus;
    this.code = details.code;
    this.iamportMessage = details.iamportMessage;
    this.causeCode = details.causeCode;
  }

  toJSON(): Record<string, unknown> {
    return {
      name: this.name,
      message: this.message,
      endpoint: this.endpoint,
      kind: this.kind,
      retryable: this.retryable,
      httpStatus: this.httpStatus,
      code: this.code,
      iamportMessage: this.iamportMessage,
      causeCode: this.causeCode,
    };
  }
}

export function isIamportError(error: unknown, kind?: IamportErrorKind): error is IamportError {
  return error instanceof IamportError && (kind === undefined || error.kind === kind);
}

/** True for failures worth retrying later (network, timeout, 5xx, 429). Charges must be reconciled first. */
export function isRetryableIamportError(error: unknown): error is IamportError {
  return isIamportError(error) && error.retryable;
}

function safeText(text: string): string {
  return redact(text) as string;
}

/**
 * A response arrived: classify by HTTP status and by whether the body is iamport's envelope. `envelope` is undefined
 * when the body is not one (see transport.ts: JSON with a numeric `code` and a `response` key).
 */
export function errorFromResponse(
  endpoint: string,
  httpStatus: number,
  envelope: { code?: number; message?: string | null } | undefined,
): IamportError {
  const code = envelope?.code;
  const iamportMessage = typeof envelope?.message === 'string' ? safeText(envelope.message) : undefined;
  const ok = httpStatus >= 200 && httpStatus < 300;
  const { kind, retryable } = classify(httpStatus, envelope !== undefined, code);
  const parts = [`HTTP ${httpStatus}`];
  if (code !== undefined) parts.push(`code ${code}`);
  if (!envelope) parts.push('not an iamport envelope');
  else if (ok && code === 0) parts.push('no response payload');
  const detail = iamportMessage ? `: ${iamportMessage}` : '';
  return new IamportError(`iamport ${endpoint} failed (${parts.join(', ')})${detail}`, {
    endpoint,
    kind,
    retryable,
    httpStatus,
    code,
    iamportMessage,
  });
}

function classify(
  httpStatus: number,
  isEnvelope: boolean,
  code: number | undefined,
): { kind: IamportErrorKind; retryable: boolean } {
  const ok = httpStatus >= 200 && httpStatus < 300;
  // 2xx without a usable envelope (not JSON): a proxy or a broken deployment; for a charge the outcome is unknown.
  if (ok && !isEnvelope) return { kind: 'http', retryable: true };
  if (ok && code !== 0) return { kind: 'business', retryable: false };
  if (ok) return { kind: 'malformed', retryable: false };
  if (httpStatus === 401) return { kind: 'auth', retryable: false };
  if (httpStatus >= 500 || httpStatus === 429) return { kind: 'http', retryable: true };
  // A 4xx (or 3xx) from something that is not iamport (a proxy page, a WAF, a load balancer) is an outage.
  if (!isEnvelope) return { kind: 'http', retryable: true };
  if (httpStatus === 404) return { kind: 'not_found', retryable: false };
  return { kind: 'http', retryable: false };
}

export function timeoutError(endpoint: string, timeoutMs: number): IamportError {
  return new IamportError(`iamport ${endpoint} timed out after ${timeoutMs} ms`, {
    endpoint,
    kind: 'timeout',
    retryable: true,
  });
}

/** The caller's signal ended the call (its deadline, or a cancelled activity): the outcome is unknown. */
export function abandonedError(endpoint: string): IamportError {
  return new IamportError(`iamport ${endpoint} was abandoned by the caller before an answer arrived`, {
    endpoint,
    kind: 'timeout',
    retryable: true,
    causeCode: 'ABORTED',
  });
}

export function networkError(endpoint: string, causeCode: string | undefined): IamportError {
  return new IamportError(`iamport ${endpoint} failed: network error${causeCode ? ` (${causeCode})` : ''}`, {
    endpoint,
    kind: 'network',
    retryable: true,
    causeCode,
  });
}

/** code 0, but the payload is not the shape the endpoint documents. */
export function malformedResponseError(endpoint: string, what: string): IamportError {
  return new IamportError(`iamport ${endpoint} returned an unexpected response: ${what}`, {
    endpoint,
    kind: 'malformed',
    retryable: false,
    code: 0,
  });
}

/** Refused before anything was sent. */
export function invalidRequestError(endpoint: string, what: string): IamportError {
  return new IamportError(`iamport ${endpoint}: ${what}`, { endpoint, kind: 'invalid_request', retryable: false });
}
