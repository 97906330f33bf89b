/**
 * iamport (PortOne) V1 wire types, from ../shared/reference/iamport-v1.openapi.json (definitions.*Annotation),
 * with the deviations real responses show: unix timestamps are 0 (not null) when not applicable, payment_status
 * is a real null before a schedule runs, list endpoints may come paged. Shared by the client and the sandbox.
 */

/** Every response: code 0 = success; anything else is a failure even on HTTP 200. */
export interface IamportEnvelope<T> {
  code: number;
  message: string | null;
  response: T | null;
}

export interface AuthToken {
  access_token: string;
  /** unix seconds */
  expired_at: number;
  /** the server's clock, unix seconds */
  now: number;
}

export interface GetTokenRequest {
  imp_key: string;
  imp_secret: string;
}

/** Card data: only ever sent to iamport, never stored, logged or passed to Temporal. */
export interface CardInput {
  /** dddd-dddd-dddd-dddd */
  card_number: string;
  /** YYYY-MM */
  expiry: string;
  /** YYMMDD, or a 10-digit business number for corporate cards */
  birth?: string;
  pwd_2digit?: string;
  cvc?: string;
}

export interface IssueBillingKeyRequest extends CardInput {
  channel_key?: string;
  pg?: string;
  customer_id?: string;
  customer_name?: string;
  customer_tel?: string;
  customer_email?: string;
  customer_addr?: string;
  customer_postcode?: string;
}

export interface Customer {
  customer_uid: string;
  pg_provider: string;
  pg_id: string;
  sandbox: boolean;
  customer_id?: string | null;
  card_name: string;
  card_code?: string | null;
  card_issuer_code?: string | null;
  card_issuer_name?: string | null;
  card_publisher_code?: string | null;
  card_publisher_name?: string | null;
  /** masked */
  card_number?: string | null;
  /** 0 credit, 1 check */
  card_type?: number | null;
  customer_name?: string | null;
  customer_tel?: string | null;
  customer_email?: string | null;
  customer_addr?: string | null;
  customer_postcode?: string | null;
  inserted: number;
  updated: number;
}

export interface ScheduleItem {
  merchant_uid: string;
  /** unix seconds */
  schedule_at: number;
  currency?: string;
  amount: number;
  name: string;
  tax_free?: number;
  vat_amount?: number;
  buyer_name?: string;
  buyer_email?: string;
  buyer_tel?: string;
  buyer_addr?: string;
  buyer_postcode?: string;
  custom_data?: string;
  notice_url?: string;
}

export interface ScheduleRequest {
  customer_uid: string;
  customer_id?: string;
  channel_key?: string;
  schedules: ScheduleItem[];
}

export interface UnscheduleRequest {
  customer_uid?: string;
  merchant_uid?: string[];
}

export type ScheduleStatus = 'scheduled' | 'executed' | 'revoked';
export type PaymentStatus = 'ready' | 'paid' | 'failed' | 'cancelled';

export interface ScheduleResult {
  customer_uid: string;
  merchant_uid: string;
  /** null until executed */
  imp_uid: string | null;
  pg_provider?: string | null;
  pg_id?: string | null;
  customer_id?: string | null;
  schedule_at: number;
  /** 0 until executed */
  executed_at: number;
  /** 0 unless revoked */
  revoked_at: number;
  amount: number;
  currency?: string | null;
  name: string | null;
  buyer_name?: string | null;
  buyer_email?: string | null;
  buyer_tel?: string | null;
  buyer_addr?: string | null;
  buyer_postcode?: string | null;
  custom_data?: string | null;
  schedule_status: ScheduleStatus;
  /** real null before the schedule runs */
  payment_status: Exclude<PaymentStatus, 'ready'> | null;
  fail_reason?: string | null;
  promotion_id?: string | null;
}

/** Paged list shape the official clients parse; some deployments answer a plain array instead. */
export interface Paged<T> {
  total: number;
  previous: number;
  next: number;
  list: T[];
}

export interface AgainRequest {
  customer_uid: string;
  merchant_uid: string;
  amount: number;
  name: string;
  currency?: string;
  tax_free?: number;
  buyer_name?: string;
  buyer_email?: string;
  buyer_tel?: string;
  custom_data?: string;
  notice_url?: string;
  channel_key?: string;
}

export interface CancelHistory {
  pg_tid: string;
  amount: number;
  cancelled_at: number;
  reason: string;
  cancellation_id?: string;
  receipt_url?: string;
}

export interface Payment {
  imp_uid: string;
  merchant_uid: string;
  pay_method?: string | null;
  channel?: string | null;
  pg_provider?: string | null;
  pg_tid?: string | null;
  pg_id?: string | null;
  sandbox: boolean;
  escrow?: boolean;
  apply_num?: string | null;
  card_code?: string | null;
  card_name?: string | null;
  card_quota?: number | null;
  /** masked */
  card_number?: string | null;
  card_type?: number | null;
  name?: string | null;
  amount: number;
  cancel_amount: number;
  currency: string;
  buyer_name?: string | null;
  buyer_email?: string | null;
  buyer_tel?: string | null;
  custom_data?: string | null;
  status: PaymentStatus;
  started_at?: number;
  /** 0 when not applicable */
  paid_at: number;
  failed_at: number;
  cancelled_at: number;
  fail_reason?: string | null;
  cancel_reason?: string | null;
  receipt_url?: string | null;
  cancel_history?: CancelHistory[];
  customer_uid?: string | null;
  customer_uid_usage?: 'issue' | 'payment' | 'payment.scheduled' | null;
}

export interface CancelPaymentRequest {
  imp_uid?: string;
  merchant_uid?: string;
  /** omitted or 0 = cancel the whole remaining amount */
  amount?: number;
  /** the refundable balance as the caller knows it; iamport aborts when it differs */
  checksum?: number;
  reason?: string;
}

/** The webhook iamport POSTs (JSON or form-encoded). Unsigned: only a hint to re-fetch the payment. */
export interface WebhookNotification {
  imp_uid: string;
  merchant_uid: string;
  status: string;
  cancellation_id?: string;
}
