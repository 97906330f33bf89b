import { createLogger, type Logger } from '../logger';
import { isIamportError, malformedResponseError } from './errors';
import { normalizePayment, normalizeSchedule, toPage } from './normalize';
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
}

export interface PaymentLookupOptions {
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
}

/** Typed iamport (PortOne) V1 REST client. Every failure is an IamportError; see errors.ts for the kinds. */
export class IamportClient {
  private readonly send: Send;
  private readonly tokens: TokenManager;
  private readonly lookupTimeoutMs: number;
  private readonly chargeTimeoutMs: number;

  constructor(options: IamportClientOptions) {
    if (!options.baseUrl) throw new TypeError('IamportClient: baseUrl is required');
    if (!options.apiKey || !options.apiSecret) throw new TypeError('IamportClient: apiKey and apiSecret are required');
    this.lookupTimeoutMs = options.lookupTimeoutMs ?? DEFAULT_LOOKUP_TIMEOUT_MS;
    this.chargeTimeoutMs = options.chargeTimeoutMs ?? DEFAULT_CHARGE_TIMEOUT_MS;
    this.send = createTransport({
      baseUrl: options.baseUrl,
      tier: options.tier,
      logger: options.logger ?? createLogger({ component: 'iamport' }),
    });
    const credentials = { imp_key: options.apiKey, imp_secret: options.apiSecret };
    this.tokens = new TokenManager(() => this.fetchToken(credentials));
  }

  async issueBillingKey(customerUid: string, req: IssueBillingKeyRequest): Promise<Customer> {
    return this.object<Customer>({
      method: 'POST',
      template: '/subscribe/customers/{customer_uid}',
      pathParams: { customer_uid: customerUid },
      body: req,
    });
  }

  async getBillingKey(customerUid: string): Promise<Customer> {
    return this.object<Customer>({
      method: 'GET',
      template: '/subscribe/customers/{customer_uid}',
      pathParams: { customer_uid: customerUid },
    });
  }

  /** Unschedule the key's pending payments first: deleting a key does not revoke them, and cannot be undone. */
  async deleteBillingKey(customerUid: string, reason?: string): Promise<Customer> {
    return this.object<Customer>({
      method: 'DELETE',
      template: '/subscribe/customers/{customer_uid}',
      pathParams: { customer_uid: customerUid },
      query: { reason },
    });
  }

  async schedule(req: ScheduleRequest): Promise<ScheduleResult[]> {
    const results = await this.list<ScheduleResult>({
      method: 'POST',
      template: '/subscribe/payments/schedule',
      body: req,
    });
    return results.map(normalizeSchedule);
  }

  async unschedule(req: UnscheduleRequest): Promise<ScheduleResult[]> {
    const results = await this.list<ScheduleResult>({
      method: 'POST',
      template: '/subscribe/payments/unschedule',
      body: req,
    });
    return results.map(normalizeSchedule);
  }

  async getSchedule(merchantUid: string): Promise<ScheduleResult> {
    const result = await this.object<ScheduleResult>({
      method: 'GET',
      template: '/subscribe/payments/schedule/{merchant_uid}',
      pathParams: { merchant_uid: merchantUid },
    });
    return normalizeSchedule(result);
  }

  async getSchedulesByCustomer(customerUid: string, query: SchedulesByCustomerQuery): Promise<Paged<ScheduleResult>> {
    const request: Request = {
      method: 'GET',
      template: '/subscribe/payments/schedule/customers/{customer_uid}',
      pathParams: { customer_uid: customerUid },
      query: { from: query.from, to: query.to, page: query.page, 'schedule-status': query.status },
    };
    const page = toPage(await this.authorized<Paged<ScheduleResult> | ScheduleResult[]>(request));
    if (!page) throw malformedResponseError(endpointOf(request), 'expected a list or {total, previous, next, list}');
    return { ...page, list: page.list.map(normalizeSchedule) };
  }

  /** Charges now. HTTP 200 + code 0 can still be a decline: check `status === 'paid'` and the amount. */
  async again(req: AgainRequest): Promise<Payment> {
    const payment = await this.object<Payment>({ method: 'POST', template: '/subscribe/payments/again', body: req });
    return normalizePayment(payment);
  }

  async getPayment(impUid: string, options: PaymentLookupOptions = {}): Promise<Payment> {
    const payment = await this.object<Payment>({
      method: 'GET',
      template: '/payments/{imp_uid}',
      pathParams: { imp_uid: impUid },
      query: sandboxQuery(options),
    });
    return normalizePayment(payment);
  }

  /** The latest payment attempt for a merchant_uid (iamport's default sorting, `-started`). */
  async findPayment(merchantUid: string, options: PaymentLookupOptions = {}): Promise<Payment> {
    const payment = await this.object<Payment>({
      method: 'GET',
      template: '/payments/find/{merchant_uid}',
      pathParams: { merchant_uid: merchantUid },
      query: sandboxQuery(options),
    });
    return normalizePayment(payment);
  }

  /** HTTP 200 + code !== 0 means the refund failed (a 'business' IamportError). */
  async cancelPayment(req: CancelPaymentRequest): Promise<Payment> {
    const payment = await this.object<Payment>({ method: 'POST', template: '/payments/cancel', body: req });
    return normalizePayment(payment);
  }

  private async fetchToken(credentials: { imp_key: string; imp_secret: string }): Promise<AuthToken> {
    const template = '/users/getToken';
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

  /** Sends with the cached token; on a 401, refreshes the token once and retries once. */
  private async authorized<T>(request: Request): Promise<T> {
    const call = {
      method: request.method,
      template: request.template,
      path: fillPath(request.template, request.pathParams ?? {}),
      query: request.query,
      body: request.body,
      timeoutMs: request.method === 'GET' ? this.lookupTimeoutMs : this.chargeTimeoutMs,
    };
    const accessToken = await this.tokens.getToken();
    try {
      return await this.send<T>({ ...call, accessToken });
    } catch (error) {
      if (!isIamportError(error, 'auth')) throw error;
      this.tokens.invalidate(accessToken);
      return this.send<T>({ ...call, accessToken: await this.tokens.getToken() });
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

function endpointOf(request: Request): string {
  return `${request.method} ${request.template}`;
}

function sandboxQuery(options: PaymentLookupOptions): QueryParams {
  return { include_sandbox: options.includeSandbox ? 'true' : undefined };
}

/** Fills `{name}` placeholders with URL-encoded values; an empty id would silently address another endpoint. */
function fillPath(template: string, params: Record<string, string>): string {
  return template.replace(/\{(\w+)\}/g, (_, name: string) => {
    const value = params[name];
    if (typeof value !== 'string' || value === '' || value === '.' || value === '..') {
      throw new TypeError(`iamport ${template}: ${name} must be a non-empty id`);
    }
    return encodeURIComponent(value);
  });
}
