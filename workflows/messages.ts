import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { Delivery } from './events';
import type { PaymentNotification, Plan } from './types';
import type { SubscriptionView } from './view';

/** iamport's webhook, forwarded by the HTTP receiver. The workflow verifies it before believing it. */
export const paymentNotification = defineSignal<[PaymentNotification]>('paymentNotification');

export interface CancelRequest {
  /** true: no further charge, ends when the paid period ends (can be undone until then) */
  at_period_end?: boolean;
  /**
   * With an immediate cancel: `prorated` refunds the unused whole days of the current paid period
   * (workflows/proration.ts), `full` the latest paid charge in full; default `none`.
   */
  refund?: 'none' | 'prorated' | 'full';
  /**
   * Withdrawal (청약철회): the merchant states the latest charge's content is unused; it is refunded in full when
   * the charge is at most 7 days old.
   */
  withdrawal?: boolean;
  /** the refund's reason as iamport records it */
  reason?: string;
}
/** A refund of one of the subscription's payments (default: the latest paid one, whatever is left of it). */
export interface RefundRequest {
  imp_uid?: string;
  amount?: number;
  reason: string;
}
/** The customer's answer to a price change's consent request. */
export interface ConsentDecision {
  change_id: string;
  decision: 'granted' | 'declined';
  /** where it was given: portal, app, kakao… */
  channel: string;
  /** when the customer gave it (ISO-8601) */
  at: string;
}
export type PlanChange = Partial<Plan>;
export interface PaymentMethodChange {
  customer_uid: string;
}

/** Updates answer with the subscription's state after the change, or fail with the reason it was refused. */
export const cancel = defineUpdate<SubscriptionView, [CancelRequest]>('cancel');
export const undoCancel = defineUpdate<SubscriptionView, []>('undoCancel');
export const pause = defineUpdate<SubscriptionView, []>('pause');
export const resume = defineUpdate<SubscriptionView, []>('resume');
export const changePlan = defineUpdate<SubscriptionView, [PlanChange]>('changePlan');
export const updatePaymentMethod = defineUpdate<SubscriptionView, [PaymentMethodChange]>('updatePaymentMethod');
export const refund = defineUpdate<SubscriptionView, [RefundRequest]>('refund');
export const consent = defineUpdate<SubscriptionView, [ConsentDecision]>('consent');
/** After needs_attention that only an operator can clear: charge the period again under a new merchant_uid. */
export const retry = defineUpdate<SubscriptionView, []>('retry');

/**
 * The same commands as a signal, for operators in Temporal UI (which sends signals): e.g.
 * `{"command": "cancel", "args": {"at_period_end": true}}`. A refused command shows up as the state's last_error.
 */
export type OperatorCommand =
  | { command: 'cancel'; args?: CancelRequest }
  | { command: 'undoCancel' }
  | { command: 'pause' }
  | { command: 'resume' }
  | { command: 'changePlan'; args: PlanChange }
  | { command: 'updatePaymentMethod'; args: PaymentMethodChange }
  | { command: 'retry' }
  | { command: 'refund'; args: RefundRequest }
  | { command: 'consent'; args: ConsentDecision };
export const operatorCommand = defineSignal<[OperatorCommand]>('operatorCommand');

export const getState = defineQuery<SubscriptionView>('getState');

/** Merchant events of this subscription: pending first (newest first), then the delivery log. */
export const getEvents = defineQuery<{ enabled: boolean; deliveries: Delivery[] }>('getEvents');
/** Sends an event again (the same id): a pending one at once, a delivered or failed one back into the outbox. */
export const redeliverEvent = defineUpdate<Delivery, [string]>('redeliverEvent');

/** Type names of the ApplicationFailures an update fails with; the HTTP server maps them to status codes. */
export const REJECTION = {
  /** the request itself is malformed (400) */
  invalid: 'InvalidRequest',
  /** the request does not fit the subscription's current status (409) */
  conflict: 'InvalidState',
  /** what the request names does not exist (404) */
  notFound: 'NotFound',
} as const;
