import { setTimeout as delay } from 'node:timers/promises';
import { createLogger, type Logger } from '../logger';
import { abandonedError, invalidRequestError, isIamportError, malformedResponseError } from './errors';
import { normalizePayment, normalizeSchedule, ShapeError, toPage } from './normalize';
import { TokenManager } from './token';
import { createTransport, type HttpMethod, type QueryParams, type Send } from './transport';
import type {
  AgainRequest,
  AuthToken,
  CancelPaymentRequest,
  Customer,
  IssueBillingKeyRequest,
  Paged,
  Payment,
  ScheduleRequest,
  ScheduleResult,
  ScheduleStatus,
  UnscheduleRequest,
} from './types';

export const DEFAULT_LOOKUP_TIMEOUT_MS = 10_000;
export const DEFAULT_CHARGE_TIMEOUT_MS = 30_000;
/** Pauses before a read is sent again after a 5xx or a dropped connection: two more tries, within a second or so. */
export const DEFAULT_READ_RETRY_DELAYS_MS = [250, 1_000];
const TOKEN_PATH = '/users/getToken';
const TOKEN_ENDPOINT = `POST ${TOKEN_PATH}`;

export interface IamportClientOptions {
  /** e.g. https://api.iamport.kr, or a sandbox URL (a path prefix is kept). */
  baseUrl: string;
  apiKey: string;
  apiSecret: string;
  /** GET requests and getToken. */
  lookupTimeoutMs?: number;
  /** Everything that reaches a PG: charges, schedules, billing-key issue/delete, cancels. */
  chargeTimeoutMs?: number;
  logger?: Logger;
  /** Sub-merchant tier code, sent as the `Tier` header on every request. */
  tier?: string;
  /**
   * A GET (or an unschedule) that fails with a 5xx or a dropped connection is sent again after each of these pauses
   * (unless the call's signal ends first), and so is any request whose access token could not be fetched. Reads change nothing, so one
   * flaky answer need not fail a whole activity attempt, whose other requests would then be repeated too. Timeouts are
   * not repeated: they already spent the time. [] turns it off.
   */
  readRetryDelaysMs?: number[];
}

/** Every method takes these last. */
export interface CallOptions {
  /**
   * Ends the call at once (token fetch included) with a retryable `timeout` IamportError: pass an activity's
   * cancellation signal, combined with the attempt's deadline, so no request outlives the attempt that sent it.
   */
  signal?: AbortSignal;
}

export interface PaymentLookupOptions extends CallOptions {
  /** Include payments made on test channels (iamport hides them by default). */
  includeSandbox?: boolean;
}

export interface SchedulesByCustomerQuery {
  /** unix seconds, inclusive */
  from: number;
  /** unix seconds, exclusive; at most 3 months after `from` */
  to: number;
  status?: ScheduleStatus;
  /** 1-based */
  page?: number;
}

interface Request {
  method: HttpMethod;
  template: string;
  pathParams?: Record<string, string>;
  query?: QueryParams;
  body?: unknown;
  signal?: AbortSignal;
  /** a POST whose repetition changes nothing more (sent again like a GET) */
  repeatable?: boolean;
}

/** Typed iamport (PortOne) V1 REST client. Every failure is an IamportError; see errors.ts for the kinds. */
export class IamportClient {
  private readonly send: Send;
  private readonly tokens: TokenManager;
  private readonly lookupTimeoutMs: number;
  private readonly chargeTimeoutMs: number;
  private readonly readRetryDelaysMs: number[];

  constructor(options: IamportClientOptions) {
    if (!options.baseUrl) throw new TypeError('IamportClient: baseUrl is required');
    if (!options.apiKey || !options.apiSecret) throw new TypeError('IamportClient: apiKey and apiSecret are required');
    this.lookupTimeoutMs = options.lookupTimeoutMs ?? DEFAULT_LOOKUP_TIMEOUT_MS;
    this.chargeTimeoutMs = options.chargeTimeoutMs ?? DEFAULT_CHARGE_TIMEOUT_MS;
    this.readRetryDelaysMs = options.readRetryDelaysMs ?? DEFAULT_READ_RETRY_DELAYS_MS;
    this.send = createTransport({
      baseUrl: options.baseUrl,
      tier: options.tier,
      logger: options.logger ?? createLogger({ component: 'iamport' }),
    });
    const credentials = { imp_key: options.apiKey, imp_secret: options.apiSecret };
    this.tokens = new TokenManager(() => this.fetchToken(credentials));
  }

  async issueBillingKey(
    customerUid: string,
    req: IssueBillingKeyRequest,
    options: CallOptions = {},
  ): Promise<Customer> {
    return this.object<Customer>({
      method: 'POST',
      template: '/subscribe/customers/{customer_uid}',
      pathParams: { customer_uid: customerUid },
      body: req,
      signal: options.signal,
    });
  }

  async getBillingKey(customerUid: string, options: CallOptions = {}): Promise<Customer> {
    return this.object<Customer>({
      method: 'GET',
      template: '/subscribe/customers/{customer_uid}',
      pathParams: { customer_uid: customerUid },
      signal: options.signal,
    });
  }

  /** Unschedule the key's pending payments first: deleting a key does not revoke them, and cannot be undone. */
  async deleteBillingKey(customerUid: string, reason?: string, options: CallOptions = {}): Promise<Customer> {
    return this.object<Customer>({
      method: 'DELETE',
      template: '/subscribe/customers/{customer_uid}',
      pathParams: { customer_uid: customerUid },
      query: { reason },
      signal: options.signal,
    });
  }

  /** The registered schedules, as iamport lists them. A duplicate merchant_uid is a `business` error (code 1). */
  async schedule(req: ScheduleRequest, options: CallOptions = {}): Promise<ScheduleResult[]> {
    const request: Request = { method: 'POST', template: '/subscribe/payments/schedule', body: req, ...options };
    return shaped(request, await this.list<unknown>(request), (list) => list.map(normalizeSchedule));
  }

  /**
   * The schedules iamport revoked: only those listed were revoked. Nothing to revoke is a `business` error. Sent again
   * after a transient failure as a read is: revoking twice revokes once (the second answer says nothing is left).
   */
  async unschedule(req: UnscheduleRequest, options: CallOptions = {}): Promise<ScheduleResult[]> {
    const request: Request = {
      method: 'POST',
      template: '/subscribe/payments/unschedule',
      body: req,
      repeatable: true,
      ...options,
    };
    return shaped(request, await this.list<unknown>(request), (list) => list.map(normalizeSchedule));
  }

  async getSchedule(merchantUid: string, options: CallOptions = {}): Promise<ScheduleResult> {
    const request: Request = {
      method: 'GET',
      template: '/subscribe/payments/schedule/{merchant_uid}',
      pathParams: { merchant_uid: merchantUid },
      ...options,
    };
    return shaped(request, await this.object<unknown>(request), normalizeSchedule);
  }

  async getSchedulesByCustomer(
    customerUid: string,
    query: SchedulesByCustomerQuery,
    options: CallOptions = {},
  ): Promise<Paged<ScheduleResult>> {
    const request: Request = {
      method: 'GET',
      template: '/subscribe/payments/schedule/customers/{customer_uid}',
      pathParams: { customer_uid: customerUid },
      query: { from: query.from, to: query.to, page: query.page, 'schedule-status': query.status },
      ...options,
    };
    const page = toPage(await this.authorized<Paged<unknown> | unknown[]>(request));
    if (!page) throw malformedResponseError(endpointOf(request), 'expected a list or {total, previous, next, list}');
    return shaped(request, page, (p) => ({ ...p, list: p.list.map(normalizeSchedule) }));
  }

  /** Charges now. HTTP 200 + code 0 can still be a decline: check `status === 'paid'` and the amount. */
  async again(req: AgainRequest, options: CallOptions = {}): Promise<Payment> {
    const request: Request = { method: 'POST', template: '/subscribe/payments/again', body: req, ...options };
    return shaped(request, await this.object<unknown>(request), normalizePayment);
  }

  async getPayment(impUid: string, options: PaymentLookupOptions = {}): Promise<Payment> {
    const request: Request = {
      method: 'GET',
      template: '/payments/{imp_uid}',
      pathParams: { imp_uid: impUid },
      query: sandboxQuery(options),
      signal: options.signal,
    };
    return shaped(request, await this.object<unknown>(request), normalizePayment);
  }

  /** The latest payment attempt for a merchant_uid (iamport's default sorting, `-started`). */
  async findPayment(merchantUid: string, options: PaymentLookupOptions = {}): Promise<Payment> {
    const request: Request = {
      method: 'GET',
      template: '/payments/find/{merchant_uid}',
      pathParams: { merchant_uid: merchantUid },
      query: sandboxQuery(options),
      signal: options.signal,
    };
    return shaped(request, await this.object<unknown>(request), normalizePayment);
  }

  /** HTTP 200 + code !== 0 means the refund failed (a 'business' IamportError). */
  async cancelPayment(req: CancelPaymentRequest, options: CallOptions = {}): Promise<Payment> {
    const request: Request = { method: 'POST', template: '/payments/cancel', body: req, ...options };
    return shaped(request, await this.object<unknown>(request), normalizePayment);
  }

  private async fetchToken(credentials: { imp_key: string; imp_secret: string }): Promise<AuthToken> {
    const template = TOKEN_PATH;
    const token = await this.send<AuthToken>({
      method: 'POST',
      template,
      path: template,
      body: credentials,
      timeoutMs: this.lookupTimeoutMs,
    });
    if (
      typeof token?.access_token !== 'string' ||
      typeof token.expired_at !== 'number' ||
      typeof token.now !== 'number'
    ) {
      throw malformedResponseError(`POST ${template}`, 'expected {access_token, expired_at, now}');
    }
    return token;
  }

  /**
   * Sends with the cached token. After a transient failure (see readRetryDelaysMs) a read is sent again, and so is any
   * request whose token could not be fetched: it was never sent.
   */
  private async authorized<T>(request: Request): Promise<T> {
    const delays = this.readRetryDelaysMs;
    for (let retry = 0; ; retry++) {
      try {
        return await this.authorizedOnce<T>(request);
      } catch (error) {
        const repeatable =
          request.method === 'GET' ||
          request.repeatable === true ||
          (isIamportError(error) && error.endpoint === TOKEN_ENDPOINT);
        if (retry >= delays.length || !repeatable || !isTransientFailure(error)) throw error;
        if (!(await pause(delays[retry], request.signal))) throw error;
      }
    }
  }

  /** Sends with the cached token; on a 401, refreshes the token once and retries once. */
  private async authorizedOnce<T>(request: Request): Promise<T> {
    const endpoint = endpointOf(request);
    const call = {
      method: request.method,
      template: request.template,
      path: fillPath(endpoint, request.template, request.pathParams ?? {}),
      query: request.query,
      body: request.body,
      timeoutMs: request.method === 'GET' ? this.lookupTimeoutMs : this.chargeTimeoutMs,
      signal: request.signal,
    };
    const token = () => this.tokens.getToken(request.signal, () => abandonedError(endpoint));
    const accessToken = await token();
    try {
      return await this.send<T>({ ...call, accessToken });
    } catch (error) {
      if (!isIamportError(error, 'auth')) throw error;
      this.tokens.invalidate(accessToken);
      return this.send<T>({ ...call, accessToken: await token() });
    }
  }

  private async object<T>(request: Request): Promise<T> {
    const response = await this.authorized<T>(request);
    if (typeof response !== 'object' || response === null || Array.isArray(response)) {
      throw malformedResponseError(endpointOf(request), 'expected an object');
    }
    return response;
  }

  private async list<T>(request: Request): Promise<T[]> {
    const response = await this.authorized<T[]>(request);
    if (!Array.isArray(response)) throw malformedResponseError(endpointOf(request), 'expected a list');
    return response;
  }
}

/** A 5xx answer or a connection that failed: the same request may well succeed a moment later. */
function isTransientFailure(error: unknown): boolean {
  return isIamportError(error) && error.retryable && (error.kind === 'network' || (error.httpStatus ?? 0) >= 500);
}

/** Waits ms; false when the signal ended first (the caller gave up: nothing more may be sent). */
async function pause(ms: number, signal?: AbortSignal): Promise<boolean> {
  try {
    await delay(ms, undefined, { signal });
    return true;
  } catch {
    return false;
  }
}

function endpointOf(request: Request): string {
  return `${request.method} ${request.template}`;
}

function sandboxQuery(options: PaymentLookupOptions): QueryParams {
  return { include_sandbox: options.includeSandbox ? 'true' : undefined };
}

/** A payload that is not the documented shape fails the call as `malformed`, naming the endpoint. */
function shaped<R, T>(request: Request, response: R, normalize: (response: R) => T): T {
  try {
    return normalize(response);
  } catch (error) {
    if (error instanceof ShapeError) throw malformedResponseError(endpointOf(request), error.message);
    throw error;
  }
}

/**
 * Fills `{name}` placeholders with URL-encoded values. An id that cannot address a resource ('' or a dot segment,
 * which would silently address another endpoint) is refused before sending, as an `invalid_request` IamportError.
 */
function fillPath(endpoint: string, template: string, params: Record<string, string>): string {
  return template.replace(/\{(\w+)\}/g, (_, name: string) => {
    const value = params[name];
    if (typeof value !== 'string' || value === '' || value === '.' || value === '..') {
      throw invalidRequestError(endpoint, `${name} must be a non-empty id`);
    }
    return encodeURIComponent(value);
  });
}
