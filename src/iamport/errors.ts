import { redact } from '../logger';

/**
 * - network: no HTTP response (refused, reset, DNS). For a POST the request may still have reached iamport.
 * - timeout: no complete response in time. The outcome of a charge is unknown: look it up before resending.
 * - http: an HTTP status other than 401/404 (5xx, 429, 400, …), or a 2xx whose body is not an iamport envelope.
 * - business: HTTP 2xx with code !== 0 (declined request, unknown customer, nothing to cancel, …).
 * - auth: HTTP 401 (bad key/secret, or a token still rejected after one refresh).
 * - not_found: HTTP 404.
 */
export type IamportErrorKind = 'network' | 'timeout' | 'http' | 'business' | 'auth' | 'not_found';

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

/** A response arrived: classify by HTTP status first, then by the envelope code. */
export function errorFromResponse(
  endpoint: string,
  httpStatus: number,
  envelope: { code?: number; message?: string | null } | undefined,
): IamportError {
  const code = envelope?.code;
  const iamportMessage = typeof envelope?.message === 'string' ? safeText(envelope.message) : undefined;
  const ok = httpStatus >= 200 && httpStatus < 300;
  let kind: IamportErrorKind;
  let retryable: boolean;
  if (ok && code !== undefined && code !== 0) {
    kind = 'business';
    retryable = false;
  } else if (ok) {
    // 2xx without a usable envelope (not JSON, or code 0 without a response): a proxy or a broken deployment.
    // Treat like a 5xx: transient, and for a charge the outcome is unknown.
    kind = 'http';
    retryable = true;
  } else if (httpStatus === 401) {
    kind = 'auth';
    retryable = false;
  } else if (httpStatus === 404) {
    kind = 'not_found';
    retryable = false;
  } else {
    kind = 'http';
    retryable = httpStatus >= 500 || httpStatus === 429;
  }
  const parts = [`HTTP ${httpStatus}`];
  if (code !== undefined) parts.push(`code ${code}`);
  if (kind === 'http' && ok) parts.push(code === undefined ? 'not an iamport envelope' : 'no response payload');
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

export function timeoutError(endpoint: string, timeoutMs: number): IamportError {
  return new IamportError(`iamport ${endpoint} timed out after ${timeoutMs} ms`, {
    endpoint,
    kind: 'timeout',
    retryable: true,
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
    kind: 'http',
    retryable: true,
    code: 0,
  });
}
