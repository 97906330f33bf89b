import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { PaymentNotification, Plan, SubscriptionState } from './types-v1';

/** iamport's webhook, forwarded by the HTTP receiver. The workflow verifies it before believing it. */
export const paymentNotification = defineSignal<[PaymentNotification]>('paymentNotification');

export interface CancelRequest {
  /** true: no further charge, ends when the paid period ends (can be undone until then) */
  at_period_end?: boolean;
}
export type PlanChange = Partial<Plan>;
export interface PaymentMethodChange {
  customer_uid: string;
}

/** Updates answer with the subscription's state after the change, or fail with the reason it was refused. */
export const cancel = defineUpdate<SubscriptionState, [CancelRequest]>('cancel');
export const undoCancel = defineUpdate<SubscriptionState, []>('undoCancel');
export const pause = defineUpdate<SubscriptionState, []>('pause');
export const resume = defineUpdate<SubscriptionState, []>('resume');
export const changePlan = defineUpdate<SubscriptionState, [PlanChange]>('changePlan');
export const updatePaymentMethod = defineUpdate<SubscriptionState, [PaymentMethodChange]>('updatePaymentMethod');

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
  | { command: 'updatePaymentMethod'; args: PaymentMethodChange };
export const operatorCommand = defineSignal<[OperatorCommand]>('operatorCommand');

export const getState = defineQuery<SubscriptionState>('getState');

/** Type names of the ApplicationFailures an update fails with; the HTTP server maps them to status codes. */
export const REJECTION = {
  /** the request itself is malformed (400) */
  invalid: 'InvalidRequest',
  /** the request does not fit the subscription's current status (409) */
  conflict: 'InvalidState',
} as const;
