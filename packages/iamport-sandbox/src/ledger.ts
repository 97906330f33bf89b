import type { WebhookNotification } from '../../../src/iamport/types';

/** What the sandbox did, for tests and humans: every charge, refund and webhook attempt. Times are sandbox ms. */
export interface LedgerCharge {
  at_ms: number;
  source: 'schedule' | 'again' | 'onetime';
  merchant_uid: string;
  imp_uid: string;
  /** null for a onetime charge without customer_uid */
  customer_uid: string | null;
  amount: number;
  status: 'paid' | 'failed';
  fail_reason: string | null;
}

export interface LedgerRefund {
  at_ms: number;
  imp_uid: string;
  merchant_uid: string;
  amount: number;
  cancellation_id: string;
  reason: string;
  /** true when this refund made the payment fully cancelled */
  full: boolean;
}

export type WebhookForgery = 'status' | 'imp_uid' | 'merchant_uid';

export interface LedgerWebhook {
  at_ms: number;
  url: string;
  body: WebhookNotification;
  /** sent = first copy; duplicated = an extra copy; dropped = never sent; forged = a fake notification */
  kind: 'sent' | 'duplicated' | 'dropped' | 'forged';
  forgery?: WebhookForgery;
  /** HTTP status the receiver answered; null when dropped or the request failed */
  http_status: number | null;
  error?: string;
}

export interface SandboxLedger {
  charges: LedgerCharge[];
  refunds: LedgerRefund[];
  webhooks: LedgerWebhook[];
}

export function emptyLedger(): SandboxLedger {
  return { charges: [], refunds: [], webhooks: [] };
}
