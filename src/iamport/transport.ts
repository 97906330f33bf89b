import axios, { type AxiosInstance } from 'axios';
import type { Logger } from '../logger';
import { abandonedError, errorFromResponse, IamportError, networkError, timeoutError } from './errors';
import type { IamportEnvelope } from './types';

export type HttpMethod = 'GET' | 'POST' | 'DELETE';
export type QueryParams = Record<string, string | number | boolean | undefined>;

export interface IamportCall {
  method: HttpMethod;
  /** Path template used in logs and errors, e.g. `/payments/{imp_uid}`. */
  template: string;
  /** The filled-in, URL-encoded path. */
  path: string;
  query?: QueryParams;
  body?: unknown;
  timeoutMs: number;
  /** The caller's own end (an activity's cancellation, an attempt deadline): aborts the request at once. */
  signal?: AbortSignal;
  /** Omitted only for getToken. */
  accessToken?: string;
}

export interface TransportOptions {
  baseUrl: string;
  tier?: string;
  logger: Logger;
}

/** Sends one HTTP request and returns the envelope's `response`, or throws an IamportError. */
export type Send = <T>(call: IamportCall) => Promise<T>;

export function createTransport(options: TransportOptions): Send {
  const http: AxiosInstance = axios.create({
    baseURL: options.baseUrl.replace(/\/+$/, ''),
    headers: {
      Accept: 'application/json',
      'Content-Type': 'application/json',
      ...(options.tier ? { Tier: options.tier } : {}),
    },
    // Bodies are read on every status (iamport explains 4xx in the envelope), and parsed by parseEnvelope.
    validateStatus: () => true,
    responseType: 'text',
    transformResponse: [(data: unknown) => data],
    // A redirect would resend card data to another host.
    maxRedirects: 0,
  });

  return async <T>(call: IamportCall): Promise<T> => {
    const endpoint = `${call.method} ${call.template}`;
    const started = Date.now();
    const controller = new AbortController();
    // One deadline for the whole exchange (axios' own timeout only notices an idle socket).
    const timer = setTimeout(() => controller.abort(), call.timeoutMs);
    const abandon = () => controller.abort();
    if (call.signal?.aborted) abandon();
    call.signal?.addEventListener('abort', abandon, { once: true });
    let status: number | undefined;
    let envelope: IamportEnvelope<T> | undefined;
    let failure: string | undefined;
    try {
      if (call.signal?.aborted) throw abandonedError(endpoint);
      const res = await http.request<string>({
        method: call.method,
        url: call.path,
        params: call.query,
        data: call.body,
        signal: controller.signal,
        headers: call.accessToken ? { Authorization: `Bearer ${call.accessToken}` } : undefined,
      });
      status = res.status;
      envelope = parseEnvelope<T>(res.data);
      if (status >= 200 && status < 300 && envelope?.code === 0 && envelope.response != null) {
        return envelope.response;
      }
      throw errorFromResponse(endpoint, status, envelope);
    } catch (error) {
      const iamportError =
        error instanceof IamportError
          ? error
          : call.signal?.aborted
            ? abandonedError(endpoint)
            : controller.signal.aborted || isAxiosTimeout(error)
              ? timeoutError(endpoint, call.timeoutMs)
              : networkError(endpoint, errorCode(error));
      failure = iamportError.kind;
      throw iamportError;
    } finally {
      clearTimeout(timer);
      call.signal?.removeEventListener('abort', abandon);
      options.logger.debug('iamport request', {
        method: call.method,
        endpoint: call.template,
        status,
        code: envelope?.code,
        failure,
        durationMs: Date.now() - started,
      });
    }
  };
}

/**
 * iamport's `{code, message, response}`, or undefined for anything else. A proxy's or WAF's JSON error page may well
 * have a numeric `code`, so the envelope also needs the `response` key (null on errors) and a string or null message.
 */
function parseEnvelope<T>(text: unknown): IamportEnvelope<T> | undefined {
  if (typeof text !== 'string' || text === '') return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return undefined;
  const { code, message, response } = parsed as Record<string, unknown>;
  if (typeof code !== 'number' || !Number.isInteger(code) || !('response' in parsed)) return undefined;
  if (message !== undefined && message !== null && typeof message !== 'string') return undefined;
  return {
    code,
    message: typeof message === 'string' ? message : null,
    response: (response ?? null) as T | null,
  };
}

function isAxiosTimeout(error: unknown): boolean {
  return axios.isAxiosError(error) && (error.code === 'ECONNABORTED' || error.code === 'ETIMEDOUT');
}

/** Only an error code like ECONNREFUSED leaves this module: axios errors carry the request config and body. */
function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[A-Z0-9_]{2,40}$/.test(code) ? code : undefined;
}
